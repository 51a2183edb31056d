/* SPDX-License-Identifier: Apache-2.0 */
/* A container's `layers`: each element is a dm-verity root hash, either a
   plain hex string or {"root_hash": HEX, "data_blocks": N}.

   Why the count: a dm-verity tree has no domain separation between its
   levels, so the root hash of an N-block image is also the root hash of a
   shorter "image" whose data are the hash blocks of an inner level.  A root
   hash alone therefore does not name one image; root hash + data block
   count (4096-byte blocks, parma's layer convention) does.  When the policy
   records the count, activation takes it from the policy and the host's
   --data-blocks can only agree with it.

   The canonical form keeps each element's form (a plain string stays a
   string, so policies written before counts existed keep their bytes and
   hash); the compiled entry keeps the root hashes as the strv the matcher
   compares, with the counts beside it (0 = not recorded). */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounded so the count is exact in any JSON reader (IEEE doubles hold
   integers up to 2^53) and blocks * 4096 fits 64 bits. */
#define MAX_DATA_BLOCKS (UINT64_C (1) << 52)

/* The object form: exactly root_hash and data_blocks. */
static int
norm_layer_object (json_t *e, const char *path, json_t **out, parma_error_t *err)
{
  const char *k;
  json_t *val;
  json_object_foreach (e, k, val)
  {
    if (strcmp (k, "root_hash") != 0 && strcmp (k, "data_blocks") != 0)
      {
        cleanup_free char *pk = xasprintf ("%s.%s", path, k);
        return policy_fail_at (err, pk,
                               "unknown key (a layer object has root_hash and data_blocks)");
      }
  }
  cleanup_free char *ph = xasprintf ("%s.root_hash", path);
  cleanup_free char *pb = xasprintf ("%s.data_blocks", path);
  json_t *rh = json_object_get (e, "root_hash");
  json_t *db = json_object_get (e, "data_blocks");
  if (rh == NULL)
    return policy_fail_at (err, ph, "required");
  if (!json_is_string (rh))
    return policy_fail_at (err, ph, "must be a string of 64 or 128 hex digits");
  cleanup_free char *hex = NULL;
  if (policy_normalize_hex_digest (json_string_value (rh), ph, &hex, err) < 0)
    return -1;
  if (db == NULL)
    return policy_fail_at (err, pb, "required (the layer's 4096-byte data block count)");
  if (!json_is_integer (db) || json_integer_value (db) < 1
      || (uint64_t)json_integer_value (db) > MAX_DATA_BLOCKS)
    return policy_fail_at (err, pb, "must be an integer in [1, %" PRIu64 "]", MAX_DATA_BLOCKS);
  *out = json_pack ("{s:s, s:I}", "root_hash", hex, "data_blocks", json_integer_value (db));
  if (*out == NULL)
    abort (); /* only on allocation: the hex is ASCII */
  return 0;
}

int
policy_normalize_layers (json_t *in, const char *path, json_t *out, parma_error_t *err)
{
  cleanup_free char *p = path[0] ? xasprintf ("%s.layers", path) : xstrdup ("layers");
  json_t *v = json_object_get (in, "layers");
  if (v != NULL && !json_is_array (v))
    return policy_fail_at (err, p, "must be an array of root hashes");
  cleanup_json json_t *arr = json_array ();
  for (size_t i = 0; v && i < json_array_size (v); i++)
    {
      json_t *e = json_array_get (v, i);
      cleanup_free char *pi = xasprintf ("%s[%zu]", p, i);
      json_t *norm = NULL;
      if (json_is_string (e))
        {
          cleanup_free char *hex = NULL;
          if (policy_normalize_hex_digest (json_string_value (e), pi, &hex, err) < 0)
            return -1;
          norm = json_string (hex);
        }
      else if (json_is_object (e))
        {
          if (norm_layer_object (e, pi, &norm, err) < 0)
            return -1;
        }
      else
        return policy_fail_at (
            err, pi, "must be a root hash string or {\"root_hash\": ..., \"data_blocks\": ...}");
      json_array_append_new (arr, norm);
    }
  json_object_set (out, "layers", arr);
  return 0;
}

