/* SPDX-License-Identifier: Apache-2.0 */
/* Binary records of compiled container entries, for the cache image.
   Decoding JSON costs tens of microseconds per entry (jansson and yajl
   both allocate per node); a record decodes with one arena and no copies:
   strings point into the mapped image (each is stored NUL-terminated), and
   pointer arrays and structs come from a per-entry arena freed at once.

   Encoding (native byte order, like the rest of the image):
     str   = u32 len, len bytes, NUL
     strv  = u32 n, n x str
     rule  = str pattern, u8 is_re, u8 required
   (layers: strv, then one u64 data block count per layer, 0 = none)
   and each struct field in declaration order (see encode_* below).  The
   decoder checks every length against the record's end; the record's
   SHA-256 has been checked before it runs. */
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- encoder ---- */

static void
put (struct strbuf *sb, const void *p, size_t n)
{
  strbuf_append (sb, p, n);
}

static void
put_u8 (struct strbuf *sb, uint8_t v)
{
  put (sb, &v, 1);
}

static void
put_u32 (struct strbuf *sb, uint32_t v)
{
  put (sb, &v, 4);
}

static void
put_u64 (struct strbuf *sb, uint64_t v)
{
  put (sb, &v, 8);
}

static void
put_str (struct strbuf *sb, const char *s)
{
  size_t n = strlen (s);
  put_u32 (sb, (uint32_t) n);
  put (sb, s, n + 1);
}

static void
put_strv (struct strbuf *sb, char **v, size_t n)
{
  put_u32 (sb, (uint32_t) n);
  for (size_t i = 0; i < n; i++)
    put_str (sb, v[i]);
}

static void
put_rule (struct strbuf *sb, const struct pol_rule *r)
{
  put_str (sb, r->pattern);
  put_u8 (sb, r->is_re);
  put_u8 (sb, r->required);
}

static void
put_process (struct strbuf *sb, const struct pol_process *p)
{
  put_strv (sb, p->command, p->n_command);
  put_u8 (sb, p->has_placeholder);
  put_u32 (sb, (uint32_t) p->n_env);
  for (size_t i = 0; i < p->n_env; i++)
    put_rule (sb, &p->env[i]);
  put_str (sb, p->working_dir);
  put_u32 (sb, p->user.uid);
  put_u32 (sb, p->user.gid);
  put_u32 (sb, p->user.umask);
  put_u32 (sb, (uint32_t) p->user.n_gids);
  for (size_t i = 0; i < p->user.n_gids; i++)
    put_u32 (sb, p->user.gids[i]);
  for (size_t i = 0; i < N_CAP_SETS; i++)
    put_u64 (sb, p->caps[i]);
  put_u8 (sb, p->no_new_privileges);
  put_u64 (sb, p->signals);
}

void
policy_record_encode (const struct policy_container *c, struct strbuf *sb)
{
  put_str (sb, c->name);
  put_strv (sb, c->layers, c->n_layers);
  for (size_t i = 0; i < c->n_layers; i++)
    put_u64 (sb, c->layer_data_blocks ? c->layer_data_blocks[i] : 0);
  put_process (sb, &c->proc);
  put_str (sb, c->seccomp_sha256);
  put_u32 (sb, (uint32_t) c->n_mounts);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      put_str (sb, c->mounts[i].destination);
      put_str (sb, c->mounts[i].type);
      put_rule (sb, &c->mounts[i].source);
      put_strv (sb, c->mounts[i].options, c->mounts[i].n_options);
    }
  put_u32 (sb, (uint32_t) c->n_devices);
  for (size_t i = 0; i < c->n_devices; i++)
    {
      put_str (sb, c->devices[i].path);
      put_str (sb, c->devices[i].type);
      put_u64 (sb, (uint64_t) c->devices[i].major);
      put_u64 (sb, (uint64_t) c->devices[i].minor);
    }
  put_strv (sb, c->namespaces, c->n_namespaces);
  put_strv (sb, c->masked_paths, c->n_masked_paths);
  put_strv (sb, c->readonly_paths, c->n_readonly_paths);
  put_strv (sb, c->sysctl_keys, c->n_sysctls);
  put_strv (sb, c->sysctl_values, c->n_sysctls);
  put_u32 (sb, (uint32_t) c->n_rlimits);
  for (size_t i = 0; i < c->n_rlimits; i++)
    {
      put_str (sb, c->rlimits[i].type);
      put_u64 (sb, c->rlimits[i].hard);
      put_u64 (sb, c->rlimits[i].soft);
    }
  put_rule (sb, &c->hostname);
  put_u32 (sb, (uint32_t) c->n_annotations);
  for (size_t i = 0; i < c->n_annotations; i++)
    {
      put_rule (sb, &c->annotations[i].key);
      put_rule (sb, &c->annotations[i].value);
      put_u8 (sb, c->annotations[i].required);
    }
  for (size_t k = 0; k < N_HOOK_KINDS; k++)
    {
      put_u32 (sb, (uint32_t) c->n_hooks[k]);
      for (size_t i = 0; i < c->n_hooks[k]; i++)
        {
          put_str (sb, c->hooks[k][i].path);
          put_strv (sb, c->hooks[k][i].args, c->hooks[k][i].n_args);
          put_strv (sb, c->hooks[k][i].env, c->hooks[k][i].n_env);
        }
    }
  put_u32 (sb, (uint32_t) c->n_execs);
  for (size_t i = 0; i < c->n_execs; i++)
    put_process (sb, &c->execs[i]);
  put_u8 (sb, c->allow_elevated);
  put_u8 (sb, c->allow_stdio_access);
  put_u8 (sb, c->root_readonly);
}

