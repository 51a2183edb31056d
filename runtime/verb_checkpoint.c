/* SPDX-License-Identifier: Apache-2.0 */
/* checkpoint and restore (CRIU): memory export and import.  Both are
   decided like every verb (the policy denies them unless it allows them);
   restore reads the bundle like create and runs the sealed copy. */
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "runtime/bundle.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/verb_simple.h"
#include "runtime/verbs.h"

#define O(field, nm, al, ty, us, df) CLI_OPT (struct checkpoint_opts, field, nm, al, ty, us, df)
#define IMAGE O (image_path, "image-path", NULL, CLI_STRING, "path of the criu image files", NULL)
#define WORK O (work_path, "work-path", NULL, CLI_STRING, "path for work files and logs", NULL)
#define TCP                                                                                        \
  O (tcp_established, "tcp-established", NULL, CLI_BOOL, "allow open tcp connections", NULL)
#define UNIX O (ext_unix_sk, "ext-unix-sk", NULL, CLI_BOOL, "allow external unix sockets", NULL)
#define SHELL O (shell_job, "shell-job", NULL, CLI_BOOL, "allow shell jobs", NULL)
#define LAZY                                                                                       \
  O (lazy_pages, "lazy-pages", NULL, CLI_BOOL, "use userfaultfd to lazily restore memory pages",   \
     NULL)
#define LOCKS O (file_locks, "file-locks", NULL, CLI_BOOL, "handle file locks, for safety", NULL)
#define CGMODE                                                                                     \
  O (manage_cgroups_mode, "manage-cgroups-mode", NULL, CLI_STRING,                                 \
     "cgroups mode: 'soft' (default), 'full' and 'strict'", NULL)
#define EMPTYNS                                                                                    \
  O (empty_ns, "empty-ns", NULL, CLI_STRINGS,                                                      \
     "create a namespace, but don't restore its properties", NULL)
#define DEDUP                                                                                      \
  O (auto_dedup, "auto-dedup", NULL, CLI_BOOL, "enable auto deduplication of memory images", NULL)

static const struct cli_option checkpoint_options[] = {
  IMAGE,
  WORK,
  O (parent_path, "parent-path", NULL, CLI_STRING, "path of previous criu image files in pre-dump",
     NULL),
  O (leave_running, "leave-running", NULL, CLI_BOOL,
     "leave the process running after checkpointing", NULL),
  TCP,
  UNIX,
  SHELL,
  LAZY,
  O (status_fd, "status-fd", NULL, CLI_INT, "criu writes \\0 to this FD once lazy-pages is ready",
     "-1"),
  O (page_server, "page-server", NULL, CLI_STRING, "ADDRESS:PORT of the page server", NULL),
  LOCKS,
  O (pre_dump, "pre-dump", NULL, CLI_BOOL, "dump the container's memory only, leave it running",
     NULL),
  CGMODE,
  EMPTYNS,
  DEDUP,
};

static const struct cli_option restore_options[] = {
  O (console_socket, "console-socket", NULL, CLI_STRING,
     "path to an AF_UNIX socket that receives the master end of the console's pseudoterminal",
     NULL),
  IMAGE,
  WORK,
  TCP,
  UNIX,
  SHELL,
  LOCKS,
  CGMODE,
  O (bundle, "bundle", "b", CLI_STRING, "path to the root of the bundle directory", NULL),
  O (detach, "detach", "d", CLI_BOOL, "detach from the container's process", NULL),
  O (pid_file, "pid-file", NULL, CLI_STRING, "file to write the process id to", NULL),
  O (no_subreaper, "no-subreaper", NULL, CLI_BOOL, "do not become a subreaper for the container",
     NULL),
  O (no_pivot, "no-pivot", NULL, CLI_BOOL,
     "do not use pivot_root to jail the process inside rootfs", NULL),
  EMPTYNS,
  DEDUP,
  LAZY,
  O (lsm_profile, "lsm-profile", NULL, CLI_STRING, "LSM profile for the restore, TYPE:NAME", NULL),
  O (lsm_mount_context, "lsm-mount-context", NULL, CLI_STRING, "LSM mount context for the restore",
     NULL),
};
#undef O

