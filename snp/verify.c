/* SPDX-License-Identifier: Apache-2.0 */
/* Verification for relying parties (notes/snp.md A3; the rules of
   go-sev-guest verify/ and validate/, each switchable).  Every check runs and
   records its own failure line "<check>: <why>", so a refusal names all that
   failed, not only the first. */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>

#include <openssl/x509_vfy.h>

struct checker
{
  const struct snp_report *r;
  const struct snp_verify_opts *o;
  struct snp_verify_result *res;
  X509 *leaf; /* VCEK or VLEK, may be NULL */
  struct snp_cert_ext ext;
  bool have_ext;
};

static void fail (struct checker *c, const char *check, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
fail (struct checker *c, const char *check, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *why = xvasprintf (fmt, ap);
  va_end (ap);
  struct snp_verify_result *res = c->res;
  res->failures = xreallocarray (res->failures, res->n_failures + 2, sizeof (char *));
  res->failures[res->n_failures++] = xasprintf ("%s: %s", check, why);
  res->failures[res->n_failures] = NULL;
}

void
snp_verify_result_release (struct snp_verify_result *res)
{
  strv_free (res->failures);
  memset (res, 0, sizeof *res);
}

static const char *
key_name (uint32_t k)
{
  return k == SNP_SIGNING_KEY_VLEK ? "VLEK" : "VCEK";
}

/* The signer named in signer_info must be the kind of certificate given. */
static void
check_signer (struct checker *c)
{
  if (c->r->signing_key == SNP_SIGNING_KEY_NONE)
    {
      fail (c, "signer", "the report is not signed (signer_info signing key 7)");
      return;
    }
  c->res->vlek = c->r->signing_key == SNP_SIGNING_KEY_VLEK;
  if (c->leaf == NULL)
    {
      fail (c, "signer", "no %s certificate given (--vcek, or in --chain)",
            key_name (c->r->signing_key));
      return;
    }
  char cn[64] = "";
  X509_NAME_get_text_by_NID (X509_get_subject_name (c->leaf), NID_commonName, cn, sizeof cn);
  const char *want = c->res->vlek ? "SEV-VLEK" : "SEV-VCEK";
  if (strcmp (cn, want) != 0)
    fail (c, "signer", "the report is signed by the %s but the certificate is CN=%s",
          key_name (c->r->signing_key), cn);
}

/* Decides which ARK anchors the chain: a pinned AMD root, or (only when
   both switches say so) exactly the simulator's ARK.  Returns it, or NULL
   after recording why not. */
static X509 *
trusted_ark (struct checker *c, X509 *ark, X509 **sim_ark_owned)
{
  parma_error_t err = NULL;
  uint8_t fp[32];
  if (snp_x509_sha256 (ark, fp, &err) < 0)
    {
      fail (c, "chain", "%s", err->msg);
      parma_error_release (&err);
      return NULL;
    }
  enum snp_product p = snp_pinned_ark_product (fp);
  if (p != SNP_PRODUCT_UNKNOWN)
    {
      c->res->product = p;
      return ark;
    }
  if (c->o->allow_simulator && c->o->simulator_ark_path)
    {
      if (snp_x509_load_file (c->o->simulator_ark_path, sim_ark_owned, &err) < 0)
        {
          fail (c, "chain", "simulator ARK: %s", err->msg);
          parma_error_release (&err);
          return NULL;
        }
      if (X509_cmp (*sim_ark_owned, ark) == 0)
        {
          c->res->simulator = true;
          return ark;
        }
    }
  cleanup_free char *hex = hex_encode (fp, sizeof fp);
  char cn[128] = "";
  X509_NAME_get_text_by_NID (X509_get_subject_name (ark), NID_commonName, cn, sizeof cn);
  bool sim = strstr (cn, "PARMA SIMULATOR") != NULL;
  fail (c, "chain", "ARK `%s` (SHA-256 %s) is not a pinned AMD root%s", cn, hex,
        sim ? " (it is the parma simulator's: needs --allow-simulator and --simulator-ark)" : "");
  return NULL;
}

static void
check_chain (struct checker *c, const struct snp_certs *certs)
{
  X509 *ark = snp_certs_ark (certs), *ask = snp_certs_intermediate (certs);
  if (c->leaf == NULL)
    return; /* check_signer said so */
  if (ark == NULL || ask == NULL)
    {
      fail (c, "chain", "--chain must hold the %s and the ARK", c->res->vlek ? "ASVK" : "ASK");
      return;
    }
  cleanup_x509 X509 *sim_ark = NULL;
  if (trusted_ark (c, ark, &sim_ark) == NULL)
    return;
  X509_STORE *store = X509_STORE_new ();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new ();
  STACK_OF (X509) *untrusted = sk_X509_new_null ();
  if (store == NULL || ctx == NULL || untrusted == NULL || !X509_STORE_add_cert (store, ark)
      || !sk_X509_push (untrusted, ask) || !X509_STORE_CTX_init (ctx, store, c->leaf, untrusted))
    fail (c, "chain", "setting up X.509 verification failed");
  else
    {
      X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param (ctx);
      X509_VERIFY_PARAM_set_flags (param, X509_V_FLAG_CHECK_SS_SIGNATURE);
      if (c->o->have_time)
        X509_VERIFY_PARAM_set_time (param, (time_t)c->o->at);
      if (X509_verify_cert (ctx) != 1)
        {
          int e = X509_STORE_CTX_get_error (ctx);
          int depth = X509_STORE_CTX_get_error_depth (ctx);
          static const char *const names[] = { "VCEK/VLEK", "ASK/ASVK", "ARK" };
          fail (c, "chain", "%s: %s", depth >= 0 && depth < 3 ? names[depth] : "certificate",
                X509_verify_cert_error_string (e));
        }
      else if (sk_X509_num (X509_STORE_CTX_get0_chain (ctx)) != 3)
        fail (c, "chain", "the chain is not VCEK/VLEK -> ASK/ASVK -> ARK");
    }
  sk_X509_free (untrusted);
  X509_STORE_CTX_free (ctx);
  X509_STORE_free (store);
}

/* Only with a CRL given, and only once the chain is anchored: a CRL is
   trusted because the ARK signed it. */
static void
check_revocation (struct checker *c, const struct snp_certs *certs)
{
  X509 *ark = snp_certs_ark (certs);
  if (c->o->crl_path == NULL)
    return;
  if (ark == NULL || c->leaf == NULL)
    {
      fail (c, "crl", "no ARK to check the CRL against");
      return;
    }
  cleanup_free char *why = NULL;
  if (snp_crl_check (c->o->crl_path, ark, snp_certs_intermediate (certs), c->o->have_time, c->o->at,
                     &why)
      < 0)
    fail (c, "crl", "%s", why);
}

static void
check_signature (struct checker *c)
{
  if (c->leaf == NULL)
    return;
  EVP_PKEY *key = X509_get0_pubkey (c->leaf);
  parma_error_t err = NULL;
  if (key == NULL)
    fail (c, "signature", "the certificate has no usable public key");
  else if (snp_report_check_signature (c->r->raw, key, &err) < 0)
    {
      if (err->status == EPERM)
        fail (c, "signature", "ECDSA-P384 signature does not verify with the %s",
              key_name (c->r->signing_key));
      else
        fail (c, "signature", "%s", err->msg);
      parma_error_release (&err);
    }
}

static bool
tcb_equal (const struct snp_tcb *a, const struct snp_tcb *b)
{
  return a->bootloader == b->bootloader && a->tee == b->tee && a->snp == b->snp
         && a->microcode == b->microcode && (!a->turin || a->fmc == b->fmc);
}

static void
check_extensions (struct checker *c)
{
  if (c->leaf == NULL)
    return;
  parma_error_t err = NULL;
  if (snp_cert_read_ext (c->leaf, &c->ext, &err) < 0)
    {
      fail (c, "extensions", "%s", err->msg);
      parma_error_release (&err);
      return;
    }
  c->have_ext = true;
  const struct snp_tcb *rt = &c->r->reported_tcb;
  if (!c->ext.have_tcb)
    fail (c, "tcb", "the certificate lacks the TCB extensions (1.3.6.1.4.1.3704.1.3.x)");
  else if (c->ext.tcb.turin != rt->turin)
    fail (c, "tcb", "the certificate is %sa Turin one, the report %s",
          c->ext.tcb.turin ? "" : "not ", rt->turin ? "is" : "is not");
  else if (!tcb_equal (&c->ext.tcb, rt))
    fail (c, "tcb", "certificate TCB 0x%016llx != reported_tcb 0x%016llx",
          (unsigned long long)c->ext.tcb.raw, (unsigned long long)rt->raw);

  if (c->res->vlek)
    {
      if (c->ext.hwid_len != 0)
        fail (c, "hwid", "a VLEK must not carry a hwID extension");
      return;
    }
  static const uint8_t zero[SNP_CHIP_ID_SIZE];
  if (c->r->mask_chip_key || CRYPTO_memcmp (c->r->chip_id, zero, sizeof zero) == 0)
    return; /* CHIP_ID masked: nothing to compare */
  if (c->ext.hwid_len == 0)
    fail (c, "hwid", "the VCEK has no hwID extension");
  else if (CRYPTO_memcmp (c->ext.hwid, c->r->chip_id, c->ext.hwid_len) != 0
           || (c->ext.hwid_len < SNP_CHIP_ID_SIZE
               && CRYPTO_memcmp (c->r->chip_id + c->ext.hwid_len, zero,
                                 SNP_CHIP_ID_SIZE - c->ext.hwid_len)
                      != 0))
    fail (c, "hwid", "the VCEK's hwID does not equal the report's chip_id");
}

/* The product as seen by the ARK, the report's CPUID bytes, the
   certificate's name and the caller must agree. */
static void
check_product (struct checker *c)
{
  enum snp_product from_cert = SNP_PRODUCT_UNKNOWN;
  if (c->have_ext && c->ext.product_name[0])
    {
      char name[32];
      snprintf (name, sizeof name, "%s", c->ext.product_name);
      name[strcspn (name, "-")] = '\0'; /* "Milan-B0" -> "Milan" */
      if (snp_product_parse (name, &from_cert) < 0)
        fail (c, "product", "unknown certificate product `%s`", c->ext.product_name);
    }
  enum snp_product seen[] = { c->res->product, c->r->product, from_cert, c->o->product };
  static const char *const who[]
      = { "the ARK", "the report's CPUID", "the certificate", "--product" };
  enum snp_product first = SNP_PRODUCT_UNKNOWN;
  int first_i = -1;
  for (int i = 0; i < 4; i++)
    {
      if (seen[i] == SNP_PRODUCT_UNKNOWN)
        continue;
      if (first_i < 0)
        first = seen[i], first_i = i;
      else if (seen[i] != first)
        {
          fail (c, "product", "%s says %s but %s says %s", who[first_i], snp_product_name (first),
                who[i], snp_product_name (seen[i]));
          return;
        }
    }
  if (c->res->product == SNP_PRODUCT_UNKNOWN)
    c->res->product = first;
}

static void
check_bytes (struct checker *c, const char *name, const uint8_t *want, const uint8_t *got, size_t n)
{
  if (want == NULL || CRYPTO_memcmp (want, got, n) == 0)
    return;
  cleanup_free char *w = hex_encode (want, n);
  cleanup_free char *g = hex_encode (got, n);
  fail (c, name, "report has %s, expected %s", g, w);
}

static bool
tcb_at_least (const struct snp_tcb *t, const struct snp_tcb *min)
{
  return t->bootloader >= min->bootloader && t->tee >= min->tee && t->snp >= min->snp
         && t->microcode >= min->microcode && (!t->turin || t->fmc >= min->fmc);
}

static void
check_report_rules (struct checker *c)
{
  const struct snp_report *r = c->r;
  const struct snp_verify_opts *o = c->o;
  if (!o->allow_provisional_tcb
      && (r->committed_tcb.raw != r->current_tcb.raw || r->committed_build != r->current_build
          || r->committed_minor != r->current_minor || r->committed_major != r->current_major))
    fail (c, "provisional-tcb",
          "committed TCB 0x%016llx (fw %u.%u.%u) != current TCB 0x%016llx (fw %u.%u.%u)"
          " (--allow-provisional-tcb)",
          (unsigned long long)r->committed_tcb.raw, r->committed_major, r->committed_minor,
          r->committed_build, (unsigned long long)r->current_tcb.raw, r->current_major,
          r->current_minor, r->current_build);
  if (!o->allow_debug && (r->policy & SNP_POLICY_DEBUG))
    fail (c, "debug", "guest policy 0x%llx allows debugging (DEBUG=1; --allow-debug)",
          (unsigned long long)r->policy);
  if (!o->allow_migrate_ma && (r->policy & SNP_POLICY_MIGRATE_MA))
    fail (c, "migrate-ma",
          "guest policy 0x%llx allows a migration agent (MIGRATE_MA=1; --allow-migrate-ma)",
          (unsigned long long)r->policy);
  if (o->vmpl >= 0 && r->vmpl != (uint32_t)o->vmpl)
    fail (c, "vmpl", "report VMPL %u, expected %d", r->vmpl, o->vmpl);
  check_bytes (c, "host_data", o->host_data, r->host_data, SNP_HOST_DATA_SIZE);
  check_bytes (c, "measurement", o->measurement, r->measurement, SNP_MEASUREMENT_SIZE);
  check_bytes (c, "report_data", o->report_data, r->report_data, SNP_REPORT_DATA_SIZE);
  check_bytes (c, "family_id", o->family_id, r->family_id, sizeof r->family_id);
  check_bytes (c, "image_id", o->image_id, r->image_id, sizeof r->image_id);
  if (o->have_min_guest_svn && r->guest_svn < o->min_guest_svn)
    fail (c, "guest-svn", "report GUEST_SVN %u is below the minimum %u", r->guest_svn,
          o->min_guest_svn);
  if (o->have_min_tcb)
    {
      const struct
      {
        const char *name;
        const struct snp_tcb *t;
      } tcbs[] = { { "current", &r->current_tcb },
                   { "committed", &r->committed_tcb },
                   { "reported", &r->reported_tcb } };
      for (size_t i = 0; i < 3; i++)
        if (!tcb_at_least (tcbs[i].t, &o->min_tcb))
          fail (c, "min-tcb", "%s TCB 0x%016llx is below the minimum 0x%016llx", tcbs[i].name,
                (unsigned long long)tcbs[i].t->raw, (unsigned long long)o->min_tcb.raw);
    }
}

int
snp_verify (const struct snp_report *r, const struct snp_certs *certs,
            const struct snp_verify_opts *o, struct snp_verify_result *res, parma_error_t *err)
{
  memset (res, 0, sizeof *res);
  struct checker c = { .r = r, .o = o, .res = res, .leaf = snp_certs_endorsement (certs) };
  check_signer (&c);
  check_chain (&c, certs);
  check_revocation (&c, certs);
  check_signature (&c);
  check_extensions (&c);
  check_product (&c);
  check_report_rules (&c);
  if (res->n_failures == 0)
    return 0;
  return parma_error_make (err, EPERM, "%zu check%s failed, first: %s", res->n_failures,
                           res->n_failures == 1 ? "" : "s", res->failures[0]);
}

static int
parse_spl (const char *v, uint8_t *out)
{
  int64_t n;
  if (parse_int64 (v, 0, 255, &n) < 0)
    return -1;
  *out = (uint8_t)n;
  return 0;
}

int
snp_tcb_parse (const char *s, bool turin, struct snp_tcb *out, parma_error_t *err)
{
  memset (out, 0, sizeof *out);
  if (strncmp (s, "0x", 2) == 0)
    {
      char *end = NULL;
      errno = 0;
      unsigned long long v = strtoull (s + 2, &end, 16);
      if (errno || end == s + 2 || *end)
        return parma_error_make (err, EINVAL, "TCB `%s`: bad hex number", s);
      snp_tcb_decode (v, turin, out);
      return 0;
    }
  out->turin = turin;
  cleanup_free char *copy = xstrdup (s);
  char *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (tok, '=');
      if (eq == NULL)
        return parma_error_make (err, EINVAL, "TCB `%s`: want NAME=N items", s);
      *eq = '\0';
      uint8_t *dst = strcmp (tok, "bl") == 0      ? &out->bootloader
                     : strcmp (tok, "tee") == 0   ? &out->tee
                     : strcmp (tok, "snp") == 0   ? &out->snp
                     : strcmp (tok, "ucode") == 0 ? &out->microcode
                     : strcmp (tok, "fmc") == 0   ? &out->fmc
                                                  : NULL;
      if (dst == NULL || parse_spl (eq + 1, dst) < 0)
        return parma_error_make (err, EINVAL,
                                 "TCB `%s`: bad item `%s` (bl|tee|snp|ucode|fmc=0-255)", s, tok);
    }
  out->raw = snp_tcb_encode (out);
  return 0;
}
