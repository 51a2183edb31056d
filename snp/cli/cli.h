/* SPDX-License-Identifier: Apache-2.0 */
/* parma-snp: one file per verb (STYLE §1); main.c owns the verb table and
   is the only place that prints errors. */
#ifndef PARMA_SNP_CLI_H
#define PARMA_SNP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

int verb_show (int argc, char **argv, parma_error_t *err);
int verb_verify (int argc, char **argv, parma_error_t *err);
int verb_report (int argc, char **argv, parma_error_t *err);

/* Decodes exactly `want` bytes of hex for option `opt`; caller frees. */
int cli_hex_arg (const char *opt, const char *hex, size_t want, uint8_t **out, parma_error_t *err);

/* Exit status for "ran, but a check failed" vs usage errors. */
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

#endif
