/* SPDX-License-Identifier: Apache-2.0 */
/* Strict OCI JSON reader: yajl's streaming (callback) parser feeding the
   tables of oci_schema.c directly, without an intermediate tree.

   Contract (untrusted input, DESIGN §2): at most OCI_MAX_DOCUMENT bytes and
   OCI_MAX_DEPTH nesting; one JSON object, no comments, no trailing bytes;
   strings strictly UTF-8 without NUL; every object's keys unique; a key
   equal to a known key up to case refused (runc's Go decoder folds case,
   including U+017F, U+212A, U+0130 and U+0131, and keeps the last
   duplicate); unknown keys refused or, with allow_unknown, dropped and
   reported; each value of the JSON type and integer range of its C field.
   `null` is read as absent, which is also what Go makes of it.  Errors:
   EINVAL, message "<json path>: <rule>".  yajl_tree is not used because it
   keeps duplicate keys and turns comments on. */
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/oci_schema.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define AT(base, off) ((char *) (base) + (off))

enum frame_kind
{
  FR_ROOT,     /* expects the top-level object */
  FR_OBJECT,   /* typed object: keys are looked up in type */
  FR_ARRAY,    /* field's array (strv, u32 or structs) */
  FR_STRMAP,   /* field's string map */
  FR_OBJMAP,   /* field's object map */
  FR_SKIP_OBJ, /* dropped unknown content */
  FR_SKIP_ARR,
};

struct keyset /* keys whose uniqueness is checked when the object ends */
{
  char **v;
  size_t n, cap;
};

struct frame
{
  enum frame_kind kind;
  const struct oci_type *type; /* FR_OBJECT */
  const struct oci_field *field; /* FR_ARRAY / maps: the member being filled */
  void *base;                  /* FR_OBJECT: the struct; else: struct holding field */
  uint64_t seen;               /* FR_OBJECT: bitmap of known keys seen */
  const struct oci_field *cur; /* FR_OBJECT: member of the current key; NULL = dropped */
  const char *key;             /* current key, for paths; NULL before the first */
  size_t index;                /* arrays: current element; SIZE_MAX before the first */
  size_t count, cap;           /* FR_ARRAY: elements, allocated slots */
  struct keyset keys;          /* unknown keys (FR_OBJECT), all keys (FR_SKIP_OBJ) */
};

enum jtype
{
  J_NULL,
  J_BOOL,
  J_NUMBER,
  J_STRING,
  J_OBJECT,
  J_ARRAY,
};

struct reader
{
  yajl_handle yajl;
  parma_error_t *err;
  bool failed;
  bool got_value;
  bool allow_unknown;
  struct frame frames[OCI_MAX_DEPTH + 2];
  size_t top; /* index of the current frame; frames[0] is FR_ROOT */
  const struct oci_type *root_type;
  void *root;
  char **dropped;
  size_t n_dropped;
  /* First "\u0000" or unpaired surrogate escape in the raw text: yajl 2.1
     turns a lone high surrogate into '?' (Go: U+FFFD), so such escapes are
     found before parsing and reported by the string callback covering them;
     NULs are refused there too (and again after decoding, by memchr). */
  size_t bad_escape_at;
  const char *bad_escape_rule;
};

/* ---- paths and errors ---- */

static char *
current_path (struct reader *r)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  for (size_t i = 1; i <= r->top; i++)
    {
      const struct frame *f = &r->frames[i];
      if ((f->kind == FR_ARRAY || f->kind == FR_SKIP_ARR) && f->index != SIZE_MAX)
        strbuf_appendf (&sb, "[%zu]", f->index);
      else if (f->kind != FR_ARRAY && f->kind != FR_SKIP_ARR && f->key != NULL)
        oci_path_append_key (&sb, f->key);
    }
  if (sb.len == 0)
    strbuf_puts (&sb, "(top level)");
  return strbuf_steal (&sb);
}

