/* SPDX-License-Identifier: Apache-2.0 */
/* Capability and signal names: one spelling each in the canonical form. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

/* "CAP_SYS_ADMIN" -> 21 via libcap (which knows the running libcap's
   list, and so every name the kernel headers it was built with know). */
int
policy_cap_number (const char *name)
{
  if (strncmp (name, "CAP_", 4) != 0)
    return -1;
  cap_value_t c;
  cleanup_free char *lower = xstrdup (name);
  for (char *s = lower; *s; s++)
    *s = (char) tolower ((unsigned char) *s);
  if (cap_from_name (lower, &c) < 0 || c < 0 || c > 63)
    return -1;
  return (int) c;
}

/* Names as glibc's sigabbrev_np spells them, with or without "SIG", any
   case; or a number 1..64. */
int
policy_signal_number (const char *name)
{
  const char *s = name;
  if (isdigit ((unsigned char) s[0]))
    {
      char *end;
      long v = strtol (s, &end, 10);
      return (*end == '\0' && v >= 1 && v <= 64) ? (int) v : -1;
    }
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (int i = 1; i < SIGRTMIN; i++)
    {
      const char *abbrev = sigabbrev_np (i);
      if (abbrev && strcasecmp (abbrev, s) == 0)
        return i;
    }
  return -1;
}


/* Error and denial messages quote untrusted strings (JSON keys, env
   variables, paths); a newline or escape sequence in them must not forge a
   second log line or drive a terminal: control bytes become \xNN. */
char *
policy_escape_controls (const char *s)
{
  size_t n = 0;
  for (const char *c = s; *c; c++)
    n += ((unsigned char) *c < 0x20 || *c == 0x7f) ? 4 : 1;
  char *out = xmalloc (n + 1), *o = out;
  for (const char *c = s; *c; c++)
    if ((unsigned char) *c < 0x20 || *c == 0x7f)
      o += sprintf (o, "\\x%02x", (unsigned char) *c);
    else
      *o++ = *c;
  *o = '\0';
  return out;
}
