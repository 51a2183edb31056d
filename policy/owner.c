/* SPDX-License-Identifier: Apache-2.0 */
/* The owner control channel (parma-policy(5) "OWNER KEYS"): the policy's
   `owner_keys`, their canonical form, and owner tokens -- operations the
   workload owner signed and an untrusted host relays.

   A token is two base64url texts (RFC 4648 §5, no padding) joined by '.':

     token   = B64URL(payload) "." B64URL(signature)
     signed  = "parma-owner-token-v1." B64URL(payload)     (the exact bytes)

   The payload is the canonical JSON of the operation (compact, sorted keys,
   only the keys its operation has).  The reader refuses anything that is
   not the single encoding the signer makes: padding, whitespace, non-zero
   trailing bits, a payload that is not byte-for-byte its own canonical
   dump.  So a host cannot truncate or re-encode a token into a second
   spelling, and the guest never acts on bytes the owner did not sign.

   Everything here is pure: no I/O, no clock.  The runtime checks the
   challenge, the boot, the expiry and the target against its trusted state
   (runtime/owner.c). */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <string.h>

#define TOKEN_MAX 8192u /* a token is ~500 bytes; refuse before decoding more */
#define KEY_ID_MAX 64u
#define OWNER_SIGNED_PREFIX "parma-owner-token-v1."

static const char *const op_names[POLICY_OWNER_N_OPS]
    = { [POLICY_OWNER_EXEC] = "exec",
        [POLICY_OWNER_SIGNAL] = "signal",
        [POLICY_OWNER_FRAGMENT] = "fragment",
        [POLICY_OWNER_CHECKPOINT] = "checkpoint" };

const char *
policy_owner_op_name (enum policy_owner_op op)
{
  return (size_t) op < POLICY_OWNER_N_OPS ? op_names[op] : "?";
}

int
policy_owner_op_parse (const char *s, enum policy_owner_op *out)
{
  for (size_t i = 0; i < POLICY_OWNER_N_OPS; i++)
    if (strcmp (s, op_names[i]) == 0)
      {
        *out = (enum policy_owner_op) i;
        return 0;
      }
  return -1;
}

static int __attribute__ ((format (printf, 3, 4)))
fail (parma_error_t *err, int status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  cleanup_free char *safe = policy_escape_controls (msg);
  return parma_error_make (err, status, "%s", safe);
}

/* ---- base64url (RFC 4648 §5), unpadded, one spelling only ---- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
policy_owner_b64url_encode (const uint8_t *buf, size_t len)
{
  char *out = xmalloc (len / 3 * 4 + 5), *o = out;
  size_t i = 0;
  for (; i + 3 <= len; i += 3)
    {
      uint32_t v = (uint32_t) buf[i] << 16 | (uint32_t) buf[i + 1] << 8 | buf[i + 2];
      for (int s = 18; s >= 0; s -= 6)
        *o++ = b64url[(v >> s) & 63];
    }
  if (len - i == 1)
    {
      *o++ = b64url[buf[i] >> 2];
      *o++ = b64url[(buf[i] & 3) << 4];
    }
  else if (len - i == 2)
    {
      uint32_t v = (uint32_t) buf[i] << 8 | buf[i + 1];
      *o++ = b64url[v >> 10];
      *o++ = b64url[(v >> 4) & 63];
      *o++ = b64url[(v & 15) << 2];
    }
  *o = '\0';
  return out;
}

static int
b64url_value (char c)
{
  const char *p = c ? strchr (b64url, c) : NULL;
  return p ? (int) (p - b64url) : -1;
}

/* Strict decoder: alphabet only, no padding, a length no encoder makes
   (4k+1) refused, unused trailing bits must be zero. */
