/* SPDX-License-Identifier: Apache-2.0 */
/* parma-snp: report, show, verify (DESIGN §9).  Only this file prints
   errors: "parma-snp: <msg>" on one line. */
#include "snp/cli/cli.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct verb
{
  const char *name;
  int (*fn) (int argc, char **argv, parma_error_t *err);
  const char *usage;
};

static const struct verb verbs[] = {
  { "show", verb_show, "show REPORT [--json]" },
  { "verify", verb_verify,
    "verify REPORT --chain PEM [--vcek CERT] [--at UNIXTIME] [--host-data HEX]\n"
    "         [--measurement HEX] [--report-data HEX] [--vmpl N] [--allow-debug]\n"
    "         [--allow-provisional-tcb] [--allow-migrate-ma] [--min-tcb TCB] [--product "
    "Milan|Genoa|Turin]\n"
    "         [--family-id HEX] [--image-id HEX] [--min-guest-svn N]\n"
    "         [--allow-simulator --simulator-ark CERT] [--crl CRL]" },
  { "report", verb_report,
    "report [--backend sev-guest|tsm|sim] [--report-data HEX] [--out FILE] [--certs FILE]\n"
    "         [--vmpl N] [--device PATH] [--tsm-dir PATH] [--sim-dir DIR]\n"
    "         [--sim-host-data HEX] [--sim-version N] [--sim-product NAME]\n"
    "         [--sim-policy HEX]" },
};

static void
usage (FILE *f)
{
  fprintf (f, "usage: parma-snp VERB ...\n");
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    fprintf (f, "  parma-snp %s\n", verbs[i].usage);
}

int
cli_hex_arg (const char *opt, const char *hex, size_t want, uint8_t **out, parma_error_t *err)
{
  cleanup_free uint8_t *buf = NULL;
  size_t len = 0;
  if (hex_decode (hex, &buf, &len, err) < 0)
    return parma_error_wrap (err, "%s", opt);
  if (len != want)
    return parma_error_make (err, EINVAL, "%s: %zu bytes of hex, want %zu", opt, len, want);
  *out = steal_pointer (&buf);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      usage (stderr);
      return CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("parma-snp %s\n", PARMA_VERSION);
      return 0;
    }
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    {
      if (strcmp (argv[1], verbs[i].name) != 0)
        continue;
      parma_error_t err = NULL;
      int ret = verbs[i].fn (argc - 1, argv + 1, &err);
      if (ret >= 0)
        return ret;
      /* EINVAL/EPERM mean bad data or a failed check, not a system error:
         the message says it all. */
      if (err->status == EINVAL || err->status == EPERM)
        fprintf (stderr, "parma-snp: %s\n", err->msg);
      else
        {
          cleanup_free char *msg = parma_error_format (err);
          fprintf (stderr, "parma-snp: %s\n", msg);
        }
      parma_error_release (&err);
      return ret == -CLI_EXIT_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
  fprintf (stderr, "parma-snp: unknown verb `%s`\n", argv[1]);
  usage (stderr);
  return CLI_EXIT_USAGE;
}
