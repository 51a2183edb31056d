/* SPDX-License-Identifier: Apache-2.0 */
/* parma-runc: a runc 1.1 command line in front of the real runtime.  main()
   parses the global flags, picks the verb from the table, and is the only
   place that prints an error (one stderr line, one --log line). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/globals.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

#define N_GLOBAL parma_n_global_options

static int verb_help (struct parma_globals *g, int argc, char **argv, parma_error_t *err);

static const struct parma_command commands[] = {
  { &cmd_checkpoint, verb_checkpoint },
  { &cmd_create, verb_create },
  { &cmd_delete, verb_delete },
  { &cmd_events, verb_events },
  { &cmd_exec, verb_exec },
  { &cmd_kill, verb_kill },
  { &cmd_list, verb_list },
  { &cmd_pause, verb_pause },
  { &cmd_ps, verb_ps },
  { &cmd_restore, verb_restore },
  { &cmd_resume, verb_resume },
  { &cmd_run, verb_run },
  { &cmd_spec, verb_spec },
  { &cmd_start, verb_start },
  { &cmd_state, verb_state },
  { &cmd_update, verb_update },
  { &cmd_features, verb_features },
  { &cmd_help, verb_help },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

const struct parma_command *
parma_find_command (const char *name)
{
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp (commands[i].cli->name, name) == 0
        || (commands[i].cli->alias && strcmp (commands[i].cli->alias, name) == 0))
      return &commands[i];
  const struct parma_command *layer = parma_find_layer_command (name);
  return layer ? layer : parma_owner_find_command (name);
}

void
parma_print_app_help (const struct parma_globals *g)
{
  /* runc's integration suite (help.bats) looks for "<prog> - Open
     Container Initiative runtime" on the second line. */
  printf ("NAME:\n   %s - Open Container Initiative runtime, behind a confidential-container "
          "policy\n\n",
          g->prog);
  printf ("%s checks every call against an execution policy bound to the AMD SEV-SNP\n"
          "attestation report, seals what it checked, and hands the call to the\n"
          "configured runtime (runc or crun) with the same command line.\n\n"
          "To start a new instance of a container:\n\n"
          "    # %s run [ -b bundle ] <container-id>\n\n",
          g->prog, g->prog);
  printf ("USAGE:\n   %s [global options] command [command options] [arguments...]\n\n", g->prog);
  printf ("VERSION:\n   %s\n\nCOMMANDS:\n", PARMA_VERSION);
  for (size_t i = 0; i < N_COMMANDS; i++)
    {
      const struct cli_command *c = commands[i].cli;
      cleanup_free char *names
          = c->alias ? xasprintf ("%s, %s", c->name, c->alias) : xstrdup (c->name);
      printf ("   %-10s  %s\n", names, c->summary);
    }
  printf ("\nGLOBAL OPTIONS:\n");
  size_t width = 0;
  for (size_t i = 0; i < N_GLOBAL; i++)
    {
      const struct cli_option *o = &parma_global_options[i];
      size_t w = strlen (o->name) + 2 + (o->type == CLI_BOOL ? 0 : 6)
                 + (o->alias ? strlen (o->alias) + 3 : 0);
      if (!o->hidden && w > width)
        width = w;
    }
  for (size_t i = 0; i < N_GLOBAL; i++)
    {
      const struct cli_option *o = &parma_global_options[i];
      if (o->hidden)
        continue;
      cleanup_free char *label
          = o->alias ? xasprintf ("--%s, -%s", o->name, o->alias)
                     : xasprintf ("--%s%s", o->name, o->type == CLI_BOOL ? "" : " value");
      printf ("   %-*s  %s", (int)width, label, o->usage);
      if (o->def)
        printf (" (default: %s)", o->def);
      putchar ('\n');
    }
}

static int
verb_help (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  /* help is a command like the others for urfave/cli: `help --help` (also
     `help kill -h`, flags being reordered) is help's own help, an unknown
     flag a usage error, and `--` ends the flags. */
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_help, NULL, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (n_args == 0)
    {
      parma_print_app_help (g);
      return 0;
    }
  const struct parma_command *c = parma_find_command (args[0]);
  if (c == NULL)
    {
      g->error_exit = 3;
      return parma_error_make (err, 0, "No help topic for '%s'", args[0]);
    }
  cli_print_command_help (stdout, g->prog, c->cli);
  return 0;
}

/* logrus's text form quotes like Go's %q; JSON escaping is the same for
   what an error line contains. */