void
policy_compile_layers (json_t *arr, struct policy_container *c)
{
  c->n_layers = json_array_size (arr);
  c->layers = xcalloc (c->n_layers + 1, sizeof *c->layers);
  c->layer_data_blocks = xcalloc (c->n_layers + 1, sizeof *c->layer_data_blocks);
  for (size_t i = 0; i < c->n_layers; i++)
    {
      json_t *e = json_array_get (arr, i);
      json_t *rh = json_is_object (e) ? json_object_get (e, "root_hash") : e;
      c->layers[i] = xstrdup (json_string_value (rh) ?: "");
      json_t *db = json_is_object (e) ? json_object_get (e, "data_blocks") : NULL;
      c->layer_data_blocks[i] = db ? (uint64_t)json_integer_value (db) : 0;
    }
}

/* ---- one count per root hash, across every container ---- */

struct recorded
{
  const char *root;
  uint64_t blocks;
  size_t container, layer;
};

static int
cmp_recorded (const void *a, const void *b)
{
  const struct recorded *x = a, *y = b;
  int c = strcasecmp (x->root, y->root);
  if (c != 0)
    return c;
  if (x->container != y->container)
    return x->container < y->container ? -1 : 1;
  return x->layer < y->layer ? -1 : x->layer > y->layer;
}

int
policy_check_layer_counts (struct policy *p, parma_error_t *err)
{
  cleanup_free struct recorded *v = NULL;
  size_t m = 0, cap = 0;
  for (size_t i = 0; i < p->n_containers; i++)
    {
      struct policy_container *c = NULL;
      if (policy_get_container (p, i, &c, err) < 0)
        return -1;
      for (size_t k = 0; k < c->n_layers; k++)
        if (c->layer_data_blocks != NULL && c->layer_data_blocks[k] != 0)
          {
            if (m == cap)
              {
                cap = cap ? 2 * cap : 16;
                v = xreallocarray (v, cap, sizeof *v);
              }
            v[m++] = (struct recorded){ c->layers[k], c->layer_data_blocks[k], i, k };
          }
    }
  /* Sorted by root, then by position: the first of a run is the earliest
     element, and the error names the later one that disagrees with it. */
  if (m > 1)
    qsort (v, m, sizeof *v, cmp_recorded);
  for (size_t i = 1; i < m; i++)
    if (strcasecmp (v[i].root, v[i - 1].root) == 0 && v[i].blocks != v[i - 1].blocks)
      {
        cleanup_free char *path
            = xasprintf ("containers[%zu].layers[%zu].data_blocks", v[i].container, v[i].layer);
        return policy_fail_at (err, path,
                               "%" PRIu64 ", but containers[%zu].layers[%zu] records %" PRIu64
                               " for root hash %s (one image per root hash)",
                               v[i].blocks, v[i - 1].container, v[i - 1].layer, v[i - 1].blocks,
                               v[i].root);
      }
  return 0;
}

int
policy_layer_data_blocks (struct policy *p, const char *root_hex, uint64_t *blocks,
                          parma_error_t *err)
{
  *blocks = 0;
  for (size_t i = 0; i < p->n_containers; i++)
    {
      struct policy_container *c = NULL;
      if (policy_prefetch_container (p, i, err) < 0 || policy_get_container (p, i, &c, err) < 0)
        return parma_error_wrap (err, "policy container %zu", i);
      for (size_t k = 0; k < c->n_layers; k++)
        {
          uint64_t b = c->layer_data_blocks ? c->layer_data_blocks[k] : 0;
          if (b == 0 || strcasecmp (c->layers[k], root_hex) != 0)
            continue;
          /* Refused at load (policy_check_layer_counts); fail closed anyway. */
          if (*blocks != 0 && *blocks != b)
            return parma_error_make (
                err, EIO, "policy: root hash %s has data_blocks %" PRIu64 " and %" PRIu64, root_hex,
                *blocks, b);
          *blocks = b;
        }
    }
  return 0;
}
