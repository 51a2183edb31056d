/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PARMA_RUNTIME_VERB_SIMPLE_H
#define PARMA_RUNTIME_VERB_SIMPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "runtime/state.h"

struct parma_globals;
struct parma_request;
struct cli_command;

/* Checks req->id, loads the configuration, reads the id's trusted state
   (`mode`), decides, and execs the delegate with the options in `opts`,
   the id, then `extra`; with `remove_state` (delete) it runs the delegate
   as a child instead and removes the id's state once the delegate no
   longer knows the container, returning the delegate's exit status. */
int parma_simple_verb (struct parma_globals *g, struct parma_request *req,
                       const struct cli_command *cmd, const void *opts, const char *const *extra,
                       size_t n_extra, enum parma_state_mode mode, bool remove_state,
                       parma_error_t *err);

#endif
