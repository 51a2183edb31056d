/* SPDX-License-Identifier: Apache-2.0 */
/* One entry for every report source; the runtime picks the backend from
   its build-time configuration (attestation.backend), never from argv. */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>

const char *
snp_backend_name (enum snp_backend b)
{
  switch (b)
    {
    case SNP_BACKEND_SEV_GUEST:
      return "sev-guest";
    case SNP_BACKEND_TSM:
      return "tsm";
    case SNP_BACKEND_SIM:
      return "sim";
    }
  return "unknown";
}

int
snp_backend_parse (const char *s, enum snp_backend *out)
{
  static const enum snp_backend all[] = { SNP_BACKEND_SEV_GUEST, SNP_BACKEND_TSM, SNP_BACKEND_SIM };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (strcmp (s, snp_backend_name (all[i])) == 0)
      {
        *out = all[i];
        return 0;
      }
  return -1;
}

void
snp_fetch_result_release (struct snp_fetch_result *r)
{
  free (r->raw);
  free (r->cert_table);
  memset (r, 0, sizeof *r);
}

int
snp_fetch_report (const struct snp_source *src, const uint8_t report_data[SNP_REPORT_DATA_SIZE],
                  struct snp_fetch_result *out, parma_error_t *err)
{
  memset (out, 0, sizeof *out);
  uint8_t raw[SNP_REPORT_SIZE];
  cleanup_free uint8_t *certs = NULL;
  size_t certs_len = 0;
  int ret;
  switch (src->backend)
    {
    case SNP_BACKEND_SEV_GUEST:
      ret = snp_fetch_sev_guest (src, report_data, raw, &certs, &certs_len, err);
      break;
    case SNP_BACKEND_TSM:
      ret = snp_fetch_tsm (src, report_data, raw, &certs, &certs_len, err);
      break;
    case SNP_BACKEND_SIM:
      ret = snp_fetch_sim (src, report_data, raw, &certs, &certs_len, err);
      out->simulated = true;
      out->notice = SNP_SIMULATOR_NOTICE;
      break;
    default:
      return parma_error_make (err, EINVAL, "unknown attestation backend %d", (int)src->backend);
    }
  if (ret < 0)
    return ret;
  if (snp_report_parse (raw, sizeof raw, &out->report, err) < 0)
    return parma_error_wrap (err, "%s", snp_backend_name (src->backend));
  /* The secure processor echoes REPORT_DATA: anything else is not our
     report (a confused or hostile source). */
  if (CRYPTO_memcmp (out->report.report_data, report_data, SNP_REPORT_DATA_SIZE) != 0)
    return parma_error_make (err, EIO, "%s: the report's REPORT_DATA is not the one requested",
                             snp_backend_name (src->backend));
  out->raw = xmemdup (raw, sizeof raw);
  out->raw_len = sizeof raw;
  out->cert_table = steal_pointer (&certs);
  out->cert_table_len = certs_len;
  return 0;
}

int
snp_check_policy_binding (const struct snp_source *src, const uint8_t policy_sha256[32],
                          const uint8_t boot_nonce[32], struct snp_fetch_result *out,
                          parma_error_t *err)
{
  uint8_t rd[SNP_REPORT_DATA_SIZE];
  if (snp_report_data_for_policy (policy_sha256, boot_nonce, rd, err) < 0
      || snp_fetch_report (src, rd, out, err) < 0)
    {
      snp_fetch_result_release (out);
      return parma_error_wrap (err, "attestation");
    }
  int ret = 0;
  if (CRYPTO_memcmp (snp_report_host_data (&out->report), policy_sha256, SNP_HOST_DATA_SIZE) != 0)
    {
      cleanup_free char *got = hex_encode (snp_report_host_data (&out->report), SNP_HOST_DATA_SIZE);
      cleanup_free char *want = hex_encode (policy_sha256, SNP_HOST_DATA_SIZE);
      ret = parma_error_make (err, EPERM,
                              "attestation: host_data: the report's HOST_DATA %s is not the policy "
                              "hash %s",
                              got, want);
    }
  else if (out->report.policy & SNP_POLICY_DEBUG)
    ret = parma_error_make (
        err, EPERM, "attestation: debug: the guest policy 0x%llx allows debugging (DEBUG=1)",
        (unsigned long long)out->report.policy);
  if (ret < 0)
    snp_fetch_result_release (out);
  return ret;
}
