/* SPDX-License-Identifier: Apache-2.0 */
/* The one decision point (DESIGN §1, STYLE §1).  Every verb builds a
   struct parma_request and calls decide() before anything is sealed or
   exec'd.  decide() establishes the pinned policy (attest.c: HOST_DATA
   binding, once per boot), hands the request to the per-verb rules
   (enforce_*.c), and appends every decision, allow or deny, to the audit
   log as one JSON line; a decision that cannot be logged is not taken
   (fail closed).  In audit mode a denial is logged and let through. */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/enforce.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "snp/snp.h"

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

int
parma_audit_log_open (const char *path, parma_error_t *err)
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

/* Optional fields of a decision line. */
struct audit_extra
{
  const char *entry;       /* matched policy container "<index>:<name>" */
  const char *policy_hash; /* pinned policy sha256 */
  const char *failed_rule; /* first failed rule of a denial */
  bool simulated;          /* attestation by the SNP simulator */
  bool open_door;
};

static int
audit (const struct parma_globals *g, const struct parma_request *req, const char *decision,
       const char *reason, const struct audit_extra *x, parma_error_t *err)
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
  const char *entry = x && x->entry ? x->entry : req->admitted_entry;
  if (entry)
    json_object_set_new (j, "container", json_string (entry));
  if (x && x->policy_hash)
    json_object_set_new (j, "policy_sha256", json_string (x->policy_hash));
  if (x && x->failed_rule)
    json_object_set_new (j, "failed_rules", json_pack ("[s]", x->failed_rule));
  if (x && x->simulated)
    json_object_set_new (j, "attestation", json_string (SNP_SIMULATOR_NOTICE));
  if (x && x->open_door)
    json_object_set_new (j, "warning", json_string ("open-door policy: admits everything"));
  cleanup_free char *line = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (j);
  if (line == NULL)
    return parma_error_make (err, ENOMEM, "audit record");
  size_t len = strlen (line);
  line[len] = '\0';
  cleanup_free char *text = xasprintf ("%s\n", line);
  cleanup_close int fd = parma_audit_log_open (g->config->audit_log, err);
  if (fd < 0)
    return -1;
  /* One write(2) per line: O_APPEND keeps concurrent lines whole. */
  if (write_all_fd (fd, text, len + 1, err) < 0)
    return parma_error_wrap (err, "audit log `%s`", g->config->audit_log);
  return 0;
}

/* decide() logged this call's denial itself (with the policy fields). */
static bool decision_logged;

void
parma_audit_denial (const struct parma_globals *g, enum parma_verb verb, const char *why)
{
  /* Denials found before decide() (caller paths) are decisions too; a
     failure to log them changes nothing, since the call is refused anyway. */
  if (g->config == NULL || decision_logged)
    return;
  struct parma_request req = { .verb = verb, .id = g->id };
  parma_error_t ignored = NULL;
  if (audit (g, &req, "deny", why, NULL, &ignored) < 0)
    parma_error_release (&ignored);
}

static char *decided_entry; /* what parma_state_admit records */

const char *
parma_decided_entry (void)
{
  return decided_entry;
}

static bool
local_verb (enum parma_verb v)
{
  return v == VERB_SPEC || v == VERB_FEATURES || v == VERB_VERSION;
}

static bool
info_verb (enum parma_verb v)
{
  return v == VERB_STATE || v == VERB_LIST || v == VERB_PS || v == VERB_EVENTS;
}

