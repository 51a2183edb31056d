/* SPDX-License-Identifier: Apache-2.0 */
/* Ownership side of the OCI model: one generic free walking the tables of
   oci_schema.c, the public *_free wrappers, annotation lookup, and the
   UTF-8 rule shared by reader and writer. */
#include "common/oci.h"
#include "common/cleanup.h"
#include "common/oci_schema.h"

#include <stdlib.h>
#include <string.h>

bool
oci_utf8_valid (const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *) str;
  size_t i = 0;
  while (i < n)
    {
      unsigned char c = s[i];
      if (c < 0x80)
        {
          i++;
          continue;
        }
      size_t len;
      uint32_t cp, min;
      if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f, min = 0x80;
      else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f, min = 0x800;
      else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07, min = 0x10000;
      else
        return false; /* continuation byte, C0/C1 overlong lead, F5..FF */
      if (n - i < len)
        return false;
      for (size_t k = 1; k < len; k++)
        {
          if ((s[i + k] & 0xc0) != 0x80)
            return false;
          cp = (cp << 6) | (s[i + k] & 0x3f);
        }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return false;
      i += len;
    }
  return true;
}

#define AT(base, off) ((char *) (base) + (off))

static void clear_field (const struct oci_field *f, void *base);

void
oci_object_clear (const struct oci_type *t, void *base)
{
  for (size_t i = 0; i < t->n_fields; i++)
    clear_field (&t->fields[i], base);
  if (t->map_key_off != OCI_NO_MAP_KEY)
    {
      char **key = (char **) AT (base, t->map_key_off);
      free (*key);
      *key = NULL;
    }
}

static void
clear_array (const struct oci_type *t, void **arr, size_t *n)
{
  if (*arr != NULL)
    for (size_t k = 0; k < *n; k++)
      oci_object_clear (t, AT (*arr, k * t->size));
  free (*arr);
  *arr = NULL;
  *n = 0;
}

static void
clear_field (const struct oci_field *f, void *base)
{
  void *p = AT (base, f->off);
  switch (f->kind)
    {
    case OCI_K_STRING:
      free (*(char **) p);
      *(char **) p = NULL;
      break;
    case OCI_K_STRV:
      strv_free (*(char ***) p);
      *(char ***) p = NULL;
      break;
    case OCI_K_U32_ARRAY:
      free (*(uint32_t **) p);
      *(uint32_t **) p = NULL;
      *(size_t *) AT (base, f->n_off) = 0;
      break;
    case OCI_K_OBJECT:
      if (*(void **) p != NULL)
        oci_object_clear (f->sub, *(void **) p);
      free (*(void **) p);
      *(void **) p = NULL;
      break;
    case OCI_K_INLINE:
      oci_object_clear (f->sub, p);
      break;
    case OCI_K_ARRAY:
    case OCI_K_OBJMAP:
      clear_array (f->sub, (void **) p, (size_t *) AT (base, f->n_off));
      break;
    case OCI_K_STRMAP:
      {
        struct oci_kv **kv = (struct oci_kv **) p;
        size_t *n = (size_t *) AT (base, f->n_off);
        if (*kv != NULL)
          for (size_t k = 0; k < *n; k++)
            {
              free ((*kv)[k].key);
              free ((*kv)[k].value);
            }
        free (*kv);
        *kv = NULL;
        *n = 0;
        break;
      }
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
      break;
    }
}

static void
object_free (const struct oci_type *t, void *obj)
{
  if (obj == NULL)
    return;
  oci_object_clear (t, obj);
  free (obj);
}

void
oci_config_free (struct oci_config *c)
{
  object_free (&oci_type_config, c);
}

void
oci_process_free (struct oci_process *p)
{
  object_free (&oci_type_process, p);
}

void
oci_resources_free (struct oci_resources *r)
{
  object_free (&oci_type_resources, r);
}

void
oci_config_freep (struct oci_config **c)
{
  oci_config_free (*c);
  *c = NULL;
}

void
oci_process_freep (struct oci_process **p)
{
  oci_process_free (*p);
  *p = NULL;
}

void
oci_resources_freep (struct oci_resources **r)
{
  oci_resources_free (*r);
  *r = NULL;
}

const char *
oci_annotation (const struct oci_config *c, const char *key)
{
  if (c == NULL || key == NULL || c->annotations == NULL)
    return NULL;
  /* Parsed maps are sorted by key, but a caller may have built this one by
     hand: a linear scan is right for both and annotations are few. */
  for (size_t i = 0; i < c->n_annotations; i++)
    if (c->annotations[i].key != NULL && strcmp (c->annotations[i].key, key) == 0)
      return c->annotations[i].value;
  return NULL;
}
