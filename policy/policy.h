/* SPDX-License-Identifier: Apache-2.0 */
/* The execution policy: loading (authoring or canonical JSON), its
   canonical form and SHA-256, signed fragments, a compiled-policy cache
   image, and the matcher that decides OCI requests against it.

   The format is documented in parma-policy(5).  The library parses no argv,
   prints nothing and never exits; the matcher functions are pure (no I/O,
   clock or globals), though they memoize decoded container entries inside
   the struct policy they are given (so a policy is not shared between
   threads without a lock).

   Denials are errors (STYLE §2): the match functions return < 0 with
   status 0 and msg "<rule>: <why>" for the first failed rule, and fill a
   verdict that lists every failed rule of the closest container.

   How the runtime uses it:
     once per boot (pinning): policy_load(bytes) -> compare policy_sha256()
       with HOST_DATA -> policy_add_fragment()... -> policy_image_build() ->
       write it atomically into the state dir;
     every call: policy_image_load(state dir, expected sha256) ->
       create: policy_seccomp_digest() (if linux.seccomp) ->
               policy_prefetch_create() -> policy_match_create(), record
               verdict.container_index in the container's trusted state;
       exec:   policy_prefetch_container(index) -> policy_match_exec();
       kill:   policy_prefetch_container(index) -> policy_check_signal();
       other verbs: policy_switch(). */
#ifndef PARMA_POLICY_POLICY_H
#define PARMA_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct oci_config;
struct oci_process;
struct policy;
struct policy_container;
struct policy_context;

#define POLICY_SHA256_LEN 32
#define POLICY_MAX_DOCUMENT (16u << 20) /* authoring or canonical policy */
#define POLICY_NO_CONTAINER ((size_t) -1)

/* ---- loading, canonical form, hash ---- */

/* Parses an authoring or canonical policy, validates every field (errors
   are "<json path>: <rule>", EINVAL), normalizes it and compiles it. */
int policy_load (const char *buf, size_t len, struct policy **out, parma_error_t *err);
void policy_free (struct policy *p);
void policy_freep (struct policy **p);
#define cleanup_policy __attribute__ ((cleanup (policy_freep)))

/* The canonical bytes (compact JSON, sorted keys, every default explicit)
   and their SHA-256: what HOST_DATA binds.  Fragments never change them.
   NULL for a policy from policy_image_load. */
const char *policy_canonical (const struct policy *p, size_t *len);
const uint8_t *policy_sha256 (const struct policy *p);

/* Verifies a fragment (JSON {issuer, feed, svn, containers}) and its
   detached signature against the issuers pinned in the policy's
   `fragments`, then appends its containers.  EPERM on a bad signature,
   unknown issuer/feed or an SVN below minimum_svn. */
int policy_add_fragment (struct policy *p, const char *doc, size_t doc_len, const uint8_t *sig,
                         size_t sig_len, parma_error_t *err);

/* ---- global switches ---- */
enum policy_switch
{
  POLICY_ALLOW_PROPERTIES_ACCESS,
  POLICY_ALLOW_DUMP_STACKS,
  POLICY_ALLOW_UNENCRYPTED_SCRATCH,
  POLICY_ALLOW_ENVIRONMENT_VARIABLE_DROPPING,
  POLICY_ALLOW_CAPABILITY_DROPPING,
  POLICY_ALLOW_CHECKPOINT,
  POLICY_ALLOW_UPDATE,
  POLICY_ALLOW_UNKNOWN_OCI_FIELDS,
  POLICY_ALLOW_SECURITY_CONTEXT,
  POLICY_OPEN_DOOR, /* allow everything: debugging only; warn per call */
  POLICY_N_SWITCHES
};
bool policy_switch (const struct policy *p, enum policy_switch s);
const char *policy_switch_name (enum policy_switch s);
size_t policy_n_containers (const struct policy *p);

/* ---- compiled-policy cache image ----
   A flat file written once when the policy is pinned (state dir, root-only
   tmpfs) and mapped by every later call: header + sorted indexes + the
   canonical bytes + one binary record per container (SHA-256 checked when
   first decoded; decoding copies nothing).  The header is SHA-256 checked
   and the tables checksummed at open (see image.c).  */
int policy_image_build (struct policy *p, char **out, size_t *len, parma_error_t *err);
/* `buf` must stay valid (mapped) while the returned policy lives.  When
   `expect_sha256` is not NULL the image must be of that policy (EFAULT). */
int policy_image_open (const void *buf, size_t len, const uint8_t *expect_sha256,
                       struct policy **out, parma_error_t *err);
/* What parma-runc calls on every invocation: reads the header and index of
   image `name` below dirfd (pread, ~100 bytes per container; the fd stays
   open, O_CLOEXEC, until policy_free).  Entries are then read on demand by
   the prefetch functions below, never by the matcher (which does no I/O):
   a match that needs an entry not prefetched fails closed (EIO).
   policy_canonical() returns NULL for such a policy. */
