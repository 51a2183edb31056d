/* SPDX-License-Identifier: Apache-2.0 */
/* Text-level helpers of the OCI reader (common/oci_read.c) that need no
   parser state: integer text and its ranges, key lookup with Go's case
   folding, the escape pre-scan, and how keys are shown in error paths. */
#include "common/oci.h"
#include "common/oci_schema.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <inttypes.h>

#include <stdint.h>
#include <string.h>

static bool
is_plain_key (const char *k)
{
  if (*k == '\0')
    return false;
  for (; *k; k++)
    if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9')
          || *k == '_'))
      return false;
  return true;
}

/* Keys appear in messages quoted, printable ASCII only and cut at 64 bytes:
   an error line must stay one line and must not carry terminal escapes. */
static void
append_quoted_key (struct strbuf *sb, const char *k)
{
  strbuf_puts (sb, "[\"");
  size_t i = 0;
  for (; k[i] && i < 64; i++)
    {
      unsigned char c = (unsigned char) k[i];
      if (c == '"' || c == '\\')
        {
          strbuf_putc (sb, '\\');
          strbuf_putc (sb, (char) c);
        }
      else if (c >= 0x20 && c < 0x7f)
        strbuf_putc (sb, (char) c);
      else
        strbuf_appendf (sb, "\\x%02x", c);
    }
  if (k[i])
    strbuf_puts (sb, "...");
  strbuf_puts (sb, "\"]");
}

void
oci_path_append_key (struct strbuf *sb, const char *k)
{
  if (is_plain_key (k))
    {
      if (sb->len > 0)
        strbuf_putc (sb, '.');
      strbuf_puts (sb, k);
    }
  else
    append_quoted_key (sb, k);
}

/* JSON integer text (yajl has checked the number grammar) into sign and
   magnitude; fractions and exponents are not integers for Go either.
   *overflow: the magnitude does not fit 64 bits. */
static bool
parse_integer (const char *s, size_t len, bool *neg, uint64_t *mag, bool *overflow)
{
  size_t i = 0;
  *neg = false;
  *mag = 0;
  *overflow = false;
  if (i < len && s[i] == '-')
    {
      *neg = true;
      i++;
    }
  if (i == len)
    return false;
  for (; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      if (!*overflow
          && (__builtin_mul_overflow (*mag, 10, mag)
              || __builtin_add_overflow (*mag, (uint64_t) (s[i] - '0'), mag)))
        *overflow = true;
    }
  return true;
}

/* Integer text within lo..hi. */
static int
read_signed (const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out, char **why)
{
  bool neg, overflow;
  uint64_t mag;
  if (!parse_integer (s, len, &neg, &mag, &overflow))
    {
      *why = xstrdup ("not an integer");
      return -1;
    }
  int64_t v;
  if (overflow)
    goto range;
  if (neg)
    {
      if (mag > (uint64_t) INT64_MAX + 1)
        goto range;
      v = mag == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) mag;
    }
  else
    {
      if (mag > (uint64_t) INT64_MAX)
        goto range;
      v = (int64_t) mag;
    }
  if (v < lo || v > hi)
    goto range;
  *out = v;
  return 0;
range:
  *why = xasprintf ("%.*s out of range %" PRId64 "..%" PRId64, (int) (len > 40 ? 40 : len), s, lo,
                   hi);
  return -1;
}

/* Integer text within 0..hi. */
static int
read_unsigned (const char *s, size_t len, uint64_t hi, uint64_t *out, char **why)
{
  bool neg, overflow;
  uint64_t mag;
  if (!parse_integer (s, len, &neg, &mag, &overflow))
    {
      *why = xstrdup ("not an integer");
      return -1;
    }
  /* "-0" too: Go's ParseUint refuses any sign. */
  if (neg || overflow || mag > hi)
    {
      *why = xasprintf ("%.*s out of range 0..%" PRIu64, (int) (len > 40 ? 40 : len), s, hi);
      return -1;
    }
  *out = mag;
  return 0;
}

int
oci_store_integer (enum oci_kind kind, void *p, const char *s, size_t len, char **why)
{
  int64_t i;
  uint64_t u;
  switch (kind)
    {
    case OCI_K_U32:
      if (read_unsigned (s, len, UINT32_MAX, &u, why) < 0)
        return -1;
      *(uint32_t *) p = (uint32_t) u;
      return 0;
    case OCI_K_I32:
      if (read_signed (s, len, INT32_MIN, INT32_MAX, &i, why) < 0)
        return -1;
      *(int32_t *) p = (int32_t) i;
      return 0;
    case OCI_K_I64:
      if (read_signed (s, len, INT64_MIN, INT64_MAX, &i, why) < 0)
        return -1;
      *(int64_t *) p = i;
      return 0;
    case OCI_K_U64:
      if (read_unsigned (s, len, UINT64_MAX, &u, why) < 0)
        return -1;
      *(uint64_t *) p = u;
      return 0;
    case OCI_K_OPT_U16:
    case OCI_K_OPT_U32:
      if (read_unsigned (s, len, kind == OCI_K_OPT_U16 ? UINT16_MAX : UINT32_MAX, &u, why) < 0)
        return -1;
      *(oci_opt_u32 *) p = (oci_opt_u32){ true, (uint32_t) u };
      return 0;
    case OCI_K_OPT_I32:
      if (read_signed (s, len, INT32_MIN, INT32_MAX, &i, why) < 0)
        return -1;
      *(oci_opt_i32 *) p = (oci_opt_i32){ true, (int32_t) i };
      return 0;
    case OCI_K_OPT_I64:
    case OCI_K_OPT_I64_NONNEG:
      if (read_signed (s, len, kind == OCI_K_OPT_I64 ? INT64_MIN : 0, INT64_MAX, &i, why) < 0)
        return -1;
      *(oci_opt_i64 *) p = (oci_opt_i64){ true, i };
      return 0;
    case OCI_K_OPT_U64:
      if (read_unsigned (s, len, UINT64_MAX, &u, why) < 0)
        return -1;
      *(oci_opt_u64 *) p = (oci_opt_u64){ true, u };
      return 0;
    case OCI_K_STRING:
    case OCI_K_STRV:
    case OCI_K_BOOL:
    case OCI_K_OPT_BOOL:
    case OCI_K_U32_ARRAY:
    case OCI_K_OBJECT:
    case OCI_K_INLINE:
    case OCI_K_ARRAY:
    case OCI_K_STRMAP:
    case OCI_K_OBJMAP:
      break;
    }
  *why = xasprintf ("internal: kind %d is not a number", (int) kind);
  return -1;
}