/* ---- decoder ---- */

struct arena_block
{
  struct arena_block *next;
  size_t used, size;
  max_align_t data[];
};

struct reader
{
  const uint8_t *p, *end;
  bool bad;
  struct arena_block **arena;
};

static void *
arena_alloc (struct reader *r, size_t n)
{
  n = (n + 15) & ~(size_t) 15;
  struct arena_block *b = *r->arena;
  if (b == NULL || b->size - b->used < n)
    {
      size_t size = n > 4096 ? n : 4096;
      struct arena_block *nb = xmalloc (sizeof *nb + size);
      nb->next = b;
      nb->used = 0;
      nb->size = size;
      *r->arena = b = nb;
    }
  void *ret = (char *) b->data + b->used;
  b->used += n;
  memset (ret, 0, n);
  return ret;
}

void
policy_arena_free (void *arena)
{
  for (struct arena_block *b = arena, *next; b; b = next)
    {
      next = b->next;
      free (b);
    }
}

static bool
need (struct reader *r, size_t n)
{
  if (r->bad || (size_t) (r->end - r->p) < n)
    {
      r->bad = true;
      return false;
    }
  return true;
}

static uint8_t
get_u8 (struct reader *r)
{
  if (!need (r, 1))
    return 0;
  return *r->p++;
}

static uint32_t
get_u32 (struct reader *r)
{
  uint32_t v = 0;
  if (need (r, 4))
    {
      memcpy (&v, r->p, 4);
      r->p += 4;
    }
  return v;
}

static uint64_t
get_u64 (struct reader *r)
{
  uint64_t v = 0;
  if (need (r, 8))
    {
      memcpy (&v, r->p, 8);
      r->p += 8;
    }
  return v;
}

static char *
get_str (struct reader *r)
{
  uint32_t n = get_u32 (r);
  if (!need (r, (size_t) n + 1) || r->p[n] != '\0')
    {
      r->bad = true;
      return (char *) "";
    }
  char *s = (char *) r->p;
  r->p += n + 1;
  return s;
}

/* Array counts are bounded by the bytes left (each element takes >= 1). */
static size_t
get_count (struct reader *r)
{
  uint32_t n = get_u32 (r);
  if (n > (size_t) (r->end - r->p))
    {
      r->bad = true;
      return 0;
    }
  return n;
}

static char **
get_strv (struct reader *r, size_t *n)
{
  *n = get_count (r);
  char **v = arena_alloc (r, (*n + 1) * sizeof *v);
  for (size_t i = 0; i < *n; i++)
    v[i] = get_str (r);
  return v;
}

static void
get_rule (struct reader *r, struct pol_rule *rule)
{
  rule->pattern = get_str (r);
  rule->is_re = get_u8 (r);
  rule->required = get_u8 (r);
}

static void
get_process (struct reader *r, struct pol_process *p)
{
  p->command = get_strv (r, &p->n_command);
  p->has_placeholder = get_u8 (r);
  p->n_env = get_count (r);
  p->env = arena_alloc (r, (p->n_env + 1) * sizeof *p->env);
  for (size_t i = 0; i < p->n_env; i++)
    get_rule (r, &p->env[i]);
  p->working_dir = get_str (r);
  p->user.uid = get_u32 (r);
  p->user.gid = get_u32 (r);
  p->user.umask = get_u32 (r);
  p->user.n_gids = get_count (r);
  p->user.gids = arena_alloc (r, (p->user.n_gids + 1) * sizeof *p->user.gids);
  for (size_t i = 0; i < p->user.n_gids; i++)
    p->user.gids[i] = get_u32 (r);
  for (size_t i = 0; i < N_CAP_SETS; i++)
    p->caps[i] = get_u64 (r);
  p->no_new_privileges = get_u8 (r);
  p->signals = get_u64 (r);
}