int policy_image_load (int dirfd, const char *name, const uint8_t *expect_sha256,
                       struct policy **out, parma_error_t *err);
/* Reads the entries policy_match_create may look at for this request (no-op
   for a policy in memory). */
int policy_prefetch_create (struct policy *p, const struct oci_config *cfg,
                            const struct policy_context *ctx, parma_error_t *err);
/* Root hashes (base first, lowercase hex) the entry `index` pins; *n = 0
   when the entry accepts any root filesystem.  The vector is owned by the
   policy. */
int policy_container_layers (struct policy *p, size_t index, char *const **layers, size_t *n,
                             parma_error_t *err);

/* The 4096-byte data block count the policy records for layer root
   `root_hex` (an element {"root_hash", "data_blocks"} of any entry's
   `layers`); *blocks = 0 when none records one.  A root has at most one
   count (policy_load refuses two).  Reads every entry (prefetch included),
   as the device-mount rule does. */
int policy_layer_data_blocks (struct policy *p, const char *root_hex, uint64_t *blocks,
                              parma_error_t *err);

/* Reads entry `index` (for exec, kill, ... on an admitted container). */
int policy_prefetch_container (struct policy *p, size_t index, parma_error_t *err);

/* ---- matcher ---- */

/* Trusted values the runtime supplies.  Placeholders in commands
   ($(sandbox-name) ...) are filled from these; NULL = unknown, and a
   command using an unknown placeholder does not match. */
struct policy_context
{
  const char *container_id;
  const char *sandbox_name;
  const char *sandbox_namespace;
  const char *sandbox_id;
  const char *sandbox_uid;
  /* Pod facts the runtime verified for a CRI workload container (and, for
     the dirs, its sandbox): the pid of the pod sandbox's init process,
     whose /proc/<pid>/ns/ files a "TYPE:$(sandbox-ns)" namespace names, and
     the pod's sandbox directories, under which a "sandbox:///F" mount
     source lies (policy/cri.h).  NULL / 0: none (such rules do not match). */
  const char *sandbox_pid;
  const char *const *sandbox_dirs;
  size_t n_sandbox_dirs;
  /* Root hashes of the rootfs layers, base first, lowercase hex; NULL when
     not known (offline check): the layer rule is then reported unchecked. */
  const char *const *layers;
  size_t n_layers;
  /* policy_seccomp_digest() of the request's linux.seccomp, computed by the
     caller (it needs a memfd, and the matcher does no I/O); a request with a
     seccomp object and no digest here is denied. */
  const char *seccomp_sha256;
};

#define POLICY_MAX_FAILURES 32

struct policy_failure
{
  const char *rule; /* "env_rules", "command", ... (static) */
  char *why;        /* human text; owned */
};

struct policy_verdict
{
  bool allowed;
  size_t container_index; /* matched, or closest on deny; POLICY_NO_CONTAINER */
  char *container_name;   /* owned */
  size_t exec_index;      /* exec_processes[] index, or POLICY_NO_CONTAINER */
  bool layers_unchecked;  /* ctx had no layers: the caller must check them */
  bool open_door;
  bool allow_stdio_access;
  size_t n_failures;
  struct policy_failure failures[POLICY_MAX_FAILURES];
  size_t n_dropped_failures; /* beyond POLICY_MAX_FAILURES */
  /* Env entries to drop (allow_environment_variable_dropping), indexes into
     the request's env; owned. */
  size_t *drop_env;
  size_t n_drop_env;
};
void policy_verdict_release (struct policy_verdict *v);

/* Decides a create/run.  On allow returns 0; on deny returns < 0 with
   *err = "<rule>: <why>" (status 0) and `out` describing the closest entry.
   Other failures (bad seccomp object, ...) also return < 0, status != 0. */
int policy_match_create (struct policy *p, const struct oci_config *cfg,
                         const struct policy_context *ctx, struct policy_verdict *out,
                         parma_error_t *err);

/* Decides an exec in the container admitted as entry `container_index`
   (the runtime keeps that index in its trusted state). */
int policy_match_exec (struct policy *p, size_t container_index, const struct oci_process *proc,
                       const struct policy_context *ctx, struct policy_verdict *out,
                       parma_error_t *err);

/* Is `signo` allowed to the init process (exec_index = POLICY_NO_CONTAINER)
   or to exec process `exec_index` of container `container_index`?  0 or a
   denial error "signals: ...". */
int policy_check_signal (struct policy *p, size_t container_index, size_t exec_index, int signo,
                         parma_error_t *err);

/* Name of container entry i (NULL if out of range or undecodable). */
const char *policy_container_name (struct policy *p, size_t i);

