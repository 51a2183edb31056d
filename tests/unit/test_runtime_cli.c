/* SPDX-License-Identifier: Apache-2.0 */
/* The runc 1.1 argv parser (Go flag + urfave/cli v1 rules), the delegate
   argv rebuilt from it, signals, ids, the configuration reader and path
   resolution. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cli.h"
#include "runtime/runtime.h"
#include "tests/unit/tap.h"

struct t_opts
{
  struct cli_string bundle, pid_file;
  struct cli_bool detach, all;
  struct cli_int fds, weight;
  struct cli_strings env;
  struct cli_string interval;
};

#define O(f, n, a, t) CLI_OPT (struct t_opts, f, n, a, t, "", NULL)
static const struct cli_option t_options[] = {
  O (bundle, "bundle", "b", CLI_STRING),  O (pid_file, "pid-file", NULL, CLI_STRING),
  O (detach, "detach", "d", CLI_BOOL),    O (all, "all", "a", CLI_BOOL),
  O (fds, "preserve-fds", NULL, CLI_INT), O (weight, "weight", NULL, CLI_UINT),
  O (env, "env", "e", CLI_STRINGS),       O (interval, "interval", NULL, CLI_DURATION),
};
static const struct cli_command t_cmd = { .name = "t",
                                          .summary = "",
                                          .options = t_options,
                                          .n_options = sizeof t_options / sizeof t_options[0] };
static const struct cli_command t_cmd_in_order
    = { .name = "t",
        .summary = "",
        .options = t_options,
        .n_options = sizeof t_options / sizeof t_options[0],
        .in_order = true };

struct parsed
{
  struct t_opts o;
  const char **args;
  size_t n;
  int r;
  char *msg;
  char *copy; /* the words args point into */
};

static void
release (struct parsed *p)
{
  free (p->args);
  free (p->msg);
  free (p->copy);
  free (p->o.env.v);
  memset (p, 0, sizeof *p);
}

/* Parses a space-separated command line. */
static void
parse (const struct cli_command *cmd, const char *line, struct parsed *p)
{
  release (p);
  char *copy = xstrdup (line);
  char *words[64];
  int n = 0;
  for (char *s = strtok (copy, " "); s && n < 63; s = strtok (NULL, " "))
    words[n++] = s;
  words[n] = NULL;
  p->copy = copy;
  parma_error_t err = NULL;
  p->r = cli_parse (cmd, &p->o, n, words, &p->args, &p->n, &err);
  if (p->r < 0)
    {
      p->msg = xstrdup (err->msg);
      parma_error_release (&err);
    }
}

static int
test_spellings (void)
{
  const char *forms[]
      = { "-b x id", "--bundle x id", "-bundle=x id", "--bundle=x id", "id -b x", "id --bundle=x" };
  struct parsed p = { 0 };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
    {
      parse (&t_cmd, forms[i], &p);
      TAP_CHECK (p.r == CLI_PARSED);
      TAP_CHECK_STR (p.o.bundle.v, "x");
      TAP_CHECK (p.n == 1);
      TAP_CHECK_STR (p.args[0], "id");
    }
  release (&p);
  return 0;
}

static int
test_bools (void)
{
  struct parsed p = { 0 };
  parse (&t_cmd, "--detach=false id", &p);
  TAP_CHECK (p.r == CLI_PARSED && p.o.detach.set && !p.o.detach.v);
  parse (&t_cmd, "-d id", &p);
  TAP_CHECK (p.o.detach.set && p.o.detach.v);
  parse (&t_cmd, "-d=T --all=1 id", &p);
  TAP_CHECK (p.o.detach.v && p.o.all.v);
  parse (&t_cmd, "--detach=maybe id", &p);
  TAP_CHECK (p.r < 0);
  TAP_CHECK_STR (p.msg, "invalid boolean value \"maybe\" for -detach: parse error");
  /* a bool never takes the next word */
  parse (&t_cmd, "-d false", &p);
  TAP_CHECK (p.o.detach.v && p.n == 1);
  TAP_CHECK_STR (p.args[0], "false");
  release (&p);
  return 0;
}

static int
test_errors (void)
{
  struct parsed p = { 0 };
  parse (&t_cmd, "--bogus id", &p);
  TAP_CHECK_STR (p.msg, "flag provided but not defined: -bogus");
  parse (&t_cmd, "-b", &p);
  TAP_CHECK_STR (p.msg, "flag needs an argument: -b");
  parse (&t_cmd, "---b x", &p);
  TAP_CHECK_STR (p.msg, "bad flag syntax: ---b");
  parse (&t_cmd, "--preserve-fds abc id", &p);
  TAP_CHECK_STR (p.msg, "invalid value \"abc\" for flag -preserve-fds: parse error");
  parse (&t_cmd, "--weight -1 id", &p);
  TAP_CHECK_STR (p.msg, "invalid value \"-1\" for flag -weight: parse error");
  parse (&t_cmd, "--preserve-fds 99999999999999999999 id", &p);
  TAP_CHECK_STR (
      p.msg, "invalid value \"99999999999999999999\" for flag -preserve-fds: value out of range");
  parse (&t_cmd, "-e A --env B id", &p);
  TAP_CHECK_STR (p.msg, "Cannot use two forms of the same flag: e env");
  parse (&t_cmd, "--interval 5x id", &p);
  TAP_CHECK_STR (p.msg, "invalid value \"5x\" for flag -interval: parse error");
  release (&p);
  return 0;
}