#define ID_ONLY                                                                                    \
  "<container-id>\n\nWhere \"<container-id>\" is the name for the instance of the container."

const struct cli_command cmd_checkpoint = {
  .name = "checkpoint",
  .summary = "checkpoint a running container",
  .args_usage = ID_ONLY,
  .description = "Writes the container's memory to host-visible image files with criu; the\n"
                 "policy decides whether that is allowed.",
  .options = checkpoint_options,
  .n_options = sizeof checkpoint_options / sizeof checkpoint_options[0],
};

const struct cli_command cmd_restore = {
  .name = "restore",
  .summary = "restore a container from a previous checkpoint",
  .args_usage = ID_ONLY,
  .description = "Restores a container from criu image files; the bundle is checked and sealed\n"
                 "as for create.",
  .options = restore_options,
  .n_options = sizeof restore_options / sizeof restore_options[0],
};

static int
parse_one_id (struct parma_globals *g, const struct cli_command *cmd, struct checkpoint_opts *o,
              int argc, char **argv, parma_error_t *err)
{
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, cmd, o, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r;
  if (parma_check_args (g, cmd, n_args, 1, ARGS_EXACT, err) < 0)
    return -1;
  g->id = args[0];
  return CLI_PARSED;
}

int
verb_checkpoint (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct checkpoint_opts o = { 0 };
  int r = parse_one_id (g, &cmd_checkpoint, &o, argc, argv, err);
  if (r == CLI_PARSED)
    {
      struct parma_request req = { .verb = VERB_CHECKPOINT, .id = g->id, .checkpoint = &o };
      enum parma_state_mode mode = parma_owner_has_call_token () ? STATE_LOCK : STATE_LOOKUP;
      r = parma_simple_verb (g, &req, &cmd_checkpoint, &o, NULL, 0, mode, false, err);
    }
  free (o.empty_ns.v);
  return r == CLI_HELP ? 0 : r;
}

int
verb_restore (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct checkpoint_opts o = { 0 };
  int r = parse_one_id (g, &cmd_restore, &o, argc, argv, err);
  cleanup_free char *pid_file = NULL, *console = NULL, *sealed = NULL;
  struct parma_bundle b = { 0 };
  struct parma_state st = { .root_fd = -1, .lock_fd = -1, .id_fd = -1 };
  if (r != CLI_PARSED)
    goto out;
  r = -1;
  if (parma_check_id (g->id, err) < 0 || parma_prepare (g, err) < 0
      || parma_resolve_opt (g, "--pid-file", &o.pid_file, &pid_file, err) < 0
      || parma_resolve_opt (g, "--console-socket", &o.console_socket, &console, err) < 0)
    goto out;
  struct parma_request req = { .verb = VERB_RESTORE,
                               .id = g->id,
                               .globals = g,
                               .checkpoint = &o,
                               .pid_file = pid_file,
                               .console_socket = console };
  if (parma_admit_bundle (g, &req, o.bundle.v, &b, &st, &sealed, err) < 0)
    goto out;
  o.bundle.set = true;
  o.bundle.v = sealed;
  {
    cleanup_strv char **dargv = NULL;
    size_t n = 0;
    delegate_argv_start (g, "restore", &dargv, &n);
    cli_argv_options (cmd_restore.options, cmd_restore.n_options, &o, &dargv, &n);
    parma_argv_id (&dargv, &n, g->id);
    r = delegate_exec (g, dargv, err);
  }
out:
  free (o.empty_ns.v);
  parma_state_close (&st);
  parma_bundle_release (&b);
  return r == CLI_HELP ? 0 : r;
}
