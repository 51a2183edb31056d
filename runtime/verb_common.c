/* SPDX-License-Identifier: Apache-2.0 */
/* What every verb does around its own options: usage errors in runc's
   form, the argument count check, id validation, loading the trusted
   configuration and resolving the global paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/crashpoint.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/verbs.h"

#define PARMA_ID_MAX 250

static int
usage_error (struct parma_globals *g, const struct cli_command *cmd, const char *detail)
{
  /* urfave/cli v1: "Incorrect Usage: <flag error>" or "Incorrect Usage."
     then the command's help, all on stdout. */
  if (detail)
    printf ("Incorrect Usage: %s\n\n", detail);
  else
    printf ("Incorrect Usage.\n\n");
  cli_print_command_help (stdout, g->prog, cmd);
  g->usage_error = true;
  return -1;
}

int
parma_parse_verb (struct parma_globals *g, const struct cli_command *cmd, void *opts, int argc,
                  char **argv, const char ***args, size_t *n_args, parma_error_t *err)
{
  int r = cli_parse (cmd, opts, argc, argv, args, n_args, err);
  if (r < 0)
    return usage_error (g, cmd, (*err)->msg);
  if (r == CLI_HELP)
    {
      cli_print_command_help (stdout, g->prog, cmd);
      free (*args);
      *args = NULL;
      *n_args = 0;
    }
  return r;
}

int
parma_check_args (struct parma_globals *g, const struct cli_command *cmd, size_t n_args,
                  size_t want, enum parma_arg_check how, parma_error_t *err)
{
  const char *what = NULL;
  switch (how)
    {
    case ARGS_EXACT:
      what = n_args != want ? "exactly" : NULL;
      break;
    case ARGS_MIN:
      what = n_args < want ? "a minimum of" : NULL;
      break;
    case ARGS_MAX:
      what = n_args > want ? "a maximum of" : NULL;
      break;
    }
  if (what == NULL)
    return 0;
  parma_error_make (err, 0, "\"%s\" requires %s %zu argument(s)", cmd->name, what, want);
  return usage_error (g, cmd, NULL);
}

/* runc's validateID (^[\w+-\.]+$, not "." or ".."), which also makes the
   id a safe single path component for parma's state directory. */
int
parma_check_id (const char *id, parma_error_t *err)
{
  if (id[0] == '\0' || strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return parma_error_make (err, EINVAL, "invalid id format: %s", id);
  for (const char *p = id; *p; p++)
    {
      char c = *p;
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '+' || c == '-' || c == '.';
      if (!ok)
        return parma_error_make (err, EINVAL, "invalid id format: %s", id);
    }
  /* <id>.lock must fit in a file name (NAME_MAX 255) in the state
     directory; runc's own limit is its <root>/<id> directory (255). */
  if (strlen (id) > PARMA_ID_MAX)
    return parma_error_make (err, EINVAL, "invalid id format: longer than %d bytes", PARMA_ID_MAX);
  return 0;
}

int
parma_deny_wrap (struct parma_globals *g, parma_error_t *err)
{
  g->denied = true;
  if (g->id)
    return parma_error_wrap (err, "denied: %s %s", g->verb, g->id);
  return parma_error_wrap (err, "denied: %s", g->verb);
}

int
parma_path_request (struct parma_globals *g, const char *flag, const char *path, char **out,
                    parma_error_t *err)
{
  if (parma_allowed_path (g->config, flag, path, out, err) == 0)
    return 0;
  if (g->config->mode != PARMA_MODE_AUDIT)
    return parma_deny_wrap (g, err);
  /* audit mode: the denial is logged and announced, and the call goes on
     with the path as resolved (or as given when it cannot be resolved). */
  cleanup_free char *why = xasprintf ("denied: %s%s%s: %s", g->verb, g->id ? " " : "",
                                      g->id ? g->id : "", (*err)->msg);
  parma_error_release (err);
  parma_audit_denial (g, parma_verb_from_name (g->verb), why);
  parma_warn ("%s: audit mode, allowed anyway: %s", g->prog, why);
  if (parma_resolve_path (path, out, err) < 0)
    {
      parma_error_release (err);
      *out = xstrdup (path);
    }
  return 0;
}

int
parma_prepare (struct parma_globals *g, parma_error_t *err)
{
  if (g->config == NULL
      && parma_config_load (SYSCONFDIR "/" PARMA_CONFIG_NAME, &g->config, err) < 0)
    return -1;
  const struct parma_global_opts *o = &g->opts;
  if (o->log_format.set && strcmp (o->log_format.v, "text") != 0
      && strcmp (o->log_format.v, "json") != 0)
    return parma_error_make (err, EINVAL, "invalid log-format: %s", o->log_format.v);
  g->log_json = o->log_format.set && strcmp (o->log_format.v, "json") == 0;
  if (o->log.set && g->log == NULL)
    {
      if (parma_path_request (g, "--log", o->log.v, &g->log, err) < 0)
        return -1;
    }
  const char *root = o->root.set ? o->root.v : PARMA_DEFAULT_ROOT;
  if (strcmp (root, "/") == 0)
    return parma_error_make (err, EINVAL, "option --root argument should not be set to /");
  if (g->root == NULL && parma_path_request (g, "--root", root, &g->root, err) < 0)
    return -1;
  return 0;
}

int
parma_decide_and_seal (struct parma_globals *g, struct parma_request *req,
                       struct parma_state *st, const char *prefix, const char *doc, size_t len,
                       char **sealed, parma_error_t *err)
{
  req->admitted = st->admitted;
  req->admitted_digest = st->config_sha256;
  req->admitted_entry = st->policy_entry;
  if (decide (g, req, err) < 0)
    return -1;
  if (doc == NULL)
    return 0;
  cleanup_free char *name = xasprintf ("%s-%d.json", prefix, (int)getpid ());
  if (parma_state_write (st, name, doc, len, sealed, err) < 0)
    return -1;
  parma_step ("sealed-document");
  return 0;
}