static int
test_numbers (void)
{
  struct parsed p = { 0 };
  parse (&t_cmd, "--preserve-fds 0x10 id", &p);
  TAP_CHECK (p.o.fds.v == 16);
  parse (&t_cmd, "--preserve-fds=010 id", &p);
  TAP_CHECK (p.o.fds.v == 8);
  parse (&t_cmd, "--preserve-fds=-3 id", &p);
  TAP_CHECK (p.o.fds.v == -3);
  parse (&t_cmd, "--preserve-fds=0b101 id", &p);
  TAP_CHECK (p.o.fds.v == 5);
  parse (&t_cmd, "--weight=18446744073709551615 id", &p);
  TAP_CHECK (p.r == CLI_PARSED && p.o.weight.u == UINT64_MAX);
  TAP_CHECK (cli_valid_duration ("1h2m3.5s") && cli_valid_duration ("300ms")
             && cli_valid_duration ("0") && cli_valid_duration ("-1.5h"));
  TAP_CHECK (!cli_valid_duration ("") && !cli_valid_duration ("5") && !cli_valid_duration ("s"));
  release (&p);
  return 0;
}

static int
test_order (void)
{
  struct parsed p = { 0 };
  /* "--" ends flags; nothing after it moves */
  parse (&t_cmd, "id -- -d", &p);
  TAP_CHECK (p.n == 3 && !p.o.detach.set);
  parse (&t_cmd, "-- id", &p);
  TAP_CHECK (p.n == 1);
  TAP_CHECK_STR (p.args[0], "id");
  /* urfave v1 takes the word after a trailing flag along (runc 1.1's
     `kill ID -a KILL` kills container "KILL") */
  parse (&t_cmd, "id -a KILL", &p);
  TAP_CHECK (p.o.all.v && p.n == 2);
  TAP_CHECK_STR (p.args[0], "KILL");
  /* unknown flags after the id are arguments */
  parse (&t_cmd, "id --bogus", &p);
  TAP_CHECK (p.r == CLI_PARSED && p.n == 2);
  /* in-order verbs (exec, ps): everything after the id is the command */
  parse (&t_cmd_in_order, "-d id sh -b x --bogus", &p);
  TAP_CHECK (p.r == CLI_PARSED && p.o.detach.v && !p.o.bundle.set && p.n == 5);
  TAP_CHECK_STR (p.args[2], "-b");
  /* repeatable */
  parse (&t_cmd, "-e A -e=B id", &p);
  TAP_CHECK (p.o.env.n == 2);
  TAP_CHECK_STR (p.o.env.v[1], "B");
  /* help anywhere */
  parse (&t_cmd, "id -h", &p);
  TAP_CHECK (p.r == CLI_HELP);
  parse (&t_cmd, "--help", &p);
  TAP_CHECK (p.r == CLI_HELP);
  release (&p);
  return 0;
}

static int
test_rebuild (void)
{
  struct parsed p = { 0 };
  parse (&t_cmd, "-d=false -e A --preserve-fds 0x10 -b x -e B id", &p);
  cleanup_strv char **argv = NULL;
  size_t n = 0;
  cli_argv_options (t_options, sizeof t_options / sizeof t_options[0], &p.o, &argv, &n);
  TAP_CHECK (n == 5);
  TAP_CHECK_STR (argv[0], "--bundle=x");
  TAP_CHECK_STR (argv[1], "--detach=false");
  TAP_CHECK_STR (argv[2], "--preserve-fds=16");
  TAP_CHECK_STR (argv[3], "--env=A");
  TAP_CHECK_STR (argv[4], "--env=B");
  TAP_CHECK (argv[5] == NULL);
  release (&p);
  return 0;
}

static int
test_signals (void)
{
  parma_error_t err = NULL;
  int s = 0;
  TAP_CHECK (parma_parse_signal ("KILL", &s, &err) == 0 && s == 9);
  TAP_CHECK (parma_parse_signal ("SIGKILL", &s, &err) == 0 && s == 9);
  TAP_CHECK (parma_parse_signal ("kill", &s, &err) == 0 && s == 9);
  TAP_CHECK (parma_parse_signal ("15", &s, &err) == 0 && s == 15);
  TAP_CHECK (parma_parse_signal ("USR1", &s, &err) == 0 && s == 10);
  TAP_CHECK (parma_parse_signal ("FOO", &s, &err) < 0);
  TAP_CHECK_STR (err->msg, "unknown signal \"FOO\"");
  parma_error_release (&err);
  TAP_CHECK (parma_parse_signal ("0", &s, &err) == 0 && s == 0); /* a probe, as Atoi allows */
  TAP_CHECK (parma_parse_signal ("65", &s, &err) < 0);
  parma_error_release (&err);
  return 0;
}