/* ---- helpers shared with parma-policy ---- */

/* SHA-256 (lowercase hex) of the BPF program libseccomp compiles from an
   OCI linux.seccomp object; what seccomp_profile_sha256 pins. */
int policy_seccomp_digest (const struct oci_config *cfg, char **hex_out, parma_error_t *err);

/* Lints a loaded policy: one finding per element, "<path>: <finding>".
   Returns the number of findings. */
size_t policy_lint (struct policy *p, char ***findings_out);

/* Semantic diff of two policies' canonical forms, one line per changed JSON
   path ("~ containers[0].command: [..] -> [..]", "+ ...", "- ..."). */
size_t policy_diff (const struct policy *a, const struct policy *b, char ***lines_out);

/* ---- owner control channel (owner.c; parma-policy(5) OWNER KEYS) ----
   `owner_keys` pin the workload owner's public keys and what each may
   authorize; an owner token is "B64URL(payload).B64URL(signature)" over
   "parma-owner-token-v1." B64URL(payload), strictly one spelling. */
enum policy_owner_op
{
  POLICY_OWNER_EXEC,
  POLICY_OWNER_SIGNAL,
  POLICY_OWNER_FRAGMENT,
  POLICY_OWNER_CHECKPOINT,
  POLICY_OWNER_N_OPS
};
const char *policy_owner_op_name (enum policy_owner_op op);
int policy_owner_op_parse (const char *s, enum policy_owner_op *out);

struct policy_owner_keys;
/* The owner_keys of a canonical (or authoring) policy document; an empty
   set when it has none. */
int policy_owner_keys_from_canonical (const char *canon, size_t len,
                                      struct policy_owner_keys **out, parma_error_t *err);
size_t policy_owner_keys_count (const struct policy_owner_keys *k);
void policy_owner_keys_free (struct policy_owner_keys *k);
void policy_owner_keys_freep (struct policy_owner_keys **k);
#define cleanup_owner_keys __attribute__ ((cleanup (policy_owner_keys_freep)))

struct policy_owner_token
{
  enum policy_owner_op op;
  char *key_id;        /* owned */
  char *container;     /* owned; NULL for fragment */
  uint8_t challenge[32];
  uint8_t boot[32];    /* the boot nonce of the guest that issued it */
  int64_t expires;     /* unix seconds */
  uint8_t digest[32];  /* exec: process_sha256; fragment: fragment_sha256 */
  int signal;          /* signal: 1..64 */
  bool all;            /* signal: kill --all */
};
void policy_owner_token_release (struct policy_owner_token *t);
/* Canonical payload JSON of `t` (malloc'd; NULL only on bad UTF-8). */
char *policy_owner_payload (const struct policy_owner_token *t);
/* "parma-owner-token-v1." b64 -- the bytes a signature covers. */
char *policy_owner_signed_bytes (const char *b64_payload, size_t *len);
char *policy_owner_b64url_encode (const uint8_t *buf, size_t len);
/* Strict: unpadded, alphabet only, zero trailing bits; 0 or -1. */
int policy_owner_b64url_decode (const char *s, size_t n, uint8_t **out, size_t *out_len);
/* Parses a token without checking its signature (inspect).  EINVAL,
   "owner: token: ..." for anything not exactly what the signer makes. */
int policy_owner_token_parse (const char *token, struct policy_owner_token *out,
                              parma_error_t *err);
/* Parses and verifies: the key named in the payload must be in `keys`,
   the signature valid and the key allowed that operation (EPERM).  Does
   not check the challenge, boot, expiry or target: the caller does. */
int policy_owner_token_verify (const struct policy_owner_keys *keys, const char *token,
                               struct policy_owner_token *out, parma_error_t *err);
/* The container instance a challenge is bound to (exec, signal,
   checkpoint): its id, the policy entry name it was admitted as, and
   `instance`, the SHA-256 of its admission record (new per admission). */
struct policy_owner_binding
{
  const char *container;
  const char *entry;
  uint8_t instance[32];
};
/* REPORT_DATA of an owner challenge report:
   SHA-512("parma-owner-challenge-v2" || policy_sha256 || boot || challenge
           || binding), binding = 32 zero bytes when `b` is NULL (unbound),
   else SHA-256(container || 0x00 || entry || 0x00 || instance). */
int policy_owner_report_data (const uint8_t policy_sha256[32], const uint8_t boot[32],
                              const uint8_t challenge[32], const struct policy_owner_binding *b,
                              uint8_t out[64], parma_error_t *err);
/* Appends the containers of an owner fragment {"containers": [...]} to a
   fully loaded policy (before policy_image_build); the hash is unchanged. */
int policy_owner_append_fragment (struct policy *p, const char *doc, size_t len,
                                  parma_error_t *err);

#endif