static int
fail (struct reader *r, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Records "<path>: <rule>" once and returns 0, which makes yajl stop. */
static int
fail (struct reader *r, const char *fmt, ...)
{
  if (r->failed)
    return 0;
  r->failed = true;
  cleanup_free char *path = current_path (r);
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *rule = xvasprintf (fmt, ap);
  va_end (ap);
  parma_error_make (r->err, EINVAL, "%s: %s", path, rule);
  return 0;
}

/* ---- small helpers ---- */

static void
keyset_add (struct keyset *ks, char *k)
{
  if (ks->n == ks->cap)
    {
      ks->cap = ks->cap ? ks->cap * 2 : 8;
      ks->v = xreallocarray (ks->v, ks->cap, sizeof *ks->v);
    }
  ks->v[ks->n++] = k;
}

static int
cmp_strp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Returns the first key present twice, or NULL. */
static const char *
keyset_duplicate (struct keyset *ks)
{
  if (ks->n < 2)
    return NULL;
  qsort (ks->v, ks->n, sizeof *ks->v, cmp_strp);
  for (size_t i = 1; i < ks->n; i++)
    if (strcmp (ks->v[i - 1], ks->v[i]) == 0)
      return ks->v[i];
  return NULL;
}

static void
keyset_release (struct keyset *ks)
{
  for (size_t i = 0; i < ks->n; i++)
    free (ks->v[i]);
  free (ks->v);
  *ks = (struct keyset){ 0 };
}

/* Grows *arr (elements of `size` bytes) so that it holds `need` elements. */
static void
grow (void **arr, size_t *cap, size_t need, size_t size)
{
  if (need <= *cap)
    return;
  size_t c = *cap ? *cap : 4;
  while (c < need)
    if (size_mul_overflow (c, 2, &c))
      abort ();
  *arr = xreallocarray (*arr, c, size);
  *cap = c;
}

static const char *
jtype_rule (enum jtype want)
{
  switch (want)
    {
    case J_NULL:
      return "not null";
    case J_BOOL:
      return "not a boolean";
    case J_NUMBER:
      return "not an integer";
    case J_STRING:
      return "not a string";
    case J_OBJECT:
      return "not an object";
    case J_ARRAY:
      return "not an array";
    }
  return "wrong type";
}

/* A decoded string (value or key) from yajl.  yajl's UTF-8 check lets
   overlong forms and encoded surrogates through, which Go reads as U+FFFD;
   an escaped NUL would cut the C string short of what Go sees. */
static int
check_string (struct reader *r, const unsigned char *s, size_t len)
{
  if (yajl_get_bytes_consumed (r->yajl) > r->bad_escape_at)
    return fail (r, "%s", r->bad_escape_rule);
  if (memchr (s, '\0', len) != NULL)
    return fail (r, "NUL byte in string");
  if (!oci_utf8_valid ((const char *) s, len))
    return fail (r, "invalid UTF-8 in string");
  return 1;
}

/* An integer member: JSON text to the C field of kind `kind` at p. */
static int
store_integer (struct reader *r, enum oci_kind kind, void *p, const char *s, size_t len)
{
  cleanup_free char *why = NULL;
  if (oci_store_integer (kind, p, s, len, &why) < 0)
    return fail (r, "%s", why);
  return 1;
}

/* ---- frames ---- */

static struct frame *
push (struct reader *r, enum frame_kind kind)
{
  /* Depth is checked in the start callbacks before any push. */
  struct frame *f = &r->frames[++r->top];
  *f = (struct frame){ .kind = kind, .index = SIZE_MAX };
  return f;
}

static struct frame *
push_object (struct reader *r, const struct oci_type *t, void *obj)
{
  struct frame *f = push (r, FR_OBJECT);
  f->type = t;
  f->base = obj;
  return f;
}

/* The JSON type a member of kind k must have. */
static enum jtype
kind_jtype (enum oci_kind k)
{
  enum jtype want = J_NULL;
  switch (k)
    {
    case OCI_K_STRING:
      want = J_STRING;
      break;
    case OCI_K_BOOL:
    case OCI_K_OPT_BOOL:
      want = J_BOOL;
      break;
    case OCI_K_U32:
    case OCI_K_I32:
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_OPT_U16:
    case OCI_K_OPT_U32:
    case OCI_K_OPT_I32:
    case OCI_K_OPT_I64:
    case OCI_K_OPT_I64_NONNEG:
    case OCI_K_OPT_U64:
      want = J_NUMBER;
      break;
    case OCI_K_STRV:
    case OCI_K_U32_ARRAY:
    case OCI_K_ARRAY:
      want = J_ARRAY;
      break;
    case OCI_K_OBJECT:
    case OCI_K_INLINE:
    case OCI_K_STRMAP:
    case OCI_K_OBJMAP:
      want = J_OBJECT;
      break;
    }
  return want;
}

/* The value of a member of a typed object. */
static int
field_value (struct reader *r, const struct oci_field *f, void *base, enum jtype jt,
             const char *s, size_t len, bool b)
{
  enum jtype want = kind_jtype (f->kind);
  if (jt == J_NULL)
    return 1; /* absent, as for Go */
  if (jt != want)
    return fail (r, "%s", jtype_rule (want));
  void *p = AT (base, f->off);
  switch (f->kind)
    {
    case OCI_K_STRING:
      *(char **) p = xstrndup (s, len);
      return 1;
    case OCI_K_BOOL:
      *(bool *) p = b;
      return 1;
    case OCI_K_OPT_BOOL:
      *(oci_opt_bool *) p = (oci_opt_bool){ true, b };
      return 1;
    case OCI_K_STRV:
      {
        struct frame *fr = push (r, FR_ARRAY);
        fr->field = f;
        fr->base = base;
        char **v = xcalloc (4, sizeof *v);
        fr->cap = 4;
        *(char ***) p = v;
        return 1;
      }
    case OCI_K_U32_ARRAY:
    case OCI_K_ARRAY:
      {
        struct frame *fr = push (r, FR_ARRAY);
        fr->field = f;
        fr->base = base;
        return 1;
      }
    case OCI_K_OBJECT:
      {
        void *obj = xzalloc (f->sub->size);
        *(void **) p = obj;
        push_object (r, f->sub, obj);
        return 1;
      }
    case OCI_K_INLINE:
      push_object (r, f->sub, p);
      return 1;
    case OCI_K_STRMAP:
    case OCI_K_OBJMAP:
      {
        struct frame *fr = push (r, f->kind == OCI_K_STRMAP ? FR_STRMAP : FR_OBJMAP);
        fr->field = f;
        fr->base = base;
        return 1;
      }
    case OCI_K_U32:
    case OCI_K_I32:
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_OPT_U16:
    case OCI_K_OPT_U32:
    case OCI_K_OPT_I32:
    case OCI_K_OPT_I64:
    case OCI_K_OPT_I64_NONNEG:
    case OCI_K_OPT_U64:
      return store_integer (r, f->kind, p, s, len);
    }
  return fail (r, "internal: unknown kind");
}

/* An element of the array member fr->field. */
static int
array_element (struct reader *r, struct frame *fr, enum jtype jt, const char *s, size_t len)
{
  const struct oci_field *f = fr->field;
  void *p = AT (fr->base, f->off);
  fr->index = fr->count;
  switch (f->kind)
    {
    case OCI_K_STRV:
      {
        if (jt != J_STRING)
          return fail (r, "not a string");
        char ***v = (char ***) p;
        grow ((void **) v, &fr->cap, fr->count + 2, sizeof (char *));
        (*v)[fr->count++] = xstrndup (s, len);
        (*v)[fr->count] = NULL;
        return 1;
      }
    case OCI_K_U32_ARRAY:
      {
        if (jt != J_NUMBER)
          return fail (r, "not an integer");
        uint32_t **v = (uint32_t **) p;
        size_t *n = (size_t *) AT (fr->base, f->n_off);
        uint32_t u;
        if (!store_integer (r, OCI_K_U32, &u, s, len))
          return 0;
        grow ((void **) v, &fr->cap, *n + 1, sizeof (uint32_t));
        (*v)[(*n)++] = u;
        fr->count = *n;
        return 1;
      }
    case OCI_K_ARRAY:
      {
        if (jt != J_OBJECT)
          return fail (r, "not an object");
        void **v = (void **) p;
        size_t *n = (size_t *) AT (fr->base, f->n_off);
        grow (v, &fr->cap, *n + 1, f->sub->size);
        void *elem = AT (*v, *n * f->sub->size);
        memset (elem, 0, f->sub->size);
        (*n)++;
        fr->count = *n;
        push_object (r, f->sub, elem);
        return 1;
      }
    case OCI_K_STRING:
    case OCI_K_BOOL:
    case OCI_K_OPT_BOOL:
    case OCI_K_U32:
    case OCI_K_I32:
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_OPT_U16:
    case OCI_K_OPT_U32:
    case OCI_K_OPT_I32:
    case OCI_K_OPT_I64:
    case OCI_K_OPT_I64_NONNEG:
    case OCI_K_OPT_U64:
    case OCI_K_OBJECT:
    case OCI_K_INLINE:
    case OCI_K_STRMAP:
    case OCI_K_OBJMAP:
      break;
    }
  return fail (r, "internal: not an array kind");
}

/* Every value event lands here; the top frame says where it goes. */
static int
on_value (struct reader *r, enum jtype jt, const char *s, size_t len, bool b)
{
  struct frame *fr = &r->frames[r->top];
  switch (fr->kind)
    {
    case FR_ROOT:
      if (jt != J_OBJECT)
        return fail (r, "not an object");
      r->got_value = true;
      push_object (r, r->root_type, r->root);
      return 1;
    case FR_OBJECT:
      if (fr->cur == NULL)
        goto skip;
      return field_value (r, fr->cur, fr->base, jt, s, len, b);
    case FR_ARRAY:
      return array_element (r, fr, jt, s, len);
    case FR_STRMAP:
      {
        if (jt != J_STRING)
          return fail (r, "not a string");
        struct oci_kv *kv = *(struct oci_kv **) AT (fr->base, fr->field->off);
        size_t n = *(size_t *) AT (fr->base, fr->field->n_off);
        kv[n - 1].value = xstrndup (s, len);
        return 1;
      }
    case FR_OBJMAP:
      {
        if (jt != J_OBJECT)
          return fail (r, "not an object");
        const struct oci_type *t = fr->field->sub;
        char *arr = *(char **) AT (fr->base, fr->field->off);
        size_t n = *(size_t *) AT (fr->base, fr->field->n_off);
        push_object (r, t, arr + (n - 1) * t->size);
        return 1;
      }
    case FR_SKIP_ARR:
      fr->index = fr->count++;
      goto skip;
    case FR_SKIP_OBJ:
      goto skip;
    }
  return fail (r, "internal: bad frame");
skip:
  if (jt == J_OBJECT)
    push (r, FR_SKIP_OBJ);
  else if (jt == J_ARRAY)
    push (r, FR_SKIP_ARR);
  return 1;
}

/* ---- keys ---- */

static int
object_key (struct reader *r, struct frame *fr, const unsigned char *k, size_t len)
{
  bool folded;
  const struct oci_field *f = oci_lookup_field (fr->type, k, len, &folded);
  if (f != NULL && !folded)
    {
      uint64_t bit = UINT64_C (1) << (size_t) (f - fr->type->fields);
      fr->key = f->key;
      if (fr->seen & bit)
        return fail (r, "duplicate key");
      fr->seen |= bit;
      fr->cur = f;
      return 1;
    }
  char *copy = xstrndup ((const char *) k, len);
  keyset_add (&fr->keys, copy);
  fr->key = copy;
  fr->cur = NULL;
  if (f != NULL)
    return fail (r, "key differs from `%s` only by case", f->key);
  if (!r->allow_unknown)
    return fail (r, "unknown key");
  r->dropped = xreallocarray (r->dropped, r->n_dropped + 2, sizeof *r->dropped);
  r->dropped[r->n_dropped++] = current_path (r);
  r->dropped[r->n_dropped] = NULL;
  return 1;
}

/* A new entry of a map member; its value follows. */
static void
map_entry (struct frame *fr, const unsigned char *k, size_t len)
{
  void **arr = (void **) AT (fr->base, fr->field->off);
  size_t *n = (size_t *) AT (fr->base, fr->field->n_off);
  char *key = xstrndup ((const char *) k, len);
  if (fr->kind == FR_STRMAP)
    {
      grow (arr, &fr->cap, *n + 1, sizeof (struct oci_kv));
      ((struct oci_kv *) *arr)[*n] = (struct oci_kv){ key, NULL };
    }
  else
    {
      const struct oci_type *t = fr->field->sub;
      grow (arr, &fr->cap, *n + 1, t->size);
      void *elem = AT (*arr, *n * t->size);
      memset (elem, 0, t->size);
      *(char **) AT (elem, t->map_key_off) = key;
    }
  (*n)++;
  fr->key = key;
}

static int
cmp_map_entries (const void *a, const void *b, void *key_off)
{
  size_t off = *(const size_t *) key_off;
  return strcmp (*(char *const *) AT (a, off), *(char *const *) AT (b, off));
}

/* Sorts a map member by key (the canonical order) and finds duplicates. */
static const char *
map_sort_duplicate (struct frame *fr)
{
  char *arr = *(char **) AT (fr->base, fr->field->off);
  size_t n = *(size_t *) AT (fr->base, fr->field->n_off);
  size_t size, off;
  if (fr->kind == FR_STRMAP)
    size = sizeof (struct oci_kv), off = offsetof (struct oci_kv, key);
  else
    size = fr->field->sub->size, off = fr->field->sub->map_key_off;
  if (n < 2)
    return NULL;
  qsort_r (arr, n, size, cmp_map_entries, &off);
  for (size_t i = 1; i < n; i++)
    {
      const char *a = *(char **) (arr + (i - 1) * size + off);
      const char *b = *(char **) (arr + i * size + off);
      if (strcmp (a, b) == 0)
        return b;
    }
  return NULL;
}

/* ---- yajl callbacks ---- */

static int
cb_null (void *ctx)
{
  return on_value (ctx, J_NULL, NULL, 0, false);
}

static int
cb_boolean (void *ctx, int v)
{
  return on_value (ctx, J_BOOL, NULL, 0, v != 0);
}

static int
cb_number (void *ctx, const char *s, size_t len)
{
  return on_value (ctx, J_NUMBER, s, len, false);
}

static int
cb_string (void *ctx, const unsigned char *s, size_t len)
{
  struct reader *r = ctx;
  struct frame *fr = &r->frames[r->top];
  if (fr->kind == FR_ARRAY || fr->kind == FR_SKIP_ARR)
    fr->index = fr->count; /* so that a refusal names this element */
  if (!check_string (r, s, len))
    return 0;
  return on_value (r, J_STRING, (const char *) s, len, false);
}

static int
start_container (struct reader *r, enum jtype jt)
{
  if (r->top >= OCI_MAX_DEPTH)
    return fail (r, "nested deeper than %d", OCI_MAX_DEPTH);
  return on_value (r, jt, NULL, 0, false);
}

static int
cb_start_map (void *ctx)
{
  return start_container (ctx, J_OBJECT);
}

static int
cb_start_array (void *ctx)
{
  return start_container (ctx, J_ARRAY);
}

static int
cb_map_key (void *ctx, const unsigned char *k, size_t len)
{
  struct reader *r = ctx;
  struct frame *fr = &r->frames[r->top];
  if (yajl_get_bytes_consumed (r->yajl) > r->bad_escape_at || memchr (k, '\0', len) != NULL
      || !oci_utf8_valid ((const char *) k, len))
    {
      /* Name the bad key itself in the message. */
      char *copy = xstrndup ((const char *) k, len);
      keyset_add (&fr->keys, copy);
      fr->key = copy;
      return check_string (r, k, len);
    }
  switch (fr->kind)
    {
    case FR_OBJECT:
      return object_key (r, fr, k, len);
    case FR_STRMAP:
    case FR_OBJMAP:
      map_entry (fr, k, len);
      return 1;
    case FR_SKIP_OBJ:
      {
        char *copy = xstrndup ((const char *) k, len);
        keyset_add (&fr->keys, copy);
        fr->key = copy;
        return 1;
      }
    case FR_ROOT:
    case FR_ARRAY:
    case FR_SKIP_ARR:
      break;
    }
  return fail (r, "internal: key outside an object");
}

static int
cb_end_map (void *ctx)
{
  struct reader *r = ctx;
  struct frame *fr = &r->frames[r->top];
  const char *dup = NULL;
  if (fr->kind == FR_STRMAP || fr->kind == FR_OBJMAP)
    dup = map_sort_duplicate (fr);
  else
    dup = keyset_duplicate (&fr->keys);
  if (dup != NULL)
    {
      fr->key = dup;
      return fail (r, "duplicate key");
    }
  keyset_release (&fr->keys);
  r->top--;
  return 1;
}

static int
cb_end_array (void *ctx)
{
  struct reader *r = ctx;
  r->top--;
  return 1;
}

static const yajl_callbacks callbacks = {
  .yajl_null = cb_null,
  .yajl_boolean = cb_boolean,
  .yajl_number = cb_number,
  .yajl_string = cb_string,
  .yajl_start_map = cb_start_map,
  .yajl_map_key = cb_map_key,
  .yajl_end_map = cb_end_map,
  .yajl_start_array = cb_start_array,
  .yajl_end_array = cb_end_array,
};

/* ---- driver ---- */

static void
yajl_failure (struct reader *r, const char *buf, size_t len)
{
  unsigned char *msg = yajl_get_error (r->yajl, 0, (const unsigned char *) buf, len);
  size_t n = msg ? strlen ((char *) msg) : 0;
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '.'))
    n--;
  fail (r, "invalid JSON at byte %zu: %.*s", yajl_get_bytes_consumed (r->yajl), (int) n,
        msg ? (char *) msg : "");
  if (msg)
    yajl_free_error (r->yajl, msg);
}

