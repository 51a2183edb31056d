/* SPDX-License-Identifier: Apache-2.0 */
/* bench-timeit: the clock of tests/bench/run.sh.  Timing from bash (date,
   $EPOCHREALTIME around a command) would measure bash's own fork and
   bookkeeping; this helper reads CLOCK_MONOTONIC right around
   fork + execvp + wait4 of each command and nothing else.

     bench-timeit [-v] [-i] CMD ARG... [';;' CMD ARG...]...
       Runs the commands one after the other (stdin and, unless -v, stdout
       on /dev/null; stderr inherited) and prints one line:
         ok TOTAL_US STEP1_US STEP2_US ... MAXRSS_KB CPU_US
       MAXRSS_KB is the largest peak RSS of any step and CPU_US the user +
       system CPU time of all steps (wait4 rusage: the step's process and
       the descendants it reaped).  CPU time is the steadier number on a
       busy machine: it does not count time spent waiting for a CPU.  The first
       step that fails ends the run with "fail STEP STATUS" (exit 1), unless
       -i: then exit statuses are ignored (timing a call that must fail).

     bench-timeit -m CMD ARG...
       Memory of a front end that execve()s its delegate: traces CMD's
       system calls and, at the entry of its first execve, reads VmHWM from
       /proc (the front end's own peak RSS, before the delegate replaces
       it), then detaches so the delegate runs untraced.  Prints
         ok OWN_PEAK_KB WHOLE_PEAK_KB EXECED(0|1) EXIT_STATUS
       (OWN = WHOLE when CMD never execs: its peak is then its own). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS 16

static int
die (const char *what)
{
  fprintf (stderr, "bench-timeit: %s: %s\n", what, strerror (errno));
  exit (2);
}

static long long
now_ns (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_MONOTONIC, &ts) < 0)
    die ("clock_gettime");
  return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* In the child: stdin (and stdout unless verbose) on /dev/null. */
static void
child_stdio (int verbose)
{
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2 (null, 0) < 0 || (!verbose && dup2 (null, 1) < 0))
    {
      perror ("bench-timeit: /dev/null");
      _exit (127);
    }
}

