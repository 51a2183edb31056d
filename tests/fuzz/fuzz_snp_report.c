/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: SNP report decoding (raw, hex, HCL, evidence JSON) and the
   host-supplied certificate table. */
#include "common/error.h"
#include "snp/snp.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct snp_report r;
  parma_error_t err = NULL;
  snp_report_decode_input (data, size, &r, NULL, &err);
  parma_error_release (&err);
  struct snp_certs *c = snp_certs_new ();
  snp_certs_add_cert_table (c, data, size, &err);
  parma_error_release (&err);
  snp_certs_free (c);
  return 0;
}
