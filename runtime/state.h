/* SPDX-License-Identifier: Apache-2.0 */
/* parma's trusted state, one directory per (root, id):

     <state_dir>/                         0700
       <root-key>/                        root-key = sha256 hex of the resolved --root
         root                             the --root path it stands for (for people)
         <id>.lock                        flock'ed by every call on <id>
         <id>/
           admission.json                 the admission record
           bundle-<nonce>/config.json     the sealed config the delegate runs (one
                                          directory per admission, never reused)
           process-<pid>.json             sealed `exec --process` documents
           resources-<pid>.json           sealed `update -r` documents

   Every write is atomic (temp + fsync + rename); calls on one id serialize
   with flock on <id>.lock, held until the delegate is exec'd (the fd is
   close-on-exec, so the lock ends at execve).

   admission.json is the commit point of a create: a call killed before it
   is written leaves no record (only, at most, an unreferenced bundle-<nonce>/),
   one killed after leaves the whole record.  The record names the process
   that wrote it (pid and start time, kept across the execve into the
   delegate), so a record stays valid while its creator runs or while the
   delegate knows the container (<root>/<id> exists).  A record with
   neither -- its create failed or was killed, or its delete ran but was
   killed before removing it -- is stale, and the next admitted create,
   run, restore or delete of the id removes it under the lock (crash recovery,
   tests/reliability/crash.sh).  Other calls leave it: they are decided on
   it as it is, and the delegate answers for a container it does not know. */
#ifndef PARMA_RUNTIME_STATE_H
#define PARMA_RUNTIME_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct parma_globals;

struct parma_state
{
  int root_fd;   /* <state_dir>/<root-key>, O_PATH */
  int lock_fd;   /* <id>.lock, flock'ed */
  int id_fd;     /* <id>/, O_PATH, -1 until created or found */
  char *id_path; /* absolute path of <id>/ */
  const char *id;
  /* from admission.json, when there is one */
  bool admitted;
  char *config_sha256;
  char *policy_entry;
  char *sealed_bundle;
  long creator_pid;                 /* 0 when the record names none */
  unsigned long long creator_start; /* its start time (/proc/<pid>/stat) */
};

enum parma_state_mode
{
  STATE_LOOKUP, /* read the admission record if there is one; create nothing */
  STATE_LOCK,   /* create the directories up to <id>.lock and lock it */
  STATE_CREATE, /* STATE_LOCK, drop a stale record, and make <id>/ */
};

/* Opens the state of `id` under g->root as `mode` says.  id_fd stays -1
   when <id>/ does not exist (and mode is not STATE_CREATE). */
int parma_state_open (const struct parma_globals *g, const char *id, enum parma_state_mode mode,
                      struct parma_state *st, parma_error_t *err);
void parma_state_close (struct parma_state *st);

/* Writes `name` in <id>/ atomically (mode 0600); *path = its absolute path. */
int parma_state_write (struct parma_state *st, const char *name, const char *buf, size_t len,
                       char **path, parma_error_t *err);
/* Writes bundle-<nonce>/config.json; *bundle = that sealed bundle directory. */
int parma_state_seal_config (struct parma_state *st, const char *buf, size_t len, char **bundle,
                             parma_error_t *err);
/* Writes admission.json for a create/run/restore that decide() admitted. */
int parma_state_admit (struct parma_state *st, const struct parma_globals *g, const char *verb,
                       const char *caller_bundle, const char *sealed_bundle, const char *config,
                       size_t config_len, parma_error_t *err);
/* Removes <id>/ and everything in it (delete): admission.json first, so
   that a kill half-way leaves no record, only leftovers the next locking
   call removes. */
int parma_state_remove (struct parma_state *st, parma_error_t *err);
/* Whether <id>/ holds a stale record, or leftovers without a record, of a
   container the delegate does not know (see above). */
bool parma_state_is_stale (const struct parma_globals *g, const struct parma_state *st);
/* Under the id's lock (after STATE_LOCK), once the call is admitted (a
   denied call changes nothing): removes <id>/ when it is stale. */
int parma_state_drop_stale (const struct parma_globals *g, struct parma_state *st,
                            parma_error_t *err);
/* Whether the delegate still knows container `id` under g->root (its
   state directory <root>/<id> exists, or cannot be checked). */
bool parma_delegate_knows (const struct parma_globals *g, const char *id);

/* sha256 hex of a buffer; caller frees. */
char *parma_sha256_hex (const void *buf, size_t len);
/* RFC 3339 UTC time, seconds precision ("2026-11-23T10:20:17Z"). */
char *parma_time_rfc3339 (void);

/* Opens (creating it 0700) the configured state directory; refuses one not
   owned by root or writable by group or others. */
int parma_state_dir_open (const char *dir, parma_error_t *err);
/* Reads parma's sealed config.json of container `id` (the copy runc was
   given, which the caller cannot have changed since admission).  Returns
   1 when `id` has no admission with a sealed bundle, 0 with *buf set. */
int parma_state_read_sealed_config (const struct parma_globals *g, const char *id, char **buf,
                                    size_t *len, parma_error_t *err);

#endif
