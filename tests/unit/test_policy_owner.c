/* SPDX-License-Identifier: Apache-2.0 */
/* Owner keys and tokens (policy/owner.c) through the public API: the strict
   base64url reader, the one canonical payload, signature and operation
   checks with keys generated here, and REPORT_DATA against a digest
   computed independently. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "tap.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

static int
b64url_round_trip (void)
{
  uint8_t buf[64];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t) (i * 37 + 11);
  for (size_t n = 0; n <= sizeof buf; n++)
    {
      cleanup_free char *e = policy_owner_b64url_encode (buf, n);
      TAP_CHECK (strlen (e) == (n * 4 + 2) / 3);
      TAP_CHECK (strpbrk (e, "+/=") == NULL);
      cleanup_free uint8_t *d = NULL;
      size_t dl = 0;
      TAP_CHECK (policy_owner_b64url_decode (e, strlen (e), &d, &dl) == 0);
      TAP_CHECK (dl == n && memcmp (d, buf, n) == 0);
    }
  return 0;
}

static int
b64url_one_spelling (void)
{
  uint8_t *d = NULL;
  size_t dl = 0;
  /* "AA" is one zero byte; "AB" has non-zero trailing bits; "A" is no length
     an encoder makes; padding, whitespace and the standard alphabet are
     other spellings. */
  TAP_CHECK (policy_owner_b64url_decode ("AA", 2, &d, &dl) == 0 && dl == 1 && d[0] == 0);
  free (d);
  static const char *const bad[] = { "AB", "A", "AA==", "A A", "+w", "/w", "AA\n" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TAP_CHECK (policy_owner_b64url_decode (bad[i], strlen (bad[i]), &d, &dl) < 0);
  return 0;
}

static char *
pem_public (EVP_PKEY *k)
{
  BIO *b = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long n = PEM_write_bio_PUBKEY (b, k) ? BIO_get_mem_data (b, &data) : 0;
  char *out = xstrndup (data, (size_t) n);
  BIO_free (b);
  return out;
}