/* Next character of an untrusted key as Go's encoding/json folds it, when
   that is an ASCII letter.  Go < 1.21 matches keys with bytes.EqualFold
   (simple fold orbits: U+017F long s ~ 's', U+212A Kelvin ~ 'k'); Go >= 1.21
   compares ToUpper(ToLower(r)), which also maps U+0130 and U+0131 to 'I'.
   We fold all four, so a key either runtime could take for a known one is
   caught.  Returns -1 for any other non-ASCII character. */
static int
next_folded (const unsigned char *k, size_t len, size_t *i)
{
  unsigned char c = k[*i];
  if (c < 0x80)
    {
      (*i)++;
      return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
    }
  if (len - *i >= 2 && c == 0xc5 && k[*i + 1] == 0xbf) /* U+017F */
    {
      *i += 2;
      return 's';
    }
  if (len - *i >= 2 && c == 0xc4 && (k[*i + 1] == 0xb0 || k[*i + 1] == 0xb1)) /* U+0130/1 */
    {
      *i += 2;
      return 'i';
    }
  if (len - *i >= 3 && c == 0xe2 && k[*i + 1] == 0x84 && k[*i + 2] == 0xaa) /* U+212A */
    {
      *i += 3;
      return 'k';
    }
  return -1;
}

static bool
fold_equal (const unsigned char *k, size_t len, const char *known)
{
  size_t i = 0;
  for (; *known; known++)
    {
      if (i == len)
        return false;
      int c = next_folded (k, len, &i);
      int w = (*known >= 'A' && *known <= 'Z') ? *known + ('a' - 'A') : *known;
      if (c != w)
        return false;
    }
  return i == len;
}

static int
cmp_key (const unsigned char *k, size_t len, const char *known)
{
  size_t kl = strlen (known);
  int c = memcmp (k, known, len < kl ? len : kl);
  if (c != 0)
    return c;
  return len < kl ? -1 : len > kl ? 1 : 0;
}

/* Exact match by binary search (tables are sorted), else a case-folded
   match by scan; *folded tells which. */
const struct oci_field *
oci_lookup_field (const struct oci_type *t, const unsigned char *k, size_t len, bool *folded)
{
  size_t lo = 0, hi = t->n_fields;
  *folded = false;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      int c = cmp_key (k, len, t->fields[mid].key);
      if (c == 0)
        return &t->fields[mid];
      if (c < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  for (size_t i = 0; i < t->n_fields; i++)
    if (fold_equal (k, len, t->fields[i].key))
      {
        *folded = true;
        return &t->fields[i];
      }
  return NULL;
}

static bool
hex4 (const char *s, size_t avail, unsigned *out)
{
  if (avail < 4)
    return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++)
    {
      char c = s[i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= (unsigned) (c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= (unsigned) (c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= (unsigned) (c - 'A' + 10);
      else
        return false;
    }
  *out = v;
  return true;
}

/* yajl 2.1 decodes an unpaired high surrogate escape as '?' where Go reads
   U+FFFD, so the decoded string would not be what was sent: find the first
   such escape (or an escaped NUL) before parsing, so that the reader can
   refuse the string that holds it.  Linear; malformed text is left to
   yajl. */
size_t
oci_find_lossy_escape (const char *buf, size_t len, const char **rule_out)
{
  *rule_out = NULL;
  /* Escapes are rare in configs: no backslash, nothing to look at. */
  if (memchr (buf, '\\', len) == NULL)
    return SIZE_MAX;
  bool in_string = false;
  for (size_t i = 0; i < len; i++)
    {
      char c = buf[i];
      if (!in_string)
        {
          in_string = c == '"';
          continue;
        }
      if (c == '"')
        {
          in_string = false;
          continue;
        }
      if (c != '\\')
        continue;
      unsigned cp, lo;
      if (i + 1 >= len || buf[i + 1] != 'u' || !hex4 (buf + i + 2, len - i - 2, &cp))
        {
          i++;
          continue;
        }
      const char *rule = NULL;
      if (cp == 0)
        rule = "NUL byte in string (\\u0000)";
      else if (cp >= 0xd800 && cp <= 0xdbff)
        {
          if (len - i >= 12 && buf[i + 6] == '\\' && buf[i + 7] == 'u'
              && hex4 (buf + i + 8, len - i - 8, &lo) && lo >= 0xdc00 && lo <= 0xdfff)
            {
              i += 11;
              continue;
            }
          rule = "unpaired UTF-16 surrogate escape in string";
        }
      else if (cp >= 0xdc00 && cp <= 0xdfff)
        rule = "unpaired UTF-16 surrogate escape in string";
      if (rule != NULL)
        {
          *rule_out = rule;
          return i;
        }
      i += 5;
    }
  return SIZE_MAX;
}

bool
oci_only_whitespace (const char *buf, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
      return false;
  return true;
}

