/* SPDX-License-Identifier: Apache-2.0 */
/* The crash-injection hook (runtime/crashpoint.h): each case runs the
   steps in a child, since a hit SIGKILLs the process that reaches it. */
#include "runtime/crashpoint.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/tap.h"

/* Runs steps "a", "b", "c" in a child with PARMA_CRASH_AT=at (unset when
   NULL); returns the child's wait status, its stderr in `out`. */
static int
run_steps (const char *at, char *out, size_t out_size)
{
  int p[2];
  if (pipe (p) < 0)
    return -1;
  pid_t pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      dup2 (p[1], 2);
      close (p[0]);
      if (at)
        setenv (PARMA_CRASH_ENV, at, 1);
      else
        unsetenv (PARMA_CRASH_ENV);
      parma_step ("a");
      parma_step ("b");
      parma_step ("c");
      _exit (0);
    }
  close (p[1]);
  size_t len = 0;
  ssize_t r;
  while (len + 1 < out_size && (r = read (p[0], out + len, out_size - 1 - len)) > 0)
    len += (size_t)r;
  out[len] = '\0';
  close (p[0]);
  int status = 0;
  if (waitpid (pid, &status, 0) < 0)
    return -1;
  return status;
}

static int
killed_at (int status)
{
  return status >= 0 && WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL;
}

static int
test_unset_passes_every_step (void)
{
  char out[256];
  int status = run_steps (NULL, out, sizeof out);
  TAP_CHECK (status >= 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0);
  TAP_CHECK_STR (out, "");
  return 0;
}

static int
test_number_kills_at_that_step (void)
{
  char out[256];
  TAP_CHECK (killed_at (run_steps ("2", out, sizeof out)));
  TAP_CHECK (killed_at (run_steps ("1", out, sizeof out)));
  /* past the last step: nothing happens */
  int status = run_steps ("4", out, sizeof out);
  TAP_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return 0;
}

static int
test_name_kills_at_that_step (void)
{
  char out[256];
  TAP_CHECK (killed_at (run_steps ("c", out, sizeof out)));
  int status = run_steps ("nosuch", out, sizeof out);
  TAP_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  /* "0" is no step number (they count from 1) and no step's name */
  status = run_steps ("0", out, sizeof out);
  TAP_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return 0;
}

static int
test_list_names_the_steps (void)
{
  char out[256];
  int status = run_steps ("list", out, sizeof out);
  TAP_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  TAP_CHECK_STR (out, "parma-runc: step 1 a\nparma-runc: step 2 b\nparma-runc: step 3 c\n");
  return 0;
}

TAP_MAIN ({ "unset: every step passes, nothing printed", test_unset_passes_every_step },
          { "PARMA_CRASH_AT=<n> kills at the n-th step", test_number_kills_at_that_step },
          { "PARMA_CRASH_AT=<name> kills at that step", test_name_kills_at_that_step },
          { "PARMA_CRASH_AT=list names each step", test_list_names_the_steps })
