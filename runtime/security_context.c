/* SPDX-License-Identifier: Apache-2.0 */
/* The security context directory: written at pinning, mounted read-only
   into admitted containers (runtime/security_context.h has the layout). */
#include "runtime/security_context.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/bundle.h"
#include "runtime/runtime.h"
#include "snp/snp.h"

#define PINNED_DIR ".pinned" /* attest.c's PIN_DIR */

static bool security_context_wanted;

void
parma_security_context_decided (bool wanted)
{
  security_context_wanted = wanted;
}

/* The chain the host served with the report (GHCB cert table: untrusted,
   parsed with bounds checks) as PEM; "" when it served none.  A relying
   party verifies the chain anyway: parma only passes it on. */
static int
chain_pem (const struct snp_fetch_result *res, char **pem, size_t *len, parma_error_t *err)
{
  if (res->cert_table == NULL || res->cert_table_len == 0)
    {
      *pem = xstrdup ("");
      *len = 0;
      return 0;
    }
  struct snp_certs *certs = snp_certs_new ();
  int r = snp_certs_add_cert_table (certs, res->cert_table, res->cert_table_len, err);
  if (r == 0)
    r = snp_certs_to_pem (certs, pem, len, err);
  snp_certs_free (certs);
  return r < 0 ? parma_error_wrap (err, "certificate chain") : 0;
}

static char *
base64 (const char *buf, size_t len)
{
  size_t out_len = (len + 2) / 3 * 4 + 1;
  char *out = xmalloc (out_len);
  EVP_EncodeBlock ((unsigned char *)out, (const unsigned char *)buf, (int)len);
  return out;
}

int
parma_security_context_write (int pinfd, const struct policy *p, const struct snp_fetch_result *res,
                              const uint8_t nonce[32], parma_error_t *err)
{
  if (!policy_switch (p, POLICY_ALLOW_SECURITY_CONTEXT))
    return 0;
  size_t clen = 0, pem_len = 0;
  const char *canon = policy_canonical (p, &clen);
  if (canon == NULL || clen > POLICY_MAX_DOCUMENT)
    return parma_error_make (err, EIO, "security context: no canonical policy");
  cleanup_free char *pem = NULL;
  if (chain_pem (res, &pem, &pem_len, err) < 0)
    return parma_error_wrap (err, "security context");
  cleanup_free char *b64 = base64 (canon, clen);
  cleanup_free char *nonce_hex = hex_encode (nonce, 32);
  /* 0755 inside a 0700 parent: nobody but root reaches it on this side;
     inside a container the bind mount makes it readable to any user. */
  cleanup_close int dfd = safe_mkdirat_p (pinfd, PARMA_SECURITY_CONTEXT_STATE, 0755, err);
  if (dfd < 0)
    return parma_error_wrap (err, "security context");
  /* mkdir's mode went through the umask: set it exactly, on the very
     directory (fchmod needs an fd that is not O_PATH). */
  cleanup_close int mfd = openat (pinfd, PARMA_SECURITY_CONTEXT_STATE,
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (mfd < 0 || fchmod (mfd, 0755) < 0)
    return parma_error_make (err, errno, "security context: chmod");
  if (write_file_atomic_at (dfd, "report.bin", res->raw, res->raw_len, 0644, err) < 0
      || write_file_atomic_at (dfd, "boot-nonce", nonce_hex, 64, 0644, err) < 0
      || write_file_atomic_at (dfd, "cert-chain.pem", pem, pem_len, 0644, err) < 0
      || write_file_atomic_at (dfd, "policy.json", canon, clen, 0644, err) < 0
      || write_file_atomic_at (dfd, "security-policy-base64", b64, strlen (b64), 0644, err) < 0)
    return parma_error_wrap (err, "security context");
  return 0;
}

/* Whether `path`, read lexically as runc's SecureJoin reads a path that
   meets no symlink ("//", "/./", "x/..", a trailing "/"), is the security
   context directory or a path under it. */
static bool
at_or_under_context (const char *path)
{
  cleanup_free char *norm = xmalloc (strlen (path) + 2);
  size_t n = 0;
  for (const char *p = path; *p;)
    {
      while (*p == '/')
        p++;
      size_t len = strcspn (p, "/");
      if (len == 0 || (len == 1 && p[0] == '.'))
        ;
      else if (len == 2 && p[0] == '.' && p[1] == '.')
        {
          while (n > 0 && norm[n - 1] != '/')
            n--;
          if (n > 0)
            n--; /* the '/' before the dropped component; "/.." is "/" */
        }
      else
        {
          norm[n++] = '/';
          memcpy (norm + n, p, len);
          n += len;
        }
      p += len;
    }
  norm[n] = '\0';
  size_t d = strlen (PARMA_SECURITY_CONTEXT_DIR);
  return strncmp (norm, PARMA_SECURITY_CONTEXT_DIR, d) == 0 && (norm[d] == '\0' || norm[d] == '/');
}

/* A bundle mount at or under the directory would be covered by ours or
   would cover a file of ours: either way not what the policy admitted.
   linux.maskedPaths are applied by runc after every mount (/dev/null or an
   empty read-only tmpfs over the path), and the matcher lets the host add
   masks: one at or under the directory would blank parma's files. */
static int
check_destination_free (const struct oci_config *c, parma_error_t *err)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const char *d = c->mounts[i].destination;
      if (d != NULL && at_or_under_context (d))
        return parma_error_make (err, EEXIST,
                                 "security context: mounts[%zu] already uses `%s`, where the "
                                 "security context goes",
                                 i, c->mounts[i].destination);
    }
  char **masked = c->linux_ ? c->linux_->masked_paths : NULL;
  for (size_t i = 0; masked && masked[i]; i++)
    if (at_or_under_context (masked[i]))
      return parma_error_make (err, EEXIST,
                               "security context: linux.maskedPaths[%zu] `%s` covers `%s`", i,
                               masked[i], PARMA_SECURITY_CONTEXT_DIR);
  return 0;
}