int
policy_owner_b64url_decode (const char *s, size_t n, uint8_t **out, size_t *out_len)
{
  if (n % 4 == 1)
    return -1;
  cleanup_free uint8_t *buf = xmalloc (n / 4 * 3 + 3);
  size_t o = 0;
  uint32_t acc = 0;
  unsigned bits = 0;
  for (size_t i = 0; i < n; i++)
    {
      int v = b64url_value (s[i]);
      if (v < 0)
        return -1;
      acc = (acc << 6 | (uint32_t) v) & 0xffffff;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          buf[o++] = (uint8_t) (acc >> bits);
        }
    }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
    return -1;
  *out = steal_pointer (&buf);
  *out_len = o;
  return 0;
}

/* ---- owner_keys ---- */

struct owner_key
{
  char *id;
  char *algorithm; /* "ed25519" | "ecdsa-p384" */
  EVP_PKEY *key;
  bool ops[POLICY_OWNER_N_OPS];
};

struct policy_owner_keys
{
  struct owner_key *keys;
  size_t n;
};

static bool
valid_key_id (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n > KEY_ID_MAX)
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
          || *p == '-' || *p == '_' || *p == '.'))
      return false;
  return true;
}

/* runc's container id rule ([A-Za-z0-9_+.-], not "." or ".."): a token
   names only ids that can exist, and its text is safe in an error line. */
static bool
valid_container_id (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n > 1024 || strcmp (s, ".") == 0 || strcmp (s, "..") == 0)
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
          || *p == '_' || *p == '+' || *p == '-' || *p == '.'))
      return false;
  return true;
}

/* PEM (SubjectPublicKeyInfo) or base64 of its DER. */
static EVP_PKEY *
read_public_key (const char *text)
{
  if (strstr (text, "-----BEGIN"))
    {
      BIO *b = BIO_new_mem_buf (text, -1);
      EVP_PKEY *k = b ? PEM_read_bio_PUBKEY (b, NULL, NULL, NULL) : NULL;
      BIO_free (b);
      return k;
    }
  size_t n = strlen (text);
  if (n == 0 || n % 4 != 0 || n > 4096)
    return NULL;
  cleanup_free uint8_t *der = xmalloc (n / 4 * 3 + 1);
  int got = EVP_DecodeBlock (der, (const unsigned char *) text, (int) n);
  if (got < 0)
    return NULL;
  got -= (text[n - 1] == '=') + (n >= 2 && text[n - 2] == '=');
  const unsigned char *p = der;
  EVP_PKEY *k = d2i_PUBKEY (NULL, &p, got);
  if (k && p != (const unsigned char *) der + got)
    {
      EVP_PKEY_free (k);
      return NULL;
    }
  return k;
}

static const char *
key_algorithm (EVP_PKEY *k)
{
  if (EVP_PKEY_is_a (k, "ED25519"))
    return "ed25519";
  char group[64] = "";
  size_t glen = 0;
  if (EVP_PKEY_is_a (k, "EC")
      && EVP_PKEY_get_utf8_string_param (k, "group", group, sizeof group, &glen) == 1
      && strcmp (group, "secp384r1") == 0)
    return "ecdsa-p384";
  return NULL;
}

/* Canonical public key: base64 (standard alphabet, padded, one line) of the
   DER SubjectPublicKeyInfo, so PEM line breaks never change the hash. */
static char *
canonical_key (EVP_PKEY *k)
{
  unsigned char *der = NULL;
  int n = i2d_PUBKEY (k, &der);
  if (n <= 0)
    return NULL;
  char *out = xmalloc ((size_t) n / 3 * 4 + 5);
  EVP_EncodeBlock ((unsigned char *) out, der, n);
  OPENSSL_free (der);
  return out;
}

