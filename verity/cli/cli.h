/* SPDX-License-Identifier: Apache-2.0 */
/* parma-verity: one file per verb group, sharing the veritysetup option
   parser. */
#ifndef PARMA_VERITY_CLI_H
#define PARMA_VERITY_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "verity/verity.h"

/* Exit statuses as veritysetup: 1 bad parameter or wrong root hash, 2 a
   block that does not verify, 4 device/file problem. */
#define EXIT_VERIFY_FAILED 2

struct cli_opts
{
  struct verity_params params;
  bool salt_given, hash_given, format_given, dbs_given, hbs_given, blocks_given;
  bool verbose;
  /* open/close/open-rootfs/close-rootfs/check-rootfs */
  const char *state_dir;
  const char *mount_point;
  char **allowed; /* --allow-root-hash, NULL-terminated */
  char **layers;  /* --layer, base first */
  bool no_dm, dm_only, allow_fallback;
  uint64_t scratch_bytes; /* open-rootfs --scratch-size */
  const char *tar2sqfs;
  const char *root_hash_file; /* veritysetup --root-hash-file */
  int nargs;
  char **args;
};

/* Parses veritysetup's options (and parma's) from argv[1..]; positional
   arguments land in o->args.  `verb` names the verb in errors. */
int cli_parse (const char *verb, int argc, char **argv, struct cli_opts *o, parma_error_t *err);
void cli_opts_release (struct cli_opts *o);
/* The root hash: the positional argument at `index`, or the content of
   --root-hash-file (hex, as veritysetup writes it); caller frees. */
int cli_root_hex (struct cli_opts *o, int index, char **out, parma_error_t *err);

int verb_format (struct cli_opts *o, parma_error_t *err);
int verb_verify (struct cli_opts *o, parma_error_t *err);
int verb_dump (struct cli_opts *o, parma_error_t *err);
int verb_root_hash (struct cli_opts *o, parma_error_t *err);
int verb_open (struct cli_opts *o, parma_error_t *err);
int verb_close (struct cli_opts *o, parma_error_t *err);
int verb_check_rootfs (struct cli_opts *o, parma_error_t *err);
int verb_open_rootfs (struct cli_opts *o, parma_error_t *err);
int verb_close_rootfs (struct cli_opts *o, parma_error_t *err);
int verb_mkimage (struct cli_opts *o, parma_error_t *err);

#endif
