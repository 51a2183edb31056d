/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
parma_error_makev (parma_error_t *err, int status, const char *fmt, va_list ap)
{
  parma_error_t e = xmalloc (sizeof *e);
  e->status = status;
  e->msg = xvasprintf (fmt, ap);
  if (err == NULL)
    {
      /* No one to hand it to: never lose a failure silently. */
      fprintf (stderr, "parma: %s\n", e->msg);
      free (e->msg);
      free (e);
      return -1;
    }
  if (*err != NULL)
    parma_error_release (err);
  *err = e;
  return -1;
}

int
parma_error_make (parma_error_t *err, int status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int ret = parma_error_makev (err, status, fmt, ap);
  va_end (ap);
  return ret;
}

int
parma_error_wrap (parma_error_t *err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  va_start (ap, fmt);
  char *ctx = xvasprintf (fmt, ap);
  va_end (ap);
  char *msg = xasprintf ("%s: %s", ctx, (*err)->msg);
  free (ctx);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void
parma_error_release (parma_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

char *
parma_error_format (const parma_error_t err)
{
  if (err == NULL)
    return xstrdup ("unknown error");
  if (err->status == 0)
    return xstrdup (err->msg);
  return xasprintf ("%s: %s", err->msg, strerror (err->status));
}

static void
default_warn_sink (const char *msg, void *data)
{
  (void) data;
  fprintf (stderr, "%s\n", msg);
}

static parma_warn_sink_t warn_sink = default_warn_sink;
static void *warn_sink_data;

void
parma_set_warn_sink (parma_warn_sink_t sink, void *data)
{
  warn_sink = sink ? sink : default_warn_sink;
  warn_sink_data = data;
}

void
parma_warn (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  warn_sink (msg, warn_sink_data);
  free (msg);
}
