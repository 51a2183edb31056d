/* SPDX-License-Identifier: Apache-2.0 */
/* The shared tail of every verb without untrusted documents: load the
   trusted state of the id, decide, clean up for delete, exec. */
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/verb_simple.h"
#include "runtime/verbs.h"

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
  /* delete: the sealed state goes first, since nothing runs after the
     execve; a delete the delegate then refuses leaves the container
     without parma state (documented in parma-runc(8)). */
  if (r == 0 && remove_state && st.root_fd >= 0)
    r = parma_state_remove (&st, err);
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
      r = delegate_exec (g, dargv, err);
    }
  parma_state_close (&st);
  return r;
}
