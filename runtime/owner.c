/* SPDX-License-Identifier: Apache-2.0 */
/* Owner tokens in the guest: finding and stripping the relayed token, and
   accepting it once (layout and rules in owner.h and parma-runc(8)).

   The order of the checks is the order of cheapness and of what the host
   controls: the token's form and signature (owner key pinned by the
   attested policy), then what it names (operation, container, process or
   signal or fragment), this boot, the clock, and last -- under the lock --
   the challenge, which is consumed only when everything else passed.  A
   denied token therefore leaves its challenge usable, and an accepted one
   can never be accepted again. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

#define TOKEN_PREFIX PARMA_OWNER_TOKEN_ENV "="
#define PIN_DIR ".pinned" /* attest.c's layout (enforce.h) */

/* ---- relay: find and strip ---- */

int
parma_owner_take_env (char **env, char **token, parma_error_t *err)
{
  size_t w = 0;
  for (size_t r = 0; env && env[r]; r++)
    {
      if (strncmp (env[r], TOKEN_PREFIX, strlen (TOKEN_PREFIX)) != 0)
        {
          env[w++] = env[r];
          continue;
        }
      if (*token)
        {
          for (size_t k = r; env[k]; k++)
            env[w++] = env[k];
          env[w] = NULL;
          return parma_error_make (err, 0, "owner: more than one %s in the process environment",
                                   PARMA_OWNER_TOKEN_ENV);
        }
      *token = xstrdup (env[r] + strlen (TOKEN_PREFIX));
      free (env[r]);
    }
  if (env)
    env[w] = NULL;
  return 0;
}

int
parma_owner_take_env_flags (struct cli_strings *env, char **token, parma_error_t *err)
{
  size_t w = 0;
  for (size_t r = 0; r < env->n; r++)
    {
      if (strncmp (env->v[r], TOKEN_PREFIX, strlen (TOKEN_PREFIX)) != 0)
        {
          env->v[w++] = env->v[r];
          continue;
        }
      if (*token)
        return parma_error_make (err, 0, "owner: more than one %s in the exec environment",
                                 PARMA_OWNER_TOKEN_ENV);
      *token = xstrdup (env->v[r] + strlen (TOKEN_PREFIX));
    }
  env->n = w;
  return 0;
}

/* Taken out of the environment before main() runs, whatever the verb: the
   delegate is exec'd with `environ`, and no path through parma-runc (an
   open-door policy that never looks at it, exec, a failure) may hand the
   token on to runc or crun. */
static char *call_token;

__attribute__ ((constructor)) static void
take_call_token_at_start (void)
{
  const char *v = getenv (PARMA_OWNER_TOKEN_ENV);
  if (v)
    call_token = xstrdup (v);
  unsetenv (PARMA_OWNER_TOKEN_ENV);
}

bool
parma_owner_has_call_token (void)
{
  return call_token != NULL;
}

char *
parma_owner_take_call_token (void)
{
  char *token = call_token;
  call_token = NULL;
  return token;
}

/* ---- trusted state ---- */

