/* SPDX-License-Identifier: Apache-2.0 */
/* One error type for every room (crun's libcrun_error_t pattern): a fallible
   function takes `parma_error_t *err` last, returns < 0 (or NULL) and sets
   *err exactly once.  Only main() prints. */
#ifndef PARMA_COMMON_ERROR_H
#define PARMA_COMMON_ERROR_H

#include <stdarg.h>

struct parma_error
{
  int status; /* errno, or 0 when the failure is not a system error */
  char *msg;  /* "what failed on what" */
};
typedef struct parma_error *parma_error_t;

/* Sets *err (which must be NULL) and returns -1 - status' sign-folded value;
   callers only test for < 0. */
int parma_error_make (parma_error_t *err, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int parma_error_makev (parma_error_t *err, int status, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 3, 0)));

/* Prepends "<ctx>: " to (*err)->msg; returns -1.  *err must be set. */
int parma_error_wrap (parma_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

void parma_error_release (parma_error_t *err);

/* "msg" or "msg: strerror(status)"; caller frees. */
char *parma_error_format (const parma_error_t err);

/* Warnings go through one sink that main() sets; default: stderr. */
typedef void (*parma_warn_sink_t) (const char *msg, void *data);
void parma_set_warn_sink (parma_warn_sink_t sink, void *data);
void parma_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