static void
get_container (struct reader *r, struct policy_container *c)
{
  c->name = get_str (r);
  c->layers = get_strv (r, &c->n_layers);
  c->layer_data_blocks = arena_alloc (r, (c->n_layers + 1) * sizeof *c->layer_data_blocks);
  for (size_t i = 0; i < c->n_layers; i++)
    c->layer_data_blocks[i] = get_u64 (r);
  get_process (r, &c->proc);
  c->seccomp_sha256 = get_str (r);
  c->n_mounts = get_count (r);
  c->mounts = arena_alloc (r, (c->n_mounts + 1) * sizeof *c->mounts);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      c->mounts[i].destination = get_str (r);
      c->mounts[i].type = get_str (r);
      get_rule (r, &c->mounts[i].source);
      c->mounts[i].options = get_strv (r, &c->mounts[i].n_options);
    }
  c->n_devices = get_count (r);
  c->devices = arena_alloc (r, (c->n_devices + 1) * sizeof *c->devices);
  for (size_t i = 0; i < c->n_devices; i++)
    {
      c->devices[i].path = get_str (r);
      c->devices[i].type = get_str (r);
      c->devices[i].major = (int64_t) get_u64 (r);
      c->devices[i].minor = (int64_t) get_u64 (r);
    }
  c->namespaces = get_strv (r, &c->n_namespaces);
  c->masked_paths = get_strv (r, &c->n_masked_paths);
  c->readonly_paths = get_strv (r, &c->n_readonly_paths);
  size_t nv;
  c->sysctl_keys = get_strv (r, &c->n_sysctls);
  c->sysctl_values = get_strv (r, &nv);
  if (nv != c->n_sysctls)
    r->bad = true;
  c->n_rlimits = get_count (r);
  c->rlimits = arena_alloc (r, (c->n_rlimits + 1) * sizeof *c->rlimits);
  for (size_t i = 0; i < c->n_rlimits; i++)
    {
      c->rlimits[i].type = get_str (r);
      c->rlimits[i].hard = get_u64 (r);
      c->rlimits[i].soft = get_u64 (r);
    }
  get_rule (r, &c->hostname);
  c->n_annotations = get_count (r);
  c->annotations = arena_alloc (r, (c->n_annotations + 1) * sizeof *c->annotations);
  for (size_t i = 0; i < c->n_annotations; i++)
    {
      get_rule (r, &c->annotations[i].key);
      get_rule (r, &c->annotations[i].value);
      c->annotations[i].required = get_u8 (r);
    }
  for (size_t k = 0; k < N_HOOK_KINDS; k++)
    {
      c->n_hooks[k] = get_count (r);
      c->hooks[k] = arena_alloc (r, (c->n_hooks[k] + 1) * sizeof (struct pol_hook));
      for (size_t i = 0; i < c->n_hooks[k]; i++)
        {
          c->hooks[k][i].path = get_str (r);
          c->hooks[k][i].args = get_strv (r, &c->hooks[k][i].n_args);
          c->hooks[k][i].env = get_strv (r, &c->hooks[k][i].n_env);
        }
    }
  c->n_execs = get_count (r);
  c->execs = arena_alloc (r, (c->n_execs + 1) * sizeof *c->execs);
  for (size_t i = 0; i < c->n_execs; i++)
    get_process (r, &c->execs[i]);
  c->allow_elevated = get_u8 (r);
  c->allow_stdio_access = get_u8 (r);
  c->root_readonly = get_u8 (r);
}

int
policy_record_decode (const uint8_t *buf, size_t len, size_t index,
                      struct policy_container **out, parma_error_t *err)
{
  struct arena_block *arena = NULL;
  struct reader r = { .p = buf, .end = buf + len, .arena = &arena };
  struct policy_container *c = arena_alloc (&r, sizeof *c);
  get_container (&r, c);
  if (r.bad || r.p != r.end)
    {
      policy_arena_free (arena);
      return parma_error_make (err, EIO, "policy image: record %zu is malformed", index);
    }
  c->index = index;
  /* The container itself lives in the arena: keep the arena's head in it
     so policy_container_free can release everything. */
  c->arena = arena;
  *out = c;
  return 0;
}