/* The rules proper: 0 allow, < 0 deny with *err "<rule>: <why>". */
static int
apply_rules (struct parma_globals *g, const struct parma_request *req, struct policy *p,
             parma_error_t *err)
{
  size_t index;
  switch (req->verb)
    {
    case VERB_CREATE:
    case VERB_RUN:
      return parma_enforce_create (g, req, p, &decided_entry, err);
    case VERB_RESTORE:
      if (!policy_switch (p, POLICY_ALLOW_CHECKPOINT))
        return parma_error_make (err, 0, "allow_checkpoint: restore is false in the policy");
      return parma_enforce_create (g, req, p, &decided_entry, err);
    case VERB_EXEC:
      if (!req->admitted)
        return parma_error_make (err, 0, "admission: parma-runc never admitted container `%s`",
                                 req->id);
      if (parma_entry_index (req->admitted_entry, &index) < 0)
        return parma_error_make (err, EIO, "admission: record names no policy container");
      return parma_enforce_exec (g, req, p, index, err);
    case VERB_CHECKPOINT:
    case VERB_DELETE:
    case VERB_EVENTS:
    case VERB_FEATURES:
    case VERB_KILL:
    case VERB_LIST:
    case VERB_PAUSE:
    case VERB_PS:
    case VERB_RESUME:
    case VERB_SPEC:
    case VERB_START:
    case VERB_STATE:
    case VERB_UPDATE:
    case VERB_VERSION:
      break;
    }
  return parma_enforce_verb (g, req, p, err);
}

/* "<rule>: <why>" -> "<rule>" (owned). */
static char *
rule_of (const char *msg)
{
  size_t n = strcspn (msg, ":");
  return xstrndup (msg, n);
}

int
decide (struct parma_globals *g, const struct parma_request *req, parma_error_t *err)
{
  if (local_verb (req->verb))
    return audit (g, req, "allow", "local verb", NULL, err);
  free (decided_entry);
  decided_entry = NULL;
  struct parma_pinned pin = { 0 };
  struct audit_extra x = { .simulated = g->config->attestation == PARMA_ATTEST_SIM };
  parma_error_t why = NULL;
  int r;
  /* --criu names a binary runc would execute as root, for any verb. */
  if (g->opts.criu.set)
    r = parma_error_make (&why, 0, "criu: --criu `%s` is never honoured", g->opts.criu.v);
  else
    r = parma_policy_pin (g, req, &pin, &why);
  if (r == 1 && info_verb (req->verb))
    {
      /* No policy was ever established, so nothing was admitted: the
         information verbs have nothing of parma's to reveal. */
      parma_error_release (&why);
      r = 0;
    }
  else if (r == 1)
    r = -1;
  else if (r == 0)
    {
      x.policy_hash = pin.sha256_hex;
      x.open_door = policy_switch (pin.policy, POLICY_OPEN_DOOR);
      if (!x.open_door)
        r = apply_rules (g, req, pin.policy, &why);
      else if (req->verb == VERB_CREATE || req->verb == VERB_RUN || req->verb == VERB_RESTORE)
        decided_entry = xstrdup ("open-door:*");
    }
  x.entry = decided_entry;
  /* Every audit line carries the simulator notice and the open-door
     warning; stderr gets them when the report is fetched (the first call of
     a boot, or every call while no policy is pinned), since runc's callers
     and tests read the delegate's stderr byte for byte afterwards. */
  bool announce = pin.fresh || pin.policy == NULL;
  if (x.simulated && announce)
    parma_warn ("%s: %s", g->prog, SNP_SIMULATOR_NOTICE);
  if (r == 0)
    {
      if (x.open_door && announce)
        parma_warn ("%s: warning: open-door policy admits everything (logged per call in %s)",
                    g->prog, g->config->audit_log);
      r = audit (g, req, "allow", x.open_door ? "open-door policy" : "policy", &x, err);
      parma_pinned_release (&pin);
      return r;
    }
  parma_pinned_release (&pin);
  cleanup_free char *rule = rule_of (why->msg);
  x.failed_rule = rule;
  bool audit_mode = g->config->mode == PARMA_MODE_AUDIT;
  if (audit (g, req, audit_mode ? "allow-audit" : "deny", why->msg, &x, err) < 0)
    {
      parma_error_release (&why);
      return -1;
    }
  decision_logged = true;
  if (audit_mode)
    {
      parma_warn ("%s: audit mode, would deny: %s%s%s: %s", g->prog, parma_verb_name (req->verb),
                  req->id ? " " : "", req->id ? req->id : "", why->msg);
      parma_error_release (&why);
      return 0;
    }
  *err = why;
  return parma_deny_wrap (g, err);
}
