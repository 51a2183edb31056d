/* SPDX-License-Identifier: Apache-2.0 */
/* The owner control channel in the guest (parma-runc(8) OWNER CONTROL
   CHANNEL): challenges issued into trusted state, owner tokens relayed by
   the host and accepted once.

   Trusted state, <state_dir>/.owner/ (mode 0700, root-only tmpfs):
     lock                      flock'ed while a challenge is issued or consumed
     challenges/<hex>.json     an outstanding challenge {"boot", "issued"},
                               plus {"container", "instance", "policy_entry"}
                               when issued for one container (exec,
                               signal, checkpoint need that; a fragment
                               needs a challenge without)
     used/<hex>                a consumed challenge (what it authorized)
     fragments/<seq>-<sha>.json  owner fragments loaded this boot, in order;
                               .pinned/policy.img is rebuilt from
                               .pinned/policy.json plus these
   A challenge moves from challenges/ to used/ with one rename
   (RENAME_NOREPLACE) under the lock, before the delegate runs: a token is
   accepted at most once, and a replay is told apart from a challenge
   this guest never issued. */
#ifndef PARMA_RUNTIME_OWNER_H
#define PARMA_RUNTIME_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "policy/policy.h"

struct parma_globals;
struct parma_command;
struct cli_strings;

#define PARMA_OWNER_TOKEN_ENV "PARMA_OWNER_TOKEN"
#define PARMA_OWNER_DIR ".owner"
#define PARMA_OWNER_CHALLENGE_TTL 900 /* seconds a challenge may stay unused */
#define PARMA_OWNER_MAX_OUTSTANDING 64

/* Removes every PARMA_OWNER_TOKEN=... entry from a NULL-terminated,
   malloc'd env vector (exec --process) and hands back the value (owned;
   NULL when none).  Two tokens: EINVAL. */
int parma_owner_take_env (char **env, char **token, parma_error_t *err);
/* The same for exec's --env flags (pointers into argv). */
int parma_owner_take_env_flags (struct cli_strings *env, char **token, parma_error_t *err);
/* The call's own PARMA_OWNER_TOKEN (kill, checkpoint, owner-fragment),
   which a constructor removed from the environment before main() (so no
   delegate ever sees it); NULL when unset or already taken.  Caller
   frees. */
char *parma_owner_take_call_token (void);
/* True while a call token is waiting: such a call holds the id's lock from
   the instance check until runc runs, so a delete and re-create of the id
   cannot slip in between. */
bool parma_owner_has_call_token (void);

/* What the token must name. */
struct parma_owner_target
{
  enum policy_owner_op op;
  const char *container;  /* NULL for fragment */
  const uint8_t *digest;  /* exec: process sha256; fragment: file sha256 */
  int signal;             /* signal */
  bool all;               /* signal: --all */
};

/* Verifies `token` against the pinned policy's owner_keys, this boot, the
   clock and `t`, then consumes its challenge.  0: authorized (audited
   with the key id); < 0: a denial "owner: <why>" (status 0) or an error.
   `locked_owner_fd`: an O_PATH fd of .owner whose lock the caller holds,
   or -1 (then the lock is taken here). */
int parma_owner_authorize (const struct parma_globals *g, const char *verb, const char *token,
                           const struct parma_owner_target *t, int locked_owner_fd,
                           parma_error_t *err);

/* Opens (creating) <state_dir>/.owner and takes its lock: *lock_fd is the
   flock'ed fd (closing it unlocks); returns the O_PATH dir fd. */
int parma_owner_lock (const struct parma_globals *g, int *lock_fd, parma_error_t *err);
/* The pinned policy's owner_keys (policy.json checked against its hash)
   and this boot's nonce (attest.json).  A policy without owner_keys: a
   denial "owner: the policy has no owner_keys". */
int parma_owner_pinned (const struct parma_globals *g, struct policy_owner_keys **keys,
                        uint8_t boot[32], parma_error_t *err);
/* The admission identity of container `id` under g->root: `instance` =
   SHA-256 of its admission record (written anew by every create, run and
   restore, with a fresh sealed-bundle nonce), *entry = the policy entry
   name it was admitted as (owned).  Not admitted: a denial (status 0). */
int parma_owner_instance (const struct parma_globals *g, const char *id, uint8_t instance[32],
                          char **entry, parma_error_t *err);
/* Appends an owner line to the audit log (fail closed: < 0 if it cannot). */
int parma_owner_audit (const struct parma_globals *g, const char *verb, const char *id,
                       const char *decision, const char *key, const char *detail,
                       parma_error_t *err);

/* The parma-only verbs (owner_verbs.c), found by name but not listed in
   runc's help layout. */
const struct parma_command *parma_owner_find_command (const char *name);

#endif