static int
norm_ops (json_t *ops, const char *path, json_t *o, parma_error_t *err)
{
  if (!json_is_array (ops) || json_array_size (ops) == 0)
    return fail (err, EINVAL, "%s.operations: must be a non-empty array of exec, signal, "
                 "fragment, checkpoint", path);
  bool have[POLICY_OWNER_N_OPS] = { false };
  for (size_t i = 0; i < json_array_size (ops); i++)
    {
      const char *s = json_string_value (json_array_get (ops, i));
      enum policy_owner_op op;
      if (s == NULL || policy_owner_op_parse (s, &op) < 0)
        return fail (err, EINVAL, "%s.operations[%zu]: must be exec, signal, fragment or "
                     "checkpoint", path, i);
      have[op] = true;
    }
  /* sorted, unique: the order an author wrote never changes the hash */
  static const enum policy_owner_op sorted[]
      = { POLICY_OWNER_CHECKPOINT, POLICY_OWNER_EXEC, POLICY_OWNER_FRAGMENT, POLICY_OWNER_SIGNAL };
  json_t *arr = json_array ();
  for (size_t i = 0; i < sizeof sorted / sizeof sorted[0]; i++)
    if (have[sorted[i]])
      json_array_append_new (arr, json_string (op_names[sorted[i]]));
  json_object_set_new (o, "operations", arr);
  return 0;
}

static int
norm_owner_key (json_t *in, const char *path, json_t **out, parma_error_t *err)
{
  if (!json_is_object (in))
    return fail (err, EINVAL, "%s: must be an object", path);
  const char *k;
  json_t *v;
  json_object_foreach (in, k, v)
  {
    if (strcmp (k, "id") && strcmp (k, "algorithm") && strcmp (k, "public_key")
        && strcmp (k, "operations"))
      return fail (err, EINVAL, "%s.%s: unknown key", path, k);
  }
  const char *id = json_string_value (json_object_get (in, "id"));
  const char *alg = json_string_value (json_object_get (in, "algorithm"));
  const char *pub = json_string_value (json_object_get (in, "public_key"));
  if (id == NULL || !valid_key_id (id))
    return fail (err, EINVAL, "%s.id: required, 1-%u of [A-Za-z0-9._-]", path, KEY_ID_MAX);
  if (alg == NULL || (strcmp (alg, "ed25519") && strcmp (alg, "ecdsa-p384")))
    return fail (err, EINVAL, "%s.algorithm: must be \"ed25519\" or \"ecdsa-p384\"", path);
  if (pub == NULL)
    return fail (err, EINVAL, "%s.public_key: required (PEM or base64 DER)", path);
  EVP_PKEY *key = read_public_key (pub);
  bool readable = key != NULL;
  const char *actual = key ? key_algorithm (key) : NULL;
  cleanup_free char *canon = actual ? canonical_key (key) : NULL;
  EVP_PKEY_free (key);
  if (!readable)
    return fail (err, EINVAL, "%s.public_key: not a PEM or base64 DER public key", path);
  if (actual == NULL || strcmp (actual, alg) != 0)
    return fail (err, EINVAL, "%s.public_key: not an %s key (algorithm says so)", path, alg);
  if (canon == NULL)
    return fail (err, EINVAL, "%s.public_key: cannot re-encode the key", path);
  cleanup_json json_t *o = json_pack ("{s:s, s:s, s:s}", "id", id, "algorithm", alg,
                                      "public_key", canon);
  if (norm_ops (json_object_get (in, "operations"), path, o, err) < 0)
    return -1;
  *out = steal_pointer (&o);
  return 0;
}

static int
cmp_by_id (const void *a, const void *b)
{
  json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
  return strcmp (json_string_value (json_object_get (x, "id")),
                 json_string_value (json_object_get (y, "id")));
}

