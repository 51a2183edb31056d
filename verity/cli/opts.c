/* SPDX-License-Identifier: Apache-2.0 */
/* veritysetup's option set (cryptsetup src/veritysetup.c) plus parma's. */
#include "verity/cli/cli.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum
{
  OPT_NO_SB = 256,
  OPT_FORMAT,
  OPT_DBS,
  OPT_HBS,
  OPT_DATA_BLOCKS,
  OPT_HASH_OFFSET,
  OPT_SALT,
  OPT_UUID,
  OPT_HASH,
  OPT_THREADS,
  OPT_STATE_DIR,
  OPT_MOUNT,
  OPT_ALLOW,
  OPT_LAYER,
  OPT_NO_DM,
  OPT_DM_ONLY,
  OPT_ALLOW_FALLBACK,
  OPT_SCRATCH_SIZE,
  OPT_TAR2SQFS,
  OPT_ROOT_HASH_FILE,
  OPT_IGNORED,
};

static const struct option long_opts[] = {
  { "no-superblock", no_argument, NULL, OPT_NO_SB },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "data-block-size", required_argument, NULL, OPT_DBS },
  { "hash-block-size", required_argument, NULL, OPT_HBS },
  { "data-blocks", required_argument, NULL, OPT_DATA_BLOCKS },
  { "hash-offset", required_argument, NULL, OPT_HASH_OFFSET },
  { "salt", required_argument, NULL, OPT_SALT },
  { "uuid", required_argument, NULL, OPT_UUID },
  { "hash", required_argument, NULL, OPT_HASH },
  { "threads", required_argument, NULL, OPT_THREADS },
  { "verbose", no_argument, NULL, 'v' },
  { "batch-mode", no_argument, NULL, OPT_IGNORED },
  { "state-dir", required_argument, NULL, OPT_STATE_DIR },
  { "mount", required_argument, NULL, OPT_MOUNT },
  { "allow-root-hash", required_argument, NULL, OPT_ALLOW },
  { "layer", required_argument, NULL, OPT_LAYER },
  { "no-dm", no_argument, NULL, OPT_NO_DM },
  { "dm-only", no_argument, NULL, OPT_DM_ONLY },
  { "allow-fallback", no_argument, NULL, OPT_ALLOW_FALLBACK },
  { "scratch-size", required_argument, NULL, OPT_SCRATCH_SIZE },
  { "tar2sqfs", required_argument, NULL, OPT_TAR2SQFS },
  { "root-hash-file", required_argument, NULL, OPT_ROOT_HASH_FILE },
  { NULL, 0, NULL, 0 },
};

static int
parse_u64 (const char *name, const char *s, int64_t min, int64_t max, uint64_t *out,
           parma_error_t *err)
{
  int64_t v;
  if (parse_int64 (s, min, max, &v) < 0)
    return parma_error_make (err, EINVAL, "--%s: `%s` is not an integer in %lld..%lld", name, s,
                             (long long)min, (long long)max);
  *out = (uint64_t)v;
  return 0;
}

/* "12345678-1234-5678-9abc-123456789abc" -> 16 raw bytes. */
static int
parse_uuid (const char *s, uint8_t out[16], parma_error_t *err)
{
  char hex[33];
  size_t n = 0;
  for (size_t i = 0; s[i]; i++)
    {
      bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash_pos != (s[i] == '-') || i >= 36)
        return parma_error_make (err, EINVAL, "--uuid: `%s` is not a UUID", s);
      if (!dash_pos)
        hex[n++] = s[i];
    }
  if (n != 32)
    return parma_error_make (err, EINVAL, "--uuid: `%s` is not a UUID", s);
  hex[32] = '\0';
  cleanup_free uint8_t *raw = NULL;
  size_t len;
  if (hex_decode (hex, &raw, &len, err) < 0 || len != 16)
    return parma_error_wrap (err, "--uuid");
  memcpy (out, raw, 16);
  return 0;
}

static int
parse_salt (const char *s, struct verity_params *p, parma_error_t *err)
{
  if (strcmp (s, "-") == 0)
    {
      p->salt_size = 0;
      return 0;
    }
  cleanup_free uint8_t *raw = NULL;
  size_t len;
  if (hex_decode (s, &raw, &len, err) < 0)
    return parma_error_wrap (err, "--salt");
  if (len > VERITY_MAX_SALT)
    return parma_error_make (err, EINVAL, "--salt: longer than %d bytes", VERITY_MAX_SALT);
  memcpy (p->salt, raw, len);
  p->salt_size = len;
  return 0;
}