/* A policy whose owner key "k" (Ed25519 or P-384) may do `ops`. */
static struct policy_owner_keys *
keys_for (EVP_PKEY *k, const char *alg, const char *ops)
{
  cleanup_free char *pem = pem_public (k);
  json_t *j = json_pack ("{s:i, s:[], s:[{s:s, s:s, s:s, s:o}]}", "version", 1, "containers",
                         "owner_keys", "id", "k", "algorithm", alg, "public_key", pem,
                         "operations", json_loads (ops, 0, NULL));
  cleanup_free char *doc = json_dumps (j, JSON_COMPACT);
  json_decref (j);
  struct policy *p = NULL;
  parma_error_t err = NULL;
  if (policy_load (doc, strlen (doc), &p, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      parma_error_release (&err);
      return NULL;
    }
  size_t len = 0;
  const char *canon = policy_canonical (p, &len);
  struct policy_owner_keys *keys = NULL;
  if (policy_owner_keys_from_canonical (canon, len, &keys, &err) < 0)
    parma_error_release (&err);
  policy_free (p);
  return keys;
}

static char *
sign_token (EVP_PKEY *k, const struct policy_owner_token *t)
{
  cleanup_free char *payload = policy_owner_payload (t);
  cleanup_free char *b64 = policy_owner_b64url_encode ((const uint8_t *) payload, strlen (payload));
  size_t mlen = 0;
  cleanup_free char *msg = policy_owner_signed_bytes (b64, &mlen);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  const EVP_MD *md = EVP_PKEY_is_a (k, "ED25519") ? NULL : EVP_sha384 ();
  uint8_t sig[256];
  size_t slen = sizeof sig;
  int ok = EVP_DigestSignInit (ctx, NULL, md, NULL, k) == 1
           && EVP_DigestSign (ctx, sig, &slen, (const uint8_t *) msg, mlen) == 1;
  EVP_MD_CTX_free (ctx);
  if (!ok)
    return NULL;
  cleanup_free char *s64 = policy_owner_b64url_encode (sig, slen);
  return xasprintf ("%s.%s", b64, s64);
}

static int
verify_case (const char *alg, EVP_PKEY *k)
{
  struct policy_owner_keys *keys = keys_for (k, alg, "[\"exec\"]");
  TAP_CHECK (keys != NULL && policy_owner_keys_count (keys) == 1);
  struct policy_owner_token t = { .op = POLICY_OWNER_EXEC, .key_id = "k", .container = "web",
                                  .expires = 2000000000 };
  memset (t.challenge, 0xab, 32);
  memset (t.boot, 0x01, 32);
  memset (t.digest, 0x5a, 32);
  cleanup_free char *tok = sign_token (k, &t);
  TAP_CHECK (tok != NULL);
  struct policy_owner_token got = { 0 };
  parma_error_t err = NULL;
  int r = policy_owner_token_verify (keys, tok, &got, &err);
  if (r < 0)
    fprintf (stderr, "# %s\n", err->msg);
  TAP_CHECK (r == 0);
  TAP_CHECK (got.op == POLICY_OWNER_EXEC && strcmp (got.container, "web") == 0);
  TAP_CHECK (memcmp (got.digest, t.digest, 32) == 0 && got.expires == 2000000000);
  policy_owner_token_release (&got);
  /* a signal token by the same key: signed, but not an operation it has */
  struct policy_owner_token s = t;
  s.op = POLICY_OWNER_SIGNAL;
  s.signal = 9;
  cleanup_free char *stok = sign_token (k, &s);
  TAP_CHECK (policy_owner_token_verify (keys, stok, &got, &err) < 0);
  TAP_CHECK (strstr (err->msg, "may not authorize signal") != NULL);
  parma_error_release (&err);
  /* one flipped signature character */
  size_t n = strlen (tok);
  tok[n - 3] = tok[n - 3] == 'A' ? 'B' : 'A';
  TAP_CHECK (policy_owner_token_verify (keys, tok, &got, &err) < 0);
  parma_error_release (&err);
  policy_owner_keys_free (keys);
  return 0;
}

static int
ed25519_tokens (void)
{
  EVP_PKEY *k = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  int r = verify_case ("ed25519", k);
  EVP_PKEY_free (k);
  return r;
}

static int
p384_tokens (void)
{
  EVP_PKEY *k = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");
  int r = verify_case ("ecdsa-p384", k);
  EVP_PKEY_free (k);
  return r;
}

static int
payload_must_be_canonical (void)
{
  static const char *const payloads[] = {
    /* spaces */
    "{\"boot\": \"0101010101010101010101010101010101010101010101010101010101010101\"}",
    /* keys out of order (otherwise a valid checkpoint payload) */
    "{\"v\":1,\"op\":\"checkpoint\",\"key\":\"k\",\"expires\":5,\"container\":\"c\","
    "\"challenge\":\"abababababababababababababababababababababababababababababababab\","
    "\"boot\":\"0101010101010101010101010101010101010101010101010101010101010101\"}",
    /* an extra key */
    "{\"boot\":\"0101010101010101010101010101010101010101010101010101010101010101\","
    "\"challenge\":\"abababababababababababababababababababababababababababababababab\","
    "\"container\":\"c\",\"expires\":5,\"key\":\"k\",\"op\":\"checkpoint\",\"signal\":9,\"v\":1}",
    /* upper-case hex */
    "{\"boot\":\"0101010101010101010101010101010101010101010101010101010101010101\","
    "\"challenge\":\"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\","
    "\"container\":\"c\",\"expires\":5,\"key\":\"k\",\"op\":\"checkpoint\",\"v\":1}",
  };
  for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++)
    {
      cleanup_free char *b64
          = policy_owner_b64url_encode ((const uint8_t *) payloads[i], strlen (payloads[i]));
      cleanup_free char *tok = xasprintf ("%s.AAAA", b64);
      struct policy_owner_token t = { 0 };
      parma_error_t err = NULL;
      TAP_CHECK (policy_owner_token_parse (tok, &t, &err) < 0);
      parma_error_release (&err);
    }
  /* the same payload in sorted order parses */
  const char *good
      = "{\"boot\":\"0101010101010101010101010101010101010101010101010101010101010101\","
        "\"challenge\":\"abababababababababababababababababababababababababababababababab\","
        "\"container\":\"c\",\"expires\":5,\"key\":\"k\",\"op\":\"checkpoint\",\"v\":1}";
  cleanup_free char *b64 = policy_owner_b64url_encode ((const uint8_t *) good, strlen (good));
  cleanup_free char *tok = xasprintf ("%s.AAAA", b64);
  struct policy_owner_token t = { 0 };
  parma_error_t err = NULL;
  TAP_CHECK (policy_owner_token_parse (tok, &t, &err) == 0);
  TAP_CHECK (t.op == POLICY_OWNER_CHECKPOINT && t.expires == 5);
  policy_owner_token_release (&t);
  return 0;
}