int
parma_owner_lock (const struct parma_globals *g, int *lock_fd, parma_error_t *err)
{
  cleanup_close int sfd = parma_state_dir_open (g->config->state_dir, err);
  if (sfd < 0)
    return -1;
  cleanup_close int ofd = safe_mkdirat_p (sfd, PARMA_OWNER_DIR, 0700, err);
  if (ofd < 0)
    return parma_error_wrap (err, "owner state");
  cleanup_close int cfd = safe_mkdirat_p (ofd, "challenges", 0700, err);
  cleanup_close int ufd = cfd < 0 ? -1 : safe_mkdirat_p (ofd, "used", 0700, err);
  if (ufd < 0)
    return parma_error_wrap (err, "owner state");
  cleanup_close int lfd
      = openat (ofd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lfd < 0)
    return parma_error_make (err, errno, "owner lock");
  while (flock (lfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return parma_error_make (err, errno, "owner lock");
  *lock_fd = lfd;
  lfd = -1;
  int r = ofd;
  ofd = -1;
  return r;
}

int
parma_owner_audit (const struct parma_globals *g, const char *verb, const char *id,
                   const char *decision, const char *key, const char *detail, parma_error_t *err)
{
  cleanup_free char *now = parma_time_rfc3339 ();
  json_t *j = json_pack ("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s}", "time", now, "verb", verb, "id",
                         id, "decision", decision, "owner_key", key, "reason", detail, "mode",
                         g->config->mode == PARMA_MODE_AUDIT ? "audit" : "enforce");
  cleanup_free char *line = j ? json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref (j);
  if (line == NULL)
    return parma_error_make (err, EINVAL, "audit record: not valid UTF-8");
  cleanup_free char *text = xasprintf ("%s\n", line);
  cleanup_close int fd
      = open (g->config->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return parma_error_make (err, errno, "audit log `%s`", g->config->audit_log);
  /* one write(2): O_APPEND keeps concurrent lines whole */
  if (write_all_fd (fd, text, strlen (text), err) < 0)
    return parma_error_wrap (err, "audit log `%s`", g->config->audit_log);
  return 0;
}

/* The pinned policy's owner_keys and this boot's nonce.  policy.json is
   checked against policy.sha256 (= HOST_DATA) before a key is trusted. */
int
parma_owner_pinned (const struct parma_globals *g, struct policy_owner_keys **keys,
                   uint8_t boot[32], parma_error_t *err)
{
  cleanup_close int sfd = parma_state_dir_open (g->config->state_dir, err);
  if (sfd < 0)
    return -1;
  cleanup_close int pfd = openat (sfd, PIN_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (pfd < 0)
    return parma_error_make (err, 0, "owner: no policy is pinned in this boot");
  cleanup_free char *hex = NULL, *canon = NULL, *att = NULL;
  size_t hlen = 0, clen = 0, alen = 0;
  if (read_file_at (pfd, "policy.sha256", 128, &hex, &hlen, err) < 0
      || read_file_at (pfd, "policy.json", POLICY_MAX_DOCUMENT, &canon, &clen, err) < 0
      || read_file_at (pfd, "attest.json", 1u << 16, &att, &alen, err) < 0)
    return parma_error_wrap (err, "owner: pinned policy");
  cleanup_free char *actual = parma_sha256_hex (canon, clen);
  if (hlen != 64 || CRYPTO_memcmp (actual, hex, 64) != 0)
    return parma_error_make (err, EIO, "owner: pinned policy.json does not match its hash");
  json_error_t jerr;
  json_t *a = json_loadb (att, alen, JSON_REJECT_DUPLICATES, &jerr);
  const char *nonce = a ? json_string_value (json_object_get (a, "boot_nonce")) : NULL;
  cleanup_free uint8_t *nb = NULL;
  size_t nlen = 0;
  int r = nonce && hex_decode (nonce, &nb, &nlen, err) == 0 && nlen == 32 ? 0 : -1;
  json_decref (a);
  if (r < 0)
    {
      parma_error_release (err);
      return parma_error_make (err, EIO, "owner: pinned attest.json has no boot_nonce");
    }
  memcpy (boot, nb, 32);
  if (policy_owner_keys_from_canonical (canon, clen, keys, err) < 0)
    return parma_error_wrap (err, "owner: pinned policy");
  if (policy_owner_keys_count (*keys) == 0)
    {
      policy_owner_keys_freep (keys);
      return parma_error_make (err, 0, "owner: the policy has no owner_keys");
    }
  return 0;
}

int
parma_owner_instance (const struct parma_globals *g, const char *id, uint8_t instance[32],
                      char **entry, parma_error_t *err)
{
  struct parma_state st;
  if (parma_state_open (g, id, STATE_LOOKUP, &st, err) < 0)
    return -1;
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int r = 0;
  const char *colon = st.policy_entry ? strchr (st.policy_entry, ':') : NULL;
  if (!st.admitted || st.id_fd < 0)
    r = parma_error_make (err, 0, "owner: parma-runc never admitted container `%s`", id);
  else if (read_file_at (st.id_fd, "admission.json", 1u << 20, &buf, &len, err) < 0)
    r = parma_error_wrap (err, "owner: admission record of `%s`", id);
  else
    {
      parma_sha256 (buf, len, instance);
      *entry = xstrdup (colon ? colon + 1 : st.policy_entry ? st.policy_entry : "");
    }
  parma_state_close (&st);
  return r;
}

/* ---- accepting a token ---- */

static int
check_target (const struct policy_owner_token *tok, const struct parma_owner_target *t,
              parma_error_t *err)
{
  if (tok->op != t->op)
    return parma_error_make (err, 0, "owner: token authorizes %s, not %s",
                             policy_owner_op_name (tok->op), policy_owner_op_name (t->op));
  if (t->container && strcmp (tok->container, t->container) != 0)
    return parma_error_make (err, 0, "owner: token is for container `%s`, not `%s`",
                             tok->container, t->container);
  switch (t->op)
    {
    case POLICY_OWNER_EXEC:
      if (CRYPTO_memcmp (tok->digest, t->digest, 32) != 0)
        return parma_error_make (err, 0, "owner: the process differs from the one the owner "
                                         "signed (process_sha256)");
      break;
    case POLICY_OWNER_FRAGMENT:
      if (CRYPTO_memcmp (tok->digest, t->digest, 32) != 0)
        return parma_error_make (err, 0, "owner: the fragment differs from the one the owner "
                                         "signed (fragment_sha256)");
      break;
    case POLICY_OWNER_SIGNAL:
      if (tok->signal != t->signal || tok->all != t->all)
        return parma_error_make (err, 0, "owner: token is for signal %d%s, not %d%s", tok->signal,
                                 tok->all ? " --all" : "", t->signal, t->all ? " --all" : "");
      break;
    case POLICY_OWNER_CHECKPOINT:
    case POLICY_OWNER_N_OPS:
      break;
    }
  return 0;
}

/* A challenge issued for a container is spent only on that container as
   it was admitted then: the host may delete it and create another under
   the same id, but not with the same admission record (`instance`).  A
   fragment, which names no container, takes an unbound challenge. */
static int
check_binding (const struct parma_globals *g, json_t *rec, const struct parma_owner_target *t,
               const char *hex, parma_error_t *err)
{
  const char *container = json_string_value (json_object_get (rec, "container"));
  const char *want = json_string_value (json_object_get (rec, "instance"));
  if (t->container == NULL)
    return container == NULL ? 0
                             : parma_error_make (err, 0, "owner: challenge %.16s... was issued for "
                                                         "container `%s`, not for a fragment",
                                                 hex, container);
  if (container == NULL)
    return parma_error_make (err, 0, "owner: challenge %.16s... is not bound to a container "
                                     "(issue it with `owner-challenge %s`)",
                             hex, t->container);
  if (strcmp (container, t->container) != 0)
    return parma_error_make (err, 0, "owner: challenge %.16s... was issued for container `%s`, "
                                     "not `%s`",
                             hex, container, t->container);
  uint8_t now[32];
  cleanup_free char *entry = NULL;
  if (parma_owner_instance (g, t->container, now, &entry, err) < 0)
    return -1;
  cleanup_free char *now_hex = hex_encode (now, 32);
  if (want == NULL || strlen (want) != 64 || CRYPTO_memcmp (want, now_hex, 64) != 0)
    return parma_error_make (err, 0, "owner: container %s is not the instance the challenge was "
                                     "issued for (re-created since)",
                             t->container);
  return 0;
}

/* Under the lock: the challenge must be outstanding, of this boot, young
   enough and (check_binding) for this container instance; then it moves
   to used/ (one rename, never twice). */
static int
consume_challenge (const struct parma_globals *g, int ofd, const struct policy_owner_token *tok,
                   const struct parma_owner_target *t, const uint8_t boot[32], const char *what,
                   parma_error_t *err)
{
  cleanup_free char *hex = hex_encode (tok->challenge, 32);
  cleanup_free char *name = xasprintf ("challenges/%s.json", hex);
  cleanup_free char *used = xasprintf ("used/%s", hex);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  cleanup_close int fd = openat (ofd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    {
      struct stat sb;
      if (fstatat (ofd, used, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        return parma_error_make (err, 0, "owner: challenge %.16s... was already used (replay)",
                                 hex);
      return parma_error_make (err, 0, "owner: challenge %.16s... was never issued by this guest",
                               hex);
    }
  if (fd < 0 || read_all_fd (fd, 4096, &buf, &len, err) < 0)
    return err && *err ? -1 : parma_error_make (err, errno, "owner: challenge record");
  json_error_t jerr;
  json_t *rec = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
  const char *rboot = rec ? json_string_value (json_object_get (rec, "boot")) : NULL;
  json_int_t issued = rec ? json_integer_value (json_object_get (rec, "issued")) : 0;
  cleanup_free char *bhex = hex_encode (boot, 32);
  bool same_boot = rboot && strlen (rboot) == 64 && CRYPTO_memcmp (rboot, bhex, 64) == 0;
  int r = 0;
  if (!same_boot)
    r = parma_error_make (err, 0, "owner: challenge %.16s... is from another boot", hex);
  else if ((int64_t) time (NULL) > (int64_t) issued + PARMA_OWNER_CHALLENGE_TTL)
    r = parma_error_make (err, 0, "owner: challenge %.16s... expired (unused for more than %d s)",
                          hex, PARMA_OWNER_CHALLENGE_TTL);
  else
    r = check_binding (g, rec, t, hex, err);
  json_decref (rec);
  if (r < 0)
    return -1;
  if (renameat2 (ofd, name, ofd, used, RENAME_NOREPLACE) < 0)
    return parma_error_make (err, errno, "owner: consuming challenge %.16s...", hex);
  /* What the challenge was spent on, for people (the rename is the fact). */
  cleanup_close int ufd = openat (ofd, used, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  if (ufd >= 0)
    write_all_fd (ufd, what, strlen (what), NULL);
  return 0;
}

static char *
describe (const char *verb, const struct policy_owner_token *tok)
{
  cleanup_free char *ch = hex_encode (tok->challenge, 32);
  cleanup_free char *dg = hex_encode (tok->digest, 32);
  switch (tok->op)
    {
    case POLICY_OWNER_EXEC:
      return xasprintf ("owner-signed exec (challenge %s, process_sha256 %s)", ch, dg);
    case POLICY_OWNER_FRAGMENT:
      return xasprintf ("owner-signed fragment (challenge %s, fragment_sha256 %s)", ch, dg);
    case POLICY_OWNER_SIGNAL:
      return xasprintf ("owner-signed signal %d%s (challenge %s)", tok->signal,
                        tok->all ? " --all" : "", ch);
    case POLICY_OWNER_CHECKPOINT:
    case POLICY_OWNER_N_OPS:
      break;
    }
  return xasprintf ("owner-signed %s (challenge %s)", verb, ch);
}

int
parma_owner_authorize (const struct parma_globals *g, const char *verb, const char *token,
                       const struct parma_owner_target *t, int locked_owner_fd,
                       parma_error_t *err)
{
  cleanup_owner_keys struct policy_owner_keys *keys = NULL;
  uint8_t boot[32];
  if (parma_owner_pinned (g, &keys, boot, err) < 0)
    return -1;
  struct policy_owner_token tok = { 0 };
  if (policy_owner_token_verify (keys, token, &tok, err) < 0)
    {
      (*err)->status = 0; /* a bad token is a denial, whatever its kind */
      return -1;
    }
  int r = check_target (&tok, t, err);
  if (r == 0 && CRYPTO_memcmp (tok.boot, boot, 32) != 0)
    r = parma_error_make (err, 0, "owner: challenge is from another boot");
  if (r == 0 && (int64_t) time (NULL) > tok.expires)
    r = parma_error_make (err, 0, "owner: token expired %lld s ago",
                          (long long) ((int64_t) time (NULL) - tok.expires));
  cleanup_free char *what = r == 0 ? describe (verb, &tok) : NULL;
  if (r == 0)
    {
      cleanup_close int lock_fd = -1;
      cleanup_close int own_fd = -1;
      int ofd = locked_owner_fd;
      if (ofd < 0)
        ofd = own_fd = parma_owner_lock (g, &lock_fd, err);
      r = ofd < 0 ? -1 : consume_challenge (g, ofd, &tok, t, boot, what, err);
      /* Logged before the delegate runs; a decision that cannot be
         logged is not taken. */
      if (r == 0)
        r = parma_owner_audit (g, verb, t->container, "owner-authorized", tok.key_id, what, err);
    }
  policy_owner_token_release (&tok);
  return r;
}
