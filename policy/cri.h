/* SPDX-License-Identifier: Apache-2.0 */
/* The Kubernetes (CRI) pod in the policy: the parts of a container entry
   that name "this pod's sandbox" rather than a fixed value, filled from
   the pod facts the runtime verified (struct policy_context, policy.h):

     namespaces   "TYPE:$(sandbox-ns)"   the namespace TYPE of the pod's
                                         sandbox (pause) container, i.e.
                                         /proc/<its init pid>/ns/<file>
     mounts       source "sandbox:///F"  F under one of the pod's sandbox
                                         directories (.../sandboxes/<id>/)
     annotations  a value with $(NAME)   a template: the placeholders
                                         filled, the value must be equal

   Without verified pod facts none of these matches (fail closed).  Pure
   functions, like the rest of the matcher. */
#ifndef PARMA_POLICY_CRI_H
#define PARMA_POLICY_CRI_H

#include <stdbool.h>

struct pol_rule;
struct policy_context;

#define POLICY_CRI_NS_PLACEHOLDER "$(sandbox-ns)"
#define POLICY_CRI_SANDBOX_SCHEME "sandbox://"

/* Is `s` a valid "TYPE:$(sandbox-ns)" namespace entry (TYPE already
   checked by the caller)? */
bool policy_cri_namespace_is_placeholder (const char *s);

/* The namespace entry as the request must spell it: a copy of `entry`, or
   for "TYPE:$(sandbox-ns)" "TYPE:/proc/<pid>/ns/<file>"; NULL when the pod
   facts are missing (caller frees). */
char *policy_cri_namespace (const char *entry, const struct policy_context *ctx);

/* A mount source rule: *handled = false for an ordinary rule (the caller
   matches it); for "sandbox:///F" returns whether `src` is F under one of
   ctx's sandbox directories. */
bool policy_cri_source_matches (const struct pol_rule *r, const char *src,
                                const struct policy_context *ctx, bool *handled);

/* An annotation value rule: *handled = false when it holds no
   placeholder; otherwise returns whether the filled template equals
   `value`. */
bool policy_cri_value_matches (const struct pol_rule *r, const char *value,
                               const struct policy_context *ctx, bool *handled);

#endif
