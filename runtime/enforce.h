/* SPDX-License-Identifier: Apache-2.0 */
/* Policy enforcement behind decide(): the pinned policy (attest.c) and the
   per-verb rules (enforce_*.c).

   Pinned state, once per boot, in <state_dir>/.pinned/ (mode 0700):
     policy.json     canonical policy bytes
     policy.img      policy_image_build() output, loaded by every later call
     attest.json     {"backend", "simulated", "report" (hex), "boot_nonce"}
     security-context/  with allow_security_context only (security_context.h)
     policy.sha256   hex SHA-256 of policy.json == HOST_DATA; written last,
                     so its presence means the rest is complete
   Pinning serializes on <state_dir>/policy.lock. */
#ifndef PARMA_RUNTIME_ENFORCE_H
#define PARMA_RUNTIME_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "snp/snp.h"

struct parma_globals;
struct parma_request;
struct policy;

#define PARMA_POLICY_ANNOTATION "io.parma.policy"

struct parma_pinned
{
  struct policy *policy; /* from the image: entries read on demand */
  char sha256_hex[65];
  bool simulated; /* attestation came from the simulator */
  bool fresh;     /* pinned by this call */
};
void parma_pinned_release (struct parma_pinned *p);

/* The configured attestation backend as an snp_source (the simulator's
   directory and host data are owned by it): the one place that maps
   attestation.* to a report source, for pinning and owner challenges. */
struct parma_config;
struct parma_attestation_source
{
  struct snp_source src;
  char *sim_dir;
  uint8_t *sim_host_data;
};
int parma_attestation_source (const struct parma_config *c, bool want_certs,
                              struct parma_attestation_source *out, parma_error_t *err);
void parma_attestation_source_release (struct parma_attestation_source *s);

/* Loads the pinned policy, or pins one (configured path, or for create/run
   the io.parma.policy annotation) after checking its SHA-256 against
   HOST_DATA.  Returns 1 when there is no policy at all (nothing configured
   or delivered; *err says which HOST_DATA was expected), 0 when pinned, < 0
   (a denial-style error) when a policy mismatches or pinning fails. */
int parma_policy_pin (struct parma_globals *g, const struct parma_request *req,
                      struct parma_pinned *out, parma_error_t *err);

/* The per-verb rules: 0 allow; < 0 with *err "<rule>: <why>" (status 0 for
   a denial).  *entry receives "<index>:<name>" of the matched container
   for create/run/restore (caller frees). */
int parma_enforce_create (struct parma_globals *g, const struct parma_request *req,
                          struct policy *p, char **entry, parma_error_t *err);
int parma_enforce_exec (struct parma_globals *g, const struct parma_request *req, struct policy *p,
                        size_t index, parma_error_t *err);
int parma_enforce_verb (struct parma_globals *g, const struct parma_request *req, struct policy *p,
                        parma_error_t *err);

/* After an admitted create/run/restore whose entry pins layers: root.path
   in b's config (and b's sealed copy) becomes the verified rootfs's
   private mount (enforce_create.c); a no-op otherwise. */
struct parma_bundle;
int parma_verified_rootfs_apply (struct parma_bundle *b, parma_error_t *err);

/* Parses the admission record's policy_entry "<index>:<name>". */
int parma_entry_index (const char *entry, size_t *index);

/* The entry decide() matched for the current create/run/restore, which
   parma_state_admit records ("<index>:<name>"); NULL otherwise. */
const char *parma_decided_entry (void);

#endif
