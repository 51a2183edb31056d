/* SPDX-License-Identifier: Apache-2.0 */
/* The one decision point (DESIGN §1, STYLE §1).  Every verb builds a
   struct parma_request and calls decide() before anything is sealed or
   exec'd.  In this issue it admits every request; the enforcement issue
   replaces the body with the policy matcher.  Every decision is appended to
   the audit log as one JSON line, and a decision that cannot be logged is
   not taken (fail closed). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

static const char *const verb_names[] = {
  [VERB_CHECKPOINT] = "checkpoint",
  [VERB_CREATE] = "create",
  [VERB_DELETE] = "delete",
  [VERB_EVENTS] = "events",
  [VERB_EXEC] = "exec",
  [VERB_FEATURES] = "features",
  [VERB_KILL] = "kill",
  [VERB_LIST] = "list",
  [VERB_PAUSE] = "pause",
  [VERB_PS] = "ps",
  [VERB_RESTORE] = "restore",
  [VERB_RESUME] = "resume",
  [VERB_RUN] = "run",
  [VERB_SPEC] = "spec",
  [VERB_START] = "start",
  [VERB_STATE] = "state",
  [VERB_UPDATE] = "update",
  [VERB_VERSION] = "version",
};

const char *
parma_verb_name (enum parma_verb v)
{
  if ((size_t)v < sizeof verb_names / sizeof verb_names[0] && verb_names[v])
    return verb_names[v];
  return "?";
}

enum parma_verb
parma_verb_from_name (const char *name)
{
  for (size_t i = 0; i < sizeof verb_names / sizeof verb_names[0]; i++)
    if (verb_names[i] && strcmp (verb_names[i], name) == 0)
      return (enum parma_verb)i;
  return VERB_VERSION;
}

static int
open_audit_log (const char *path, parma_error_t *err)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : parma_error_make (err, errno, "audit log `%s`", path);
  /* First call after boot: the log's directory may not exist yet. */
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  if (slash == NULL || slash == dir)
    return parma_error_make (err, ENOENT, "audit log `%s`", path);
  *slash = '\0';
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int dfd = rootfd < 0 ? -1 : safe_mkdirat_p (rootfd, dir + 1, 0700, err);
  if (dfd < 0)
    return err && *err ? parma_error_wrap (err, "audit log `%s`", path)
                       : parma_error_make (err, errno, "audit log `%s`", path);
  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return parma_error_make (err, errno, "audit log `%s`", path);
  return fd;
}

static int
audit (const struct parma_globals *g, const struct parma_request *req, const char *decision,
       const char *reason, parma_error_t *err)
{
  cleanup_free char *now = parma_time_rfc3339 ();
  json_t *j = json_pack ("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:b}", "time", now, "verb",
                         parma_verb_name (req->verb), "id", req->id, "root", g->root, "decision",
                         decision, "reason", reason, "mode",
                         g->config->mode == PARMA_MODE_AUDIT ? "audit" : "enforce", "admitted",
                         req->admitted);
  if (j == NULL)
    return parma_error_make (err, EINVAL, "audit record: not valid UTF-8");
  if (req->admitted_digest)
    json_object_set_new (j, "config_sha256", json_string (req->admitted_digest));
  cleanup_free char *line = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (j);
  if (line == NULL)
    return parma_error_make (err, ENOMEM, "audit record");
  size_t len = strlen (line);
  line[len] = '\0';
  cleanup_free char *text = xasprintf ("%s\n", line);
  cleanup_close int fd = open_audit_log (g->config->audit_log, err);
  if (fd < 0)
    return -1;
  /* One write(2) per line: O_APPEND keeps concurrent lines whole. */
  if (write_all_fd (fd, text, len + 1, err) < 0)
    return parma_error_wrap (err, "audit log `%s`", g->config->audit_log);
  return 0;
}

void
parma_audit_denial (const struct parma_globals *g, enum parma_verb verb, const char *why)
{
  /* Denials found before decide() (caller paths) are decisions too; a
     failure to log them changes nothing, since the call is refused anyway. */
  if (g->config == NULL)
    return;
  struct parma_request req = { .verb = verb, .id = g->id };
  parma_error_t ignored = NULL;
  if (audit (g, &req, "deny", why, &ignored) < 0)
    parma_error_release (&ignored);
}

int
decide (struct parma_globals *g, const struct parma_request *req, parma_error_t *err)
{
  /* Issue 3: no policy yet, every request is admitted.  The enforcement
     issue matches `req` against the policy entry recorded for the id. */
  return audit (g, req, "allow", "no policy enforcement (front end only)", err);
}
