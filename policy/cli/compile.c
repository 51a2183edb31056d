/* SPDX-License-Identifier: Apache-2.0 */
/* compile, hash, lint, diff. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "policy/cli/cli.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static int
bad_usage (parma_error_t *err, const char *verb)
{
  return parma_error_make (err, EINVAL, "%s: bad arguments (see parma-policy(1))", verb);
}

int
verb_compile (int argc, char **argv, parma_error_t *err)
{
  const char *in = NULL, *out = NULL;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "-o") == 0 && i + 1 < argc)
      out = argv[++i];
    else if (in == NULL)
      in = argv[i];
    else
      return bad_usage (err, "compile");
  if (in == NULL)
    return bad_usage (err, "compile");
  cleanup_policy struct policy *p = NULL;
  if (cli_load_policy (in, &p, err) < 0)
    return -1;
  size_t len;
  const char *c = policy_canonical (p, &len);
  cleanup_free char *line = xasprintf ("%.*s\n", (int) len, c);
  return cli_write_out (out, line, len + 1, err) < 0 ? -1 : 0;
}

int
verb_hash (int argc, char **argv, parma_error_t *err)
{
  const char *in = NULL;
  bool b64 = false;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--base64") == 0)
      b64 = true;
    else if (in == NULL)
      in = argv[i];
    else
      return bad_usage (err, "hash");
  if (in == NULL)
    return bad_usage (err, "hash");
  cleanup_policy struct policy *p = NULL;
  if (cli_load_policy (in, &p, err) < 0)
    return -1;
  cleanup_free char *hex = hex_encode (policy_sha256 (p), POLICY_SHA256_LEN);
  printf ("%s\n", hex);
  if (b64)
    {
      /* QEMU's sev-snp-guest host-data= takes the 32 bytes in base64. */
      unsigned char out[64];
      EVP_EncodeBlock (out, policy_sha256 (p), POLICY_SHA256_LEN);
      printf ("%s\n", out);
    }
  return 0;
}

int
verb_lint (int argc, char **argv, parma_error_t *err)
{
  if (argc != 2)
    return bad_usage (err, "lint");
  cleanup_policy struct policy *p = NULL;
  if (cli_load_policy (argv[1], &p, err) < 0)
    return -1;
  cleanup_strv char **findings = NULL;
  size_t n = policy_lint (p, &findings);
  for (size_t i = 0; i < n; i++)
    printf ("%s: %s\n", argv[1], findings[i]);
  return n ? 1 : 0;
}

int
verb_diff (int argc, char **argv, parma_error_t *err)
{
  if (argc != 3)
    return bad_usage (err, "diff");
  cleanup_policy struct policy *a = NULL;
  cleanup_policy struct policy *b = NULL;
  if (cli_load_policy (argv[1], &a, err) < 0 || cli_load_policy (argv[2], &b, err) < 0)
    return -1;
  cleanup_strv char **lines = NULL;
  size_t n = policy_diff (a, b, &lines);
  for (size_t i = 0; i < n; i++)
    printf ("%s\n", lines[i]);
  return n ? 1 : 0;
}
