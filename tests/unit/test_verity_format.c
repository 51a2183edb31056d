/* SPDX-License-Identifier: Apache-2.0 */
/* The 18 veritysetup vectors of testdata/verity/expected.txt through the
   library: root hashes and hash-file bytes; superblock checks. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "tap.h"
#include "verity/internal.h"
#include "verity/verity.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *S_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const uint8_t U_RAW[16] = { 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78,
                                   0x9a, 0xbc, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };

static char *workdir;

static const char *
testdata (void)
{
  const char *d = getenv ("PARMA_TESTDATA");
  return d ? d : "../shared/testdata";
}

static char *
sha256_file (const char *path)
{
  char *buf = NULL;
  size_t len = 0;
  parma_error_t err = NULL;
  if (read_file_at (AT_FDCWD, path, 1 << 28, &buf, &len, &err) < 0)
    {
      parma_error_release (&err);
      return NULL;
    }
  uint8_t d[32];
  EVP_Digest (buf, len, d, NULL, EVP_sha256 (), NULL);
  free (buf);
  return hex_encode (d, 32);
}

/* byte[i] = i % 251, or zeros. */
static char *
make_input (const char *name, size_t size, bool zero)
{
  char *path = xasprintf ("%s/%s", workdir, name);
  cleanup_free uint8_t *b = xmalloc (size);
  for (size_t i = 0; i < size; i++)
    b[i] = zero ? 0 : (uint8_t)(i % 251);
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  parma_error_t err = NULL;
  if (fd < 0 || write_all_fd (fd, b, size, &err) < 0)
    abort ();
  return path;
}

/* Options of one expected.txt line, parsed the way the CLI would. */
static int
apply_opts (const char *opts, struct verity_params *p)
{
  verity_params_init (p);
  p->threads = 2;
  cleanup_free char *copy = xstrdup (opts);
  char *save = NULL;
  for (char *o = strtok_r (copy, " ", &save); o; o = strtok_r (NULL, " ", &save))
    {
      parma_error_t err = NULL;
      char *v = strchr (o, '=');
      if (v)
        *v++ = '\0';
      if (strcmp (o, "--salt") == 0)
        {
          const char *hex = strcmp (v, "S") == 0 ? S_HEX
                            : strcmp (v, "Z") == 0
                                ? "0000000000000000000000000000000000000000000000000000000000000000"
                                : v;
          if (strcmp (hex, "-") == 0)
            p->salt_size = 0;
          else
            {
              cleanup_free uint8_t *raw = NULL;
              if (hex_decode (hex, &raw, &p->salt_size, &err) < 0)
                return -1;
              memcpy (p->salt, raw, p->salt_size);
            }
        }
      else if (strcmp (o, "--uuid") == 0)
        {
          memcpy (p->uuid, U_RAW, 16);
          p->have_uuid = true;
        }
      else if (strcmp (o, "--no-superblock") == 0)
        p->no_superblock = true;
      else if (strcmp (o, "--format") == 0)
        p->hash_type = (uint32_t)atoi (v);
      else if (strcmp (o, "--hash") == 0)
        snprintf (p->hash_name, sizeof p->hash_name, "%s", v);
      else if (strcmp (o, "--data-block-size") == 0)
        p->data_block_size = (uint32_t)atoi (v);
      else if (strcmp (o, "--hash-block-size") == 0)
        p->hash_block_size = (uint32_t)atoi (v);
      else if (strcmp (o, "--data-blocks") == 0)
        p->data_blocks = strtoull (v, NULL, 10);
      else if (strcmp (o, "--hash-offset") == 0)
        p->hash_offset = strtoull (v, NULL, 10);
      else if (o[0] == '-')
        return -1;
    }
  return 0;
}

