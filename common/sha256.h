/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 for the per-call hot path (state keys, the pinned policy image).
   OpenSSL 3's one-shot SHA256()/EVP_Digest initialise the provider layer on
   first use: about 6 M instructions and 2 MiB of RSS in every parma-runc
   process (measured with callgrind, see README "Performance"), more than
   the whole rest of a call.  The low-level digest is the same OpenSSL
   implementation without that set-up. */
#ifndef PARMA_COMMON_SHA256_H
#define PARMA_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PARMA_SHA256_LEN 32

void parma_sha256 (const void *buf, size_t len, uint8_t out[PARMA_SHA256_LEN]);

#endif
