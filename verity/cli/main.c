/* SPDX-License-Identifier: Apache-2.0 */
/* parma-verity: veritysetup-compatible format/verify/dump, plus root-hash,
   verified layer open/close, the rootfs stack check and mkimage. */
#include "verity/cli/cli.h"

#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct verb
{
  const char *name;
  int min_args, max_args;
  int (*fn) (struct cli_opts *o, parma_error_t *err);
  const char *usage;
};

static const struct verb verbs[] = {
  { "format", 2, 2, verb_format, "format DATA HASH [options]" },
  { "verify", 2, 3, verb_verify, "verify DATA HASH ROOT|--root-hash-file=F [options]" },
  { "dump", 1, 1, verb_dump, "dump HASH [--hash-offset=N]" },
  { "root-hash", 1, 1, verb_root_hash, "root-hash DATA [options]" },
  { "open", 3, 4, verb_open,
    "open DATA NAME HASH ROOT|--root-hash-file=F --state-dir=DIR --mount=DIR [options]" },
  { "close", 1, 1, verb_close, "close NAME --state-dir=DIR" },
  { "open-rootfs", 3, 502, verb_open_rootfs,
    "open-rootfs NAME TARGET LAYER-NAME... --state-dir=DIR [--scratch-size=BYTES]" },
  { "close-rootfs", 1, 1, verb_close_rootfs, "close-rootfs NAME --state-dir=DIR" },
  { "check-rootfs", 1, 1, verb_check_rootfs, "check-rootfs ROOTFS --state-dir=DIR --layer=ROOT..." },
  { "mkimage", 2, 2, verb_mkimage, "mkimage LAYER.tar[.gz] OUT.img" },
};

static void
usage (FILE *f)
{
  fprintf (f, "usage:\n");
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    fprintf (f, "  parma-verity %s\n", verbs[i].usage);
  fprintf (f, "see parma-verity(8)\n");
}

static void
warn_sink (const char *msg, void *data)
{
  (void)data;
  fprintf (stderr, "parma-verity: warning: %s\n", msg);
}

int
main (int argc, char **argv)
{
  parma_set_warn_sink (warn_sink, NULL);
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 1 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("parma-verity %s\n", PARMA_VERSION);
      return 0;
    }
  const struct verb *v = NULL;
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (strcmp (argv[1], verbs[i].name) == 0)
      v = &verbs[i];
  if (v == NULL)
    {
      fprintf (stderr, "parma-verity: unknown verb `%s`\n", argv[1]);
      usage (stderr);
      return 1;
    }
  parma_error_t err = NULL;
  struct cli_opts o;
  int ret = cli_parse (v->name, argc - 1, argv + 1, &o, &err);
  if (ret == 0 && (o.nargs < v->min_args || o.nargs > v->max_args))
    ret = parma_error_make (&err, EINVAL, "%s: usage: parma-verity %s", v->name, v->usage);
  if (ret == 0)
    ret = v->fn (&o, &err);
  cli_opts_release (&o);
  if (ret < 0 && err)
    {
      cleanup_free char *msg = parma_error_format (err);
      fprintf (stderr, "parma-verity: %s\n", msg);
      parma_error_release (&err);
      return 1;
    }
  /* A verb may return a positive exit status it already explained. */
  return ret < 0 ? 1 : ret;
}