static void
write_log_line (const struct parma_globals *g, const char *line)
{
  if (g->log == NULL)
    return;
  cleanup_free char *now = parma_time_rfc3339 ();
  struct strbuf sb = { 0 };
  if (g->log_json)
    {
      strbuf_puts (&sb, "{\"level\":\"error\",\"msg\":");
      strbuf_json_string (&sb, line, strlen (line));
      strbuf_appendf (&sb, ",\"time\":\"%s\"}\n", now);
    }
  else
    {
      strbuf_appendf (&sb, "time=\"%s\" level=error msg=", now);
      strbuf_json_string (&sb, line, strlen (line));
      strbuf_putc (&sb, '\n');
    }
  cleanup_free char *text = strbuf_steal (&sb);
  /* runc opens its log O_APPEND|O_CREATE, 0644; the path was resolved and
     checked against allowed_dirs, so its last component must not be a link. */
  cleanup_close int fd
      = open (g->log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd >= 0)
    write_all_fd (fd, text, strlen (text), NULL);
}

static int
report (struct parma_globals *g, parma_error_t *err)
{
  cleanup_free char *msg = NULL;
  /* EINVAL marks bad data; its message already says what is wrong. */
  if (g->usage_error || (*err)->status == 0 || (*err)->status == EINVAL)
    msg = xstrdup ((*err)->msg);
  else
    msg = parma_error_format (*err);
  /* Errors and denials always name parma-runc, whatever argv[0] is: podman
     only passes --log to a runtime named runc, so operators symlink it, and
     a denial must still say who refused (DESIGN §1).  Usage text keeps
     argv[0], as runc's does. */
  const char *who = g->usage_error ? g->prog : "parma-runc";
  cleanup_free char *line = NULL;
  if (g->denied || g->usage_error || g->verb == NULL)
    line = xasprintf ("%s: %s", who, msg);
  else if (g->id)
    line = xasprintf ("%s: %s %s: %s", who, g->verb, g->id, msg);
  else
    line = xasprintf ("%s: %s: %s", who, g->verb, msg);
  fflush (stdout);
  fprintf (stderr, "%s\n", line);
  write_log_line (g, line);
  if (g->denied)
    parma_audit_denial (g, parma_verb_from_name (g->verb), msg);
  parma_error_release (err);
  return g->error_exit;
}

/* The delegate's own lines first, then ours: go-runc's parseVersion reads
   the first line only if it starts with "runc version " (else it returns
   an empty version), and runc's suite wants version/commit/spec on lines
   1-3; tools that look for "runc version" anywhere still find it. */
static int
print_version (struct parma_globals *g, parma_error_t *err)
{
  cleanup_free char *out = NULL;
  size_t len = 0;
  int status = 0;
  if (delegate_capture (g, "--version", &out, &len, &status, err) < 0)
    return -1;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return parma_error_make (err, 0, "delegate `%s --version` failed (wait status %d)",
                             g->config->delegate, status);
  fwrite (out, 1, len, stdout);
  if (len > 0 && out[len - 1] != '\n')
    putchar ('\n');
  printf ("%s version %s\n", g->prog, PARMA_VERSION);
  return 0;
}

static int
run_main (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  int used = 0;
  if (cli_parse_globals (parma_global_options, N_GLOBAL, &g->opts, argc - 1, argv + 1, &used, err)
      < 0)
    {
      printf ("Incorrect Usage. %s\n\n", (*err)->msg);
      parma_print_app_help (g);
      g->usage_error = true;
      return -1;
    }
  int rest = argc - 1 - used;
  char **words = argv + 1 + used;
  if (g->opts.help.set && g->opts.help.v)
    {
      parma_print_app_help (g);
      return 0;
    }
  if (g->opts.version.set && g->opts.version.v)
    {
      g->verb = "version";
      /* As urfave/cli does for runc, --version comes before any other
         global flag is looked at: --root and --log are not used (the
         delegate gets none of them), so they are not checked either; only
         the configuration, which names the delegate, is needed. */
      if (parma_config_load (SYSCONFDIR "/" PARMA_CONFIG_NAME, &g->config, err) < 0)
        return -1;
      return print_version (g, err);
    }
  if (rest == 0)
    {
      parma_print_app_help (g);
      return 0;
    }
  const struct parma_command *c = parma_find_command (words[0]);
  if (c == NULL)
    {
      g->error_exit = 3;
      return parma_error_make (err, 0, "No help topic for '%s'", words[0]);
    }
  g->verb = c->cli->name;
  return c->fn (g, rest - 1, words + 1, err);
}

int
main (int argc, char **argv)
{
  const char *base = argv[0] ? strrchr (argv[0], '/') : NULL;
  struct parma_globals g
      = { .prog = base ? base + 1 : (argv[0] ? argv[0] : "parma-runc"), .error_exit = 1 };
  parma_error_t err = NULL;
  int ret = run_main (&g, argc, argv, &err);
  if (ret < 0)
    ret = report (&g, &err);
  fflush (stdout);
  parma_config_free (g.config);
  free (g.root);
  free (g.log);
  return ret;
}