static int
parse_document (const struct oci_type *t, const char *buf, size_t len,
                struct oci_read_options *opts, void **out, parma_error_t *err)
{
  if (buf == NULL && len > 0)
    return parma_error_make (err, EINVAL, "(top level): no buffer");
  if (len > OCI_MAX_DOCUMENT)
    return parma_error_make (err, EINVAL, "(top level): document of %zu bytes exceeds %u bytes",
                             len, OCI_MAX_DOCUMENT);
  if (oci_only_whitespace (buf, len))
    return parma_error_make (err, EINVAL, "(top level): empty document");

  /* On the stack: its size is fixed by OCI_MAX_DEPTH, not by the input,
     and a 7 KiB heap block per call costs a malloc_consolidate(). */
  struct reader reader = { 0 };
  struct reader *r = &reader;
  r->err = err;
  r->allow_unknown = opts != NULL && opts->allow_unknown;
  r->root_type = t;
  r->root = xzalloc (t->size);
  r->frames[0].kind = FR_ROOT;
  r->bad_escape_at = oci_find_lossy_escape (buf, len, &r->bad_escape_rule);

  r->yajl = yajl_alloc (&callbacks, NULL, r);
  if (r->yajl == NULL)
    abort ();
  /* The defaults, spelled out: they are the contract. */
  yajl_config (r->yajl, yajl_allow_comments, 0);
  yajl_config (r->yajl, yajl_dont_validate_strings, 0);
  yajl_config (r->yajl, yajl_allow_trailing_garbage, 0);
  yajl_config (r->yajl, yajl_allow_multiple_values, 0);
  yajl_config (r->yajl, yajl_allow_partial_values, 0);

