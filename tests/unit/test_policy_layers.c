/* SPDX-License-Identifier: Apache-2.0 */
/* A container's `layers` with data block counts: both element forms, their
   canonical spelling (the string form unchanged), the refusals, the
   one-count-per-root rule, and the counts through the compiled cache image
   (in memory and from a file) and policy_layer_data_blocks(). */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define RB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define RC "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define RB_UPPER "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

/* A policy of containers with these `layers` arrays (JSON text each). */
static int
load_layers (const char *const *layers, size_t n, struct policy **out, char **why)
{
  cleanup_free char *doc = xstrdup ("{\"version\":1,\"containers\":[");
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%s{\"name\":\"c%zu\",\"command\":[\"/bin/c%zu\"],\"layers\":%s}",
                              doc, i ? "," : "", i, i, layers[i]);
      free (doc);
      doc = next;
    }
  cleanup_free char *full = xasprintf ("%s]}", doc);
  parma_error_t err = NULL;
  int r = policy_load (full, strlen (full), out, &err);
  if (r < 0)
    {
      if (why)
        *why = xstrdup (err->msg);
      parma_error_release (&err);
    }
  return r;
}

static int
load_one (const char *layers, struct policy **out, char **why)
{
  return load_layers (&layers, 1, out, why);
}

/* The canonical `layers` of container 0, as text. */
static char *
canonical_layers (struct policy *p)
{
  size_t len;
  const char *c = policy_canonical (p, &len);
  const char *s = c ? strstr (c, "\"layers\":") : NULL;
  if (s == NULL)
    return NULL;
  const char *e = strstr (s, "],\"masked_paths\"");
  return e ? xstrndup (s, (size_t)(e - s) + 1) : NULL;
}

static int
test_string_form_unchanged (void)
{
  cleanup_policy struct policy *p = NULL;
  TAP_CHECK (load_one ("[\"sha256:" RB_UPPER "\",\"" RA "\"]", &p, NULL) == 0);
  cleanup_free char *l = canonical_layers (p);
  TAP_CHECK_STR (l, "\"layers\":[\"" RB "\",\"" RA "\"]");
  uint64_t blocks = 1;
  parma_error_t err = NULL;
  TAP_CHECK (policy_layer_data_blocks (p, RB, &blocks, &err) == 0 && blocks == 0);
  return 0;
}

static int
test_object_form_canonical (void)
{
  cleanup_policy struct policy *p = NULL;
  TAP_CHECK (load_one ("[{\"data_blocks\":10,\"root_hash\":\"sha256:" RB_UPPER "\"},"
                       " {\"root_hash\":\"" RA "\",\"data_blocks\":4503599627370496}, \"" RC "\"]",
                       &p, NULL)
             == 0);
  cleanup_free char *l = canonical_layers (p);
  TAP_CHECK_STR (l, "\"layers\":[{\"data_blocks\":10,\"root_hash\":\"" RB "\"},"
                    "{\"data_blocks\":4503599627370496,\"root_hash\":\"" RA "\"},\"" RC "\"]");
  /* The canonical form loads to itself (same bytes, same hash). */
  size_t len;
  const char *c = policy_canonical (p, &len);
  cleanup_policy struct policy *q = NULL;
  parma_error_t err = NULL;
  TAP_CHECK (policy_load (c, len, &q, &err) == 0);
  size_t len2 = 0;
  TAP_CHECK (strcmp (policy_canonical (q, &len2), c) == 0 && len2 == len);
  TAP_CHECK (memcmp (policy_sha256 (p), policy_sha256 (q), POLICY_SHA256_LEN) == 0);
  /* The matcher's view is still the root hashes, in order. */
  char *const *layers = NULL;
  size_t n = 0;
  TAP_CHECK (policy_container_layers (q, 0, &layers, &n, &err) == 0 && n == 3);
  TAP_CHECK_STR (layers[0], RB);
  TAP_CHECK_STR (layers[1], RA);
  TAP_CHECK_STR (layers[2], RC);
  return 0;
}

static int
test_forms_hash_differently (void)
{
  cleanup_policy struct policy *s = NULL;
  cleanup_policy struct policy *o = NULL;
  cleanup_policy struct policy *o2 = NULL;
  TAP_CHECK (load_one ("[\"" RA "\"]", &s, NULL) == 0);
  TAP_CHECK (load_one ("[{\"root_hash\":\"" RA "\",\"data_blocks\":7}]", &o, NULL) == 0);
  TAP_CHECK (load_one ("[{\"root_hash\":\"" RA "\",\"data_blocks\":8}]", &o2, NULL) == 0);
  TAP_CHECK (memcmp (policy_sha256 (s), policy_sha256 (o), POLICY_SHA256_LEN) != 0);
  TAP_CHECK (memcmp (policy_sha256 (o), policy_sha256 (o2), POLICY_SHA256_LEN) != 0);
  return 0;
}