static int
test_ids (void)
{
  parma_error_t err = NULL;
  TAP_CHECK (parma_check_id ("web-1_a.b+c", &err) == 0);
  const char *bad[] = { "", ".", "..", "../x", "a/b", "a b", "x\n" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      TAP_CHECK (parma_check_id (bad[i], &err) < 0);
      parma_error_release (&err);
    }
  return 0;
}

static int
config_error (const char *doc, const char *want)
{
  struct parma_config *c = NULL;
  parma_error_t err = NULL;
  if (parma_config_parse (doc, strlen (doc), &c, &err) == 0)
    {
      parma_config_free (c);
      fprintf (stderr, "# accepted: %s\n", doc);
      return -1;
    }
  int ok = strstr (err->msg, want) != NULL;
  if (!ok)
    fprintf (stderr, "# `%s` lacks `%s`\n", err->msg, want);
  parma_error_release (&err);
  return ok ? 0 : -1;
}

static int
test_config (void)
{
  struct parma_config *c = NULL;
  parma_error_t err = NULL;
  const char *good = "{\"delegate\":\"/usr/sbin/runc\"}";
  TAP_CHECK (parma_config_parse (good, strlen (good), &c, &err) == 0);
  TAP_CHECK_STR (c->state_dir, "/run/parma");
  TAP_CHECK_STR (c->allowed_dirs[0], "/run");
  TAP_CHECK (c->mode == PARMA_MODE_ENFORCE);
  TAP_CHECK_STR (c->audit_log, "/run/parma/audit.log");
  parma_config_free (c);
  TAP_CHECK (config_error ("{\"delegate\":\"/r\",\"state_dri\":\"/x\"}", "state_dri: unknown key")
             == 0);
  TAP_CHECK (config_error ("{\"delegate\":\"/r\",\"delegate\":\"/s\"}", "duplicate") == 0);
  TAP_CHECK (config_error ("{\"delegate\":\"runc\"}", "not an absolute path") == 0);
  TAP_CHECK (config_error ("{\"state_dir\":\"/x\"}", "delegate: missing") == 0);
  TAP_CHECK (config_error ("{\"delegate\":\"/r\",\"mode\":\"permissive\"}", "mode:") == 0);
  TAP_CHECK (
      config_error (
          "{\"delegate\":\"/r\",\"attestation\":{\"backend\":\"sim\",\"sim_host_data\":\"abcd\"}}",
          "want 32")
      == 0);
  TAP_CHECK (config_error ("{\"delegate\":\"/r\",\"attestation\":{\"Backend\":\"sim\"}}",
                           "attestation.Backend: unknown key")
             == 0);
  TAP_CHECK (config_error ("{\"delegate\":\"/r\",\"allowed_dirs\":[\"/\"]}", "every path") == 0);
  return 0;
}

static int
test_paths (void)
{
  char tmpl[] = "/tmp/parma-unit-paths-XXXXXX";
  TAP_CHECK (mkdtemp (tmpl) != NULL);
  cleanup_free char *dir = realpath (tmpl, NULL);
  cleanup_free char *real = xasprintf ("%s/real", dir);
  cleanup_free char *link = xasprintf ("%s/link", dir);
  TAP_CHECK (mkdir (real, 0700) == 0 && symlink (real, link) == 0);
  cleanup_free char *in = xasprintf ("%s/a/b", link);
  cleanup_free char *want = xasprintf ("%s/a/b", real);
  char *out = NULL;
  parma_error_t err = NULL;
  TAP_CHECK (parma_resolve_path (in, &out, &err) == 0);
  TAP_CHECK_STR (out, want);
  free (out);
  cleanup_free char *climb = xasprintf ("%s/new/../../etc", dir);
  TAP_CHECK (parma_resolve_path (climb, &out, &err) < 0);
  parma_error_release (&err);
  struct parma_config c = { 0 };
  char *allowed[] = { real, NULL };
  c.allowed_dirs = allowed;
  TAP_CHECK (parma_allowed_path (&c, "--log", in, &out, &err) == 0);
  free (out);
  cleanup_free char *outside = xasprintf ("%s/realx/f", dir);
  TAP_CHECK (parma_allowed_path (&c, "--log", outside, &out, &err) < 0);
  TAP_CHECK (strstr (err->msg, "is not under") != NULL);
  parma_error_release (&err);
  unlink (link);
  rmdir (real);
  rmdir (dir);
  return 0;
}

TAP_MAIN ({ "flag spellings: -f --f -f=v --f=v, before and after the id", test_spellings },
          { "bools: --b, --b=false, ParseBool spellings, never the next word", test_bools },
          { "usage errors carry Go's messages", test_errors },
          { "numbers: Go base prefixes, ranges; durations", test_numbers },
          { "order: --, urfave reordering, in-order verbs, repeats, help", test_order },
          { "delegate argv rebuilt in canonical form", test_rebuild },
          { "signals as runc 1.1 parses them", test_signals },
          { "container ids: runc's rule, one safe path component", test_ids },
          { "configuration: defaults, unknown/duplicate keys, values", test_config },
          { "paths: symlinks resolved, no climbing, allowed_dirs", test_paths })