static int
test_all_vectors (void)
{
  cleanup_free char *exp_path = xasprintf ("%s/verity/expected.txt", testdata ());
  cleanup_free char *text = NULL;
  parma_error_t err = NULL;
  if (read_file_at (AT_FDCWD, exp_path, 1 << 20, &text, NULL, &err) < 0)
    {
      fprintf (stderr, "# %s missing\n", exp_path);
      parma_error_release (&err);
      return -1;
    }
  int cases = 0;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      if (line[0] == '#')
        continue;
      /* case|input|options|root|hash-file|sha256; case Q's hash-file
         column itself contains '|', so the sha256 is the last field. */
      char *f[12];
      char *s2 = NULL;
      int n = 0;
      for (char *t = strtok_r (line, "|", &s2); t && n < 12; t = strtok_r (NULL, "|", &s2))
        f[n++] = t;
      TAP_CHECK (n >= 6);
      f[5] = f[n - 1];
      const char *c = f[0];
      cleanup_free char *input = NULL, *hash = xasprintf ("%s/case-%s.hash", workdir, c);
      const char *opts = f[2];
      if (strcmp (c, "N") == 0)
        input = make_input ("pat-16385blk.img", 67112960, false);
      else if (strcmp (c, "K") == 0)
        input = make_input ("zero-1m.img", 1 << 20, true);
      else if (strcmp (c, "Q") == 0)
        {
          /* veritysetup format appended.img appended.img --hash-offset=... */
          input = make_input ("appended.img", 1 << 20, false);
          free (hash);
          hash = xstrdup (input);
          opts = strstr (opts, "--hash-offset");
          TAP_CHECK (opts != NULL);
        }
      else
        input = xasprintf ("%s/verity/%s", testdata (), f[1]);
      struct verity_params p;
      TAP_CHECK (apply_opts (opts, &p) == 0);
      if (strcmp (c, "Q") != 0)
        unlink (hash);
      uint8_t root[VERITY_MAX_DIGEST];
      size_t root_len = 0;
      if (verity_format (input, hash, &p, root, &root_len, &err) < 0)
        {
          cleanup_free char *m = parma_error_format (err);
          fprintf (stderr, "# case %s: %s\n", c, m);
          return -1;
        }
      cleanup_free char *hex = hex_encode (root, root_len);
      if (strcmp (hex, f[3]) != 0)
        {
          fprintf (stderr, "# case %s: root %s want %s\n", c, hex, f[3]);
          return -1;
        }
      /* root-hash (no file written) agrees with format. */
      uint8_t root2[VERITY_MAX_DIGEST];
      size_t len2;
      TAP_CHECK (verity_root_hash (input, &p, root2, &len2, &err) == 0);
      TAP_CHECK (len2 == root_len && memcmp (root, root2, len2) == 0);
      /* verify accepts its own output. */
      TAP_CHECK (verity_verify (input, hash, &p, root, root_len, NULL, &err) == 0);
      if (strcmp (f[5], "-") != 0)
        {
          cleanup_free char *sum = sha256_file (hash);
          if (sum == NULL || strcmp (sum, f[5]) != 0)
            {
              fprintf (stderr, "# case %s: hash file sha256 %s want %s\n", c, sum, f[5]);
              return -1;
            }
        }
      cases++;
      if (strcmp (c, "N") == 0 || strcmp (c, "Q") == 0 || strcmp (c, "K") == 0)
        unlink (input);
      unlink (hash);
    }
  TAP_CHECK (cases == 18);
  return 0;
}

