/* SPDX-License-Identifier: Apache-2.0 */
/* The report signature: ECDSA P-384 with SHA-384 over raw[0, 0x2A0); r and
   s are stored little-endian in 72-byte fields (ABI spec "Signature
   format"), whereas OpenSSL wants DER{r, s} of big-endian integers. */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

static bool
is_p384 (EVP_PKEY *key)
{
  return EVP_PKEY_is_a (key, "EC") && EVP_PKEY_get_bits (key) == 384;
}

int
snp_report_check_signature (const uint8_t raw[SNP_REPORT_SIZE], EVP_PKEY *key, parma_error_t *err)
{
  if (!is_p384 (key))
    return parma_error_make (err, EINVAL, "the certificate's key is not ECDSA P-384");
  BIGNUM *r = BN_lebin2bn (raw + SNP_OFF_SIG_R, SNP_SIG_COMPONENT_SIZE, NULL);
  BIGNUM *s = BN_lebin2bn (raw + SNP_OFF_SIG_S, SNP_SIG_COMPONENT_SIZE, NULL);
  ECDSA_SIG *sig = ECDSA_SIG_new ();
  if (r == NULL || s == NULL || sig == NULL || !ECDSA_SIG_set0 (sig, r, s))
    {
      BN_free (r);
      BN_free (s);
      ECDSA_SIG_free (sig);
      return parma_error_make (err, ENOMEM, "building the ECDSA signature failed");
    }
  unsigned char *der = NULL;
  int der_len = i2d_ECDSA_SIG (sig, &der);
  ECDSA_SIG_free (sig); /* owns r and s */
  if (der_len <= 0)
    return parma_error_make (err, EIO, "DER-encoding the ECDSA signature failed");
  cleanup_md_ctx EVP_MD_CTX *md = EVP_MD_CTX_new ();
  int ok = md != NULL && EVP_DigestVerifyInit (md, NULL, EVP_sha384 (), NULL, key) == 1
           && EVP_DigestVerify (md, der, (size_t)der_len, raw, SNP_SIGNED_SIZE) == 1;
  OPENSSL_free (der);
  if (!ok)
    {
      cleanup_free char *why = snp_openssl_error ();
      (void)why; /* the queue holds a generic "bad signature"; drop it */
      return parma_error_make (err, EPERM, "ECDSA-P384 signature does not verify with the %s",
                               "certificate's key");
    }
  return 0;
}

int
snp_report_sign (uint8_t raw[SNP_REPORT_SIZE], EVP_PKEY *key, parma_error_t *err)
{
  if (!is_p384 (key))
    return parma_error_make (err, EINVAL, "signing key is not ECDSA P-384");
  cleanup_md_ctx EVP_MD_CTX *md = EVP_MD_CTX_new ();
  unsigned char der[160];
  size_t der_len = sizeof der;
  if (md == NULL || EVP_DigestSignInit (md, NULL, EVP_sha384 (), NULL, key) != 1
      || EVP_DigestSign (md, der, &der_len, raw, SNP_SIGNED_SIZE) != 1)
    {
      cleanup_free char *why = snp_openssl_error ();
      return parma_error_make (err, EIO, "ECDSA signing failed: %s", why);
    }
  const unsigned char *p = der;
  ECDSA_SIG *sig = d2i_ECDSA_SIG (NULL, &p, (long)der_len);
  if (sig == NULL)
    return parma_error_make (err, EIO, "decoding our own ECDSA signature failed");
  memset (raw + SNP_OFF_SIG_R, 0, SNP_OFF_SIG_END - SNP_OFF_SIG_R);
  int ok
      = BN_bn2lebinpad (ECDSA_SIG_get0_r (sig), raw + SNP_OFF_SIG_R, SNP_SIG_COMPONENT_SIZE) > 0
        && BN_bn2lebinpad (ECDSA_SIG_get0_s (sig), raw + SNP_OFF_SIG_S, SNP_SIG_COMPONENT_SIZE) > 0;
  ECDSA_SIG_free (sig);
  if (!ok)
    return parma_error_make (err, EIO, "storing the ECDSA signature failed");
  return 0;
}
