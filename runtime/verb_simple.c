/* SPDX-License-Identifier: Apache-2.0 */
/* The shared tail of every verb without untrusted documents: load the
   trusted state of the id, decide, clean up for delete, exec. */
#include <stdlib.h>
#include <sys/wait.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/crashpoint.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/verb_simple.h"
#include "runtime/verbs.h"

/* delete: the delegate runs as a child, and parma's record goes only once
   the delegate no longer knows the container.  A delete the delegate
   refuses, or one killed before the delegate is done, keeps the record the
   container's later calls are decided against; one killed after the
   delegate's delete but before the removal leaves a stale record, which
   the next call on the id drops (state.h).  Returns the delegate's exit
   status. */
static int
delete_then_forget (struct parma_globals *g, struct parma_state *st, char **dargv,
                    parma_error_t *err)
{
  int status = 0;
  if (delegate_run (g, dargv, &status, err) < 0)
    return -1;
  parma_step ("delegate-done");
  if (!parma_delegate_knows (g, st->id) && parma_state_remove (st, err) < 0)
    return -1;
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

int
parma_simple_verb (struct parma_globals *g, struct parma_request *req,
                   const struct cli_command *cmd, const void *opts, const char *const *extra,
                   size_t n_extra, enum parma_state_mode mode, bool remove_state,
                   parma_error_t *err)
{
  if (req->id && parma_check_id (req->id, err) < 0)
    return -1;
  if (parma_prepare (g, err) < 0)
    return -1;
  struct parma_state st = { .root_fd = -1, .lock_fd = -1, .id_fd = -1 };
  int r = 0;
  if (req->id)
    r = parma_state_open (g, req->id, mode, &st, err);
  if (r == 0)
    {
      req->globals = g;
      req->admitted = st.admitted;
      req->admitted_digest = st.config_sha256;
      req->admitted_entry = st.policy_entry;
      r = decide (g, req, err);
    }
  /* delete: a stale record (state.h) goes now; the delegate has the last
     word on a container it does not know (runc's "does not exist") */
  if (r == 0 && remove_state && st.root_fd >= 0)
    r = parma_state_drop_stale (g, &st, err);
  if (r == 0)
    {
      cleanup_strv char **dargv = NULL;
      size_t n = 0;
      delegate_argv_start (g, cmd->name, &dargv, &n);
      if (opts)
        cli_argv_options (cmd->options, cmd->n_options, opts, &dargv, &n);
      if (req->id)
        parma_argv_id (&dargv, &n, req->id);
      for (size_t i = 0; i < n_extra; i++)
        cli_argv_push (&dargv, &n, xstrdup (extra[i]));
      r = remove_state ? delete_then_forget (g, &st, dargv, err) : delegate_exec (g, dargv, err);
    }
  parma_state_close (&st);
  return r;
}
