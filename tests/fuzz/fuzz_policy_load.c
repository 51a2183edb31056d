/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the policy parser and compiler (policy/).  Every accepted
   input must have a canonical form that loads again to the same bytes and
   hash (the HOST_DATA binding depends on it), and a compiled cache image
   that opens under that hash with the same containers.  The raw input is
   also opened as a cache image (the image reader checks its own header). */
#include "common/error.h"
#include "policy/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_image (struct policy *p)
{
  parma_error_t err = NULL;
  char *img = NULL;
  size_t img_len = 0;
  if (policy_image_build (p, &img, &img_len, &err) < 0)
    {
      /* A loaded policy always compiles. */
      abort ();
    }
  struct policy *q = NULL;
  if (policy_image_open (img, img_len, policy_sha256 (p), &q, &err) < 0)
    abort ();
  if (policy_n_containers (q) != policy_n_containers (p))
    abort ();
  for (size_t i = 0; i < policy_n_containers (q); i++)
    {
      const char *a = policy_container_name (p, i), *b = policy_container_name (q, i);
      if ((a == NULL) != (b == NULL) || (a && strcmp (a, b) != 0))
        abort ();
    }
  for (int s = 0; s < POLICY_N_SWITCHES; s++)
    if (policy_switch (p, (enum policy_switch) s) != policy_switch (q, (enum policy_switch) s))
      abort ();
  policy_free (q);
  free (img);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  parma_error_t err = NULL;
  struct policy *p = NULL;
  if (policy_load ((const char *) data, size, &p, &err) < 0)
    {
      /* Errors are one line naming the path and the rule. */
      if (err == NULL || err->msg == NULL || strchr (err->msg, '\n') != NULL)
        abort ();
      parma_error_release (&err);
    }
  else
    {
      size_t len = 0;
      const char *canon = policy_canonical (p, &len);
      if (canon == NULL)
        abort ();
      struct policy *again = NULL;
      if (policy_load (canon, len, &again, &err) < 0)
        abort (); /* the canonical form must be accepted */
      size_t len2 = 0;
      const char *canon2 = policy_canonical (again, &len2);
      if (len2 != len || memcmp (canon, canon2, len) != 0)
        abort (); /* canonicalization is idempotent */
      if (memcmp (policy_sha256 (p), policy_sha256 (again), POLICY_SHA256_LEN) != 0)
        abort ();
      policy_free (again);
      check_image (p);
      char **lint = NULL;
      size_t n = policy_lint (p, &lint);
      for (size_t i = 0; i < n; i++)
        free (lint[i]);
      free (lint);
      policy_free (p);
    }

  /* The same bytes as a cache image: must be refused or open cleanly. */
  struct policy *img = NULL;
  if (policy_image_open (data, size, NULL, &img, &err) < 0)
    parma_error_release (&err);
  else
    {
      for (size_t i = 0; i < policy_n_containers (img) && i < 8; i++)
        (void) policy_container_name (img, i);
      policy_free (img);
    }
  return 0;
}
