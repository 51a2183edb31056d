/* SPDX-License-Identifier: Apache-2.0 */
/* kill <id> [signal]: the signal is parsed as runc 1.1 parses it (a
   number, or a name with or without SIG, any case) and handed to the
   delegate as a number, so both see the same signal. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/verb_simple.h"

static const struct cli_option kill_options[] = {
  CLI_OPT (struct kill_opts, all, "all", "a", CLI_BOOL,
           "send the specified signal to all processes inside the container", NULL),
};

const struct cli_command cmd_kill = {
  .name = "kill",
  .summary = "kill sends the specified signal (default: SIGTERM) to the container's init process",
  .args_usage = "<container-id> [signal]\n\nWhere \"<container-id>\" is the name for the instance "
                "of the container and\n\"[signal]\" is the signal to be sent to the init process.",
  .description = "Signals are numbers (9) or names with or without the SIG prefix (KILL,\n"
                 "SIGKILL).",
  .options = kill_options,
  .n_options = 1,
};

static const struct
{
  const char *name;
  int signo;
} signals[] = {
  { "SIGABRT", SIGABRT },     { "SIGALRM", SIGALRM },     { "SIGBUS", SIGBUS },
  { "SIGCHLD", SIGCHLD },     { "SIGCLD", SIGCHLD },      { "SIGCONT", SIGCONT },
  { "SIGFPE", SIGFPE },       { "SIGHUP", SIGHUP },       { "SIGILL", SIGILL },
  { "SIGINT", SIGINT },       { "SIGIO", SIGIO },         { "SIGIOT", SIGIOT },
  { "SIGKILL", SIGKILL },     { "SIGPIPE", SIGPIPE },     { "SIGPOLL", SIGPOLL },
  { "SIGPROF", SIGPROF },     { "SIGPWR", SIGPWR },       { "SIGQUIT", SIGQUIT },
  { "SIGSEGV", SIGSEGV },     { "SIGSTKFLT", SIGSTKFLT }, { "SIGSTOP", SIGSTOP },
  { "SIGSYS", SIGSYS },       { "SIGTERM", SIGTERM },     { "SIGTRAP", SIGTRAP },
  { "SIGTSTP", SIGTSTP },     { "SIGTTIN", SIGTTIN },     { "SIGTTOU", SIGTTOU },
  { "SIGURG", SIGURG },       { "SIGUSR1", SIGUSR1 },     { "SIGUSR2", SIGUSR2 },
  { "SIGVTALRM", SIGVTALRM }, { "SIGWINCH", SIGWINCH },   { "SIGXCPU", SIGXCPU },
  { "SIGXFSZ", SIGXFSZ },
};

int
parma_parse_signal (const char *raw, int *signo, parma_error_t *err)
{
  int64_t n;
  if (parse_int64 (raw, 0, 64, &n) == 0)
    {
      *signo = (int)n;
      return 0;
    }
  const char *name = raw;
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp (signals[i].name + 3, name) == 0)
      {
        *signo = signals[i].signo;
        return 0;
      }
  return parma_error_make (err, EINVAL, "unknown signal \"%s\"", raw);
}

int
verb_kill (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct kill_opts o = { 0 };
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_kill, &o, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (parma_check_args (g, &cmd_kill, n_args, 1, ARGS_MIN, err) < 0
      || parma_check_args (g, &cmd_kill, n_args, 2, ARGS_MAX, err) < 0)
    return -1;
  g->id = args[0];
  struct parma_request req
      = { .verb = VERB_KILL, .id = g->id, .kill = &o, .signal = n_args > 1 ? args[1] : "SIGTERM" };
  if (parma_parse_signal (req.signal, &req.signo, err) < 0)
    return -1;
  cleanup_free char *num = xasprintf ("%d", req.signo);
  const char *extra[] = { num };
  enum parma_state_mode mode = parma_owner_has_call_token () ? STATE_LOCK : STATE_LOOKUP;
  return parma_simple_verb (g, &req, &cmd_kill, &o, extra, 1, mode, false, err);
}
