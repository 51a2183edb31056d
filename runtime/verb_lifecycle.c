/* SPDX-License-Identifier: Apache-2.0 */
/* Lifecycle and information verbs: start, pause, resume, delete, state,
   events, ps, list.  They carry no untrusted document; the delegate's
   output (state JSON, ps, events) passes through untouched. */
#include <stdlib.h>

#include "common/cleanup.h"
#include "runtime/runtime.h"
#include "runtime/verb_simple.h"

#define ID_ONLY                                                                                    \
  "<container-id>\n\nWhere \"<container-id>\" is the name for the instance of the container."

const struct cli_command cmd_start = {
  .name = "start",
  .summary = "executes the user defined process in a created container",
  .args_usage = ID_ONLY,
  .description = "The start command runs the user-defined process of a created container.",
};
const struct cli_command cmd_pause = {
  .name = "pause",
  .summary = "pause suspends all processes inside the container",
  .args_usage = ID_ONLY,
  .description = "The pause command suspends all processes in the instance of the container.",
};
const struct cli_command cmd_resume = {
  .name = "resume",
  .summary = "resumes all processes that have been previously paused",
  .args_usage = ID_ONLY,
  .description = "The resume command resumes all processes in the instance of the container.",
};
const struct cli_command cmd_state = {
  .name = "state",
  .summary = "output the state of a container",
  .args_usage = ID_ONLY,
  .description = "The state command outputs current state information for the instance of a\n"
                 "container, as the runtime reports it.",
};

static const struct cli_option delete_options[] = {
  CLI_OPT (struct delete_opts, force, "force", "f", CLI_BOOL,
           "forcibly delete the container even if it is still running (uses SIGKILL)", NULL),
};
const struct cli_command cmd_delete = {
  .name = "delete",
  .summary = "delete any resources held by the container often used with detached container",
  .args_usage = ID_ONLY,
  .description = "Removes the runtime's resources and parma's sealed state for the container.",
  .options = delete_options,
  .n_options = 1,
};

static const struct cli_option events_options[] = {
  CLI_OPT (struct events_opts, interval, "interval", NULL, CLI_DURATION,
           "set the stats collection interval", "5s"),
  CLI_OPT (struct events_opts, stats, "stats", NULL, CLI_BOOL,
           "display the container's stats then exit", NULL),
};
const struct cli_command cmd_events = {
  .name = "events",
  .summary
  = "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
  .args_usage = ID_ONLY,
  .description = "The events command displays information about the container. By default the\n"
                 "information is displayed once every 5 seconds.",
  .options = events_options,
  .n_options = 2,
};

static const struct cli_option ps_options[] = {
  CLI_OPT (struct ps_opts, format, "format", "f", CLI_STRING, "select one of: table or json",
           "\"table\""),
};
const struct cli_command cmd_ps = {
  .name = "ps",
  .summary = "ps displays the processes running inside a container",
  .args_usage = "<container-id> [ps options]",
  .options = ps_options,
  .n_options = 1,
  .in_order = true,
};

static const struct cli_option list_options[] = {
  CLI_OPT (struct list_opts, format, "format", "f", CLI_STRING, "select one of: table or json",
           "\"table\""),
  CLI_OPT (struct list_opts, quiet, "quiet", "q", CLI_BOOL, "display only container IDs", NULL),
};
const struct cli_command cmd_list = {
  .name = "list",
  .summary = "lists containers started by runc with the given root",
  .args_usage = "",
  .description = "The list command lists containers started by the runtime with the given root.",
  .options = list_options,
  .n_options = 2,
};

/* Parses, checks the argument count, and runs the common tail. */
static int
id_verb (struct parma_globals *g, enum parma_verb verb, const struct cli_command *cmd, void *opts,
         int argc, char **argv, size_t min, size_t max, enum parma_state_mode mode,
         bool remove_state, void (*fill) (struct parma_request *, void *), parma_error_t *err)
{
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, cmd, opts, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (min == max ? parma_check_args (g, cmd, n_args, min, ARGS_EXACT, err) < 0
                 : (parma_check_args (g, cmd, n_args, min, ARGS_MIN, err) < 0
                    || parma_check_args (g, cmd, n_args, max, ARGS_MAX, err) < 0))
    return -1;
  struct parma_request req = { .verb = verb };
  if (n_args > 0)
    {
      g->id = req.id = args[0];
      req.args = args + 1;
      req.n_args = n_args - 1;
    }
  if (fill)
    fill (&req, opts);
  return parma_simple_verb (g, &req, cmd, opts, req.args, req.n_args, mode, remove_state, err);
}

int
verb_start (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  return id_verb (g, VERB_START, &cmd_start, NULL, argc, argv, 1, 1, STATE_LOOKUP, false, NULL,
                  err);
}

int
verb_pause (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  return id_verb (g, VERB_PAUSE, &cmd_pause, NULL, argc, argv, 1, 1, STATE_LOOKUP, false, NULL,
                  err);
}

int
verb_resume (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  return id_verb (g, VERB_RESUME, &cmd_resume, NULL, argc, argv, 1, 1, STATE_LOOKUP, false, NULL,
                  err);
}

int
verb_state (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  return id_verb (g, VERB_STATE, &cmd_state, NULL, argc, argv, 1, 1, STATE_LOOKUP, false, NULL,
                  err);
}

static void
fill_delete (struct parma_request *req, void *opts)
{
  req->del = opts;
}

int
verb_delete (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct delete_opts o = { 0 };
  return id_verb (g, VERB_DELETE, &cmd_delete, &o, argc, argv, 1, 1, STATE_LOCK, true, fill_delete,
                  err);
}

static void
fill_events (struct parma_request *req, void *opts)
{
  req->events = opts;
}

int
verb_events (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct events_opts o = { 0 };
  return id_verb (g, VERB_EVENTS, &cmd_events, &o, argc, argv, 1, 1, STATE_LOOKUP, false,
                  fill_events, err);
}

static void
fill_ps (struct parma_request *req, void *opts)
{
  req->ps = opts;
}

int
verb_ps (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct ps_opts o = { 0 };
  return id_verb (g, VERB_PS, &cmd_ps, &o, argc, argv, 1, SIZE_MAX, STATE_LOOKUP, false, fill_ps,
                  err);
}

static void
fill_list (struct parma_request *req, void *opts)
{
  req->list = opts;
}

int
verb_list (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct list_opts o = { 0 };
  return id_verb (g, VERB_LIST, &cmd_list, &o, argc, argv, 0, 0, STATE_LOOKUP, false, fill_list,
                  err);
}
