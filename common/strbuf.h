/* SPDX-License-Identifier: Apache-2.0 */
/* Growable string (bubblewrap's strappendf): no fixed-size buffer ever
   holds data of untrusted length. */
#ifndef PARMA_COMMON_STRBUF_H
#define PARMA_COMMON_STRBUF_H

#include <stddef.h>

struct strbuf
{
  char *buf;
  size_t len, cap;
};

void strbuf_append (struct strbuf *sb, const char *s, size_t n);
void strbuf_puts (struct strbuf *sb, const char *s);
void strbuf_putc (struct strbuf *sb, char c);
void strbuf_appendf (struct strbuf *sb, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Appends s as a JSON string literal (quotes, escapes). */
void strbuf_json_string (struct strbuf *sb, const char *s, size_t n);
char *strbuf_steal (struct strbuf *sb);
void strbuf_release (struct strbuf *sb);

#define cleanup_strbuf __attribute__ ((cleanup (strbuf_release)))

#endif
