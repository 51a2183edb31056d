/* SPDX-License-Identifier: Apache-2.0 */
/* Go `flag` + urfave/cli v1 parsing (see cli.h for the rules). */
#include "runtime/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

static const struct cli_option help_option
    = { .name = "help", .alias = "h", .type = CLI_BOOL, .offset = 0, .usage = "show help" };

static void *
field (void *opts, const struct cli_option *o)
{
  return (char *)opts + o->offset;
}

static const void *
cfield (const void *opts, const struct cli_option *o)
{
  return (const char *)opts + o->offset;
}

/* NULL when `name` is no flag of the table; &help_option for help/h. */
static const struct cli_option *
find_option (const struct cli_option *options, size_t n, const char *name, size_t len,
             bool with_help)
{
  for (size_t i = 0; i < n; i++)
    {
      const struct cli_option *o = &options[i];
      if (strlen (o->name) == len && memcmp (o->name, name, len) == 0)
        return o;
      if (o->alias && strlen (o->alias) == len && memcmp (o->alias, name, len) == 0)
        return o;
    }
  if (with_help && ((len == 4 && memcmp (name, "help", 4) == 0) || (len == 1 && name[0] == 'h')))
    return &help_option;
  return NULL;
}

/* Go's strconv.ParseBool. */
static int
parse_go_bool (const char *s, bool *out)
{
  static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    if (strcmp (s, yes[i]) == 0)
      return *out = true, 0;
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    if (strcmp (s, no[i]) == 0)
      return *out = false, 0;
  return -1;
}

/* Go's strconv.ParseUint(s, 0, 64) digits: 0x/0o/0b prefixes and a leading
   0 for octal.  Underscores, which Go allows between digits with base 0,
   are refused (stricter, never looser).  Returns 0, -1 (syntax), -2 (range). */
static int
parse_go_digits (const char *s, uint64_t *out)
{
  unsigned base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    base = 16, s += 2;
  else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
    base = 8, s += 2;
  else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
    base = 2, s += 2;
  else if (s[0] == '0' && s[1] != '\0')
    base = 8, s += 1;
  if (*s == '\0')
    return -1;
  uint64_t v = 0;
  bool range = false;
  for (; *s; s++)
    {
      unsigned d;
      if (*s >= '0' && *s <= '9')
        d = (unsigned)(*s - '0');
      else if (*s >= 'a' && *s <= 'f')
        d = (unsigned)(*s - 'a' + 10);
      else if (*s >= 'A' && *s <= 'F')
        d = (unsigned)(*s - 'A' + 10);
      else
        return -1;
      if (d >= base)
        return -1;
      if (__builtin_mul_overflow (v, base, &v) || __builtin_add_overflow (v, d, &v))
        range = true;
    }
  *out = v;
  return range ? -2 : 0;
}

