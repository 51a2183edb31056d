/* SPDX-License-Identifier: Apache-2.0 */
#include "strbuf.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
reserve (struct strbuf *sb, size_t extra)
{
  size_t need;
  if (size_add_overflow (sb->len, extra + 1, &need))
    abort ();
  if (need <= sb->cap)
    return;
  size_t cap = sb->cap ? sb->cap : 64;
  while (cap < need)
    if (size_mul_overflow (cap, 2, &cap))
      abort ();
  sb->buf = xrealloc (sb->buf, cap);
  sb->cap = cap;
}

void
strbuf_append (struct strbuf *sb, const char *s, size_t n)
{
  reserve (sb, n);
  if (n)
    memcpy (sb->buf + sb->len, s, n);
  sb->len += n;
  sb->buf[sb->len] = '\0';
}

void
strbuf_puts (struct strbuf *sb, const char *s)
{
  strbuf_append (sb, s, strlen (s));
}

void
strbuf_putc (struct strbuf *sb, char c)
{
  strbuf_append (sb, &c, 1);
}

void
strbuf_appendf (struct strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *s = xvasprintf (fmt, ap);
  va_end (ap);
  strbuf_puts (sb, s);
  free (s);
}

void
strbuf_json_string (struct strbuf *sb, const char *s, size_t n)
{
  strbuf_putc (sb, '"');
  for (size_t i = 0; i < n; i++)
    {
      unsigned char c = (unsigned char) s[i];
      switch (c)
        {
        case '"':
          strbuf_puts (sb, "\\\"");
          break;
        case '\\':
          strbuf_puts (sb, "\\\\");
          break;
        case '\n':
          strbuf_puts (sb, "\\n");
          break;
        case '\r':
          strbuf_puts (sb, "\\r");
          break;
        case '\t':
          strbuf_puts (sb, "\\t");
          break;
        default:
          if (c < 0x20)
            strbuf_appendf (sb, "\\u%04x", c);
          else
            strbuf_putc (sb, (char) c);
        }
    }
  strbuf_putc (sb, '"');
}

char *
strbuf_steal (struct strbuf *sb)
{
  if (sb->buf == NULL)
    return xstrdup ("");
  char *p = sb->buf;
  sb->buf = NULL;
  sb->len = sb->cap = 0;
  return p;
}

void
strbuf_release (struct strbuf *sb)
{
  free (sb->buf);
  sb->buf = NULL;
  sb->len = sb->cap = 0;
}
