/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by test_common_oci*.c: parse a string, check the refusal
   message, round-trip.  Static: each test binary includes it once. */
#ifndef PARMA_TESTS_OCI_HELPERS_H
#define PARMA_TESTS_OCI_HELPERS_H

#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

enum doc_kind
{
  DOC_CONFIG,
  DOC_PROCESS,
  DOC_RESOURCES,
};

/* Parses then writes; returns 0 and the canonical text, or -1 and the
   error message (both malloc'd in *out). */
static inline int
parse_write (enum doc_kind kind, const char *buf, size_t len, struct oci_read_options *o,
             char **out)
{
  parma_error_t err = NULL;
  int ret = -1;
  char *text = NULL;
  size_t tlen = 0;
  switch (kind)
    {
    case DOC_CONFIG:
      {
        cleanup_oci_config struct oci_config *c = NULL;
        ret = oci_config_parse (buf, len, o, &c, &err);
        if (ret == 0)
          ret = oci_config_write (c, &text, &tlen, &err);
        break;
      }
    case DOC_PROCESS:
      {
        cleanup_oci_process struct oci_process *p = NULL;
        ret = oci_process_parse (buf, len, o, &p, &err);
        if (ret == 0)
          ret = oci_process_write (p, &text, &tlen, &err);
        break;
      }
    case DOC_RESOURCES:
      {
        cleanup_oci_resources struct oci_resources *r = NULL;
        ret = oci_resources_parse (buf, len, o, &r, &err);
        if (ret == 0)
          ret = oci_resources_write (r, &text, &tlen, &err);
        break;
      }
    }
  if (ret < 0)
    {
      if (err->status != EINVAL)
        fprintf (stderr, "# unexpected status %d\n", err->status);
      *out = err->status == EINVAL ? xstrdup (err->msg) : xstrdup ("(status not EINVAL)");
      parma_error_release (&err);
      return -1;
    }
  if (strlen (text) != tlen)
    {
      free (text);
      *out = xstrdup ("(written length mismatch)");
      return -1;
    }
  *out = text;
  return 0;
}

/* The document must be refused with exactly this message. */
static inline int
expect_refused (enum doc_kind kind, const char *json, const char *want)
{
  cleanup_free char *msg = NULL;
  if (parse_write (kind, json, strlen (json), NULL, &msg) == 0)
    {
      fprintf (stderr, "# accepted: %s\n", json);
      return -1;
    }
  TAP_CHECK_STR (msg, want);
  return 0;
}

/* The document must be accepted and written as `want` (NULL: as itself). */
static inline int
expect_written (enum doc_kind kind, const char *json, const char *want)
{
  cleanup_free char *out = NULL;
  if (parse_write (kind, json, strlen (json), NULL, &out) < 0)
    {
      fprintf (stderr, "# refused: %s\n", out);
      return -1;
    }
  TAP_CHECK_STR (out, want ? want : json);
  return 0;
}

/* Reads a fixture from tests/unit/data (tests run from the source tree). */
static inline char *
read_fixture (const char *name, size_t *len)
{
  const char *src = getenv ("PARMA_SRC");
  cleanup_free char *path = xasprintf ("%s/tests/unit/data/%s", src ? src : ".", name);
  parma_error_t err = NULL;
  char *buf = NULL;
  if (read_file_at (AT_FDCWD, path, 16u << 20, &buf, len, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      parma_error_release (&err);
      return NULL;
    }
  return buf;
}

#endif
