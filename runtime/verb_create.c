/* SPDX-License-Identifier: Apache-2.0 */
/* create and run: container admission.  The caller's bundle is read once
   and decided on; the delegate gets the sealed bundle in parma's state. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "runtime/bundle.h"
#include "runtime/enforce.h"
#include "runtime/runtime.h"
#include "runtime/security_context.h"
#include "runtime/state.h"
#include "runtime/verbs.h"

#define O(field, nm, al, ty, us, df) CLI_OPT (struct create_opts, field, nm, al, ty, us, df)
#define BUNDLE_USAGE "path to the root of the bundle directory, defaults to the current directory"
#define CONSOLE_USAGE                                                                              \
  "path to an AF_UNIX socket that receives the master end of the console's pseudoterminal"
#define PIVOT_USAGE "do not use pivot_root to jail the process inside rootfs (chroot instead)"
#define KEYRING_USAGE "do not create a new session keyring for the container"
#define FDS_USAGE                                                                                  \
  "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"

static const struct cli_option create_options[] = {
  O (bundle, "bundle", "b", CLI_STRING, BUNDLE_USAGE, NULL),
  O (console_socket, "console-socket", NULL, CLI_STRING, CONSOLE_USAGE, NULL),
  O (pid_file, "pid-file", NULL, CLI_STRING, "file to write the process id to", NULL),
  O (no_pivot, "no-pivot", NULL, CLI_BOOL, PIVOT_USAGE, NULL),
  O (no_new_keyring, "no-new-keyring", NULL, CLI_BOOL, KEYRING_USAGE, NULL),
  O (preserve_fds, "preserve-fds", NULL, CLI_INT, FDS_USAGE, "0"),
};

static const struct cli_option run_options[] = {
  O (bundle, "bundle", "b", CLI_STRING, BUNDLE_USAGE, NULL),
  O (console_socket, "console-socket", NULL, CLI_STRING, CONSOLE_USAGE, NULL),
  O (detach, "detach", "d", CLI_BOOL, "detach from the container's process", NULL),
  O (keep, "keep", NULL, CLI_BOOL, "do not delete the container after it exits", NULL),
  O (pid_file, "pid-file", NULL, CLI_STRING, "file to write the process id to", NULL),
  O (no_subreaper, "no-subreaper", NULL, CLI_BOOL, "do not become a subreaper for the container",
     NULL),
  O (no_pivot, "no-pivot", NULL, CLI_BOOL, PIVOT_USAGE, NULL),
  O (no_new_keyring, "no-new-keyring", NULL, CLI_BOOL, KEYRING_USAGE, NULL),
  O (preserve_fds, "preserve-fds", NULL, CLI_INT, FDS_USAGE, "0"),
};
#undef O

#define ID_ARGS                                                                                    \
  "<container-id>\n\nWhere \"<container-id>\" is your name for the instance of the container "     \
  "that you\nare starting. The name you provide for the container instance must be unique on\n"    \
  "your host."

const struct cli_command cmd_create = {
  .name = "create",
  .summary = "create a container",
  .args_usage = ID_ARGS,
  .description = "The create command creates an instance of a container for a bundle, after\n"
                 "parma has checked the bundle's config.json and sealed a copy of it. The\n"
                 "bundle is a directory with a specification file named \"config.json\" and a\n"
                 "root filesystem.",
  .options = create_options,
  .n_options = sizeof create_options / sizeof create_options[0],
};

const struct cli_command cmd_run = {
  .name = "run",
  .summary = "create and run a container",
  .args_usage = ID_ARGS,
  .description = "The run command creates an instance of a container for a bundle and starts\n"
                 "it, after parma has checked the bundle's config.json and sealed a copy of it.",
  .options = run_options,
  .n_options = sizeof run_options / sizeof run_options[0],
};

int
parma_admit_bundle (struct parma_globals *g, struct parma_request *req, const char *bundle_arg,
                    struct parma_bundle *b, struct parma_state *st, char **sealed_bundle,
                    parma_error_t *err)
{
  if (parma_bundle_load (bundle_arg, b, err) < 0)
    return -1;
  req->config = b->config;
  req->bundle_dir = b->dir;
  req->rootfs = b->rootfs;
  if (parma_state_open (g, req->id, STATE_LOCK, st, err) < 0)
    return -1;
  /* runc refuses a second create of a live id; parma refuses it before it
     touches that container's record.  A record that is not stale (state.h)
     belongs to a container the delegate knows, or to a create still in
     flight (the lock ends at execve, before runc has made <root>/<id>):
     two racing creates must not both pass.  A stale one is replaced, once
     the call is admitted. */
  if (st->admitted && !parma_state_is_stale (g, st))
    return parma_error_make (err, 0, "container with given ID already exists");
  if (decide (g, req, err) < 0 || parma_verified_rootfs_apply (b, err) < 0)
    return -1;
  req->rootfs = b->rootfs; /* the verified rootfs's private path, if it changed */
  if (parma_security_context_add (g, b, err) < 0 || parma_state_drop_stale (g, st, err) < 0)
    return -1;
  if (parma_state_seal_config (st, b->sealed, b->sealed_len, sealed_bundle, err) == 0
      && parma_state_admit (st, g, parma_verb_name (req->verb), b->dir, *sealed_bundle, b->sealed,
                            b->sealed_len, err)
             == 0)
    return 0;
  /* A seal that failed (a full state filesystem) takes back what it wrote:
     there was no record before (see above), so <id>/ holds only this
     call's leftovers.  The first error is the one reported. */
  parma_error_t ignored = NULL;
  if (parma_state_remove (st, &ignored) < 0)
    parma_error_release (&ignored);
  return -1;
}

