/* SPDX-License-Identifier: Apache-2.0 */
/* Signed fragments: a document {issuer, feed, svn, containers[]} plus a
   detached signature.  Trust comes only from the base policy, whose hash is
   attested: it pins each issuer's public key, the feed it may publish and
   the lowest SVN accepted.  The fragment's own `issuer` field only selects
   the pinned entry; the signature is checked with the pinned key.  Fragments
   add containers and never change the policy hash (as in hcsshim). */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

static int
verify_signature (const char *pem, const char *doc, size_t doc_len, const uint8_t *sig,
                  size_t sig_len)
{
  BIO *b = BIO_new_mem_buf (pem, -1);
  EVP_PKEY *key = b ? PEM_read_bio_PUBKEY (b, NULL, NULL, NULL) : NULL;
  BIO_free (b);
  if (key == NULL)
    return -1;
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  /* Ed25519 signs the message itself (no digest); ECDSA P-384 over
     SHA-384, DER-encoded (what `openssl dgst -sha384 -sign` writes). */
  const EVP_MD *alg = EVP_PKEY_is_a (key, "ED25519") ? NULL : EVP_sha384 ();
  int ok = md != NULL && EVP_DigestVerifyInit (md, NULL, alg, NULL, key) == 1
           && EVP_DigestVerify (md, sig, sig_len, (const uint8_t *) doc, doc_len) == 1;
  EVP_MD_CTX_free (md);
  EVP_PKEY_free (key);
  return ok ? 0 : -1;
}

int
policy_add_fragment (struct policy *p, const char *doc, size_t doc_len, const uint8_t *sig,
                     size_t sig_len, parma_error_t *err)
{
  if (p->canon == NULL)
    return parma_error_make (err, EINVAL, "fragment: load fragments before building the image");
  json_error_t jerr;
  cleanup_json json_t *in = json_loadb (doc, doc_len, JSON_REJECT_DUPLICATES, &jerr);
  if (in == NULL || !json_is_object (in))
    return parma_error_make (err, EINVAL, "fragment: not a JSON object (%s)",
                             in ? "wrong type" : jerr.text);
  const char *key;
  json_t *val;
  json_object_foreach (in, key, val)
  {
    if (strcmp (key, "issuer") && strcmp (key, "feed") && strcmp (key, "svn")
        && strcmp (key, "containers"))
      {
        cleanup_free char *safe = policy_escape_controls (key);
        return parma_error_make (err, EINVAL, "fragment.%s: unknown key", safe);
      }
  }
  const char *issuer = json_string_value (json_object_get (in, "issuer"));
  const char *feed = json_string_value (json_object_get (in, "feed"));
  json_t *svn = json_object_get (in, "svn");
  json_t *cs = json_object_get (in, "containers");
  if (issuer == NULL || feed == NULL)
    return parma_error_make (err, EINVAL, "fragment: issuer and feed must be strings");
  cleanup_free char *feed_safe = policy_escape_controls (feed);
  if (!json_is_integer (svn) || json_integer_value (svn) < 0)
    return parma_error_make (err, EINVAL, "fragment.svn: must be a non-negative integer");
  if (!json_is_array (cs))
    return parma_error_make (err, EINVAL, "fragment.containers: must be an array of objects");
  /* Compare issuers in their canonical PEM spelling. */
  json_t *pinned = NULL;
  bool issuer_known = false;
  for (size_t i = 0; i < json_array_size (p->fragments); i++)
    {
      json_t *f = json_array_get (p->fragments, i);
      const char *pem = json_string_value (json_object_get (f, "issuer"));
      BIO *b = BIO_new_mem_buf (issuer, -1);
      EVP_PKEY *k = b ? PEM_read_bio_PUBKEY (b, NULL, NULL, NULL) : NULL;
      BIO_free (b);
      BIO *pb = BIO_new_mem_buf (pem, -1);
      EVP_PKEY *pk = pb ? PEM_read_bio_PUBKEY (pb, NULL, NULL, NULL) : NULL;
      BIO_free (pb);
      bool same = k && pk && EVP_PKEY_eq (k, pk) == 1;
      EVP_PKEY_free (k);
      EVP_PKEY_free (pk);
      if (!same)
        continue;
      issuer_known = true;
      if (strcmp (json_string_value (json_object_get (f, "feed")), feed) == 0)
        {
          pinned = f;
          break;
        }
    }
  if (!issuer_known)
    return parma_error_make (err, EPERM, "fragment: issuer is not pinned by the policy");
  if (pinned == NULL)
    return parma_error_make (err, EPERM, "fragment: feed \"%s\" is not pinned for this issuer",
                             feed_safe);
  if (verify_signature (json_string_value (json_object_get (pinned, "issuer")), doc, doc_len, sig,
                        sig_len)
      < 0)
    return parma_error_make (err, EPERM, "fragment: bad signature for feed \"%s\"", feed_safe);
  json_int_t min = json_integer_value (json_object_get (pinned, "minimum_svn"));
  if (json_integer_value (svn) < min)
    return parma_error_make (err, EPERM, "fragment: svn %" JSON_INTEGER_FORMAT
                             " is below minimum_svn %" JSON_INTEGER_FORMAT " of feed \"%s\"",
                             json_integer_value (svn), min, feed_safe);
  cleanup_json json_t *canon = json_array ();
  for (size_t i = 0; i < json_array_size (cs); i++)
    {
      cleanup_free char *path = xasprintf ("fragment.containers[%zu]", i);
      json_t *c = NULL;
      if (policy_normalize_container (json_array_get (cs, i), path, &c, err) < 0)
        return -1;
      json_array_append_new (canon, c);
    }
  return policy_append_containers (p, canon, err);
}