int
policy_normalize_owner_keys (json_t *in, json_t **out, parma_error_t *err)
{
  *out = NULL;
  if (in == NULL)
    return 0;
  if (!json_is_array (in))
    return fail (err, EINVAL, "owner_keys: must be an array of objects");
  size_t n = json_array_size (in);
  if (n == 0)
    return 0; /* same meaning as absent: omitted, so old hashes stay */
  cleanup_free json_t **v = xcalloc (n, sizeof *v);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *path = xasprintf ("owner_keys[%zu]", i);
      if (norm_owner_key (json_array_get (in, i), path, &v[i], err) < 0)
        {
          for (size_t j = 0; j < i; j++)
            json_decref (v[j]);
          return -1;
        }
    }
  qsort (v, n, sizeof *v, cmp_by_id);
  json_t *arr = json_array ();
  for (size_t i = 0; i < n; i++)
    json_array_append_new (arr, v[i]);
  for (size_t i = 1; i < n; i++)
    if (cmp_by_id (&v[i - 1], &v[i]) == 0)
      {
        const char *dup = json_string_value (json_object_get (v[i], "id"));
        cleanup_free char *safe = policy_escape_controls (dup);
        json_decref (arr);
        return fail (err, EINVAL, "owner_keys: id \"%s\" appears twice", safe);
      }
  *out = arr;
  return 0;
}

void
policy_owner_keys_free (struct policy_owner_keys *k)
{
  if (k == NULL)
    return;
  for (size_t i = 0; i < k->n; i++)
    {
      free (k->keys[i].id);
      free (k->keys[i].algorithm);
      EVP_PKEY_free (k->keys[i].key);
    }
  free (k->keys);
  free (k);
}

void
policy_owner_keys_freep (struct policy_owner_keys **k)
{
  policy_owner_keys_free (*k);
  *k = NULL;
}

size_t
policy_owner_keys_count (const struct policy_owner_keys *k)
{
  return k ? k->n : 0;
}

int
policy_owner_keys_from_canonical (const char *canon, size_t len, struct policy_owner_keys **out,
                                  parma_error_t *err)
{
  json_error_t jerr;
  cleanup_json json_t *root = json_loadb (canon, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL || !json_is_object (root))
    return fail (err, EINVAL, "policy: not a JSON object");
  cleanup_json json_t *keys = NULL;
  /* Normalizing again is idempotent on the canonical form and re-checks
     every key, so a corrupt cache can only fail closed. */
  if (policy_normalize_owner_keys (json_object_get (root, "owner_keys"), &keys, err) < 0)
    return -1;
  struct policy_owner_keys *k = xcalloc (1, sizeof *k);
  size_t n = keys ? json_array_size (keys) : 0;
  k->keys = xcalloc (n + 1, sizeof *k->keys);
  for (size_t i = 0; i < n; i++, k->n++)
    {
      json_t *o = json_array_get (keys, i);
      struct owner_key *e = &k->keys[i];
      e->id = xstrdup (json_string_value (json_object_get (o, "id")));
      e->algorithm = xstrdup (json_string_value (json_object_get (o, "algorithm")));
      e->key = read_public_key (json_string_value (json_object_get (o, "public_key")));
      json_t *ops = json_object_get (o, "operations");
      for (size_t j = 0; j < json_array_size (ops); j++)
        {
          enum policy_owner_op op;
          if (policy_owner_op_parse (json_string_value (json_array_get (ops, j)), &op) == 0)
            e->ops[op] = true;
        }
      if (e->key == NULL)
        {
          k->n++;
          policy_owner_keys_free (k);
          return fail (err, EINVAL, "owner_keys[%zu].public_key: unreadable", i);
        }
    }
  *out = k;
  return 0;
}

/* ---- tokens ---- */

void
policy_owner_token_release (struct policy_owner_token *t)
{
  free (t->key_id);
  free (t->container);
  *t = (struct policy_owner_token){ 0 };
}

