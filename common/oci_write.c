/* SPDX-License-Identifier: Apache-2.0 */
/* Canonical OCI JSON writer: compact, members in byte order of their keys
   (the table order), map entries sorted by key, absent members omitted,
   integers in decimal, strings escaped by strbuf_json_string (only '"',
   '\\' and control characters).  The same model always gives the same
   bytes, and the reader reads them back to the same model.

   The model may have been built by hand, so the writer refuses what it
   could not write faithfully: invalid UTF-8, a map entry without key or
   value, a map key present twice. */
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/oci_schema.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define AT(base, off) ((char *) (base) + (off))

/* Where the writer is, for error messages only: a chain on the C stack. */
struct wpath
{
  const struct wpath *up;
  const char *key; /* NULL: array element `index` */
  size_t index;
};

static int
write_fail (parma_error_t *err, const struct wpath *at, const char *rule)
{
  const struct wpath *chain[OCI_MAX_DEPTH + 8];
  size_t n = 0;
  for (const struct wpath *p = at; p != NULL && n < sizeof chain / sizeof chain[0]; p = p->up)
    chain[n++] = p;
  cleanup_strbuf struct strbuf sb = { 0 };
  while (n-- > 0)
    {
      if (chain[n]->key == NULL)
        strbuf_appendf (&sb, "[%zu]", chain[n]->index);
      else
        {
          if (sb.len > 0)
            strbuf_putc (&sb, '.');
          strbuf_puts (&sb, chain[n]->key);
        }
    }
  return parma_error_make (err, EINVAL, "%s: %s", sb.len ? sb.buf : "(top level)", rule);
}

static void
put_u64 (struct strbuf *sb, uint64_t v)
{
  char tmp[24];
  size_t i = sizeof tmp;
  do
    {
      tmp[--i] = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v != 0);
  strbuf_append (sb, tmp + i, sizeof tmp - i);
}

static void
put_i64 (struct strbuf *sb, int64_t v)
{
  if (v < 0)
    {
      strbuf_putc (sb, '-');
      put_u64 (sb, (uint64_t) 0 - (uint64_t) v);
    }
  else
    put_u64 (sb, (uint64_t) v);
}

static int
put_string (struct strbuf *sb, const char *s, const struct wpath *at, parma_error_t *err)
{
  size_t n = strlen (s);
  if (!oci_utf8_valid (s, n))
    return write_fail (err, at, "invalid UTF-8 in string");
  strbuf_json_string (sb, s, n);
  return 0;
}

static int write_object (struct strbuf *sb, const struct oci_type *t, const void *base,
                         const struct wpath *at, parma_error_t *err);

struct map_view
{
  const char *base;
  size_t size, key_off;
};

static const char *
map_key (const struct map_view *m, size_t i)
{
  return *(char *const *) (m->base + i * m->size + m->key_off);
}

static int
cmp_index (const void *a, const void *b, void *view)
{
  const struct map_view *m = view;
  return strcmp (map_key (m, *(const size_t *) a), map_key (m, *(const size_t *) b));
}

