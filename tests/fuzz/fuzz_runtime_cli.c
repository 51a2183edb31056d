/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: parma-runc's argv parser (runtime/cli.c), which is pure: it
   only fills an option struct.  The input is split on NUL into words; the
   first byte picks the verb's option table.  The words are parsed
   - as the verb's arguments: an accepted parse is re-emitted in delegate
     form (cli_argv_options) and must parse again to the same options;
   - as parma-runc's real global flags (runtime/globals.c): an accepted
     parse is turned into the delegate's command line (delegate_argv_start,
     as for runc), whose globals must parse again up to exactly the verb,
     to the same values;
   - as global flags with the verb's table (same flag rules, no reordering). */
#include "common/error.h"
#include "runtime/cli.h"
#include "runtime/globals.h"
#include "runtime/runtime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const struct cli_command *const commands[] = {
  &cmd_create, &cmd_run,    &cmd_exec,       &cmd_kill,    &cmd_delete, &cmd_start,
  &cmd_pause,  &cmd_resume, &cmd_state,      &cmd_events,  &cmd_ps,     &cmd_list,
  &cmd_update, &cmd_checkpoint, &cmd_restore, &cmd_spec, &cmd_features, &cmd_help,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])
#define MAX_WORDS 256

/* The verbs' option structs are local to their files: a zeroed buffer large
   enough for the highest offset of the table stands in for them. */
static size_t
opts_size (const struct cli_command *cmd)
{
  size_t max = 0;
  for (size_t i = 0; i < cmd->n_options; i++)
    if (cmd->options[i].offset > max)
      max = cmd->options[i].offset;
  return max + 64;
}

static void
opts_release (const struct cli_command *cmd, void *opts)
{
  for (size_t i = 0; i < cmd->n_options; i++)
    if (cmd->options[i].type == CLI_STRINGS)
      {
        struct cli_strings *l = (void *) ((char *) opts + cmd->options[i].offset);
        free (l->v);
      }
}

static void
reparse (const struct cli_command *cmd, const void *opts)
{
  char **argv = NULL;
  size_t n = 0;
  cli_argv_options (cmd->options, cmd->n_options, opts, &argv, &n);
  if (n == 0)
    return;
  void *again = calloc (1, opts_size (cmd));
  const char **args = NULL;
  size_t n_args = 0;
  parma_error_t err = NULL;
  /* What parma-runc passes on, the delegate must read the same way. */
  if (cli_parse (cmd, again, (int) n, argv, &args, &n_args, &err) < 0 || n_args != 0)
    abort ();
  for (size_t i = 0; i < cmd->n_options; i++)
    {
      const struct cli_option *o = &cmd->options[i];
      const char *a = (const char *) opts + o->offset, *b = (const char *) again + o->offset;
      if (o->type == CLI_BOOL && memcmp (a, b, sizeof (struct cli_bool)) != 0)
        abort ();
      if ((o->type == CLI_STRING || o->type == CLI_DURATION)
          && strcmp (((const struct cli_string *) a)->v ? ((const struct cli_string *) a)->v : "",
                     ((const struct cli_string *) b)->v ? ((const struct cli_string *) b)->v : "")
                 != 0)
        abort ();
      if (o->type == CLI_STRINGS
          && ((const struct cli_strings *) a)->n != ((const struct cli_strings *) b)->n)
        abort ();
    }
  free (args);
  opts_release (cmd, again);
  free (again);
  for (size_t i = 0; i < n; i++)
    free (argv[i]);
  free (argv);
}

static void
free_argv (char **argv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (argv[i]);
  free (argv);
}

static bool
same_string (const struct cli_string *a, const struct cli_string *b)
{
  return a->set == b->set && (!a->set || strcmp (a->v, b->v) == 0);
}

/* What parma-runc passes to runc in front of the verb must mean the same
   to runc: --root is the resolved path (here the default, as given), --log
   likewise; every other global that was set is passed on unchanged. */
