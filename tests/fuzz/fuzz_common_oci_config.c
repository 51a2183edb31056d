/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer entry for the strict OCI reader and canonical writer
   (common/oci_*.c).  Every input is read as a config (strict, and with
   allow_unknown), as a process and as a resources document.  Besides
   memory errors (ASan/UBSan), it checks the writer's contract: whatever
   was accepted is written, the written text is accepted strictly, and
   writing that again gives the same bytes. */
#include "common/cleanup.h"
#include "common/oci.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Typed wrappers, so that no call goes through a mismatched pointer type. */
#define WRAP(name, type)                                                                      \
  static int name##_parse_any (const char *b, size_t l, struct oci_read_options *o, void **out, \
                               parma_error_t *e)                                              \
  {                                                                                           \
    struct type *x = NULL;                                                                    \
    int r = oci_##name##_parse (b, l, o, &x, e);                                              \
    *out = x;                                                                                 \
    return r;                                                                                 \
  }                                                                                           \
  static int name##_write_any (const void *x, char **out, size_t *l, parma_error_t *e)        \
  {                                                                                           \
    return oci_##name##_write (x, out, l, e);                                                 \
  }                                                                                           \
  static void name##_free_any (void *x)                                                       \
  {                                                                                           \
    oci_##name##_free (x);                                                                    \
  }
WRAP (config, oci_config)
WRAP (process, oci_process)
WRAP (resources, oci_resources)

struct doc
{
  int (*parse) (const char *, size_t, struct oci_read_options *, void **, parma_error_t *);
  int (*write) (const void *, char **, size_t *, parma_error_t *);
  void (*free) (void *);
};

static const struct doc docs[] = {
  { config_parse_any, config_write_any, config_free_any },
  { process_parse_any, process_write_any, process_free_any },
  { resources_parse_any, resources_write_any, resources_free_any },
};

static void
check (const struct doc *d, const char *buf, size_t len, bool allow_unknown)
{
  struct oci_read_options o = { .allow_unknown = allow_unknown };
  parma_error_t err = NULL;
  void *obj = NULL;
  if (d->parse (buf, len, &o, &obj, &err) < 0)
    {
      if (err == NULL || err->msg == NULL || strchr (err->msg, '\n') != NULL)
        abort (); /* a refusal is one line */
      parma_error_release (&err);
      return;
    }
  strv_free (o.dropped_keys);
  char *w1 = NULL, *w2 = NULL;
  size_t l1, l2;
  if (d->write (obj, &w1, &l1, &err) < 0)
    abort (); /* what was read must be writable */
  d->free (obj);
  obj = NULL;
  if (d->parse (w1, l1, NULL, &obj, &err) < 0)
    abort (); /* the canonical text must pass the strict reader */
  if (d->write (obj, &w2, &l2, &err) < 0 || l1 != l2 || memcmp (w1, w2, l1) != 0)
    abort (); /* and be a fixed point */
  d->free (obj);
  free (w1);
  free (w2);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *buf = (const char *) data;
  check (&docs[0], buf, size, false);
  check (&docs[0], buf, size, true);
  check (&docs[1], buf, size, true);
  check (&docs[2], buf, size, true);
  return 0;
}
