/* SPDX-License-Identifier: Apache-2.0 */
/* The security context (DESIGN §5, policy switch allow_security_context):
   a read-only directory mounted into every container the policy admits,
   holding what a workload hands to a key release service.  It is written
   once per boot, when the policy is pinned, into trusted state:

     <state_dir>/.pinned/security-context/     0755 (its parent is 0700)
       report.bin                 the attestation report (1184 bytes) whose
                                  HOST_DATA is the policy's SHA-256
       boot-nonce                 hex of the per-boot nonce: REPORT_DATA =
                                  SHA-512("parma-policy-v1" || policy sha256 || nonce)
       cert-chain.pem             the VCEK/VLEK, ASK/ASVK, ARK the secure
                                  processor's host served (empty if none)
       policy.json                the canonical policy bytes
       security-policy-base64     the same bytes in base64, as ACI names it

   At admission the runtime appends a bind mount of that directory
   (read-only, nosuid, nodev, noexec) at PARMA_SECURITY_CONTEXT_DIR to the
   sealed config, and sets PARMA_SECURITY_CONTEXT_ENV in the container's
   environment.  The policy matcher never sees either: they are parma's,
   not the host's. */
#ifndef PARMA_RUNTIME_SECURITY_CONTEXT_H
#define PARMA_RUNTIME_SECURITY_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct parma_bundle;
struct parma_globals;
struct policy;
struct snp_fetch_result;

#define PARMA_SECURITY_CONTEXT_DIR "/parma-security-context"
#define PARMA_SECURITY_CONTEXT_ENV "PARMA_SECURITY_CONTEXT_DIR"
#define PARMA_SECURITY_CONTEXT_STATE "security-context" /* under <state_dir>/.pinned */

/* Writes the directory above under `pinfd` (the .pinned directory) for a
   policy with allow_security_context; a no-op for any other policy. */
int parma_security_context_write (int pinfd, const struct policy *p,
                                  const struct snp_fetch_result *res, const uint8_t nonce[32],
                                  parma_error_t *err);

/* The decision for the current create/run/restore: whether the admitting
   policy asked for the security context (set by parma_enforce_create). */
void parma_security_context_decided (bool wanted);

/* After an admitting decide(): when the decision asked for it, adds the
   mount and the environment variable to b->config and re-seals b->sealed.
   Fails closed when the pinned directory is missing or the bundle already
   mounts something at or under PARMA_SECURITY_CONTEXT_DIR. */
int parma_security_context_add (const struct parma_globals *g, struct parma_bundle *b,
                                parma_error_t *err);

#endif
