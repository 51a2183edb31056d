/* SPDX-License-Identifier: Apache-2.0 */
/* struct policy: loading from JSON, the canonical bytes and their hash,
   the switches, and the indexes that make a decision O(log n). */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const switch_names[POLICY_N_SWITCHES] = {
  [POLICY_ALLOW_PROPERTIES_ACCESS] = "allow_properties_access",
  [POLICY_ALLOW_DUMP_STACKS] = "allow_dump_stacks",
  [POLICY_ALLOW_UNENCRYPTED_SCRATCH] = "allow_unencrypted_scratch",
  [POLICY_ALLOW_ENVIRONMENT_VARIABLE_DROPPING] = "allow_environment_variable_dropping",
  [POLICY_ALLOW_CAPABILITY_DROPPING] = "allow_capability_dropping",
  [POLICY_ALLOW_CHECKPOINT] = "allow_checkpoint",
  [POLICY_ALLOW_UPDATE] = "allow_update",
  [POLICY_ALLOW_UNKNOWN_OCI_FIELDS] = "allow_unknown_oci_fields",
  [POLICY_ALLOW_SECURITY_CONTEXT] = "allow_security_context",
  [POLICY_OPEN_DOOR] = "open_door",
};

const char *
policy_switch_name (enum policy_switch s)
{
  return (size_t) s < POLICY_N_SWITCHES ? switch_names[s] : NULL;
}

bool
policy_switch (const struct policy *p, enum policy_switch s)
{
  return (size_t) s < POLICY_N_SWITCHES && p->switches[s];
}

size_t
policy_n_containers (const struct policy *p)
{
  return p->n_containers;
}

const char *
policy_canonical (const struct policy *p, size_t *len)
{
  if (len)
    *len = p->canonical_len;
  if (p->canonical == NULL && p->image != NULL)
    return policy_image_canonical (p);
  return p->canonical;
}

const uint8_t *
policy_sha256 (const struct policy *p)
{
  return p->sha256;
}

/* FNV-1a over length-prefixed strings: an index key, not a security
   boundary (a collision only adds a candidate that the matcher rejects). */
uint64_t
policy_key_strv (const char *const *v, size_t n)
{
  uint64_t h = UINT64_C (0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++)
    {
      size_t len = strlen (v[i]);
      for (size_t b = 0; b < sizeof len; b++)
        h = (h ^ ((len >> (8 * b)) & 0xff)) * UINT64_C (0x100000001b3);
      for (size_t j = 0; j < len; j++)
        h = (h ^ (uint8_t) v[i][j]) * UINT64_C (0x100000001b3);
    }
  return h;
}

static int
cmp_entry (const void *a, const void *b)
{
  const struct policy_index_entry *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->container < y->container ? -1 : x->container > y->container;
}

size_t
policy_index_find (const struct policy_index_entry *idx, size_t n, uint64_t key, size_t *first)
{
  size_t lo = 0, hi = n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (idx[mid].key < key)
        lo = mid + 1;
      else
        hi = mid;
    }
  *first = lo;
  size_t end = lo;
  while (end < n && idx[end].key == key)
    end++;
  return end - lo;
}

/* Built from decoded containers (a full load): every entry is decoded
   already, so the index only speeds up later decisions. */
int
policy_build_index (struct policy *p)
{
  if (!p->index_borrowed)
    {
      free (p->by_command);
      free (p->by_layers);
      free (p->by_argv0);
      free (p->dynamic);
    }
  p->index_borrowed = false;
  size_t n = p->n_containers;
  p->by_command = xcalloc (n + 1, sizeof *p->by_command);
  p->by_layers = xcalloc (n + 1, sizeof *p->by_layers);
  p->by_argv0 = xcalloc (n + 1, sizeof *p->by_argv0);
  p->dynamic = xcalloc (n + 1, sizeof *p->dynamic);
  p->n_by_command = p->n_by_layers = p->n_by_argv0 = p->n_dynamic = 0;
  for (size_t i = 0; i < n; i++)
    {
      struct policy_container *c = p->containers[i];
      uint32_t ci = (uint32_t) i;
      if (c->proc.has_placeholder)
        p->dynamic[p->n_dynamic++] = ci;
      else
        p->by_command[p->n_by_command++] = (struct policy_index_entry){
          policy_key_strv ((const char *const *) c->proc.command, c->proc.n_command), ci, 0
        };
      p->by_argv0[p->n_by_argv0++] = (struct policy_index_entry){
        policy_key_strv ((const char *const *) c->proc.command, 1), ci, 0
      };
      p->by_layers[p->n_by_layers++] = (struct policy_index_entry){
        policy_key_strv ((const char *const *) c->layers, c->n_layers), ci, 0
      };
    }
  qsort (p->by_command, p->n_by_command, sizeof *p->by_command, cmp_entry);
  qsort (p->by_layers, p->n_by_layers, sizeof *p->by_layers, cmp_entry);
  qsort (p->by_argv0, p->n_by_argv0, sizeof *p->by_argv0, cmp_entry);
  return 0;
}

