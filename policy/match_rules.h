/* SPDX-License-Identifier: Apache-2.0 */
/* Per-rule checks of the matcher (rules.c), shared by match.c. */
#ifndef PARMA_POLICY_MATCH_RULES_H
#define PARMA_POLICY_MATCH_RULES_H

#include "policy/internal.h"

struct oci_config;
struct oci_process;

void verdict_fail (struct policy_verdict *v, const char *rule, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Records every failed rule of `c` against the request in v. */
int check_container_create (const struct policy_container *c, const struct oci_config *cfg,
                            const struct policy_context *ctx, const bool *switches,
                            struct policy_verdict *v, parma_error_t *err);
/* Process fields (command, env, cwd, user, caps, no_new_privileges). */
void check_process (const struct pol_process *pp, const struct oci_process *proc,
                    const struct policy_context *ctx, const bool *switches, bool is_exec,
                    struct policy_verdict *v);
/* Capability names of an OCI set -> mask; *bad = an unknown name. */
uint64_t policy_request_caps (char **names, const char **bad);
/* Fills placeholders; NULL when one is unknown, unset or unsafe. */
char *policy_expand_placeholders (const char *tmpl, const struct policy_context *ctx);

#endif