static void
set_env (struct oci_process *proc, const char *value)
{
  size_t n = strlen (PARMA_SECURITY_CONTEXT_ENV), count = 0;
  for (char **e = proc->env; e && *e; e++)
    count++;
  /* The host's value of the name, if any, is replaced: only parma's is true. */
  for (size_t i = 0; i < count; i++)
    if (strncmp (proc->env[i], PARMA_SECURITY_CONTEXT_ENV, n) == 0 && proc->env[i][n] == '=')
      {
        free (proc->env[i]);
        proc->env[i] = xasprintf ("%s=%s", PARMA_SECURITY_CONTEXT_ENV, value);
        return;
      }
  proc->env = xreallocarray (proc->env, count + 2, sizeof *proc->env);
  proc->env[count] = xasprintf ("%s=%s", PARMA_SECURITY_CONTEXT_ENV, value);
  proc->env[count + 1] = NULL;
}

int
parma_security_context_add (const struct parma_globals *g, struct parma_bundle *b,
                            parma_error_t *err)
{
  bool wanted = security_context_wanted;
  security_context_wanted = false;
  if (!wanted)
    return 0;
  struct oci_config *c = b->config;
  if (check_destination_free (c, err) < 0)
    return -1;
  cleanup_free char *src
      = xasprintf ("%s/%s/%s", g->config->state_dir, PINNED_DIR, PARMA_SECURITY_CONTEXT_STATE);
  cleanup_close int sfd = open (src, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sfd < 0)
    return parma_error_make (err, errno, "security context `%s`", src);
  c->mounts = xreallocarray (c->mounts, c->n_mounts + 1, sizeof *c->mounts);
  struct oci_mount *m = &c->mounts[c->n_mounts++];
  *m = (struct oci_mount){ 0 };
  m->destination = xstrdup (PARMA_SECURITY_CONTEXT_DIR);
  m->type = xstrdup ("bind");
  m->source = steal_pointer (&src);
  static const char *const opts[] = { "bind", "ro", "nosuid", "nodev", "noexec" };
  size_t n_opts = sizeof opts / sizeof opts[0];
  m->options = xcalloc (n_opts + 1, sizeof *m->options);
  for (size_t i = 0; i < n_opts; i++)
    m->options[i] = xstrdup (opts[i]);
  if (c->process)
    set_env (c->process, PARMA_SECURITY_CONTEXT_DIR);
  free (b->sealed);
  b->sealed = NULL;
  if (oci_config_write (c, &b->sealed, &b->sealed_len, err) < 0)
    return parma_error_wrap (err, "seal the security context mount");
  return 0;
}