  yajl_status st = yajl_parse (r->yajl, (const unsigned char *) buf, len);
  if (st != yajl_status_ok && !r->failed)
    yajl_failure (r, buf, len);
  if (st == yajl_status_ok)
    {
      st = yajl_complete_parse (r->yajl);
      if (st != yajl_status_ok && !r->failed)
        fail (r, "invalid JSON: document ends early");
    }
  if (!r->failed && !r->got_value)
    fail (r, "empty document");

  for (size_t i = 0; i <= r->top && i < sizeof r->frames / sizeof r->frames[0]; i++)
    keyset_release (&r->frames[i].keys);
  yajl_free (r->yajl);

  if (r->failed)
    {
      oci_object_clear (t, r->root);
      free (r->root);
      strv_free (r->dropped);
      return -1;
    }
  if (opts != NULL)
    opts->dropped_keys = r->dropped;
  else
    strv_free (r->dropped);
  *out = r->root;
  return 0;
}

int
oci_config_parse (const char *buf, size_t len, struct oci_read_options *opts,
                  struct oci_config **out, parma_error_t *err)
{
  void *obj = NULL;
  int ret = parse_document (&oci_type_config, buf, len, opts, &obj, err);
  if (ret == 0)
    *out = obj;
  return ret;
}

int
oci_process_parse (const char *buf, size_t len, struct oci_read_options *opts,
                   struct oci_process **out, parma_error_t *err)
{
  void *obj = NULL;
  int ret = parse_document (&oci_type_process, buf, len, opts, &obj, err);
  if (ret == 0)
    *out = obj;
  return ret;
}

int
oci_resources_parse (const char *buf, size_t len, struct oci_read_options *opts,
                     struct oci_resources **out, parma_error_t *err)
{
  void *obj = NULL;
  int ret = parse_document (&oci_type_resources, buf, len, opts, &obj, err);
  if (ret == 0)
    *out = obj;
  return ret;
}
