/* SPDX-License-Identifier: Apache-2.0 */
/* runc 1.1's global flags (plus crun's two), as one table: main.c parses
   and documents them, the CLI fuzz target parses with the same table. */
#ifndef PARMA_RUNTIME_GLOBALS_H
#define PARMA_RUNTIME_GLOBALS_H

#include <stddef.h>

#include "runtime/cli.h"

/* Entries point into struct parma_global_opts (runtime/runtime.h). */
extern const struct cli_option parma_global_options[];
extern const size_t parma_n_global_options;

#endif