char *
policy_owner_payload (const struct policy_owner_token *t)
{
  cleanup_free char *ch = NULL, *boot = NULL, *digest = NULL;
  ch = xmalloc (65);
  boot = xmalloc (65);
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < 32; i++)
    {
      ch[2 * i] = hx[t->challenge[i] >> 4], ch[2 * i + 1] = hx[t->challenge[i] & 15];
      boot[2 * i] = hx[t->boot[i] >> 4], boot[2 * i + 1] = hx[t->boot[i] & 15];
    }
  ch[64] = boot[64] = '\0';
  json_t *j = json_pack ("{s:i, s:s, s:s, s:s, s:s, s:I}", "v", 1, "op",
                         policy_owner_op_name (t->op), "key", t->key_id ? t->key_id : "",
                         "challenge", ch, "boot", boot, "expires", (json_int_t) t->expires);
  if (j == NULL)
    return NULL;
  if (t->op != POLICY_OWNER_FRAGMENT)
    json_object_set_new (j, "container", json_string (t->container ? t->container : ""));
  if (t->op == POLICY_OWNER_EXEC || t->op == POLICY_OWNER_FRAGMENT)
    {
      digest = xmalloc (65);
      for (size_t i = 0; i < 32; i++)
        digest[2 * i] = hx[t->digest[i] >> 4], digest[2 * i + 1] = hx[t->digest[i] & 15];
      digest[64] = '\0';
      json_object_set_new (j, t->op == POLICY_OWNER_EXEC ? "process_sha256" : "fragment_sha256",
                           json_string (digest));
    }
  if (t->op == POLICY_OWNER_SIGNAL)
    {
      json_object_set_new (j, "signal", json_integer (t->signal));
      json_object_set_new (j, "all", json_boolean (t->all));
    }
  char *s = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (j);
  return s;
}

char *
policy_owner_signed_bytes (const char *b64_payload, size_t *len)
{
  char *s = xasprintf ("%s%s", OWNER_SIGNED_PREFIX, b64_payload);
  *len = strlen (s);
  return s;
}

static int
get_hex32 (json_t *o, const char *key, uint8_t out[32])
{
  const char *s = json_string_value (json_object_get (o, key));
  if (s == NULL || strlen (s) != 64)
    return -1;
  for (size_t i = 0; i < 64; i++)
    {
      char c = s[i];
      int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0)
        return -1; /* lowercase only: one spelling */
      if (i % 2 == 0)
        out[i / 2] = (uint8_t) (v << 4);
      else
        out[i / 2] |= (uint8_t) v;
    }
  return 0;
}

/* Payload JSON -> token fields; every field checked, exactly the keys of
   its operation. */