static int
report_data_binds_all (void)
{
  uint8_t pol[32], boot[32], ch[32], out[64], want[64];
  memset (pol, 1, 32);
  memset (boot, 2, 32);
  memset (ch, 3, 32);
  uint8_t msg[24 + 128] = { 0 }; /* unbound: the binding is 32 zero bytes */
  memcpy (msg, "parma-owner-challenge-v2", 24);
  memcpy (msg + 24, pol, 32);
  memcpy (msg + 56, boot, 32);
  memcpy (msg + 88, ch, 32);
  unsigned n = 0;
  TAP_CHECK (EVP_Digest (msg, sizeof msg, want, &n, EVP_sha512 (), NULL) == 1);
  TAP_CHECK (policy_owner_report_data (pol, boot, ch, NULL, out, NULL) == 0);
  TAP_CHECK (memcmp (out, want, 64) == 0);
  ch[31] ^= 1;
  TAP_CHECK (policy_owner_report_data (pol, boot, ch, NULL, out, NULL) == 0);
  TAP_CHECK (memcmp (out, want, 64) != 0);
  ch[31] ^= 1;
  /* bound: SHA-256(container 0x00 entry 0x00 instance) in the last 32 */
  struct policy_owner_binding b = { .container = "c1", .entry = "web" };
  memset (b.instance, 4, 32);
  uint8_t bind[3 + 4 + 32];
  memcpy (bind, "c1\0web\0", 7);
  memcpy (bind + 7, b.instance, 32);
  TAP_CHECK (EVP_Digest (bind, sizeof bind, msg + 120, &n, EVP_sha256 (), NULL) == 1);
  TAP_CHECK (EVP_Digest (msg, sizeof msg, want, &n, EVP_sha512 (), NULL) == 1);
  TAP_CHECK (policy_owner_report_data (pol, boot, ch, &b, out, NULL) == 0);
  TAP_CHECK (memcmp (out, want, 64) == 0);
  b.instance[0] ^= 1; /* another admission of the same id and entry */
  TAP_CHECK (policy_owner_report_data (pol, boot, ch, &b, out, NULL) == 0);
  TAP_CHECK (memcmp (out, want, 64) != 0);
  b.instance[0] ^= 1;
  b.entry = "db";
  TAP_CHECK (policy_owner_report_data (pol, boot, ch, &b, out, NULL) == 0);
  TAP_CHECK (memcmp (out, want, 64) != 0);
  return 0;
}

TAP_MAIN ({ "base64url round trip, no padding", b64url_round_trip },
          { "base64url: one spelling only", b64url_one_spelling },
          { "Ed25519 tokens: verify, wrong operation, flipped signature", ed25519_tokens },
          { "ECDSA P-384 tokens: verify, wrong operation, flipped signature", p384_tokens },
          { "payload must be its own canonical JSON", payload_must_be_canonical },
          { "REPORT_DATA = SHA-512(v2 tag || policy || boot || challenge || binding)",
            report_data_binds_all })