int
policy_append_containers (struct policy *p, json_t *arr, parma_error_t *err)
{
  size_t add = json_array_size (arr), n = p->n_containers;
  p->containers = xreallocarray (p->containers, n + add + 1, sizeof *p->containers);
  p->container_json = xreallocarray (p->container_json, n + add + 1, sizeof *p->container_json);
  for (size_t i = 0; i < add; i++)
    {
      json_t *c = json_array_get (arr, i);
      if (policy_container_compile (c, n + i, &p->containers[n + i], err) < 0)
        return -1;
      p->container_json[n + i] = json_incref (c);
      p->n_containers = n + i + 1;
    }
  if (policy_check_layer_counts (p, err) < 0)
    {
      /* Leave the policy as it was before this append. */
      for (size_t i = n; i < p->n_containers; i++)
        {
          policy_container_free (p->containers[i]);
          json_decref (p->container_json[i]);
          p->containers[i] = NULL;
          p->container_json[i] = NULL;
        }
      p->n_containers = n;
      policy_build_index (p);
      return -1;
    }
  return policy_build_index (p);
}

int
policy_load (const char *buf, size_t len, struct policy **out, parma_error_t *err)
{
  if (len > POLICY_MAX_DOCUMENT)
    return parma_error_make (err, EFBIG, "policy: larger than %u bytes", POLICY_MAX_DOCUMENT);
  json_error_t jerr;
  /* Duplicate keys are refused: two readers could each keep another one. */
  cleanup_json json_t *in = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (in == NULL)
    {
      cleanup_free char *safe = policy_escape_controls (jerr.text);
      return parma_error_make (err, EINVAL, "policy: line %d column %d: %s", jerr.line,
                               jerr.column, safe);
    }
  cleanup_json json_t *canon = NULL;
  if (policy_normalize (in, &canon, err) < 0)
    return -1;
  struct policy *p = xzalloc (sizeof *p);
  p->image_fd = -1;
  p->canonical = policy_dump_canonical (canon, &p->canonical_len);
  SHA256 ((const uint8_t *) p->canonical, p->canonical_len, p->sha256);
  for (size_t i = 0; i < POLICY_N_SWITCHES; i++)
    p->switches[i] = json_is_true (json_object_get (canon, switch_names[i]));
  p->fragments = json_incref (json_object_get (canon, "fragments"));
  p->canon = steal_pointer (&canon);
  if (policy_append_containers (p, json_object_get (p->canon, "containers"), err) < 0)
    {
      policy_free (p);
      return -1;
    }
  *out = p;
  return 0;
}

int
policy_get_container (struct policy *p, size_t i, struct policy_container **out,
                      parma_error_t *err)
{
  if (i >= p->n_containers)
    return parma_error_make (err, EINVAL, "policy: no container entry %zu", i);
  if (p->containers[i] == NULL)
    {
      if (policy_image_decode (p, i, err) < 0)
        return -1;
    }
  *out = p->containers[i];
  return 0;
}

const char *
policy_container_name (struct policy *p, size_t i)
{
  struct policy_container *c = NULL;
  parma_error_t err = NULL;
  if (policy_get_container (p, i, &c, &err) < 0)
    {
      parma_error_release (&err);
      return NULL;
    }
  return c->name;
}

int
policy_container_layers (struct policy *p, size_t index, char *const **layers, size_t *n,
                         parma_error_t *err)
{
  struct policy_container *c = NULL;
  if (policy_get_container (p, index, &c, err) < 0)
    return -1;
  *layers = c->layers;
  *n = c->n_layers;
  return 0;
}

void
policy_free (struct policy *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->n_containers; i++)
    {
      policy_container_free (p->containers[i]);
      if (p->container_json && p->container_json[i])
        json_decref (p->container_json[i]);
    }
  free (p->containers);
  free (p->container_json);
  if (!p->index_borrowed)
    {
      free (p->by_command);
      free (p->by_layers);
      free (p->by_argv0);
      free (p->dynamic);
    }
  free (p->canonical);
  if (p->canon)
    json_decref (p->canon);
  if (p->fragments)
    json_decref (p->fragments);
  if (p->record_bufs)
    for (size_t i = 0; i < p->n_containers; i++)
      free (p->record_bufs[i]);
  free (p->record_bufs);
  free (p->prefix);
  if (p->image_fd >= 0)
    close (p->image_fd);
  free (p);
}

void
policy_freep (struct policy **p)
{
  policy_free (*p);
  *p = NULL;
}
