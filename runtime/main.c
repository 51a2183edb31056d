/* SPDX-License-Identifier: Apache-2.0 */
/* parma-runc: a runc 1.1 command line in front of the real runtime.  main()
   parses the global flags, picks the verb from the table, and is the only
   place that prints an error (one stderr line, one --log line). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

#define G(field, nm, al, ty, us, df) CLI_OPT (struct parma_global_opts, field, nm, al, ty, us, df)
static const struct cli_option global_options[] = {
  G (debug, "debug", NULL, CLI_BOOL, "enable debug logging", NULL),
  G (log, "log", NULL, CLI_STRING, "log file for errors (default: stderr only)", NULL),
  G (log_format, "log-format", NULL, CLI_STRING, "log format: 'text' or 'json'", "\"text\""),
  G (root, "root", NULL, CLI_STRING, "root directory of the delegate's container state",
     "\"/run/runc\""),
  G (criu, "criu", NULL, CLI_STRING, "path of the criu binary (checkpoint/restore)", "\"criu\""),
  G (systemd_cgroup, "systemd-cgroup", NULL, CLI_BOOL,
     "use the systemd cgroup manager (cgroupsPath \"slice:prefix:name\")", NULL),
  G (rootless, "rootless", NULL, CLI_STRING,
     "ignore cgroup permission errors ('true', 'false' or 'auto')", "\"auto\""),
  CLI_HIDDEN (struct parma_global_opts, cgroup_manager, "cgroup-manager", CLI_STRING),
  CLI_HIDDEN (struct parma_global_opts, log_level, "log-level", CLI_STRING),
  G (help, "help", "h", CLI_BOOL, "show help", NULL),
  G (version, "version", "v", CLI_BOOL, "print the version", NULL),
};
#undef G
#define N_GLOBAL (sizeof global_options / sizeof global_options[0])

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
  return NULL;
}

void
parma_print_app_help (const struct parma_globals *g)
{
  printf ("NAME:\n   %s - confidential-container front end for an OCI runtime\n\n", g->prog);
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
      const struct cli_option *o = &global_options[i];
      size_t w = strlen (o->name) + 2 + (o->type == CLI_BOOL ? 0 : 6)
                 + (o->alias ? strlen (o->alias) + 3 : 0);
      if (!o->hidden && w > width)
        width = w;
    }
  for (size_t i = 0; i < N_GLOBAL; i++)
    {
      const struct cli_option *o = &global_options[i];
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
  if (argc == 0)
    {
      parma_print_app_help (g);
      return 0;
    }
  const struct parma_command *c = parma_find_command (argv[0]);
  if (c == NULL)
    {
      g->error_exit = 3;
      return parma_error_make (err, 0, "No help topic for '%s'", argv[0]);
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

static int
run_main (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  int used = 0;
  if (cli_parse_globals (global_options, N_GLOBAL, &g->opts, argc - 1, argv + 1, &used, err) < 0)
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
      if (parma_prepare (g, err) < 0)
        return -1;
      /* Ours first, then the delegate's own lines (go-runc parses the
         delegate's "runc version" line, so it stays intact below ours). */
      printf ("%s version %s\n", g->prog, PARMA_VERSION);
      cleanup_strv char **dargv = NULL;
      size_t n = 0;
      cli_argv_push (&dargv, &n, xstrdup (g->config->delegate));
      cli_argv_push (&dargv, &n, xstrdup ("--version"));
      return delegate_exec (g, dargv, err);
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