static int
set_number (const struct cli_option *o, struct cli_int *dst, const char *value, const char *name,
            parma_error_t *err)
{
  const char *s = value;
  bool neg = false;
  if (o->type == CLI_INT && (*s == '+' || *s == '-'))
    neg = (*s == '-'), s++;
  uint64_t u = 0;
  int r = parse_go_digits (s, &u);
  if (r == 0 && o->type == CLI_INT && u > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
    r = -2;
  if (r < 0)
    return parma_error_make (err, 0, "invalid value \"%s\" for flag -%s: %s", value, name,
                             r == -2 ? "value out of range" : "parse error");
  dst->set = true;
  dst->u = u;
  dst->v = neg ? (int64_t)(0 - u) : (int64_t)u;
  return 0;
}

bool
cli_valid_duration (const char *s)
{
  /* [-+]? ( "0" | (number unit)+ ), number = digits [. digits] */
  static const char *const units[] = { "ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h" };
  if (*s == '-' || *s == '+')
    s++;
  if (strcmp (s, "0") == 0)
    return true;
  if (*s == '\0')
    return false;
  while (*s)
    {
      size_t int_digits = strspn (s, "0123456789");
      s += int_digits;
      size_t frac_digits = 0;
      if (*s == '.')
        {
          s++;
          frac_digits = strspn (s, "0123456789");
          s += frac_digits;
        }
      if (int_digits == 0 && frac_digits == 0)
        return false;
      size_t best = 0;
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        {
          size_t l = strlen (units[i]);
          if (strncmp (s, units[i], l) == 0 && l > best)
            best = l;
        }
      if (best == 0)
        return false;
      s += best;
    }
  return true;
}

static int
set_value (const struct cli_option *o, void *opts, const char *value, const char *name,
           parma_error_t *err)
{
  switch (o->type)
    {
    case CLI_STRING:
      {
        struct cli_string *s = field (opts, o);
        s->set = true;
        s->v = value;
        return 0;
      }
    case CLI_DURATION:
      {
        if (!cli_valid_duration (value))
          return parma_error_make (err, 0, "invalid value \"%s\" for flag -%s: parse error", value,
                                   name);
        struct cli_string *s = field (opts, o);
        s->set = true;
        s->v = value;
        return 0;
      }
    case CLI_STRINGS:
      {
        struct cli_strings *l = field (opts, o);
        l->v = xreallocarray (l->v, l->n + 1, sizeof *l->v);
        l->v[l->n++] = value;
        return 0;
      }
    case CLI_INT:
    case CLI_UINT:
      return set_number (o, field (opts, o), value, name, err);
    case CLI_BOOL:
      break;
    }
  return parma_error_make (err, EINVAL, "internal: bad option type for -%s", name);
}

/* One step of Go's FlagSet.parseOne.  Returns 1 when a flag was consumed,
   0 at the end of the flags (*i then indexes the first argument), < 0 on a
   usage error.  *help is set for -h/--help. */
/* urfave/cli v1 normalizeFlags: `--env A -e B` is refused.  seen[k] bit 0
   = long form used, bit 1 = alias used. */
static int
note_form (const struct cli_option *options, const struct cli_option *o, const char *name,
           size_t len, unsigned char *seen, parma_error_t *err)
{
  if (seen == NULL || o->alias == NULL)
    return 0;
  size_t k = (size_t)(o - options);
  bool is_alias = strlen (o->alias) == len && memcmp (o->alias, name, len) == 0;
  seen[k] |= is_alias ? 2 : 1;
  if (seen[k] == 3)
    return parma_error_make (err, 0, "Cannot use two forms of the same flag: %s %s", o->alias,
                             o->name);
  return 0;
}

static int
parse_one (const struct cli_option *options, size_t n_options, void *opts, bool with_help, int argc,
           char **argv, int *i, bool *help, unsigned char *seen, parma_error_t *err)
{
  if (*i >= argc)
    return 0;
  const char *s = argv[*i];
  size_t slen = strlen (s);
  if (slen < 2 || s[0] != '-')
    return 0;
  size_t minuses = 1;
  if (s[1] == '-')
    {
      minuses = 2;
      if (slen == 2)
        {
          (*i)++; /* "--" ends the flags and is consumed */
          return 0;
        }
    }
  const char *name = s + minuses;
  if (name[0] == '-' || name[0] == '=')
    return parma_error_make (err, 0, "bad flag syntax: %s", s);
  (*i)++;
  const char *eq = strchr (name + 1, '=');
  size_t name_len = eq ? (size_t)(eq - name) : strlen (name);
  cleanup_free char *shown = xstrndup (name, name_len);
  const struct cli_option *o = find_option (options, n_options, name, name_len, with_help);
  if (o == NULL)
    return parma_error_make (err, 0, "flag provided but not defined: -%s", shown);
  if (o != &help_option && note_form (options, o, name, name_len, seen, err) < 0)
    return -1;
  if (o->type == CLI_BOOL)
    {
      bool v = true;
      if (eq && parse_go_bool (eq + 1, &v) < 0)
        return parma_error_make (err, 0, "invalid boolean value \"%s\" for -%s: parse error",
                                 eq + 1, shown);
      if (o == &help_option)
        *help = *help || v;
      else
        {
          struct cli_bool *b = field (opts, o);
          b->set = true;
          b->v = v;
        }
      return 1;
    }
  const char *value;
  if (eq)
    value = eq + 1;
  else if (*i < argc)
    value = argv[(*i)++];
  else
    return parma_error_make (err, 0, "flag needs an argument: -%s", shown);
  if (set_value (o, opts, value, shown, err) < 0)
    return -1;
  return 1;
}

/* urfave/cli v1 argIsFlag: only flags the command knows are moved. */
static const struct cli_option *
arg_flag (const struct cli_command *cmd, const char *arg, bool *has_eq)
{
  if (strcmp (arg, "-") == 0 || strcmp (arg, "--") == 0 || arg[0] != '-')
    return NULL;
  const char *name = arg + (arg[1] == '-' ? 2 : 1);
  if (name[0] == '-')
    name++;
  const char *eq = strchr (name, '=');
  *has_eq = eq != NULL;
  return find_option (cmd->options, cmd->n_options, name, eq ? (size_t)(eq - name) : strlen (name),
                      true);
}

/* urfave/cli v1 reorderArgs: known flags (and the value following a value
   flag) first, then the rest in order; nothing after "--" moves. */
static char **
reorder_args (const struct cli_command *cmd, int argc, char **argv)
{
  char **out = xcalloc ((size_t)argc + 1, sizeof *out);
  cleanup_free char **rest = xcalloc ((size_t)argc + 1, sizeof *rest);
  size_t n_out = 0, n_rest = 0;
  bool value_next = false;
  for (int i = 0; i < argc; i++)
    {
      bool has_eq = false;
      const struct cli_option *o = arg_flag (cmd, argv[i], &has_eq);
      if (value_next && o == NULL)
        {
          value_next = false;
          out[n_out++] = argv[i];
        }
      else if (strcmp (argv[i], "--") == 0)
        {
          for (; i < argc; i++)
            rest[n_rest++] = argv[i];
          break;
        }
      else if (o)
        {
          /* urfave/cli v1 fails to recognise bool flags here (runc 1.1:
             `kill ID -a KILL` kills the container "KILL"), so any flag
             without "=" takes the next non-flag word along. */
          out[n_out++] = argv[i];
          value_next = !has_eq;
        }
      else
        rest[n_rest++] = argv[i];
    }
  memcpy (out + n_out, rest, n_rest * sizeof *rest);
  return out;
}

int
cli_parse (const struct cli_command *cmd, void *opts, int argc, char **argv, const char ***args,
           size_t *n_args, parma_error_t *err)
{
  cleanup_free char **words = cmd->in_order ? NULL : reorder_args (cmd, argc, argv);
  char **w = words ? words : argv;
  int i = 0;
  bool help = false;
  int r;
  cleanup_free unsigned char *seen = xcalloc (cmd->n_options + 1, 1);
  while ((r = parse_one (cmd->options, cmd->n_options, opts, true, argc, w, &i, &help, seen, err))
         > 0)
    ;
  if (r < 0)
    return r;
  const char **a = xcalloc ((size_t)(argc - i) + 1, sizeof *a);
  for (int k = i; k < argc; k++)
    a[k - i] = w[k];
  *args = a;
  *n_args = (size_t)(argc - i);
  return help ? CLI_HELP : CLI_PARSED;
}

int
cli_parse_globals (const struct cli_option *options, size_t n_options, void *opts, int argc,
                   char **argv, int *consumed, parma_error_t *err)
{
  int i = 0;
  bool help = false; /* globals carry their own help/version bools */
  int r;
  cleanup_free unsigned char *seen = xcalloc (n_options + 1, 1);
  while ((r = parse_one (options, n_options, opts, false, argc, argv, &i, &help, seen, err)) > 0)
    ;
  if (r < 0)
    return r;
  *consumed = i;
  return 0;
}

void
cli_argv_push (char ***argv, size_t *n, char *word)
{
  *argv = xreallocarray (*argv, *n + 2, sizeof **argv);
  (*argv)[(*n)++] = word;
  (*argv)[*n] = NULL;
}

void
cli_argv_options (const struct cli_option *options, size_t n_options, const void *opts,
                  char ***argv, size_t *n)
{
  for (size_t i = 0; i < n_options; i++)
    {
      const struct cli_option *o = &options[i];
      const void *f = cfield (opts, o);
      switch (o->type)
        {
        case CLI_BOOL:
          {
            const struct cli_bool *b = f;
            if (b->set)
              cli_argv_push (
                  argv, n, b->v ? xasprintf ("--%s", o->name) : xasprintf ("--%s=false", o->name));
            break;
          }
        case CLI_STRING:
        case CLI_DURATION:
          {
            const struct cli_string *s = f;
            if (s->set)
              cli_argv_push (argv, n, xasprintf ("--%s=%s", o->name, s->v));
            break;
          }
        case CLI_STRINGS:
          {
            const struct cli_strings *l = f;
            for (size_t k = 0; k < l->n; k++)
              cli_argv_push (argv, n, xasprintf ("--%s=%s", o->name, l->v[k]));
            break;
          }
        case CLI_INT:
          {
            const struct cli_int *v = f;
            if (v->set)
              cli_argv_push (argv, n, xasprintf ("--%s=%" PRId64, o->name, v->v));
            break;
          }
        case CLI_UINT:
          {
            const struct cli_int *v = f;
            if (v->set)
              cli_argv_push (argv, n, xasprintf ("--%s=%" PRIu64, o->name, v->u));
            break;
          }
        }
    }
}

/* "--bundle value, -b value" as urfave/cli v1 prints it. */
static char *
option_label (const struct cli_option *o)
{
  const char *v = o->type == CLI_BOOL ? "" : " value";
  if (o->alias)
    return xasprintf ("--%s%s, -%s%s", o->name, v, o->alias, v);
  return xasprintf ("--%s%s", o->name, v);
}

void
cli_print_command_help (FILE *out, const char *prog, const struct cli_command *cmd)
{
  size_t visible = 0, width = 0;
  for (size_t i = 0; i < cmd->n_options; i++)
    if (!cmd->options[i].hidden)
      {
        cleanup_free char *l = option_label (&cmd->options[i]);
        visible++;
        if (strlen (l) > width)
          width = strlen (l);
      }
  fprintf (out, "NAME:\n   %s %s - %s\n\nUSAGE:\n   %s %s%s %s\n", prog, cmd->name, cmd->summary,
           prog, cmd->name, visible ? " [command options]" : "",
           cmd->args_usage ? cmd->args_usage : "[arguments...]");
  if (cmd->description)
    fprintf (out, "\nDESCRIPTION:\n   %s\n", cmd->description);
  if (visible == 0)
    return;
  fputs ("\nOPTIONS:\n", out);
  for (size_t i = 0; i < cmd->n_options; i++)
    {
      const struct cli_option *o = &cmd->options[i];
      if (o->hidden)
        continue;
      cleanup_free char *l = option_label (o);
      fprintf (out, "   %-*s  %s", (int)width, l, o->usage);
      if (o->def)
        fprintf (out, " (default: %s)", o->def);
      fputc ('\n', out);
    }
  fputs ("   \n", out);
}
