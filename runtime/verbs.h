/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the verb files share (verb_create.c). */
#ifndef PARMA_RUNTIME_VERBS_H
#define PARMA_RUNTIME_VERBS_H

#include <stddef.h>

#include "common/error.h"
#include "runtime/cli.h"

struct parma_globals;
struct parma_request;
struct parma_bundle;
struct parma_state;

/* Reads and parses the bundle, opens and locks the id's state, decides,
   then seals config.json and writes the admission record. */
int parma_admit_bundle (struct parma_globals *g, struct parma_request *req, const char *bundle_arg,
                        struct parma_bundle *b, struct parma_state *st, char **sealed_bundle,
                        parma_error_t *err);
/* Resolves a path option under allowed_dirs (denial otherwise) and points
   the option at the resolved path, which *owned keeps. */
int parma_resolve_opt (struct parma_globals *g, const char *flag, struct cli_string *s,
                       char **owned, parma_error_t *err);
/* Decides `req` against the admission record in `st`; on allow, seals
   `doc` (when not NULL) in the id's state as <prefix>-<pid>.json and sets
   *sealed to its path, which the delegate then reads instead of the
   caller's file. */
int parma_decide_and_seal (struct parma_globals *g, struct parma_request *req,
                           struct parma_state *st, const char *prefix, const char *doc,
                           size_t len, char **sealed, parma_error_t *err);
/* Appends the id (after "--" when it starts with a dash). */
void parma_argv_id (char ***argv, size_t *n, const char *id);

#endif
