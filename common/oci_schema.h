/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to common/oci_*.c (and the unit test): the OCI model described
   once as tables.  Each struct of common/oci.h has one `struct oci_type`
   listing its JSON members (spec camelCase key, kind, offset of the C
   field).  One generic reader, writer and free walk these tables, so the
   ~40 object types cannot drift apart.  Field tables are sorted by key in
   byte order: the writer emits them in table order, which is the canonical
   order (the unit test checks the sorting). */
#ifndef PARMA_COMMON_OCI_SCHEMA_H
#define PARMA_COMMON_OCI_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum oci_kind
{
  OCI_K_STRING,    /* char *, NULL = absent */
  OCI_K_STRV,      /* char **, NULL-terminated, NULL = absent */
  OCI_K_BOOL,      /* bool, always emitted */
  OCI_K_OPT_BOOL,  /* oci_opt_bool */
  OCI_K_U32,       /* uint32_t, always emitted */
  OCI_K_I32,       /* int32_t */
  OCI_K_I64,       /* int64_t */
  OCI_K_U64,       /* uint64_t */
  OCI_K_OPT_U16,   /* oci_opt_u32 holding a Go *uint16 */
  OCI_K_OPT_U32,   /* oci_opt_u32 */
  OCI_K_OPT_I32,   /* oci_opt_i32 */
  OCI_K_OPT_I64,   /* oci_opt_i64 */
  OCI_K_OPT_I64_NONNEG, /* oci_opt_i64 holding a Go *uint64 (0..INT64_MAX) */
  OCI_K_OPT_U64,   /* oci_opt_u64 */
  OCI_K_U32_ARRAY, /* uint32_t * + size_t n at n_off; n == 0 = absent */
  OCI_K_OBJECT,    /* struct T * (sub), NULL = absent */
  OCI_K_INLINE,    /* struct T embedded (sub), always emitted */
  OCI_K_ARRAY,     /* struct T * + size_t n at n_off; n == 0 = absent */
  OCI_K_STRMAP,    /* struct oci_kv * + n: JSON object of strings */
  OCI_K_OBJMAP,    /* struct T * + n: JSON object of objects, key in T at sub->map_key_off */
};

struct oci_type;

struct oci_field
{
  const char *key; /* JSON member name */
  enum oci_kind kind;
  size_t off;   /* offset of the C field in the enclosing struct */
  size_t n_off; /* offset of the element count (arrays and maps) */
  const struct oci_type *sub;
};

#define OCI_NO_MAP_KEY ((size_t) -1)

struct oci_type
{
  const char *name; /* C struct name, for messages and tests */
  size_t size;
  const struct oci_field *fields;
  size_t n_fields;    /* at most 64: the reader keeps a bitmap of seen keys */
  size_t map_key_off; /* char * holding the map key, or OCI_NO_MAP_KEY */
};

extern const struct oci_type oci_type_config;
extern const struct oci_type oci_type_process;
extern const struct oci_type oci_type_resources;

/* Every type reachable from oci_type_config (for the table tests). */
extern const struct oci_type *const oci_all_types[];
extern const size_t oci_n_all_types;

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
   U+10FFFF.  Go's decoder turns each of those into U+FFFD, so letting one
   through would mean we check different bytes than runc acts on. */
bool oci_utf8_valid (const char *s, size_t n);

/* Frees everything one object of type t at base owns (not base itself). */
void oci_object_clear (const struct oci_type *t, void *base);

/* ---- text helpers of the reader (oci_text.c) ---- */
struct strbuf;

/* Member of t named exactly k (*folded = false), or one that Go's
   case-insensitive match would take for k (*folded = true), or NULL. */
const struct oci_field *oci_lookup_field (const struct oci_type *t, const unsigned char *k,
                                          size_t len, bool *folded);
/* Offset of the first escape yajl decodes lossily (\u0000, unpaired
   surrogate) and the rule it breaks, or SIZE_MAX. */
size_t oci_find_lossy_escape (const char *buf, size_t len, const char **rule);
/* Stores integer text into the field of kind `kind` at p, within the range
   of that C field (and of the Go type behind it); 0, or -1 and *why. */
int oci_store_integer (enum oci_kind kind, void *p, const char *s, size_t len, char **why);
bool oci_only_whitespace (const char *buf, size_t len);
/* Appends ".key", or ["key"] quoted as printable ASCII for other keys. */
void oci_path_append_key (struct strbuf *sb, const char *k);

#endif