static void
strv_push (char ***v, const char *s)
{
  size_t n = strv_len (*v);
  *v = xreallocarray (*v, n + 2, sizeof **v);
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

static int
parse_one (int c, const char *arg, struct cli_opts *o, parma_error_t *err)
{
  struct verity_params *p = &o->params;
  uint64_t v = 0;
  switch (c)
    {
    case OPT_NO_SB:
      p->no_superblock = true;
      return 0;
    case OPT_FORMAT:
      o->format_given = true;
      if (parse_u64 ("format", arg, 0, 1, &v, err) < 0)
        return -1;
      p->hash_type = (uint32_t)v;
      return 0;
    case OPT_DBS:
    case OPT_HBS:
      if (parse_u64 (c == OPT_DBS ? "data-block-size" : "hash-block-size", arg, 512, 512 << 10, &v,
                     err)
          < 0)
        return -1;
      *(c == OPT_DBS ? &p->data_block_size : &p->hash_block_size) = (uint32_t)v;
      *(c == OPT_DBS ? &o->dbs_given : &o->hbs_given) = true;
      return 0;
    case OPT_DATA_BLOCKS:
      o->blocks_given = true;
      return parse_u64 ("data-blocks", arg, 1, INT64_MAX, &p->data_blocks, err);
    case OPT_HASH_OFFSET:
      return parse_u64 ("hash-offset", arg, 0, INT64_MAX, &p->hash_offset, err);
    case OPT_SALT:
      o->salt_given = true;
      return parse_salt (arg, p, err);
    case OPT_UUID:
      p->have_uuid = true;
      return parse_uuid (arg, p->uuid, err);
    case OPT_HASH:
      o->hash_given = true;
      if (strlen (arg) >= sizeof p->hash_name || verity_digest_size (arg) == 0)
        return parma_error_make (err, EINVAL, "--hash: `%s` is not sha1, sha256 or sha512", arg);
      strcpy (p->hash_name, arg);
      return 0;
    case OPT_THREADS:
      if (parse_u64 ("threads", arg, 1, 256, &v, err) < 0)
        return -1;
      p->threads = (unsigned)v;
      return 0;
    case 'v':
      o->verbose = true;
      return 0;
    case OPT_STATE_DIR:
      o->state_dir = arg;
      return 0;
    case OPT_MOUNT:
      o->mount_point = arg;
      return 0;
    case OPT_ALLOW:
      strv_push (&o->allowed, arg);
      return 0;
    case OPT_LAYER:
      strv_push (&o->layers, arg);
      return 0;
    case OPT_NO_DM:
      o->no_dm = true;
      return 0;
    case OPT_DM_ONLY:
      o->dm_only = true;
      return 0;
    case OPT_ALLOW_FALLBACK:
      o->allow_fallback = true;
      return 0;
    case OPT_SCRATCH_SIZE:
      return parse_u64 ("scratch-size", arg, 1, INT64_MAX, &o->scratch_bytes, err);
    case OPT_TAR2SQFS:
      o->tar2sqfs = arg;
      return 0;
    case OPT_ROOT_HASH_FILE:
      o->root_hash_file = arg;
      return 0;
    case OPT_IGNORED:
      return 0;
    default:
      return parma_error_make (err, EINVAL, "unknown option");
    }
}

int
cli_parse (const char *verb, int argc, char **argv, struct cli_opts *o, parma_error_t *err)
{
  memset (o, 0, sizeof *o);
  verity_params_init (&o->params);
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long (argc, argv, "vq", long_opts, NULL)) != -1)
    {
      if (c == '?' || c == ':')
        return parma_error_make (err, EINVAL, "%s: unknown option or missing value `%s`", verb,
                                 argv[optind - 1]);
      if (c == 'q')
        continue;
      if (parse_one (c, optarg, o, err) < 0)
        return parma_error_wrap (err, "%s", verb);
    }
  /* getopt_long permutes: options may follow the positionals, as with
     veritysetup. */
  o->args = argv + optind;
  o->nargs = argc - optind;
  return 0;
}

void
cli_opts_release (struct cli_opts *o)
{
  strv_free (o->allowed);
  strv_free (o->layers);
  o->allowed = o->layers = NULL;
}

int
cli_root_hex (struct cli_opts *o, int index, char **out, parma_error_t *err)
{
  if (o->nargs > index)
    {
      if (o->root_hash_file)
        return parma_error_make (err, EINVAL,
                                 "root hash given twice (argument and --root-hash-file)");
      *out = xstrdup (o->args[index]);
      return 0;
    }
  if (o->root_hash_file == NULL)
    return parma_error_make (err, EINVAL, "root hash: missing (argument or --root-hash-file)");
  char *text = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, o->root_hash_file, 4096, &text, &len, err) < 0)
    return parma_error_wrap (err, "--root-hash-file");
  while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
    text[--len] = '\0';
  *out = text;
  return 0;
}
