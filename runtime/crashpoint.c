/* SPDX-License-Identifier: Apache-2.0 */
/* The crash-injection hook (see crashpoint.h). */
#include "runtime/crashpoint.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"

/* Steps passed so far by this process: the hook's only state. */
static unsigned steps_passed;

void
parma_step (const char *name)
{
  const char *at = getenv (PARMA_CRASH_ENV);
  if (at == NULL || *at == '\0')
    return;
  steps_passed++;
  if (strcmp (at, "list") == 0)
    {
      fprintf (stderr, "parma-runc: step %u %s\n", steps_passed, name);
      fflush (stderr);
      return;
    }
  int64_t n = 0;
  bool hit = parse_int64 (at, 1, UINT32_MAX, &n) == 0 ? (uint64_t)n == steps_passed
                                                      : strcmp (at, name) == 0;
  if (!hit)
    return;
  /* Nothing buffered is flushed: a kill from outside would not either. */
  kill (getpid (), SIGKILL);
  abort (); /* not reached */
}
