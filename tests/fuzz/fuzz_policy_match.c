/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the matcher (policy × request).  The input is
   POLICY NUL CONFIG [NUL PROCESS]: the policy is loaded, the config and
   process are read strictly as OCI documents, then create, exec and signal
   decisions run against the in-memory policy and against its compiled
   cache image; both must agree (the runtime decides with the image,
   parma-policy check with the in-memory form). */
#include "common/cleanup.h"
#include "common/error.h"
#include "common/oci.h"
#include "policy/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const fuzz_layers[] = {
  "0000000000000000000000000000000000000000000000000000000000000000",
  "1111111111111111111111111111111111111111111111111111111111111111",
};

/* Splits at the next NUL: returns the part before it and advances *rest. */
static const char *
next_part (const char **rest, const char *end, size_t *len)
{
  const char *start = *rest;
  const char *nul = memchr (start, '\0', (size_t) (end - start));
  *len = (size_t) ((nul ? nul : end) - start);
  *rest = nul ? nul + 1 : end;
  return start;
}

static int
decide (struct policy *p, const struct oci_config *cfg, const struct oci_process *proc,
        const struct policy_context *ctx)
{
  parma_error_t err = NULL;
  struct policy_verdict v = { 0 };
  int allowed = -1;
  if (policy_prefetch_create (p, cfg, ctx, &err) < 0)
    abort (); /* in memory: never fails */
  int r = policy_match_create (p, cfg, ctx, &v, &err);
  if (r < 0 && (err == NULL || err->msg == NULL || strchr (err->msg, '\n') != NULL))
    abort ();
  if (r == 0 && !v.allowed)
    abort ();
  allowed = r == 0;
  size_t index = v.container_index;
  parma_error_release (&err);
  policy_verdict_release (&v);
  if (index == POLICY_NO_CONTAINER || index >= policy_n_containers (p))
    return allowed;
  if (proc)
    {
      struct policy_verdict e = { 0 };
      if (policy_match_exec (p, index, proc, ctx, &e, &err) == 0)
        allowed |= 2;
      parma_error_release (&err);
      policy_verdict_release (&e);
    }
  for (int sig = 0; sig <= 65; sig += 9)
    {
      if (policy_check_signal (p, index, POLICY_NO_CONTAINER, sig, &err) == 0)
        allowed |= 4 << (sig / 9);
      parma_error_release (&err);
    }
  return allowed;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *rest = (const char *) data, *end = rest + size;
  size_t plen, clen, xlen;
  const char *ptext = next_part (&rest, end, &plen);
  const char *ctext = next_part (&rest, end, &clen);
  const char *xtext = next_part (&rest, end, &xlen);

  parma_error_t err = NULL;
  struct policy *p = NULL;
  if (policy_load (ptext, plen, &p, &err) < 0)
    {
      parma_error_release (&err);
      return 0;
    }
  struct oci_read_options ro = { .allow_unknown = policy_switch (p, POLICY_ALLOW_UNKNOWN_OCI_FIELDS) };
  struct oci_config *cfg = NULL;
  if (oci_config_parse (ctext, clen, &ro, &cfg, &err) < 0)
    {
      parma_error_release (&err);
      policy_free (p);
      return 0;
    }
  strv_free (ro.dropped_keys);
  struct oci_process *proc = NULL;
  struct oci_read_options po = { .allow_unknown = false };
  if (xlen == 0 || oci_process_parse (xtext, xlen, &po, &proc, &err) < 0)
    parma_error_release (&err);

  struct policy_context ctx = {
    .container_id = "fuzz",
    .sandbox_name = "fuzz-sandbox",
    .sandbox_namespace = "default",
    .sandbox_id = "0123456789abcdef",
    .layers = size & 1 ? fuzz_layers : NULL,
    .n_layers = size & 1 ? 2 : 0,
    .seccomp_sha256 = NULL,
  };
  int in_memory = decide (p, cfg, proc, &ctx);

  char *img = NULL;
  size_t img_len = 0;
  struct policy *q = NULL;
  if (policy_image_build (p, &img, &img_len, &err) < 0
      || policy_image_open (img, img_len, policy_sha256 (p), &q, &err) < 0)
    abort ();
  if (decide (q, cfg, proc, &ctx) != in_memory)
    abort (); /* the image decides exactly as the source policy */
  policy_free (q);
  free (img);

  oci_process_free (proc);
  oci_config_free (cfg);
  policy_free (p);
  return 0;
}