int
parma_resolve_opt (struct parma_globals *g, const char *flag, struct cli_string *s, char **owned,
                   parma_error_t *err)
{
  if (!s->set)
    return 0;
  if (parma_path_request (g, flag, s->v, owned, err) < 0)
    return -1;
  s->v = *owned;
  return 0;
}

void
parma_argv_id (char ***argv, size_t *n, const char *id)
{
  /* An id that looks like a flag reached us after "--"; keep it an id. */
  if (id[0] == '-')
    cli_argv_push (argv, n, xstrdup ("--"));
  cli_argv_push (argv, n, xstrdup (id));
}

static int
create_or_run (struct parma_globals *g, enum parma_verb verb, const struct cli_command *cmd,
               int argc, char **argv, parma_error_t *err)
{
  struct create_opts o = { 0 };
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, cmd, &o, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (parma_check_args (g, cmd, n_args, 1, ARGS_EXACT, err) < 0)
    return -1;
  g->id = args[0];
  if (parma_check_id (g->id, err) < 0 || parma_prepare (g, err) < 0)
    return -1;
  cleanup_free char *pid_file = NULL, *console = NULL, *sealed = NULL;
  if (parma_resolve_opt (g, "--pid-file", &o.pid_file, &pid_file, err) < 0
      || parma_resolve_opt (g, "--console-socket", &o.console_socket, &console, err) < 0)
    return -1;
  struct parma_request req = { .verb = verb,
                               .id = g->id,
                               .globals = g,
                               .create = &o,
                               .pid_file = pid_file,
                               .console_socket = console };
  struct parma_bundle b = { 0 };
  struct parma_state st = { .root_fd = -1, .lock_fd = -1, .id_fd = -1 };
  r = parma_admit_bundle (g, &req, o.bundle.v, &b, &st, &sealed, err);
  if (r == 0)
    {
      cleanup_strv char **dargv = NULL;
      size_t n = 0;
      o.bundle.set = true;
      o.bundle.v = sealed;
      delegate_argv_start (g, cmd->name, &dargv, &n);
      cli_argv_options (cmd->options, cmd->n_options, &o, &dargv, &n);
      parma_argv_id (&dargv, &n, g->id);
      r = delegate_exec (g, dargv, err);
    }
  parma_state_close (&st);
  parma_bundle_release (&b);
  return r;
}

int
verb_create (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  return create_or_run (g, VERB_CREATE, &cmd_create, argc, argv, err);
}

int
verb_run (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  return create_or_run (g, VERB_RUN, &cmd_run, argc, argv, err);
}
