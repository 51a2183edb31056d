/* SPDX-License-Identifier: Apache-2.0 */
/* Policy loading and the once-per-boot HOST_DATA binding (DESIGN §2, §5).
   The first policy whose canonical SHA-256 equals HOST_DATA is pinned in
   the state directory (root-only tmpfs = encrypted guest memory); every
   later call loads the compiled image from there and never asks the secure
   processor again. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/enforce.h"
#include "runtime/runtime.h"
#include "runtime/security_context.h"
#include "runtime/state.h"
#include "snp/snp.h"

#define PIN_DIR ".pinned" /* dot: not mistaken for a --root key dir */
#define HASH_FILE "policy.sha256"
#define IMAGE_FILE "policy.img"

void
parma_pinned_release (struct parma_pinned *p)
{
  policy_free (p->policy);
  p->policy = NULL;
}

/* Loads <pin>/policy.img when policy.sha256 exists: 0 loaded, 1 none. */
static int
load_pinned (int pinfd, struct parma_pinned *out, parma_error_t *err)
{
  cleanup_free char *hex = NULL;
  size_t len = 0;
  cleanup_close int fd = openat (pinfd, HASH_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 1 : parma_error_make (err, errno, "pinned policy hash");
  if (read_all_fd (fd, 128, &hex, &len, err) < 0)
    return -1;
  cleanup_free uint8_t *sha = NULL;
  size_t sha_len = 0;
  if (len != 64 || hex_decode (hex, &sha, &sha_len, err) < 0 || sha_len != POLICY_SHA256_LEN)
    return parma_error_make (err, EIO, "pinned policy hash: corrupt");
  memcpy (out->sha256_hex, hex, 64);
  out->sha256_hex[64] = '\0';
  if (policy_image_load (pinfd, IMAGE_FILE, sha, &out->policy, err) < 0)
    return parma_error_wrap (err, "pinned policy image");
  return 0;
}

static int
decode_annotation (const char *v, char **out, size_t *len, parma_error_t *err)
{
  /* Raw JSON starts with '{' (after blanks); anything else is base64, the
     form engines pass through annotation values without quoting trouble. */
  const char *s = v + strspn (v, " \t\r\n");
  if (*s == '{')
    {
      *len = strlen (s);
      *out = xstrdup (s);
      return 0;
    }
  size_t n = strlen (s);
  while (n > 0 && strchr (" \t\r\n", s[n - 1]))
    n--;
  if (n == 0 || n % 4 != 0 || n > POLICY_MAX_DOCUMENT)
    return parma_error_make (err, EINVAL, "policy: %s: neither JSON nor base64",
                             PARMA_POLICY_ANNOTATION);
  cleanup_free unsigned char *buf = xmalloc (n / 4 * 3 + 1);
  int got = EVP_DecodeBlock (buf, (const unsigned char *)s, (int)n);
  if (got < 0)
    return parma_error_make (err, EINVAL, "policy: %s: bad base64", PARMA_POLICY_ANNOTATION);
  /* EVP_DecodeBlock counts padding as zero bytes. */
  if (n >= 1 && s[n - 1] == '=')
    got--;
  if (n >= 2 && s[n - 2] == '=')
    got--;
  buf[got] = '\0';
  *len = (size_t)got;
  *out = (char *)steal_pointer (&buf);
  return 0;
}

/* The policy document the host offers: configured path, or the annotation
   of a create/run.  0 found, 1 none. */
static int
offered_policy (const struct parma_globals *g, const struct parma_request *req, char **buf,
                size_t *len, const char **from, parma_error_t *err)
{
  const struct oci_config *c = req->config;
  if (c && (req->verb == VERB_CREATE || req->verb == VERB_RUN || req->verb == VERB_RESTORE))
    for (size_t i = 0; i < c->n_annotations; i++)
      if (strcmp (c->annotations[i].key, PARMA_POLICY_ANNOTATION) == 0)
        {
          *from = "annotation " PARMA_POLICY_ANNOTATION;
          return decode_annotation (c->annotations[i].value, buf, len, err);
        }
  if (g->config->policy == NULL)
    return 1;
  *from = g->config->policy;
  if (read_file_at (AT_FDCWD, g->config->policy, POLICY_MAX_DOCUMENT, buf, len, err) < 0)
    return parma_error_wrap (err, "policy `%s`", g->config->policy);
  return 0;
}

static char *
expected_host_data (const struct parma_config *c)
{
  if (c->attestation == PARMA_ATTEST_SIM)
    return xstrdup (c->sim_host_data ? c->sim_host_data : "(zero)");
  /* The secure processor's answer (or why there is none) follows in the
     wrapped attestation error. */
  return xasprintf ("of the %s report",
                    c->attestation == PARMA_ATTEST_TSM ? "configfs-tsm" : "sev-guest");
}

int
parma_attestation_source (const struct parma_config *c, bool want_certs,
                          struct parma_attestation_source *out, parma_error_t *err)
{
  *out = (struct parma_attestation_source) {
    .src = { .backend = SNP_BACKEND_SEV_GUEST, .want_certs = want_certs },
  };
  switch (c->attestation)
    {
    case PARMA_ATTEST_SEV_GUEST:
      out->src.device_path = c->sev_device;
      break;
    case PARMA_ATTEST_TSM:
      out->src.backend = SNP_BACKEND_TSM;
      out->src.tsm_path = c->tsm_dir;
      break;
    case PARMA_ATTEST_SIM:
      out->src.backend = SNP_BACKEND_SIM;
      out->sim_dir = xasprintf ("%s/.snp-sim", c->state_dir);
      out->src.sim_dir = out->sim_dir;
      if (c->sim_host_data)
        {
          size_t host_len = 0;
          if (hex_decode (c->sim_host_data, &out->sim_host_data, &host_len, err) < 0
              || host_len != SNP_HOST_DATA_SIZE)
            {
              parma_attestation_source_release (out);
              return parma_error_make (err, EINVAL, "attestation.sim_host_data: not 32 bytes hex");
            }
          out->src.sim_host_data = out->sim_host_data;
        }
      break;
    }
  return 0;
}

void
parma_attestation_source_release (struct parma_attestation_source *s)
{
  free (s->sim_dir);
  free (s->sim_host_data);
  s->sim_dir = NULL;
  s->sim_host_data = NULL;
}

static int
attest (const struct parma_globals *g, const uint8_t *sha, const uint8_t *nonce, bool want_certs,
        struct snp_fetch_result *res, parma_error_t *err)
{
  /* Certificates only for the security context: a host that serves none
     (or an extended request it refuses) must not stop other policies. */
  struct parma_attestation_source s;
  if (parma_attestation_source (g->config, want_certs, &s, err) < 0)
    return -1;
  int r = snp_check_policy_binding (&s.src, sha, nonce, res, err);
  parma_attestation_source_release (&s);
  return r;
}

static int
write_pin (int pinfd, struct policy *p, const char *hex, const struct snp_fetch_result *res,
           const uint8_t *nonce, const struct parma_config *c, parma_error_t *err)
{
  size_t clen = 0, ilen = 0;
  const char *canon = policy_canonical (p, &clen);
  cleanup_free char *img = NULL;
  if (policy_image_build (p, &img, &ilen, err) < 0)
    return -1;
  cleanup_free char *report = hex_encode (res->raw, res->raw_len);
  cleanup_free char *nonce_hex = hex_encode (nonce, 32);
  json_t *j = json_pack ("{s:s, s:b, s:s, s:s}", "backend",
                         c->attestation == PARMA_ATTEST_SIM         ? "sim"
                         : c->attestation == PARMA_ATTEST_TSM       ? "tsm"
                                                                    : "sev-guest",
                         "simulated", res->simulated, "report", report, "boot_nonce", nonce_hex);
  cleanup_free char *att = j ? json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref (j);
  if (att == NULL)
    return parma_error_make (err, ENOMEM, "attestation record");
  if (write_file_atomic_at (pinfd, "policy.json", canon, clen, 0600, err) < 0
      || write_file_atomic_at (pinfd, IMAGE_FILE, img, ilen, 0600, err) < 0
      || write_file_atomic_at (pinfd, "attest.json", att, strlen (att), 0600, err) < 0
      || parma_security_context_write (pinfd, p, res, nonce, err) < 0
      || write_file_atomic_at (pinfd, HASH_FILE, hex, 64, 0600, err) < 0)
    return parma_error_wrap (err, "pinning the policy");
  return 0;
}

/* Verifies an offered policy against HOST_DATA and pins it. */
static int
pin_new (const struct parma_globals *g, int sfd, const char *buf, size_t len, const char *from,
         struct parma_pinned *out, parma_error_t *err)
{
  cleanup_policy struct policy *p = NULL;
  if (policy_load (buf, len, &p, err) < 0)
    return parma_error_wrap (err, "policy: %s", from);
  cleanup_free char *hex = hex_encode (policy_sha256 (p), POLICY_SHA256_LEN);
  uint8_t nonce[32];
  if (getrandom (nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
    return parma_error_make (err, errno, "boot nonce");
  struct snp_fetch_result res = { 0 };
  if (attest (g, policy_sha256 (p), nonce, policy_switch (p, POLICY_ALLOW_SECURITY_CONTEXT), &res,
              err)
      < 0)
    {
      cleanup_free char *want = expected_host_data (g->config);
      return parma_error_wrap (err, "policy: expected HOST_DATA %s, found policy %s (%s)", want,
                               hex, from);
    }
  out->simulated = res.simulated;
  cleanup_close int pinfd = safe_mkdirat_p (sfd, PIN_DIR, 0700, err);
  int r = pinfd < 0 ? -1 : write_pin (pinfd, p, hex, &res, nonce, g->config, err);
  snp_fetch_result_release (&res);
  if (r < 0)
    return -1;
  out->fresh = true;
  return load_pinned (pinfd, out, err);
}

/* A policy offered after one is pinned must be that same policy. */
static int
check_same (const char *buf, size_t len, const char *from, const struct parma_pinned *pin,
            parma_error_t *err)
{
  cleanup_policy struct policy *p = NULL;
  if (policy_load (buf, len, &p, err) < 0)
    return parma_error_wrap (err, "policy: %s", from);
  cleanup_free char *hex = hex_encode (policy_sha256 (p), POLICY_SHA256_LEN);
  if (CRYPTO_memcmp (hex, pin->sha256_hex, 64) != 0)
    return parma_error_make (err, 0,
                             "policy: a different policy is pinned for this boot: expected %s, "
                             "found %s (%s)",
                             pin->sha256_hex, hex, from);
  return 0;
}

int
parma_policy_pin (struct parma_globals *g, const struct parma_request *req,
                  struct parma_pinned *out, parma_error_t *err)
{
  *out = (struct parma_pinned){ 0 };
  out->simulated = g->config->attestation == PARMA_ATTEST_SIM;
  cleanup_close int sfd = parma_state_dir_open (g->config->state_dir, err);
  if (sfd < 0)
    return -1;
  /* Made when first used: a refused first call leaves no trace. */
  cleanup_close int pinfd = openat (sfd, PIN_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (pinfd < 0 && errno != ENOENT)
    return parma_error_make (err, errno, "state directory `%s/%s`", g->config->state_dir, PIN_DIR);
  int r = pinfd < 0 ? 1 : load_pinned (pinfd, out, err);
  /* Fast path: pinned, and no annotation offering a policy to compare. */
  bool annotated = false;
  if (req->config)
    for (size_t i = 0; i < req->config->n_annotations; i++)
      annotated |= strcmp (req->config->annotations[i].key, PARMA_POLICY_ANNOTATION) == 0;
  if (r == 0 && !annotated)
    return 0;
  if (r < 0)
    return -1;
  cleanup_free char *buf = NULL;
  size_t len = 0;
  const char *from = NULL;
  if (r == 0)
    {
      int o = offered_policy (g, req, &buf, &len, &from, err);
      return o < 0 ? -1 : check_same (buf, len, from, out, err);
    }
  /* Not pinned yet: serialize with concurrent first calls. */
  cleanup_close int lockfd = openat (sfd, "policy.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                                     0600);
  if (lockfd < 0)
    return parma_error_make (err, errno, "policy lock");
  while (flock (lockfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return parma_error_make (err, errno, "policy lock");
  r = pinfd < 0 ? 1 : load_pinned (pinfd, out, err);
  if (r < 0)
    return -1;
  if (r == 0)
    {
      /* pinned by a concurrent first call meanwhile */
      parma_pinned_release (out);
      return parma_policy_pin (g, req, out, err);
    }
  int o = offered_policy (g, req, &buf, &len, &from, err);
  if (o < 0)
    return -1;
  if (o == 1)
    {
      cleanup_free char *want = expected_host_data (g->config);
      parma_error_make (err, 0,
                        "policy: expected HOST_DATA %s, found no policy (no `policy` in %s and no "
                        "%s annotation)",
                        want, g->config->path, PARMA_POLICY_ANNOTATION);
      return 1;
    }
  return pin_new (g, sfd, buf, len, from, out, err);
}
