/* SPDX-License-Identifier: Apache-2.0 */
/* exec: process admission.  An `exec --process` document is read once,
   strictly, and the delegate gets the sealed copy.  runc exits 255 when
   exec itself fails (runc#3073), so parma's own failures do too. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "runtime/bundle.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/verbs.h"

#define O(field, nm, al, ty, us, df) CLI_OPT (struct exec_opts, field, nm, al, ty, us, df)
static const struct cli_option exec_options[] = {
  O (console_socket, "console-socket", NULL, CLI_STRING,
     "path to an AF_UNIX socket that receives the master end of the console's pseudoterminal",
     NULL),
  O (cwd, "cwd", NULL, CLI_STRING, "current working directory in the container", NULL),
  O (env, "env", "e", CLI_STRINGS, "set environment variables", NULL),
  O (tty, "tty", "t", CLI_BOOL, "allocate a pseudo-TTY", NULL),
  O (user, "user", "u", CLI_STRING, "UID (format: <uid>[:<gid>])", NULL),
  O (additional_gids, "additional-gids", "g", CLI_STRINGS, "additional gids", NULL),
  O (process, "process", "p", CLI_STRING, "path to the process.json", NULL),
  O (detach, "detach", "d", CLI_BOOL, "detach from the container's process", NULL),
  O (pid_file, "pid-file", NULL, CLI_STRING, "file to write the process id to", NULL),
  O (process_label, "process-label", NULL, CLI_STRING, "SELinux label for the process", NULL),
  O (apparmor, "apparmor", NULL, CLI_STRING, "AppArmor profile for the process", NULL),
  O (no_new_privs, "no-new-privs", NULL, CLI_BOOL, "set no_new_privileges for the process", NULL),
  O (cap, "cap", "c", CLI_STRINGS, "add a capability to the bounding set for the process", NULL),
  O (preserve_fds, "preserve-fds", NULL, CLI_INT,
     "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)", "0"),
  O (cgroup, "cgroup", NULL, CLI_STRINGS,
     "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.", NULL),
  O (ignore_paused, "ignore-paused", NULL, CLI_BOOL, "allow exec in a paused container", NULL),
};
#undef O

const struct cli_command cmd_exec = {
  .name = "exec",
  .summary = "execute new process inside the container",
  .args_usage = "<container-id> <command> [command options]  || -p process.json <container-id>\n\n"
                "Where \"<container-id>\" is the name for the instance of the container and\n"
                "\"<command>\" is the command to be executed in the container.\n"
                "\"<command>\" can't be empty unless a \"-p\" flag provided.",
  .description = "Everything after <container-id> belongs to the command. A --process document\n"
                 "is checked and sealed before the runtime reads it.",
  .options = exec_options,
  .n_options = sizeof exec_options / sizeof exec_options[0],
  .in_order = true,
};

static void
free_vectors (struct exec_opts *o)
{
  free (o->env.v);
  free (o->additional_gids.v);
  free (o->cap.v);
  free (o->cgroup.v);
}

static int
read_process (struct parma_globals *g, struct exec_opts *o, struct parma_request *req,
              struct parma_state *st, struct oci_process **process, char **out, size_t *out_len,
              char **token, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (parma_read_document (o->process.v, &buf, &len, err) < 0)
    return parma_error_wrap (err, "--process");
  struct oci_read_options ro = { .allow_unknown = false };
  /* An owner token is taken out before sealing: the delegate never sees it. */
  if (oci_process_parse (buf, len, &ro, process, err) < 0
      || parma_owner_take_env ((*process)->env, token, err) < 0
      || oci_process_write (*process, out, out_len, err) < 0)
    return parma_error_wrap (err, "--process `%s`", o->process.v);
  req->process = *process;
  return parma_state_open (g, req->id, STATE_LOCK, st, err);
}

int
verb_exec (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct exec_opts o = { 0 };
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_exec, &o, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    {
      free_vectors (&o);
      return r == CLI_HELP ? 0 : r;
    }
  if (parma_check_args (g, &cmd_exec, n_args, 1, ARGS_MIN, err) < 0)
    {
      free_vectors (&o);
      return -1;
    }
  g->error_exit = 255;
  g->id = args[0];
  cleanup_free char *pid_file = NULL, *console = NULL, *sealed = NULL, *doc = NULL;
  cleanup_free char *owner_token = NULL;
  size_t doc_len = 0;
  struct oci_process *process = NULL;
  struct parma_state st = { .root_fd = -1, .lock_fd = -1, .id_fd = -1 };
  struct parma_request req = {
    .verb = VERB_EXEC, .id = g->id, .globals = g, .exec = &o, .args = args + 1, .n_args = n_args - 1
  };
  r = -1;
  if (parma_check_id (g->id, err) < 0 || parma_prepare (g, err) < 0
      || parma_resolve_opt (g, "--pid-file", &o.pid_file, &pid_file, err) < 0
      || parma_resolve_opt (g, "--console-socket", &o.console_socket, &console, err) < 0)
    goto out;
  req.pid_file = pid_file;
  req.console_socket = console;
  if (parma_owner_take_env_flags (&o.env, &owner_token, err) < 0)
    goto out;
  if (o.process.set)
    {
      if (read_process (g, &o, &req, &st, &process, &doc, &doc_len, &owner_token, err) < 0)
        goto out;
    }
  else if (parma_state_open (g, g->id, owner_token ? STATE_LOCK : STATE_LOOKUP, &st, err) < 0)
    goto out;
  req.owner_token = owner_token;
  if (parma_decide_and_seal (g, &req, &st, "process", doc, doc_len, &sealed, err) < 0)
    goto out;
  if (sealed)
    o.process.v = sealed;
  {
    cleanup_strv char **dargv = NULL;
    size_t n = 0;
    delegate_argv_start (g, "exec", &dargv, &n);
    cli_argv_options (cmd_exec.options, cmd_exec.n_options, &o, &dargv, &n);
    parma_argv_id (&dargv, &n, g->id);
    for (size_t i = 1; i < n_args; i++)
      cli_argv_push (&dargv, &n, xstrdup (args[i]));
    r = delegate_exec (g, dargv, err);
  }
out:
  free_vectors (&o);
  oci_process_free (process);
  parma_state_close (&st);
  return r;
}