static int
test_geometry (void)
{
  struct verity_params p;
  struct verity_geometry g;
  parma_error_t err = NULL;
  verity_params_init (&p);
  p.data_blocks = 1;
  TAP_CHECK (verity_geometry (&p, &g, &err) == 0 && g.levels == 0 && g.hash_blocks == 0);
  p.data_blocks = 16385; /* case N: 3 levels, 129 + 2 + 1 */
  TAP_CHECK (verity_geometry (&p, &g, &err) == 0 && g.levels == 3 && g.hash_blocks == 132);
  p.data_blocks = 256;
  p.hash_offset = 1048576; /* case Q */
  TAP_CHECK (verity_geometry (&p, &g, &err) == 0 && g.hash_start == 257);
  p.data_block_size = 3000;
  TAP_CHECK (verity_geometry (&p, &g, &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  verity_params_init (&p);
  strcpy (p.hash_name, "md5");
  TAP_CHECK (verity_params_check (&p, &err) < 0);
  parma_error_release (&err);
  verity_params_init (&p);
  p.no_superblock = true;
  p.hash_offset = 512;
  TAP_CHECK (verity_params_check (&p, &err) < 0);
  parma_error_release (&err);
  return 0;
}

/* Activation trusts the policy, not the superblock: each field the host
   could change is caught by verity_superblock_check. */
static int
test_superblock_check (void)
{
  cleanup_free char *data = xasprintf ("%s/verity/pat-1m.img", testdata ());
  cleanup_free char *hash = xasprintf ("%s/sb.hash", workdir);
  struct verity_params p;
  apply_opts ("--salt=S --uuid=U", &p);
  uint8_t root[VERITY_MAX_DIGEST];
  size_t len;
  parma_error_t err = NULL;
  unlink (hash);
  TAP_CHECK (verity_format (data, hash, &p, root, &len, &err) == 0);
  cleanup_close int fd = open (hash, O_RDWR | O_CLOEXEC);
  TAP_CHECK (fd >= 0);
  TAP_CHECK (verity_superblock_check (fd, &p, &err) == 0);
  struct verity_params read;
  verity_params_init (&read);
  TAP_CHECK (verity_superblock_read (fd, 0, &read, &err) == 0);
  TAP_CHECK (read.data_blocks == 256 && read.salt_size == 32
             && strcmp (read.hash_name, "sha256") == 0);
  /* Offsets: signature, algorithm, data_block_size, data_blocks, salt_size, salt, pad. */
  static const size_t offs[] = { 0, 8, 12, 32, 64, 72, 80, 90, 400 };
  for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
    {
      uint8_t b;
      TAP_CHECK (pread (fd, &b, 1, (off_t)offs[i]) == 1);
      uint8_t x = b ^ 0x01;
      TAP_CHECK (pwrite (fd, &x, 1, (off_t)offs[i]) == 1);
      int r = verity_superblock_check (fd, &p, &err);
      TAP_CHECK (pwrite (fd, &b, 1, (off_t)offs[i]) == 1);
      if (r == 0)
        {
          fprintf (stderr, "# flip at superblock offset %zu not caught\n", offs[i]);
          return -1;
        }
      parma_error_release (&err);
    }
  /* A policy with another salt or block count is refused. */
  struct verity_params q = p;
  q.salt[0] ^= 1;
  TAP_CHECK (verity_superblock_check (fd, &q, &err) < 0);
  parma_error_release (&err);
  q = p;
  q.data_blocks = 255;
  TAP_CHECK (verity_superblock_check (fd, &q, &err) < 0);
  parma_error_release (&err);
  unlink (hash);
  return 0;
}

static int
test_verify_wrong_root_and_truncation (void)
{
  cleanup_free char *data = make_input ("trunc.img", 1 << 20, false);
  cleanup_free char *hash = xasprintf ("%s/trunc.hash", workdir);
  struct verity_params p;
  apply_opts ("--salt=S", &p);
  uint8_t root[VERITY_MAX_DIGEST];
  size_t len;
  parma_error_t err = NULL;
  unlink (hash);
  TAP_CHECK (verity_format (data, hash, &p, root, &len, &err) == 0);
  root[3] ^= 0x80;
  TAP_CHECK (verity_verify (data, hash, &p, root, len, NULL, &err) < 0 && err->status == EFAULT);
  parma_error_release (&err);
  root[3] ^= 0x80;
  TAP_CHECK (truncate (data, (1 << 20) - 4096) == 0);
  TAP_CHECK (verity_verify (data, hash, &p, root, len, NULL, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (truncate (hash, 8192) == 0);
  free (make_input ("trunc.img", 1 << 20, false));
  TAP_CHECK (verity_verify (data, hash, &p, root, len, NULL, &err) < 0);
  parma_error_release (&err);
  unlink (hash);
  unlink (data);
  return 0;
}

/* The superblock parser on hostile bytes: random blocks and single-bit
   changes of a valid one never crash it, and whatever it accepts passes
   the parameter rules (seeded, deterministic). */
static int
test_superblock_random (void)
{
  cleanup_free char *path = xasprintf ("%s/rand.sb", workdir);
  struct verity_params p;
  apply_opts ("--salt=S --uuid=U", &p);
  p.data_blocks = 256;
  struct verity_sb valid;
  verity_sb_encode (&p, &valid);
  unsigned seed = 12345;
  int accepted = 0;
  for (int i = 0; i < 2000; i++)
    {
      struct verity_sb sb = valid;
      uint8_t *b = (uint8_t *)&sb;
      if (i % 2 == 0)
        b[rand_r (&seed) % sizeof sb] ^= (uint8_t)(1u << (rand_r (&seed) % 8));
      else
        for (size_t k = 0; k < sizeof sb; k++)
          b[k] = (uint8_t)rand_r (&seed);
      if (i % 4 == 1)
        memcpy (sb.signature, "verity\0\0", 8), sb.version = 1; /* get past the magic */
      cleanup_close int fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      parma_error_t err = NULL;
      TAP_CHECK (fd >= 0 && write_all_fd (fd, &sb, sizeof sb, &err) == 0);
      struct verity_params got;
      verity_params_init (&got);
      if (verity_superblock_read (fd, 0, &got, &err) == 0)
        {
          accepted++;
          TAP_CHECK (verity_params_check (&got, &err) == 0 && got.data_blocks > 0);
        }
      else
        parma_error_release (&err);
      /* The policy check accepts only the exact valid block. */
      if (verity_superblock_check (fd, &p, &err) == 0)
        TAP_CHECK (memcmp (&sb, &valid, sizeof sb) == 0 || memcmp (sb.uuid, valid.uuid, 16) != 0);
      else
        parma_error_release (&err);
    }
  fprintf (stderr, "# %d of 2000 mutated superblocks parsed\n", accepted);
  unlink (path);
  return 0;
}

/* Thread count never changes a byte: 1..7 threads over an odd block count
   (uneven shares) give the same root. */
static int
test_threads_agree (void)
{
  cleanup_free char *img = make_input ("threads.img", 4099 * 512, false);
  struct verity_params p;
  apply_opts ("--salt=S --data-block-size=512 --hash-block-size=512", &p);
  uint8_t first[VERITY_MAX_DIGEST];
  size_t len = 0;
  parma_error_t err = NULL;
  for (unsigned t = 1; t <= 7; t++)
    {
      uint8_t root[VERITY_MAX_DIGEST];
      size_t l;
      p.threads = t;
      TAP_CHECK (verity_root_hash (img, &p, root, &l, &err) == 0);
      if (t == 1)
        memcpy (first, root, len = l);
      TAP_CHECK (l == len && memcmp (root, first, l) == 0);
    }
  unlink (img);
  return 0;
}

/* The layer convention is hcsshim's: case Q's parameters and root. */
static int
test_layer_convention (void)
{
  cleanup_free char *img = make_input ("layer.img", 1 << 20, false);
  struct verity_params p;
  verity_params_init_layer (&p, 1 << 20);
  TAP_CHECK (p.hash_offset == 1048576 && p.data_blocks == 256 && p.salt_size == 32);
  uint8_t root[VERITY_MAX_DIGEST];
  size_t len;
  parma_error_t err = NULL;
  TAP_CHECK (verity_root_hash (img, &p, root, &len, &err) == 0);
  cleanup_free char *hex = hex_encode (root, len);
  TAP_CHECK_STR (hex, "f7a2c03353a573af9c62e51838050ae1057f7bf1a92f43510e6c0599ff483866");
  unlink (img);
  return 0;
}

static int
setup (void)
{
  workdir = xstrdup ("/tmp/parma-unit-verity-XXXXXX");
  return mkdtemp (workdir) ? 0 : -1;
}

static int
teardown (void)
{
  return rmdir (workdir) == 0 ? 0 : -1;
}

TAP_MAIN ({ "setup", setup }, { "all 18 veritysetup vectors", test_all_vectors },
          { "geometry and parameter checks", test_geometry },
          { "superblock checked field by field", test_superblock_check },
          { "verify: wrong root, truncated data and hash", test_verify_wrong_root_and_truncation },
          { "layer convention = hcsshim (case L/Q root)", test_layer_convention },
          { "superblock parser on random and mutated blocks", test_superblock_random },
          { "1..7 threads give the same root", test_threads_agree }, { "teardown", teardown })