static int
test_refusals (void)
{
  static const struct
  {
    const char *layers, *why;
  } cases[] = {
    { "[{\"root_hash\":\"" RA "\"}]", "containers[0].layers[0].data_blocks: required" },
    { "[{\"data_blocks\":3}]", "containers[0].layers[0].root_hash: required" },
    { "[\"" RA "\",{\"root_hash\":\"" RA "\",\"data_blocks\":0}]",
      "containers[0].layers[1].data_blocks: must be an integer in [1, 4503599627370496]" },
    { "[{\"root_hash\":\"" RA "\",\"data_blocks\":-1}]",
      "layers[0].data_blocks: must be an integer" },
    { "[{\"root_hash\":\"" RA "\",\"data_blocks\":4503599627370497}]",
      "layers[0].data_blocks: must be an integer" },
    { "[{\"root_hash\":\"" RA "\",\"data_blocks\":10.0}]",
      "layers[0].data_blocks: must be an integer" },
    { "[{\"root_hash\":\"" RA "\",\"data_blocks\":\"10\"}]",
      "layers[0].data_blocks: must be an integer" },
    { "[{\"root_hash\":\"" RA "\",\"data_blocks\":true}]",
      "layers[0].data_blocks: must be an integer" },
    { "[{\"root_hash\":\"" RA "\",\"data_blocks\":1,\"salt\":\"00\"}]",
      "containers[0].layers[0].salt: unknown key" },
    { "[{\"root_hash\":\"abc\",\"data_blocks\":1}]",
      "containers[0].layers[0].root_hash: must be 64 or 128 hex digits" },
    { "[{\"root_hash\":7,\"data_blocks\":1}]",
      "containers[0].layers[0].root_hash: must be a string" },
    { "[7]", "containers[0].layers[0]: must be a root hash string or" },
    { "[[\"" RA "\"]]", "containers[0].layers[0]: must be a root hash string or" },
    { "\"" RA "\"", "containers[0].layers: must be an array" },
    { "[\"zz\"]", "containers[0].layers[0]: must be 64 or 128 hex digits" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      cleanup_policy struct policy *p = NULL;
      cleanup_free char *why = NULL;
      if (load_one (cases[i].layers, &p, &why) == 0 || why == NULL
          || strstr (why, cases[i].why) == NULL)
        {
          fprintf (stderr, "# %s: got `%s`, want `%s`\n", cases[i].layers, why ? why : "(loaded)",
                   cases[i].why);
          return -1;
        }
    }
  return 0;
}

static int
test_one_count_per_root (void)
{
  /* Across containers, and the same root spelled differently. */
  const char *conflict[]
      = { "[{\"root_hash\":\"" RA "\",\"data_blocks\":10}]",
          "[\"" RB "\",{\"root_hash\":\"sha256:" RB_UPPER "\",\"data_blocks\":5},"
          "{\"root_hash\":\"" RA "\",\"data_blocks\":12}]" };
  cleanup_policy struct policy *p = NULL;
  cleanup_free char *why = NULL;
  TAP_CHECK (load_layers (conflict, 2, &p, &why) < 0);
  TAP_CHECK_STR (why, "containers[1].layers[2].data_blocks: 12, but containers[0].layers[0] "
                      "records 10 for root hash " RA " (one image per root hash)");
  /* Within one container. */
  cleanup_policy struct policy *p2 = NULL;
  cleanup_free char *why2 = NULL;
  TAP_CHECK (load_one ("[{\"root_hash\":\"" RA "\",\"data_blocks\":3},{\"root_hash\":\"" RA
                       "\",\"data_blocks\":4}]",
                       &p2, &why2)
             < 0);
  TAP_CHECK (strstr (why2, "containers[0].layers[1].data_blocks: 4, but containers[0].layers[0]")
             != NULL);
  /* Agreeing counts, and a string element of a counted root, are fine. */
  const char *agree[]
      = { "[{\"root_hash\":\"" RA "\",\"data_blocks\":10}]",
          "[\"" RA "\",{\"root_hash\":\"" RA "\",\"data_blocks\":10}]", "[\"" RB "\"]" };
  cleanup_policy struct policy *q = NULL;
  TAP_CHECK (load_layers (agree, 3, &q, NULL) == 0);
  uint64_t blocks = 0;
  parma_error_t err = NULL;
  TAP_CHECK (policy_layer_data_blocks (q, RA, &blocks, &err) == 0 && blocks == 10);
  TAP_CHECK (policy_layer_data_blocks (q, RB, &blocks, &err) == 0 && blocks == 0);
  return 0;
}

/* The counts survive the cache image: in memory and loaded from a file
   with prefetch (what parma-runc uses on every call). */
static int
test_image_round_trip (void)
{
  const char *layers[] = { "[{\"root_hash\":\"" RA "\",\"data_blocks\":10},\"" RB "\"]",
                           "[{\"root_hash\":\"" RC RC "\",\"data_blocks\":4503599627370496}]" };
  cleanup_policy struct policy *p = NULL;
  TAP_CHECK (load_layers (layers, 2, &p, NULL) == 0);
  parma_error_t err = NULL;
  cleanup_free char *img = NULL;
  size_t len;
  TAP_CHECK (policy_image_build (p, &img, &len, &err) == 0);
  cleanup_free uint64_t *aligned = xmalloc (len + 8);
  memcpy (aligned, img, len);
  cleanup_policy struct policy *mem = NULL;
  TAP_CHECK (policy_image_open (aligned, len, policy_sha256 (p), &mem, &err) == 0);
  char dir[] = "/tmp/parma-policy-layers.XXXXXX";
  TAP_CHECK (mkdtemp (dir) != NULL);
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_policy struct policy *file = NULL;
  int ok = dfd >= 0 && write_file_atomic_at (dfd, "p.img", img, len, 0600, &err) == 0
           && policy_image_load (dfd, "p.img", policy_sha256 (p), &file, &err) == 0;
  if (dfd >= 0)
    {
      unlinkat (dfd, "p.img", 0);
      close (dfd);
    }
  rmdir (dir);
  TAP_CHECK (ok);
  struct policy *each[] = { p, mem, file };
  for (size_t i = 0; i < 3; i++)
    {
      uint64_t b = 0;
      TAP_CHECK (policy_layer_data_blocks (each[i], RA, &b, &err) == 0 && b == 10);
      TAP_CHECK (
          policy_layer_data_blocks (
              each[i], "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &b, &err)
              == 0
          && b == 10);
      TAP_CHECK (policy_layer_data_blocks (each[i], RB, &b, &err) == 0 && b == 0);
      TAP_CHECK (policy_layer_data_blocks (each[i], RC RC, &b, &err) == 0
                 && b == UINT64_C (4503599627370496));
      TAP_CHECK (policy_layer_data_blocks (each[i], RC, &b, &err) == 0 && b == 0);
      char *const *l = NULL;
      size_t n = 0;
      TAP_CHECK (policy_prefetch_container (each[i], 0, &err) == 0
                 && policy_container_layers (each[i], 0, &l, &n, &err) == 0 && n == 2);
      TAP_CHECK_STR (l[0], RA);
      TAP_CHECK_STR (l[1], RB);
    }
  return 0;
}

static int
test_lint_note (void)
{
  const char *layers[] = { "[{\"root_hash\":\"" RA "\",\"data_blocks\":10},\"" RB "\"]" };
  cleanup_policy struct policy *p = NULL;
  TAP_CHECK (load_layers (layers, 1, &p, NULL) == 0);
  cleanup_strv char **f = NULL;
  size_t n = policy_lint (p, &f);
  size_t notes = 0;
  for (size_t i = 0; i < n; i++)
    if (strstr (f[i], "no data_blocks recorded") != NULL)
      {
        notes++;
        TAP_CHECK (strncmp (f[i], "containers[0].layers[1]: ", 25) == 0);
      }
  TAP_CHECK (notes == 1);
  return 0;
}

/* A fragment appended after load obeys the same rule, and a refused one
   leaves the policy as it was. */
static int
test_fragment_counts (void)
{
  const char *layers[] = { "[{\"root_hash\":\"" RA "\",\"data_blocks\":10}]" };
  cleanup_policy struct policy *p = NULL;
  TAP_CHECK (load_layers (layers, 1, &p, NULL) == 0);
  const char *bad = "{\"containers\":[{\"name\":\"f\",\"command\":[\"/bin/f\"],\"layers\":["
                    "{\"root_hash\":\"" RA "\",\"data_blocks\":11}]}]}";
  parma_error_t err = NULL;
  TAP_CHECK (policy_owner_append_fragment (p, bad, strlen (bad), &err) < 0);
  TAP_CHECK (strstr (err->msg, "data_blocks: 11, but containers[0].layers[0] records 10") != NULL);
  parma_error_release (&err);
  TAP_CHECK (policy_n_containers (p) == 1);
  uint64_t b = 0;
  TAP_CHECK (policy_layer_data_blocks (p, RA, &b, &err) == 0 && b == 10);
  const char *good = "{\"containers\":[{\"name\":\"f\",\"command\":[\"/bin/f\"],\"layers\":["
                     "{\"root_hash\":\"" RB "\",\"data_blocks\":3}]}]}";
  if (policy_owner_append_fragment (p, good, strlen (good), &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      parma_error_release (&err);
      return -1;
    }
  TAP_CHECK (policy_n_containers (p) == 2);
  TAP_CHECK (policy_layer_data_blocks (p, RB, &b, &err) == 0 && b == 3);
  return 0;
}

int
main (void)
{
  static const struct tap_case cases[] = {
    { "string layers keep their canonical form", test_string_form_unchanged },
    { "object layers: normalized, canonical, round trip", test_object_form_canonical },
    { "the count is part of the hash", test_forms_hash_differently },
    { "malformed layers refused, field path named", test_refusals },
    { "one data_blocks per root hash", test_one_count_per_root },
    { "counts through the cache image (memory, file)", test_image_round_trip },
    { "lint notes layers without a count", test_lint_note },
    { "fragments obey the one-count rule", test_fragment_counts },
  };
  return tap_run (cases, sizeof cases / sizeof cases[0]);
}
