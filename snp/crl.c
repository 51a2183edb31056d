/* SPDX-License-Identifier: Apache-2.0 */
/* Revocation (go-sev-guest verify CheckRevocations; notes/snp.md A3.2):
   AMD's KDS serves, per product, one CRL issued and signed by the ARK
   (https://kdsintf.amd.com/vcek/v1/<Product>/crl, RSASSA-PSS like the
   certificates).  It lists revoked ASKs/ASVKs: a VCEK is revoked by
   revoking the key that issued it.  parma never fetches it; the relying
   party passes the file it fetched (`parma-snp verify --crl`).
   Contract: the file is untrusted until its signature verifies with the
   ARK that anchored the chain; at most 1 MiB, PEM or DER. */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#define CRL_MAX (1u << 20)

static X509_CRL *
parse_crl (const char *buf, size_t len)
{
  if (len > INT32_MAX)
    return NULL;
  BIO *bio = BIO_new_mem_buf (buf, (int)len);
  X509_CRL *crl = bio ? PEM_read_bio_X509_CRL (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  if (crl)
    return crl;
  const unsigned char *p = (const unsigned char *)buf;
  crl = d2i_X509_CRL (NULL, &p, (long)len);
  if (crl && p != (const unsigned char *)buf + len)
    {
      X509_CRL_free (crl); /* trailing bytes: not one DER CRL */
      return NULL;
    }
  return crl;
}

static char *
serial_hex (X509 *cert)
{
  const ASN1_INTEGER *s = X509_get0_serialNumber (cert);
  BIGNUM *bn = s ? ASN1_INTEGER_to_BN (s, NULL) : NULL;
  char *hex = bn ? BN_bn2hex (bn) : NULL;
  BN_free (bn);
  char *out = xstrdup (hex ? hex : "?");
  OPENSSL_free (hex);
  return out;
}

/* <0 before, 0 inside, >0 after: `t` against the time of the check. */
static int
time_cmp (const ASN1_TIME *t, bool have_time, int64_t at)
{
  time_t when = have_time ? (time_t)at : time (NULL);
  return X509_cmp_time (t, &when) < 0 ? -1 : 1;
}

int
snp_crl_check (const char *path, X509 *ark, X509 *intermediate, bool have_time, int64_t at,
               char **why)
{
  *why = NULL;
  cleanup_free char *buf = NULL;
  size_t len = 0;
  parma_error_t err = NULL;
  if (read_file_at (AT_FDCWD, path, CRL_MAX, &buf, &len, &err) < 0)
    {
      *why = parma_error_format (err);
      parma_error_release (&err);
      return -1;
    }
  X509_CRL *crl = parse_crl (buf, len);
  if (crl == NULL)
    {
      *why = xasprintf ("`%s` is not a PEM or DER CRL", path);
      return -1;
    }
  int ret = -1;
  char issuer[256] = "";
  X509_NAME_oneline (X509_CRL_get_issuer (crl), issuer, sizeof issuer);
  EVP_PKEY *ark_key = X509_get0_pubkey (ark);
  const ASN1_TIME *next = X509_CRL_get0_nextUpdate (crl);
  X509_REVOKED *revoked = NULL;
  if (X509_NAME_cmp (X509_CRL_get_issuer (crl), X509_get_subject_name (ark)) != 0)
    *why = xasprintf ("issued by `%s`, not by the chain's ARK", issuer);
  else if (ark_key == NULL || X509_CRL_verify (crl, ark_key) != 1)
    *why = xasprintf ("its signature does not verify with the ARK's key");
  else if (time_cmp (X509_CRL_get0_lastUpdate (crl), have_time, at) > 0)
    *why = xasprintf ("not valid yet (thisUpdate after the verification time)");
  else if (next == NULL)
    *why = xasprintf ("it has no nextUpdate: no way to tell it is current");
  else if (time_cmp (next, have_time, at) < 0)
    *why = xasprintf ("out of date (nextUpdate before the verification time): fetch a fresh one");
  else if (intermediate && X509_CRL_get0_by_cert (crl, &revoked, intermediate) == 1)
    {
      char cn[128] = "";
      X509_NAME_get_text_by_NID (X509_get_subject_name (intermediate), NID_commonName, cn,
                                 sizeof cn);
      cleanup_free char *serial = serial_hex (intermediate);
      *why = xasprintf ("the %s (serial %s) is revoked", cn, serial);
    }
  else
    ret = 0;
  X509_CRL_free (crl);
  return ret;
}
