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
   close-on-exec, so the lock ends at execve). */
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
};

enum parma_state_mode
{
  STATE_LOOKUP, /* read the admission record if there is one; create nothing */
  STATE_LOCK,   /* create the directories up to <id>.lock and lock it */
  STATE_CREATE, /* STATE_LOCK, and make <id>/ (create, run, restore, sealing) */
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
/* Removes <id>/ and everything in it (delete). */
int parma_state_remove (struct parma_state *st, parma_error_t *err);

/* sha256 hex of a buffer; caller frees. */
char *parma_sha256_hex (const void *buf, size_t len);
/* RFC 3339 UTC time, seconds precision ("2026-11-23T10:20:17Z"). */
char *parma_time_rfc3339 (void);

/* Opens (creating it 0700) the configured state directory; refuses one not
   owned by root or writable by group or others. */
int parma_state_dir_open (const char *dir, parma_error_t *err);

#endif
