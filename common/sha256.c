/* SPDX-License-Identifier: Apache-2.0 */
/* The low-level SHA-256 API is deprecated in OpenSSL 3 in favour of EVP,
   whose first-use cost is what this file exists to avoid (sha256.h). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "common/sha256.h"

#include <openssl/sha.h>
#include <stdlib.h>

void
parma_sha256 (const void *buf, size_t len, uint8_t out[PARMA_SHA256_LEN])
{
  SHA256_CTX ctx;
  if (SHA256_Init (&ctx) != 1 || SHA256_Update (&ctx, buf, len) != 1
      || SHA256_Final (out, &ctx) != 1)
    abort (); /* cannot fail for an in-memory buffer; never return a wrong digest */
}
