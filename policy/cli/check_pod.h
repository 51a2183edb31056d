/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PARMA_POLICY_CLI_CHECK_POD_H
#define PARMA_POLICY_CLI_CHECK_POD_H
#include <stdbool.h>
#include <stddef.h>
#include "policy/policy.h"
struct oci_config;
struct check_pod
{
  char *pid;
  char **dirs;
  size_t n_dirs;
};
/* Fills ctx's pod facts from a CRI request (offline: unverified); false
   when the request is not a CRI one (check_pod.c). */
bool check_pod_assume (const struct oci_config *cfg, struct check_pod *pod,
                       struct policy_context *ctx);
void check_pod_release (struct check_pod *pod);
#endif
