/* SPDX-License-Identifier: Apache-2.0 */
/* parma-policy: compile, hash, lint, check, diff and generate execution
   policies (parma-policy(1), format in parma-policy(5)). */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct
{
  const char *name;
  int (*fn) (int, char **, parma_error_t *);
} verbs[] = {
  { "compile", verb_compile }, { "hash", verb_hash }, { "lint", verb_lint },
  { "diff", verb_diff },       { "check", verb_check }, { "gen", verb_gen },
  { "bench", verb_bench }, /* hidden: micro-benchmark */
  { "owner", verb_owner },
};

int
cli_load_policy (const char *path, struct policy **out, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int ret = strcmp (path, "-") == 0 ? read_all_fd (0, POLICY_MAX_DOCUMENT, &buf, &len, err)
                                    : read_file_at (AT_FDCWD, path, POLICY_MAX_DOCUMENT, &buf, &len, err);
  if (ret < 0)
    return ret;
  if (policy_load (buf, len, out, err) < 0)
    return parma_error_wrap (err, "%s", path);
  return 0;
}

int
cli_load_bundle (const char *dir, bool allow_unknown, struct oci_config **out, parma_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/config.json", dir);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, path, OCI_MAX_DOCUMENT, &buf, &len, err) < 0)
    return -1;
  struct oci_read_options o = { .allow_unknown = allow_unknown };
  if (oci_config_parse (buf, len, &o, out, err) < 0)
    return parma_error_wrap (err, "%s", path);
  strv_free (o.dropped_keys);
  return 0;
}

int
cli_write_out (const char *path, const char *buf, size_t len, parma_error_t *err)
{
  if (path == NULL || strcmp (path, "-") == 0)
    return write_all_fd (1, buf, len, err);
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", path);
  return write_all_fd (fd, buf, len, err);
}

char *
cli_re_escape (const char *s)
{
  size_t n = strlen (s);
  char *out = xmalloc (2 * n + 1), *o = out;
  for (; *s; s++)
    {
      if (strchr (".[]{}()\\*+?^$|", *s))
        *o++ = '\\';
      *o++ = *s;
    }
  *o = '\0';
  return out;
}

static void
usage (FILE *f)
{
  fputs ("usage: parma-policy compile POLICY [-o OUT]\n"
         "       parma-policy hash POLICY [--base64]\n"
         "       parma-policy lint POLICY\n"
         "       parma-policy check POLICY --bundle DIR [--process FILE] [--explain]\n"
         "              [--fragment DOC SIG]...\n"
         "       parma-policy diff OLD NEW\n"
         "       parma-policy gen --bundle DIR [--exec PROCESS.json]... [-o OUT]\n"
         "       parma-policy gen --oci-layout DIR[:TAG] [--diff-ids] [--name NAME] [-o OUT]\n"
         "       parma-policy gen --open-door [-o OUT]\n"
         "       parma-policy gen --pod MANIFEST.json --pause-image NAME=DIR[:REF]\n"
         "              [--image NAME=DIR[:REF]]... [--exec CONTAINER=JSON-ARGV]...\n"
         "              [--diff-ids | --any-rootfs] [-o OUT]\n"
         "       parma-policy owner keygen PREFIX [--algorithm ed25519|ecdsa-p384] [--id ID]\n"
         "              [--operations exec,signal,fragment,checkpoint]\n"
         "       parma-policy owner verify-challenge CHALLENGE --policy POLICY\n"
         "              [--simulator-ark PEM] [--at UNIXTIME]\n"
         "       parma-policy owner sign --key KEY --key-id ID --challenge CHALLENGE --op OP\n"
         "              [--container ID] [--process FILE | --signal N [--all] | --fragment FILE]\n"
         "              [--expires UNIXTIME | --ttl SECONDS] [--policy POLICY [--simulator-ark PEM]]\n"
         "       parma-policy owner inspect TOKEN|- [--policy POLICY]\n",
         f);
}

int
main (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("parma-policy %s\n", PARMA_VERSION);
      return 0;
    }
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (strcmp (verbs[i].name, argv[1]) == 0)
      {
        parma_error_t err = NULL;
        int ret = verbs[i].fn (argc - 1, argv + 1, &err);
        if (ret < 0)
          {
            /* A bad field, a bad signature or a wrong digest is fully
               described by its message; strerror would only add noise. */
            bool plain = err->status == EINVAL || err->status == EPERM || err->status == EFAULT;
            cleanup_free char *msg = plain ? xstrdup (err->msg) : parma_error_format (err);
            fprintf (stderr, "parma-policy: %s\n", msg);
            parma_error_release (&err);
            return 1;
          }
        return ret;
      }
  fprintf (stderr, "parma-policy: unknown verb `%s`\n", argv[1]);
  usage (stderr);
  return 2;
}
