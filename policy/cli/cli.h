/* SPDX-License-Identifier: Apache-2.0 */
/* parma-policy: one file per verb group; main.c holds the verb table. */
#ifndef PARMA_POLICY_CLI_H
#define PARMA_POLICY_CLI_H

#include <stdbool.h>

#include "common/error.h"
#include "policy/policy.h"

struct oci_config;

int verb_compile (int argc, char **argv, parma_error_t *err);
int verb_hash (int argc, char **argv, parma_error_t *err);
int verb_lint (int argc, char **argv, parma_error_t *err);
int verb_diff (int argc, char **argv, parma_error_t *err);
int verb_check (int argc, char **argv, parma_error_t *err);
int verb_gen (int argc, char **argv, parma_error_t *err);
int verb_bench (int argc, char **argv, parma_error_t *err);
int verb_owner (int argc, char **argv, parma_error_t *err); /* owner.c */

/* Reads and loads a policy file ("-" = stdin). */
int cli_load_policy (const char *path, struct policy **out, parma_error_t *err);
/* Reads a bundle's config.json strictly (unknown keys dropped instead of
   refused when allow_unknown, as the runtime does under that switch). */
int cli_load_bundle (const char *dir, bool allow_unknown, struct oci_config **out,
                     parma_error_t *err);
/* Writes buf to path ("-" or NULL = stdout). */
int cli_write_out (const char *path, const char *buf, size_t len, parma_error_t *err);
/* ERE that matches exactly s. */
char *cli_re_escape (const char *s);

#endif
