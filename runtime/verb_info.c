/* SPDX-License-Identifier: Apache-2.0 */
/* Local verbs: spec, features, and the help command's table entry.
   features must print pure JSON on stdout and nothing on stderr (CRI-O
   reads its CombinedOutput), so the delegate runs as a child here and its
   document gets parma's own block as the "org.parma" annotation. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"
#include "runtime/verb_simple.h"

static const struct cli_option spec_options[] = {
  CLI_OPT (struct spec_opts, bundle, "bundle", "b", CLI_STRING,
           "path to the root of the bundle directory", NULL),
  CLI_OPT (struct spec_opts, rootless, "rootless", NULL, CLI_BOOL,
           "generate a configuration for a rootless container", NULL),
};

const struct cli_command cmd_spec = {
  .name = "spec",
  .summary = "create a new specification file",
  .description = "The spec command creates a starter specification file named \"config.json\"\n"
                 "for the bundle (written by the delegate runtime); it refuses to overwrite one.",
  .options = spec_options,
  .n_options = sizeof spec_options / sizeof spec_options[0],
};

const struct cli_command cmd_features = {
  .name = "features",
  .summary = "show the enabled features",
  .description = "Show the enabled features of the delegate runtime, as JSON, with parma-runc's\n"
                 "own capabilities in the \"org.parma\" annotation.\n",
};

const struct cli_command cmd_help = {
  .name = "help",
  .alias = "h",
  .summary = "Shows a list of commands or help for one command",
  .args_usage = "[command]",
};

int
verb_spec (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct spec_opts o = { 0 };
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_spec, &o, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (parma_check_args (g, &cmd_spec, n_args, 0, ARGS_EXACT, err) < 0)
    return -1;
  struct parma_request req = { .verb = VERB_SPEC, .spec = &o };
  return parma_simple_verb (g, &req, &cmd_spec, &o, NULL, 0, STATE_LOOKUP, false, err);
}

static const char *
attestation_name (enum parma_attestation a)
{
  switch (a)
    {
    case PARMA_ATTEST_SEV_GUEST:
      return "sev-guest";
    case PARMA_ATTEST_TSM:
      return "tsm";
    case PARMA_ATTEST_SIM:
      return "sim";
    }
  return "?";
}

/* parma's block: a JSON document inside the annotation string, since OCI
   annotations map strings to strings. */
static char *
parma_block (const struct parma_globals *g, bool delegate_features)
{
  json_t *j = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:[s,s,s,s]}", "version",
                         PARMA_VERSION, "delegate", g->config->delegate, "delegateFeatures",
                         delegate_features ? "included" : "unsupported", "mode",
                         g->config->mode == PARMA_MODE_AUDIT ? "audit" : "enforce", "attestation",
                         attestation_name (g->config->attestation), "sealedBundle", 1, "strictJson",
                         1, "policyEnforcement", 1, "sealedInputs", "config.json", "exec --process",
                         "update --resources", "root.path");
  char *s = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (j);
  return s;
}

/* The delegate's features document, or NULL when it failed or printed
   something that is not a JSON object. */
static json_t *
delegate_features_doc (const char *out, size_t len, int status)
{
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return NULL;
  json_t *doc = json_loadb (out, len, 0, NULL);
  if (doc != NULL && !json_is_object (doc))
    {
      json_decref (doc);
      doc = NULL;
    }
  return doc;
}

int
verb_features (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_features, NULL, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (parma_check_args (g, &cmd_features, n_args, 0, ARGS_EXACT, err) < 0)
    return -1;
  if (parma_prepare (g, err) < 0)
    return -1;
  struct parma_request req = { .verb = VERB_FEATURES, .globals = g };
  if (decide (g, &req, err) < 0)
    return -1;
  cleanup_free char *out = NULL;
  size_t len = 0;
  int status = 0;
  if (delegate_capture (g, "features", &out, &len, &status, err) < 0)
    return -1;
  json_t *doc = delegate_features_doc (out, len, status);
  bool included = doc != NULL;
  /* crun 1.8 has no features verb: callers still get pure JSON and exit 0
     (CRI-O probes it at start-up), with parma's block saying the
     delegate's part is missing rather than made up. */
  if (doc == NULL && (doc = json_object ()) == NULL)
    return parma_error_make (err, ENOMEM, "features");
  json_t *ann = json_object_get (doc, "annotations");
  if (!json_is_object (ann))
    {
      ann = json_object ();
      json_object_set_new (doc, "annotations", ann);
    }
  cleanup_free char *block = parma_block (g, included);
  json_object_set_new (ann, "org.parma", json_string (block));
  cleanup_free char *text = json_dumps (doc, JSON_INDENT (4) | JSON_PRESERVE_ORDER);
  json_decref (doc);
  if (text == NULL)
    return parma_error_make (err, ENOMEM, "features");
  printf ("%s\n", text);
  return 0;
}
