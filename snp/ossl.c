/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL glue: cleanup helpers and error text. */
#include "snp/internal.h"

#include "common/xalloc.h"

#include <openssl/err.h>

void
snp_cleanup_x509p (X509 **p)
{
  X509_free (*p);
}

void
snp_cleanup_pkeyp (EVP_PKEY **p)
{
  EVP_PKEY_free (*p);
}

void
snp_cleanup_md_ctxp (EVP_MD_CTX **p)
{
  EVP_MD_CTX_free (*p);
}

char *
snp_openssl_error (void)
{
  unsigned long e = ERR_get_error ();
  char buf[256];
  if (e == 0)
    return xstrdup ("unknown OpenSSL error");
  ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  return xstrdup (buf);
}