/* A map member (STRMAP or OBJMAP) written as an object sorted by key. */
static int
write_map (struct strbuf *sb, const struct oci_field *f, const void *base, const struct wpath *at,
           parma_error_t *err)
{
  size_t n = *(const size_t *) AT (base, f->n_off);
  struct map_view m = { *(char *const *) AT (base, f->off), 0, 0 };
  if (f->kind == OCI_K_STRMAP)
    m.size = sizeof (struct oci_kv), m.key_off = offsetof (struct oci_kv, key);
  else
    m.size = f->sub->size, m.key_off = f->sub->map_key_off;
  for (size_t i = 0; i < n; i++)
    if (map_key (&m, i) == NULL)
      return write_fail (err, at, "map entry without a key");

  cleanup_free size_t *order = xcalloc (n, sizeof *order);
  bool sorted = true;
  for (size_t i = 0; i < n; i++)
    {
      order[i] = i;
      if (i > 0 && strcmp (map_key (&m, i - 1), map_key (&m, i)) >= 0)
        sorted = false;
    }
  if (!sorted)
    {
      qsort_r (order, n, sizeof *order, cmp_index, &m);
      for (size_t i = 1; i < n; i++)
        if (strcmp (map_key (&m, order[i - 1]), map_key (&m, order[i])) == 0)
          {
            struct wpath here = { at, map_key (&m, order[i]), 0 };
            return write_fail (err, &here, "duplicate key");
          }
    }

  strbuf_putc (sb, '{');
  for (size_t i = 0; i < n; i++)
    {
      const char *elem = m.base + order[i] * m.size;
      struct wpath here = { at, map_key (&m, order[i]), 0 };
      if (i > 0)
        strbuf_putc (sb, ',');
      if (put_string (sb, here.key, &here, err) < 0)
        return -1;
      strbuf_putc (sb, ':');
      int ret;
      if (f->kind == OCI_K_STRMAP)
        {
          const char *v = ((const struct oci_kv *) elem)->value;
          if (v == NULL)
            return write_fail (err, &here, "map entry without a value");
          ret = put_string (sb, v, &here, err);
        }
      else
        ret = write_object (sb, f->sub, elem, &here, err);
      if (ret < 0)
        return ret;
    }
  strbuf_putc (sb, '}');
  return 0;
}

/* Whether the member is present (absent members are omitted). */
static bool
present (const struct oci_field *f, const void *base)
{
  const void *p = AT (base, f->off);
  switch (f->kind)
    {
    case OCI_K_STRING:
    case OCI_K_STRV:
    case OCI_K_OBJECT:
      return *(void *const *) p != NULL;
    case OCI_K_BOOL:
    case OCI_K_U32:
    case OCI_K_I32:
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_INLINE:
      return true;
    case OCI_K_OPT_BOOL:
      return ((const oci_opt_bool *) p)->set;
    case OCI_K_OPT_U16:
    case OCI_K_OPT_U32:
      return ((const oci_opt_u32 *) p)->set;
    case OCI_K_OPT_I32:
      return ((const oci_opt_i32 *) p)->set;
    case OCI_K_OPT_I64:
    case OCI_K_OPT_I64_NONNEG:
      return ((const oci_opt_i64 *) p)->set;
    case OCI_K_OPT_U64:
      return ((const oci_opt_u64 *) p)->set;
    case OCI_K_U32_ARRAY:
    case OCI_K_ARRAY:
    case OCI_K_STRMAP:
    case OCI_K_OBJMAP:
      return *(const size_t *) AT (base, f->n_off) > 0 && *(void *const *) p != NULL;
    }
  return false;
}