static long long
cpu_ns (const struct rusage *ru)
{
  return ((long long) ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000LL
         + ((long long) ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000LL;
}

/* Runs argv to completion; returns its wait status, fills *ns, *maxrss_kb
   and *cpu (user + system of the process and its reaped descendants). */
static int
run_step (char **argv, int verbose, long long *ns, long *maxrss_kb, long long *cpu)
{
  fflush (stdout);
  long long t0 = now_ns ();
  pid_t pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      child_stdio (verbose);
      execvp (argv[0], argv);
      fprintf (stderr, "bench-timeit: exec %s: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  int status;
  struct rusage ru;
  while (wait4 (pid, &status, 0, &ru) < 0)
    if (errno != EINTR)
      die ("wait4");
  *ns = now_ns () - t0;
  *maxrss_kb = ru.ru_maxrss;
  *cpu = cpu_ns (&ru);
  return status;
}

static int
status_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

static int
time_steps (int argc, char **argv, int verbose, int ignore_status)
{
  char **steps[MAX_STEPS];
  int n = 0;
  steps[n++] = argv;
  for (int i = 0; i < argc; i++)
    if (strcmp (argv[i], ";;") == 0)
      {
        argv[i] = NULL;
        if (n == MAX_STEPS)
          {
            fprintf (stderr, "bench-timeit: more than %d steps\n", MAX_STEPS);
            return 2;
          }
        steps[n++] = argv + i + 1;
      }
  long long step_ns[MAX_STEPS], total = 0, cpu_total = 0;
  long peak = 0;
  for (int k = 0; k < n; k++)
    {
      if (steps[k][0] == NULL)
        {
          fprintf (stderr, "bench-timeit: empty step %d\n", k + 1);
          return 2;
        }
      long rss;
      long long cpu;
      int status = run_step (steps[k], verbose, &step_ns[k], &rss, &cpu);
      cpu_total += cpu;
      if (status != 0 && !ignore_status)
        {
          printf ("fail %d %d\n", k + 1, status_code (status));
          return 1;
        }
      total += step_ns[k];
      if (rss > peak)
        peak = rss;
    }
  printf ("ok %.1f", (double) total / 1e3);
  for (int k = 0; k < n; k++)
    printf (" %.1f", (double) step_ns[k] / 1e3);
  printf (" %ld %.1f\n", peak, (double) cpu_total / 1e3);
  return 0;
}

/* VmHWM of a stopped tracee, in kB; -1 when unreadable. */
static long
vm_hwm_kb (pid_t pid)
{
  char path[64], line[256];
  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return -1;
  long kb = -1;
  while (fgets (line, sizeof line, f))
    if (strncmp (line, "VmHWM:", 6) == 0)
      {
        kb = strtol (line + 6, NULL, 10);
        break;
      }
  fclose (f);
  return kb;
}

static int
is_exec_entry (pid_t pid)
{
  struct __ptrace_syscall_info info;
  memset (&info, 0, sizeof info);
  if (ptrace (PTRACE_GET_SYSCALL_INFO, pid, (void *) sizeof info, &info) < 0)
    die ("PTRACE_GET_SYSCALL_INFO");
  return info.op == PTRACE_SYSCALL_INFO_ENTRY
         && (info.entry.nr == SYS_execve || info.entry.nr == SYS_execveat);
}

static int
measure_own_rss (char **argv)
{
  fflush (stdout);
  pid_t pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      child_stdio (0);
      if (ptrace (PTRACE_TRACEME, 0, NULL, NULL) < 0)
        _exit (126);
      execvp (argv[0], argv); /* stops with SIGTRAP once the image is loaded */
      _exit (127);
    }
  int status;
  if (waitpid (pid, &status, 0) < 0)
    die ("waitpid");
  if (!WIFSTOPPED (status))
    {
      printf ("fail 1 %d\n", status_code (status));
      return 1;
    }
  if (ptrace (PTRACE_SETOPTIONS, pid, NULL, (void *) (PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL))
      < 0)
    die ("PTRACE_SETOPTIONS");
  long own = -1;
  int execed = 0, sig = 0;
  for (;;)
    {
      if (ptrace (PTRACE_SYSCALL, pid, NULL, (void *) (long) sig) < 0)
        die ("PTRACE_SYSCALL");
      sig = 0;
      if (waitpid (pid, &status, 0) < 0)
        die ("waitpid");
      if (!WIFSTOPPED (status))
        break; /* exited without exec'ing anything */
      if (WSTOPSIG (status) == (SIGTRAP | 0x80))
        {
          if (is_exec_entry (pid))
            {
              own = vm_hwm_kb (pid);
              execed = 1;
              if (ptrace (PTRACE_DETACH, pid, NULL, NULL) < 0)
                die ("PTRACE_DETACH");
              break;
            }
        }
      else if (WSTOPSIG (status) != SIGTRAP)
        sig = WSTOPSIG (status); /* deliver the tracee's own signals */
    }
  struct rusage ru;
  if (execed)
    while (wait4 (pid, &status, 0, &ru) < 0)
      if (errno != EINTR)
        die ("wait4");
  if (!execed && getrusage (RUSAGE_CHILDREN, &ru) < 0)
    die ("getrusage");
  if (own < 0)
    own = ru.ru_maxrss;
  printf ("ok %ld %ld %d %d\n", own, ru.ru_maxrss, execed, status_code (status));
  return 0;
}

int
main (int argc, char **argv)
{
  int verbose = 0, memory = 0, ignore_status = 0, i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] && argv[i][2] == '\0'; i++)
    if (argv[i][1] == 'v')
      verbose = 1;
    else if (argv[i][1] == 'm')
      memory = 1;
    else if (argv[i][1] == 'i')
      ignore_status = 1;
    else
      break;
  if (i >= argc)
    {
      fprintf (stderr, "usage: bench-timeit [-v] [-i] CMD ARG... [';;' CMD ARG...]...\n"
                       "       bench-timeit -m CMD ARG...\n");
      return 2;
    }
  if (memory)
    return measure_own_rss (argv + i);
  return time_steps (argc - i, argv + i, verbose, ignore_status);
}
