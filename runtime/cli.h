/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing with Go's `flag` rules, as urfave/cli v1 applies them
   for runc 1.1 (the parser callers were written against):
   - `-name` and `--name` are the same flag; `---name` is "bad flag syntax";
   - a value flag takes `--name=v` or `--name v`; a bool takes `--name` or
     `--name=v` with v one of Go's ParseBool spellings, never `--name v`;
   - parsing stops at the first non-flag argument, at `-`, and after `--`;
   - urfave/cli v1 first moves the *known* flags that follow the positional
     arguments in front of them (except for verbs marked `in_order`: exec and
     ps, where everything after the id belongs to the command);
   - `-h`/`--help` is an implicit bool flag of every verb.
   Each verb keeps its option table next to a local struct; a table entry
   stores the offset of its field, so nothing lives in file-scope globals. */
#ifndef PARMA_RUNTIME_CLI_H
#define PARMA_RUNTIME_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

enum cli_type
{
  CLI_BOOL,     /* struct cli_bool */
  CLI_STRING,   /* struct cli_string */
  CLI_STRINGS,  /* struct cli_strings: repeatable (urfave StringSlice) */
  CLI_INT,      /* struct cli_int: Go strconv.ParseInt(s, 0, 64) */
  CLI_UINT,     /* struct cli_int: Go strconv.ParseUint(s, 0, 64) */
  CLI_DURATION, /* struct cli_string, validated with Go's time.ParseDuration */
};

struct cli_bool
{
  bool set; /* given on the command line (runc tests IsSet for some flags) */
  bool v;
};

struct cli_string
{
  bool set;
  const char *v; /* points into argv or into memory the request owns */
};

struct cli_strings
{
  size_t n;
  const char **v; /* owned array of pointers into argv */
};

struct cli_int
{
  bool set;
  int64_t v; /* CLI_UINT values are <= INT64_MAX or kept in u */
  uint64_t u;
};

struct cli_option
{
  const char *name;  /* long name, without dashes */
  const char *alias; /* one-letter alias or NULL */
  enum cli_type type;
  size_t offset;     /* of the cli_* field in the verb's option struct */
  const char *usage; /* help text */
  const char *def;   /* "(default: ...)" text shown in help, or NULL */
  bool hidden;       /* accepted but not listed (runc's hidden flags) */
};

#define CLI_OPT(st, field, nm, al, ty, us, df)                                                     \
  {                                                                                                \
    .name = (nm), .alias = (al), .type = (ty), .offset = offsetof (st, field), .usage = (us),      \
    .def = (df), .hidden = false                                                                   \
  }
#define CLI_HIDDEN(st, field, nm, ty)                                                              \
  {                                                                                                \
    .name = (nm), .alias = NULL, .type = (ty), .offset = offsetof (st, field), .usage = "",        \
    .def = NULL, .hidden = true                                                                    \
  }

/* How a verb looks to the parser and to `help`. */
struct cli_command
{
  const char *name;
  const char *alias;      /* "h" for help, else NULL */
  const char *summary;    /* one line, for NAME: and the command list */
  const char *args_usage; /* text after [command options]; may span lines */
  const char *description;
  const struct cli_option *options;
  size_t n_options;
  bool in_order; /* exec, ps: no reordering after the id */
};

/* Result of a parse: either arguments, or help was asked for, or a usage
   error (message in *err, to be printed after "Incorrect Usage: "). */
enum cli_outcome
{
  CLI_PARSED = 0,
  CLI_HELP = 1,
};

/* Parses argv[0..argc) (the words after the verb) into `opts` according to
   `cmd`.  On success returns CLI_PARSED or CLI_HELP and sets *args and *n_args
   to a new array of the positional arguments (pointers into argv; caller
   frees the array).  On a usage error returns < 0 with err set; the message
   is Go's ("flag provided but not defined: -x"). */
int cli_parse (const struct cli_command *cmd, void *opts, int argc, char **argv, const char ***args,
               size_t *n_args, parma_error_t *err);

/* Same rules for the global flags, which are never reordered: stops at the
   verb.  *consumed = index of the first non-flag word. */
int cli_parse_globals (const struct cli_option *options, size_t n_options, void *opts, int argc,
                       char **argv, int *consumed, parma_error_t *err);

/* Go's time.ParseDuration grammar ("5s", "1h2m", "300ms", "-1.5h", "0"). */
bool cli_valid_duration (const char *s);

/* Appends the delegate-form of every set option, in table order, as
   "--name" / "--name=false" / "--name=value" words to *argv (a growing,
   NULL-terminated vector of owned strings; see cli_argv_push). */
void cli_argv_options (const struct cli_option *options, size_t n_options, const void *opts,
                       char ***argv, size_t *n);
void cli_argv_push (char ***argv, size_t *n, char *word);

/* urfave/cli v1 help for one command, with `prog` = basename(argv[0]). */
void cli_print_command_help (FILE *out, const char *prog, const struct cli_command *cmd);

#endif