static int
write_value (struct strbuf *sb, const struct oci_field *f, const void *base,
             const struct wpath *at, parma_error_t *err)
{
  const void *p = AT (base, f->off);
  switch (f->kind)
    {
    case OCI_K_STRING:
      return put_string (sb, *(char *const *) p, at, err);
    case OCI_K_STRV:
      {
        char *const *v = *(char *const *const *) p;
        strbuf_putc (sb, '[');
        for (size_t i = 0; v[i] != NULL; i++)
          {
            struct wpath here = { at, NULL, i };
            if (i > 0)
              strbuf_putc (sb, ',');
            if (put_string (sb, v[i], &here, err) < 0)
              return -1;
          }
        strbuf_putc (sb, ']');
        return 0;
      }
    case OCI_K_BOOL:
      strbuf_puts (sb, *(const bool *) p ? "true" : "false");
      return 0;
    case OCI_K_OPT_BOOL:
      strbuf_puts (sb, ((const oci_opt_bool *) p)->v ? "true" : "false");
      return 0;
    case OCI_K_U32:
      put_u64 (sb, *(const uint32_t *) p);
      return 0;
    case OCI_K_I32:
      put_i64 (sb, *(const int32_t *) p);
      return 0;
    case OCI_K_I64:
      put_i64 (sb, *(const int64_t *) p);
      return 0;
    case OCI_K_U64:
      put_u64 (sb, *(const uint64_t *) p);
      return 0;
    case OCI_K_OPT_U16:
      if (((const oci_opt_u32 *) p)->v > UINT16_MAX)
        return write_fail (err, at, "out of range 0..65535");
      put_u64 (sb, ((const oci_opt_u32 *) p)->v);
      return 0;
    case OCI_K_OPT_U32:
      put_u64 (sb, ((const oci_opt_u32 *) p)->v);
      return 0;
    case OCI_K_OPT_I32:
      put_i64 (sb, ((const oci_opt_i32 *) p)->v);
      return 0;
    case OCI_K_OPT_I64:
      put_i64 (sb, ((const oci_opt_i64 *) p)->v);
      return 0;
    case OCI_K_OPT_I64_NONNEG:
      if (((const oci_opt_i64 *) p)->v < 0)
        return write_fail (err, at, "negative value for an unsigned member");
      put_i64 (sb, ((const oci_opt_i64 *) p)->v);
      return 0;
    case OCI_K_OPT_U64:
      put_u64 (sb, ((const oci_opt_u64 *) p)->v);
      return 0;
    case OCI_K_U32_ARRAY:
      {
        const uint32_t *v = *(const uint32_t *const *) p;
        size_t n = *(const size_t *) AT (base, f->n_off);
        strbuf_putc (sb, '[');
        for (size_t i = 0; i < n; i++)
          {
            if (i > 0)
              strbuf_putc (sb, ',');
            put_u64 (sb, v[i]);
          }
        strbuf_putc (sb, ']');
        return 0;
      }
    case OCI_K_OBJECT:
      return write_object (sb, f->sub, *(const void *const *) p, at, err);
    case OCI_K_INLINE:
      return write_object (sb, f->sub, p, at, err);
    case OCI_K_ARRAY:
      {
        const char *v = *(const char *const *) p;
        size_t n = *(const size_t *) AT (base, f->n_off);
        strbuf_putc (sb, '[');
        for (size_t i = 0; i < n; i++)
          {
            struct wpath here = { at, NULL, i };
            if (i > 0)
              strbuf_putc (sb, ',');
            if (write_object (sb, f->sub, v + i * f->sub->size, &here, err) < 0)
              return -1;
          }
        strbuf_putc (sb, ']');
        return 0;
      }
    case OCI_K_STRMAP:
    case OCI_K_OBJMAP:
      return write_map (sb, f, base, at, err);
    }
  return write_fail (err, at, "internal: unknown kind");
}

static int
write_object (struct strbuf *sb, const struct oci_type *t, const void *base,
              const struct wpath *at, parma_error_t *err)
{
  bool first = true;
  strbuf_putc (sb, '{');
  for (size_t i = 0; i < t->n_fields; i++)
    {
      const struct oci_field *f = &t->fields[i];
      if (!present (f, base))
        continue;
      struct wpath here = { at, f->key, 0 };
      if (!first)
        strbuf_putc (sb, ',');
      first = false;
      strbuf_json_string (sb, f->key, strlen (f->key));
      strbuf_putc (sb, ':');
      if (write_value (sb, f, base, &here, err) < 0)
        return -1;
    }
  strbuf_putc (sb, '}');
  return 0;
}

static int
write_document (const struct oci_type *t, const void *obj, char **out, size_t *len,
                parma_error_t *err)
{
  if (obj == NULL)
    return parma_error_make (err, EINVAL, "(top level): nothing to write");
  cleanup_strbuf struct strbuf sb = { 0 };
  if (write_object (&sb, t, obj, NULL, err) < 0)
    return -1;
  if (len != NULL)
    *len = sb.len;
  *out = strbuf_steal (&sb);
  return 0;
}

int
oci_config_write (const struct oci_config *c, char **out, size_t *len, parma_error_t *err)
{
  return write_document (&oci_type_config, c, out, len, err);
}

int
oci_process_write (const struct oci_process *p, char **out, size_t *len, parma_error_t *err)
{
  return write_document (&oci_type_process, p, out, len, err);
}

int
oci_resources_write (const struct oci_resources *r, char **out, size_t *len, parma_error_t *err)
{
  return write_document (&oci_type_resources, r, out, len, err);
}
