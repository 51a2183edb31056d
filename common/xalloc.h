/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation that aborts on exhaustion (bubblewrap's xmalloc): an OOM in a
   short-lived runtime call is not recoverable in any useful way, and one
   policy for it keeps every caller free of NULL checks.  Sizes coming from
   untrusted input go through the overflow-checked helpers first. */
#ifndef PARMA_COMMON_XALLOC_H
#define PARMA_COMMON_XALLOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc (size_t size);
void *xzalloc (size_t size);
void *xcalloc (size_t nmemb, size_t size);
void *xrealloc (void *ptr, size_t size);
void *xreallocarray (void *ptr, size_t nmemb, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
void *xmemdup (const void *p, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
char *xvasprintf (const char *fmt, va_list ap) __attribute__ ((format (printf, 1, 0)));

/* true on overflow (cryptsetup's uint64_mult_overflow, bubblewrap's xadd). */
static inline bool
size_add_overflow (size_t a, size_t b, size_t *out)
{
  return __builtin_add_overflow (a, b, out);
}
static inline bool
size_mul_overflow (size_t a, size_t b, size_t *out)
{
  return __builtin_mul_overflow (a, b, out);
}

#endif
