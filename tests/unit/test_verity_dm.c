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

#include <string.h>

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

TAP_MAIN ({ "case C: veritysetup's table line", test_case_c },
          { "no superblock, 512-byte blocks, empty salt, format 0", test_no_superblock_and_small_blocks },
          { "hcsshim's appended layout", test_hcsshim_appended });