static void
check_delegate_globals (const struct cli_command *cmd, const struct parma_global_opts *opts)
{
  struct parma_config config = { .delegate = (char *) "/usr/sbin/runc" };
  struct parma_globals g = { .opts = *opts, .config = &config };
  g.root = (char *) (opts->root.set ? opts->root.v : PARMA_DEFAULT_ROOT);
  g.log = (char *) (opts->log.set ? opts->log.v : NULL);
  char **argv = NULL;
  size_t n = 0;
  delegate_argv_start (&g, cmd->name, &argv, &n);
  struct parma_global_opts again = { 0 };
  parma_error_t err = NULL;
  int used = 0;
  if (n < 2 || cli_parse_globals (parma_global_options, parma_n_global_options, &again,
                                  (int) n - 1, argv + 1, &used, &err) < 0)
    abort ();
  /* the verb is the first word the delegate does not take as a flag */
  if ((size_t) used != n - 2 || strcmp (argv[n - 1], cmd->name) != 0)
    abort ();
  if (!again.root.set || strcmp (again.root.v, g.root) != 0
      || !same_string (&again.log_format, &opts->log_format)
      || !same_string (&again.criu, &opts->criu) || !same_string (&again.rootless, &opts->rootless)
      || (g.log && (!again.log.set || strcmp (again.log.v, g.log) != 0))
      || (opts->debug.set && (!again.debug.set || again.debug.v != opts->debug.v)))
    abort ();
  bool systemd = (opts->systemd_cgroup.set && opts->systemd_cgroup.v)
                 || (opts->cgroup_manager.set && strcmp (opts->cgroup_manager.v, "systemd") == 0);
  if (systemd != (again.systemd_cgroup.set && again.systemd_cgroup.v))
    abort ();
  /* crun's own flags never reach runc */
  if (again.cgroup_manager.set || again.log_level.set || again.help.set || again.version.set)
    abort ();
  free_argv (argv, n);
}

static void
fuzz_globals (const struct cli_command *cmd, int argc, char **argv)
{
  struct parma_global_opts opts = { 0 };
  parma_error_t err = NULL;
  int used = 0;
  if (cli_parse_globals (parma_global_options, parma_n_global_options, &opts, argc, argv, &used,
                         &err)
      < 0)
    {
      if (err == NULL || err->msg == NULL)
        abort ();
      parma_error_release (&err);
      return;
    }
  if (used < 0 || used > argc)
    abort ();
  /* re-emitted as flags, the globals parse again to the same values */
  char **again_argv = NULL;
  size_t n = 0;
  cli_argv_options (parma_global_options, parma_n_global_options, &opts, &again_argv, &n);
  struct parma_global_opts again = { 0 };
  int again_used = 0;
  if (n > 0
      && (cli_parse_globals (parma_global_options, parma_n_global_options, &again, (int) n,
                             again_argv, &again_used, &err)
              < 0
          || (size_t) again_used != n || !same_string (&again.root, &opts.root)
          || !same_string (&again.log, &opts.log) || again.debug.v != opts.debug.v
          || again.help.v != opts.help.v || again.version.v != opts.version.v))
    abort ();
  free_argv (again_argv, n);
  check_delegate_globals (cmd, &opts);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const struct cli_command *cmd = commands[data[0] % N_COMMANDS];
  /* NUL-terminated copy, then one word per NUL-separated part. */
  char *text = malloc (size);
  memcpy (text, data + 1, size - 1);
  text[size - 1] = '\0';
  char *argv[MAX_WORDS + 1];
  int argc = 0;
  for (char *w = text; w < text + size && argc < MAX_WORDS; w += strlen (w) + 1)
    argv[argc++] = w;
  argv[argc] = NULL;
  if (argc == 1 && argv[0][0] == '\0')
    argc = 0;

  parma_error_t err = NULL;
  void *opts = calloc (1, opts_size (cmd));
  const char **args = NULL;
  size_t n_args = 0;
  int r = cli_parse (cmd, opts, argc, argv, &args, &n_args, &err);
  if (r < 0)
    {
      if (err == NULL || err->msg == NULL)
        abort ();
      parma_error_release (&err);
    }
  else
    {
      if (n_args > (size_t) argc)
        abort ();
      free (args);
      if (r == CLI_PARSED)
        reparse (cmd, opts);
    }
  opts_release (cmd, opts);
  free (opts);

  fuzz_globals (cmd, argc, argv);

  void *g = calloc (1, opts_size (cmd));
  int used = 0;
  if (cli_parse_globals (cmd->options, cmd->n_options, g, argc, argv, &used, &err) < 0)
    parma_error_release (&err);
  else if (used < 0 || used > argc)
    abort ();
  opts_release (cmd, g);
  free (g);
  for (int i = 0; i < argc; i++)
    (void) cli_valid_duration (argv[i]);
  free (text);
  return 0;
}