static int
parse_payload (const uint8_t *buf, size_t len, struct policy_owner_token *t, parma_error_t *err)
{
  json_error_t jerr;
  cleanup_json json_t *j = json_loadb ((const char *) buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (j == NULL || !json_is_object (j))
    return fail (err, EINVAL, "owner: token: payload is not a JSON object");
  const char *op = json_string_value (json_object_get (j, "op"));
  if (op == NULL || policy_owner_op_parse (op, &t->op) < 0)
    return fail (err, EINVAL, "owner: token: op must be exec, signal, fragment or checkpoint");
  json_t *v = json_object_get (j, "v");
  if (!json_is_integer (v) || json_integer_value (v) != 1)
    return fail (err, EINVAL, "owner: token: v must be 1");
  const char *key = json_string_value (json_object_get (j, "key"));
  if (key == NULL || !valid_key_id (key))
    return fail (err, EINVAL, "owner: token: key must be a key id");
  if (get_hex32 (j, "challenge", t->challenge) < 0 || get_hex32 (j, "boot", t->boot) < 0)
    return fail (err, EINVAL, "owner: token: challenge and boot must be 64 lowercase hex digits");
  json_t *exp = json_object_get (j, "expires");
  if (!json_is_integer (exp) || json_integer_value (exp) <= 0)
    return fail (err, EINVAL, "owner: token: expires must be a positive unix time");
  t->expires = json_integer_value (exp);
  size_t want = 6;
  if (t->op != POLICY_OWNER_FRAGMENT)
    {
      const char *c = json_string_value (json_object_get (j, "container"));
      if (c == NULL || !valid_container_id (c))
        return fail (err, EINVAL, "owner: token: container must be a container id");
      t->container = xstrdup (c);
      want++;
    }
  if (t->op == POLICY_OWNER_EXEC || t->op == POLICY_OWNER_FRAGMENT)
    {
      const char *dk = t->op == POLICY_OWNER_EXEC ? "process_sha256" : "fragment_sha256";
      if (get_hex32 (j, dk, t->digest) < 0)
        return fail (err, EINVAL, "owner: token: %s must be 64 lowercase hex digits", dk);
      want++;
    }
  if (t->op == POLICY_OWNER_SIGNAL)
    {
      json_t *s = json_object_get (j, "signal"), *a = json_object_get (j, "all");
      if (!json_is_integer (s) || json_integer_value (s) < 1 || json_integer_value (s) > 64
          || !json_is_boolean (a))
        return fail (err, EINVAL, "owner: token: signal must be 1..64 and all a boolean");
      t->signal = (int) json_integer_value (s);
      t->all = json_is_true (a);
      want += 2;
    }
  if (json_object_size (j) != want)
    return fail (err, EINVAL, "owner: token: payload has keys its op (%s) does not have", op);
  t->key_id = xstrdup (key);
  return 0;
}

static int
verify_sig (EVP_PKEY *key, const char *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  /* Ed25519 signs the message itself; ECDSA P-384 over SHA-384 with a DER
     signature (what `openssl dgst -sha384 -sign` writes), as fragments. */
  const EVP_MD *alg = EVP_PKEY_is_a (key, "ED25519") ? NULL : EVP_sha384 ();
  int ok = md != NULL && EVP_DigestVerifyInit (md, NULL, alg, NULL, key) == 1
           && EVP_DigestVerify (md, sig, sig_len, (const uint8_t *) msg, len) == 1;
  EVP_MD_CTX_free (md);
  return ok ? 0 : -1;
}

int
policy_owner_token_parse (const char *token, struct policy_owner_token *out, parma_error_t *err)
{
  *out = (struct policy_owner_token){ 0 };
  size_t n = strlen (token);
  if (n > TOKEN_MAX)
    return fail (err, EINVAL, "owner: token: longer than %u bytes", TOKEN_MAX);
  const char *dot = strchr (token, '.');
  if (dot == NULL || strchr (dot + 1, '.') != NULL || dot == token || dot[1] == '\0')
    return fail (err, EINVAL, "owner: token: not PAYLOAD.SIGNATURE (truncated?)");
  cleanup_free uint8_t *payload = NULL;
  size_t plen = 0;
  if (policy_owner_b64url_decode (token, (size_t) (dot - token), &payload, &plen) < 0)
    return fail (err, EINVAL, "owner: token: payload is not unpadded base64url (re-encoded?)");
  if (parse_payload (payload, plen, out, err) < 0)
    {
      policy_owner_token_release (out);
      return -1;
    }
  cleanup_free char *canon = policy_owner_payload (out);
  if (canon == NULL || strlen (canon) != plen || memcmp (canon, payload, plen) != 0)
    {
      policy_owner_token_release (out);
      return fail (err, EINVAL, "owner: token: payload is not in canonical form (re-encoded?)");
    }
  return 0;
}

int
policy_owner_token_verify (const struct policy_owner_keys *keys, const char *token,
                           struct policy_owner_token *out, parma_error_t *err)
{
  if (policy_owner_token_parse (token, out, err) < 0)
    return -1;
  const char *dot = strchr (token, '.');
  const struct owner_key *k = NULL;
  for (size_t i = 0; keys && i < keys->n && k == NULL; i++)
    if (strcmp (keys->keys[i].id, out->key_id) == 0)
      k = &keys->keys[i];
  int r = 0;
  cleanup_free uint8_t *sig = NULL;
  size_t sig_len = 0;
  cleanup_free char *signed_text = NULL;
  size_t signed_len = 0;
  if (k == NULL)
    r = fail (err, EPERM, "owner: key \"%s\" is not in the policy's owner_keys", out->key_id);
  else if (policy_owner_b64url_decode (dot + 1, strlen (dot + 1), &sig, &sig_len) < 0)
    r = fail (err, EINVAL, "owner: token: signature is not unpadded base64url (re-encoded?)");
  else
    {
      cleanup_free char *b64 = xstrndup (token, (size_t) (dot - token));
      signed_text = policy_owner_signed_bytes (b64, &signed_len);
      if (verify_sig (k->key, signed_text, signed_len, sig, sig_len) < 0)
        r = fail (err, EPERM, "owner: bad signature for key \"%s\"", out->key_id);
      else if (!k->ops[out->op])
        r = fail (err, EPERM, "owner: key \"%s\" may not authorize %s", out->key_id,
                  policy_owner_op_name (out->op));
    }
  if (r < 0)
    policy_owner_token_release (out);
  return r;
}

int
policy_owner_report_data (const uint8_t policy_sha256[32], const uint8_t boot[32],
                          const uint8_t challenge[32], const struct policy_owner_binding *b,
                          uint8_t out[64], parma_error_t *err)
{
  static const char tag[] = "parma-owner-challenge-v2";
  uint8_t msg[sizeof tag - 1 + 128] = { 0 };
  memcpy (msg, tag, sizeof tag - 1);
  memcpy (msg + sizeof tag - 1, policy_sha256, 32);
  memcpy (msg + sizeof tag - 1 + 32, boot, 32);
  memcpy (msg + sizeof tag - 1 + 64, challenge, 32);
  unsigned int n = 0;
  if (b)
    {
      /* Both strings are NUL-free, so 0x00 separates them unambiguously. */
      EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
      int ok = ctx && EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL)
               && EVP_DigestUpdate (ctx, b->container, strlen (b->container) + 1)
               && EVP_DigestUpdate (ctx, b->entry, strlen (b->entry) + 1)
               && EVP_DigestUpdate (ctx, b->instance, 32)
               && EVP_DigestFinal_ex (ctx, msg + sizeof tag - 1 + 96, &n) && n == 32;
      EVP_MD_CTX_free (ctx);
      if (!ok)
        return parma_error_make (err, EIO, "SHA-256 of the challenge binding failed");
    }
  if (!EVP_Digest (msg, sizeof msg, out, &n, EVP_sha512 (), NULL) || n != 64)
    return parma_error_make (err, EIO, "SHA-512 of the challenge report data failed");
  return 0;
}

int
policy_owner_append_fragment (struct policy *p, const char *doc, size_t len, parma_error_t *err)
{
  if (p->canon == NULL)
    return fail (err, EINVAL, "owner fragment: load it before building the image");
  json_error_t jerr;
  cleanup_json json_t *in = json_loadb (doc, len, JSON_REJECT_DUPLICATES, &jerr);
  if (in == NULL || !json_is_object (in))
    return fail (err, EINVAL, "owner fragment: not a JSON object");
  json_t *cs = json_object_get (in, "containers");
  if (json_object_size (in) != 1 || !json_is_array (cs) || json_array_size (cs) == 0)
    return fail (err, EINVAL, "owner fragment: must be {\"containers\": [...]} (non-empty)");
  cleanup_json json_t *canon = json_array ();
  for (size_t i = 0; i < json_array_size (cs); i++)
    {
      cleanup_free char *path = xasprintf ("owner fragment.containers[%zu]", i);
      json_t *c = NULL;
      if (policy_normalize_container (json_array_get (cs, i), path, &c, err) < 0)
        return -1;
      json_array_append_new (canon, c);
    }
  return policy_append_containers (p, canon, err);
}
