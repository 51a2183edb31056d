/* SPDX-License-Identifier: Apache-2.0 */
/* The Kubernetes pod of a CRI create (enforce_pod.c): what the policy's
   pod rules ($(sandbox-ns) namespaces, sandbox:// mount sources, pod
   placeholders; policy/cri.h) are decided against, established from
   parma's trusted state rather than taken from the request. */
#ifndef PARMA_RUNTIME_ENFORCE_POD_H
#define PARMA_RUNTIME_ENFORCE_POD_H

#include <stddef.h>

#include "common/error.h"

struct parma_globals;
struct parma_request;
struct policy_context;

struct parma_pod
{
  char *sandbox_id, *sandbox_name, *sandbox_namespace, *sandbox_uid;
  char *sandbox_pid; /* decimal; NULL unless a workload joins the sandbox */
  char **sandbox_dirs;
  size_t n_sandbox_dirs;
  char *unverified; /* why there are no pod facts, for a denial; NULL if n/a */
};

/* Establishes the pod facts of a create whose config carries the CRI
   annotations (io.kubernetes.cri.container-type sandbox or container).
   Never fails: what cannot be verified stays unset (the pod rules then do
   not match) and pod->unverified says why. */
void parma_pod_facts (const struct parma_globals *g, const struct parma_request *req,
                      struct parma_pod *pod);
/* Points ctx's pod fields at pod's (pod must outlive ctx). */
void parma_pod_context (const struct parma_pod *pod, struct policy_context *ctx);
void parma_pod_release (struct parma_pod *pod);
/* Appends "; pod: <why not verified>" to the denial in *err; returns -1. */
int parma_pod_explain (const struct parma_pod *pod, parma_error_t *err);

#endif
