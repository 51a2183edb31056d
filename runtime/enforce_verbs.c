/* SPDX-License-Identifier: Apache-2.0 */
/* The verbs after admission (DESIGN §3): each is decided against the
   policy entry the id was admitted with, recorded in parma's trusted
   state -- never against anything the caller says about the container. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/crashpoint.h"
#include "runtime/enforce.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

#define STARTED_MARK "started"

static int
need_switch (struct policy *p, enum policy_switch s, const char *what, parma_error_t *err)
{
  if (policy_switch (p, s))
    return 0;
  return parma_error_make (err, 0, "%s: %s is false in the policy", policy_switch_name (s), what);
}

static int
need_admitted (const struct parma_request *req, size_t *index, parma_error_t *err)
{
  if (!req->admitted)
    return parma_error_make (err, 0, "admission: parma-runc never admitted container `%s`",
                             req->id ? req->id : "");
  if (index && parma_entry_index (req->admitted_entry, index) < 0)
    return parma_error_make (err, EIO, "admission: record names no policy container");
  return 0;
}

/* start: once, on a container still `created`.  The record is trusted;
   runc's state.json under a caller-chosen --root is not. */
static int
enforce_start (const struct parma_globals *g, const struct parma_request *req, parma_error_t *err)
{
  struct parma_state st;
  if (parma_state_open (g, req->id, STATE_LOOKUP, &st, err) < 0)
    return -1;
  int r = 0;
  struct stat sb;
  if (st.id_fd < 0)
    r = parma_error_make (err, 0, "admission: parma-runc never admitted container `%s`", req->id);
  else if (fstatat (st.id_fd, STARTED_MARK, &sb, AT_SYMLINK_NOFOLLOW) == 0)
    r = parma_error_make (err, 0, "start: container `%s` was already started", req->id);
  else
    {
      int fd = openat (st.id_fd, STARTED_MARK, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0600);
      if (fd < 0)
        r = parma_error_make (err, errno, "start: record `%s/%s`", st.id_path, STARTED_MARK);
      else
        {
          close (fd);
          parma_step ("start-marked");
        }
    }
  parma_state_close (&st);
  return r;
}

/* kill and checkpoint carry an owner token in parma-runc's own
   environment (PARMA_OWNER_TOKEN, taken out of it before main() runs: see
   runtime/owner.h); a call with a token is decided by the token alone.
   1: no token. */
static int
owner_verb (struct parma_globals *g, const struct parma_request *req, enum policy_owner_op op,
            parma_error_t *err)
{
  cleanup_free char *token = parma_owner_take_call_token ();
  if (token == NULL)
    return 1;
  struct parma_owner_target t = { .op = op, .container = req->id, .signal = req->signo };
  t.all = req->kill && req->kill->all.set && req->kill->all.v;
  return parma_owner_authorize (g, parma_verb_name (req->verb), token, &t, -1, err);
}

static int
enforce_kill (struct parma_globals *g, const struct parma_request *req, struct policy *p,
              parma_error_t *err)
{
  size_t index;
  if (need_admitted (req, &index, err) < 0)
    return -1;
  int o = owner_verb (g, req, POLICY_OWNER_SIGNAL, err);
  if (o <= 0)
    return o;
  if (policy_prefetch_container (p, index, err) < 0)
    return -1;
  /* --all reaches the exec'd processes too: the init process's signal list
     is the one the policy owner wrote for the whole container. */
  return policy_check_signal (p, index, POLICY_NO_CONTAINER, req->signo, err);
}

int
parma_enforce_verb (struct parma_globals *g, const struct parma_request *req, struct policy *p,
                    parma_error_t *err)
{
  switch (req->verb)
    {
    case VERB_KILL:
      return enforce_kill (g, req, p, err);
    case VERB_START:
      if (need_admitted (req, NULL, err) < 0)
        return -1;
      return enforce_start (g, req, err);
    case VERB_DELETE:
      /* delete --force of an id parma never saw: runc's own exit status
         semantics (containerd's shim relies on them); nothing to protect. */
      if (!req->admitted && req->del && req->del->force.set && req->del->force.v)
        return 0;
      return need_admitted (req, NULL, err);
    case VERB_PAUSE:
    case VERB_RESUME:
      return need_admitted (req, NULL, err);
    case VERB_UPDATE:
      if (need_admitted (req, NULL, err) < 0)
        return -1;
      return need_switch (p, POLICY_ALLOW_UPDATE, "update", err);
    case VERB_CHECKPOINT:
      {
        if (need_admitted (req, NULL, err) < 0)
          return -1;
        int o = owner_verb (g, req, POLICY_OWNER_CHECKPOINT, err);
        if (o <= 0)
          return o;
        return need_switch (p, POLICY_ALLOW_CHECKPOINT, "checkpoint", err);
      }
    case VERB_STATE:
    case VERB_PS:
    case VERB_EVENTS:
      if (need_switch (p, POLICY_ALLOW_PROPERTIES_ACCESS, req->id ? "state" : "list", err) < 0)
        return -1;
      return need_admitted (req, NULL, err);
    case VERB_LIST:
      return need_switch (p, POLICY_ALLOW_PROPERTIES_ACCESS, "list", err);
    case VERB_CREATE:
    case VERB_RUN:
    case VERB_RESTORE:
    case VERB_EXEC:
    case VERB_SPEC:
    case VERB_FEATURES:
    case VERB_VERSION:
      break;
    }
  return 0;
}
