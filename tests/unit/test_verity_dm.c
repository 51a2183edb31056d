/* SPDX-License-Identifier: Apache-2.0 */
/* The dm-verity table line (dm.c) against the reference vectors'
   parameters and the line cryptsetup's get_dm_verity_params builds for
   them (../shared/testdata/verity/README.md: "dm table", case C's example
   and hcsshim's appended form).  tests/verity/dm.sh runs the ioctls
   themselves against a stand-in control device. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "tap.h"
#include "verity/internal.h"
#include "verity/verity.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const S_HEX = "000102030405060708090a0b0c0d0e0f"
                                 "101112131415161718191a1b1c1d1e1f";
static const char *const Z_HEX = "00000000000000000000000000000000"
                                 "00000000000000000000000000000000";
static const char *const ROOT_C
    = "e854e642001d2fe840f32378986ab89dcd574401f61519b97d58bb25b4df6a3c";

static char *
line_for (struct verity_params *p, const char *data, const char *hash)
{
  struct verity_geometry g;
  parma_error_t err = NULL;
  if (verity_geometry (p, &g, &err) < 0)
    {
      parma_error_release (&err);
      return NULL;
    }
  return verity_dm_table (data, hash, p, &g, ROOT_C);
}

static void
salt_s (struct verity_params *p)
{
  for (size_t i = 0; i < 32; i++)
    p->salt[i] = (uint8_t)i;
  p->salt_size = 32;
}

static int
test_case_c (void)
{
  /* C: pat-1m, --salt=S, separate hash file with a superblock. */
  struct verity_params p;
  verity_params_init (&p);
  salt_s (&p);
  p.data_blocks = 256;
  cleanup_free char *line = line_for (&p, "/dev/D", "/dev/H");
  cleanup_free char *want = xasprintf ("1 /dev/D /dev/H 4096 4096 256 1 sha256 %s %s", ROOT_C, S_HEX);
  TAP_CHECK_STR (line, want);
  return 0;
}

static int
test_no_superblock_and_small_blocks (void)
{
  /* D: --no-superblock: the tree starts at block 0. */
  struct verity_params p;
  verity_params_init (&p);
  salt_s (&p);
  p.data_blocks = 256;
  p.no_superblock = true;
  cleanup_free char *d = line_for (&p, "/dev/D", "/dev/H");
  TAP_CHECK (d && strstr (d, " 4096 4096 256 0 sha256 ") != NULL);
  /* G: 512/512 blocks: 2048 data blocks, the superblock fills block 0. */
  verity_params_init (&p);
  salt_s (&p);
  p.data_block_size = p.hash_block_size = 512;
  p.data_blocks = 2048;
  cleanup_free char *g = line_for (&p, "/dev/D", "/dev/H");
  TAP_CHECK (g && strstr (g, " 512 512 2048 1 sha256 ") != NULL);
  /* E and P: an empty salt is "-"; format 0 and sha1 as given. */
  verity_params_init (&p);
  p.data_blocks = 256;
  p.hash_type = 0;
  strcpy (p.hash_name, "sha1");
  cleanup_free char *e = line_for (&p, "/dev/D", "/dev/H");
  TAP_CHECK (e && strncmp (e, "0 /dev/D /dev/H ", 16) == 0 && strstr (e, " sha1 ") != NULL);
  TAP_CHECK (e && strcmp (e + strlen (e) - 2, " -") == 0);
  return 0;
}

static int
test_hcsshim_appended (void)
{
  /* Q / hcsshim: data and tree on one device, superblock at the end of
     the data: hash_start = data_blocks + 1 (targets.go). */
  struct verity_params p;
  verity_params_init_layer (&p, 1048576);
  cleanup_free char *line = line_for (&p, "/dev/L", "/dev/L");
  cleanup_free char *want
      = xasprintf ("1 /dev/L /dev/L 4096 4096 256 257 sha256 %s %s", ROOT_C, Z_HEX);
  TAP_CHECK_STR (line, want);
  return 0;
}

/* What the layer record keeps and the check compares: the line as the
   kernel reports it, devices by number, sectors of 512 bytes. */
static int
test_live_table (void)
{
  struct verity_params p;
  verity_params_init (&p);
  salt_s (&p);
  p.data_blocks = 256;
  parma_error_t err = NULL;
  cleanup_free char *line = verity_dm_live_table (makedev (7, 1), makedev (259, 300), &p, ROOT_C, &err);
  cleanup_free char *want
      = xasprintf ("0 2048 verity 1 7:1 259:300 4096 4096 256 1 sha256 %s %s", ROOT_C, S_HEX);
  TAP_CHECK_STR (line, want);
  /* 512-byte data blocks: one sector each. */
  p.data_block_size = p.hash_block_size = 512;
  p.data_blocks = 2048;
  cleanup_free char *small = verity_dm_live_table (makedev (7, 1), makedev (7, 1), &p, ROOT_C, &err);
  TAP_CHECK (small && strncmp (small, "0 2048 verity 1 7:1 7:1 512 512 2048 ", 37) == 0);
  return 0;
}

/* dm_table and the dm device round-trip through the layer record; a
   record without them reads back with none (the check then refuses it). */
static int
test_record_dm_fields (void)
{
  char dir[] = "/tmp/parma-test-dm-XXXXXX";
  if (mkdtemp (dir) == NULL)
    return -1;
  struct verity_record r = { .name = "l", .root_hash = (char *)ROOT_C, .mount_point = "/m",
                             .device = "/s/layers/l.dev", .source = "/i", .fstype = "squashfs",
                             .backend = "dm-verity", .dm_name = "l", .dm_table = "0 8 verity x",
                             .dm_major = 254, .dm_minor = 3, .dev_major = 254, .dev_minor = 3 };
  parma_error_t err = NULL;
  struct verity_record back;
  int ret = verity_record_write (dir, &r, &err);
  TAP_CHECK (ret == 0);
  TAP_CHECK (verity_record_read (dir, "l", &back, &err) == 0);
  TAP_CHECK_STR (back.dm_table, "0 8 verity x");
  TAP_CHECK (back.dm_major == 254 && back.dm_minor == 3);
  verity_record_release (&back);
  r.dm_table = NULL;
  TAP_CHECK (verity_record_write (dir, &r, &err) == 0);
  TAP_CHECK (verity_record_read (dir, "l", &back, &err) == 0);
  TAP_CHECK (back.dm_table == NULL && back.dm_major == 0 && back.dm_minor == 0);
  verity_record_release (&back);
  verity_record_remove (dir, "l", &err);
  cleanup_free char *layers = xasprintf ("%s/layers", dir);
  rmdir (layers);
  rmdir (dir);
  return 0;
}

/* Without the control device there is nothing to check against: refused. */
static int
test_check_fails_closed (void)
{
  if (verity_dm_available ())
    return 77;
  parma_error_t err = NULL;
  TAP_CHECK (verity_dm_check ("l", 254, 3, "0 8 verity x", &err) < 0);
  TAP_CHECK (err && err->status == ENOENT && strstr (err->msg, "dm-verity device `l`") != NULL);
  parma_error_release (&err);
  return 0;
}

TAP_MAIN ({ "case C: veritysetup's table line", test_case_c },
          { "the live table as the kernel reports it", test_live_table },
          { "dm_table in the layer record", test_record_dm_fields },
          { "the table check fails closed without the control device", test_check_fails_closed },
          { "no superblock, 512-byte blocks, empty salt, format 0", test_no_superblock_and_small_blocks },
          { "hcsshim's appended layout", test_hcsshim_appended });
