/* SPDX-License-Identifier: Apache-2.0 */
/* libsnp internals shared between its source files (and its unit tests). */
#ifndef PARMA_SNP_INTERNAL_H
#define PARMA_SNP_INTERNAL_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "snp/snp.h"

/* Byte offsets of ATTESTATION_REPORT (AMD SEV-SNP ABI spec, table
   "ATTESTATION_REPORT Structure"; notes/snp.md A1). */
enum
{
  SNP_OFF_VERSION = 0x000,
  SNP_OFF_GUEST_SVN = 0x004,
  SNP_OFF_POLICY = 0x008,
  SNP_OFF_FAMILY_ID = 0x010,
  SNP_OFF_IMAGE_ID = 0x020,
  SNP_OFF_VMPL = 0x030,
  SNP_OFF_SIG_ALGO = 0x034,
  SNP_OFF_CURRENT_TCB = 0x038,
  SNP_OFF_PLATFORM_INFO = 0x040,
  SNP_OFF_SIGNER_INFO = 0x048,
  SNP_OFF_RESERVED_4C = 0x04C,
  SNP_OFF_REPORT_DATA = 0x050,
  SNP_OFF_MEASUREMENT = 0x090,
  SNP_OFF_HOST_DATA = 0x0C0,
  SNP_OFF_ID_KEY_DIGEST = 0x0E0,
  SNP_OFF_AUTHOR_KEY_DIGEST = 0x110,
  SNP_OFF_REPORT_ID = 0x140,
  SNP_OFF_REPORT_ID_MA = 0x160,
  SNP_OFF_REPORTED_TCB = 0x180,
  SNP_OFF_CPUID_FAM = 0x188,
  SNP_OFF_CPUID_MOD = 0x189,
  SNP_OFF_CPUID_STEP = 0x18A,
  SNP_OFF_CHIP_ID = 0x1A0,
  SNP_OFF_COMMITTED_TCB = 0x1E0,
  SNP_OFF_CURRENT_BUILD = 0x1E8, /* build, minor, major, reserved */
  SNP_OFF_COMMITTED_BUILD = 0x1EC,
  SNP_OFF_LAUNCH_TCB = 0x1F0,
  SNP_OFF_LAUNCH_MIT = 0x1F8,
  SNP_OFF_CURRENT_MIT = 0x200,
  SNP_OFF_SIG_R = 0x2A0,
  SNP_OFF_SIG_S = 0x2E8,
  SNP_OFF_SIG_END = 0x330,
};

#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1u
#define SNP_SIG_COMPONENT_SIZE 72u /* r and s, little-endian, zero-extended */
#define SNP_P384_BYTES 48u

static inline uint32_t
snp_get32 (const uint8_t *p)
{
  uint32_t v;
  memcpy (&v, p, sizeof v);
  return le32toh (v);
}
static inline uint64_t
snp_get64 (const uint8_t *p)
{
  uint64_t v;
  memcpy (&v, p, sizeof v);
  return le64toh (v);
}
static inline void
snp_put32 (uint8_t *p, uint32_t v)
{
  v = htole32 (v);
  memcpy (p, &v, sizeof v);
}
static inline void
snp_put64 (uint8_t *p, uint64_t v)
{
  v = htole64 (v);
  memcpy (p, &v, sizeof v);
}

/* Product from the CPUID family/model bytes (v3+). */
enum snp_product snp_product_from_cpuid (uint8_t family, uint8_t model);

/* ---- OpenSSL ownership (STYLE §3: one macro per foreign type) -------------- */
void snp_cleanup_x509p (X509 **p);
void snp_cleanup_pkeyp (EVP_PKEY **p);
void snp_cleanup_md_ctxp (EVP_MD_CTX **p);
#define cleanup_x509 __attribute__ ((cleanup (snp_cleanup_x509p)))
#define cleanup_pkey __attribute__ ((cleanup (snp_cleanup_pkeyp)))
#define cleanup_md_ctx __attribute__ ((cleanup (snp_cleanup_md_ctxp)))

/* Last OpenSSL error as text ("unknown" when the queue is empty); clears the
   queue.  Caller frees. */
char *snp_openssl_error (void);

/* Signs raw[0, SNP_SIGNED_SIZE) with `key` (P-384) and stores r, s
   little-endian into the signature fields. */
int snp_report_sign (uint8_t raw[SNP_REPORT_SIZE], EVP_PKEY *key, parma_error_t *err);
/* 0: verifies; -1 with *err = why not. */
int snp_report_check_signature (const uint8_t raw[SNP_REPORT_SIZE], EVP_PKEY *key,
                                parma_error_t *err);

/* ---- certificates -------------------------------------------------------- */

/* The AMD KDS extensions of a VCEK/VLEK (OID 1.3.6.1.4.1.3704.1.x). */
struct snp_cert_ext
{
  bool have_tcb;
  struct snp_tcb tcb; /* from 3.1 bl, 3.2 tee, 3.3 snp, 3.8 ucode, 3.9 fmc */
  bool have_fmc;
  uint8_t hwid[SNP_CHIP_ID_SIZE];
  size_t hwid_len;       /* 0 when absent, 64, or 8 (Turin) */
  char product_name[32]; /* "Milan-B0", "Genoa", "Turin", ... or "" */
  bool have_csp_id;      /* VLEK only */
};
int snp_cert_read_ext (X509 *cert, struct snp_cert_ext *out, parma_error_t *err);

/* The AMD extension OIDs, for the simulator's certificates. */
#define SNP_OID_STRUCT_VERSION "1.3.6.1.4.1.3704.1.1"
#define SNP_OID_PRODUCT_NAME "1.3.6.1.4.1.3704.1.2"
#define SNP_OID_BL_SPL "1.3.6.1.4.1.3704.1.3.1"
#define SNP_OID_TEE_SPL "1.3.6.1.4.1.3704.1.3.2"
#define SNP_OID_SNP_SPL "1.3.6.1.4.1.3704.1.3.3"
#define SNP_OID_UCODE_SPL "1.3.6.1.4.1.3704.1.3.8"
#define SNP_OID_FMC_SPL "1.3.6.1.4.1.3704.1.3.9"
#define SNP_OID_HWID "1.3.6.1.4.1.3704.1.4"
#define SNP_OID_CSP_ID "1.3.6.1.4.1.3704.1.5"

/* Certificate classes held by struct snp_certs. */
X509 *snp_certs_endorsement (const struct snp_certs *c);
X509 *snp_certs_intermediate (const struct snp_certs *c);
X509 *snp_certs_ark (const struct snp_certs *c);

/* Pinned AMD roots: the product whose ARK has this SHA-256 (of the DER), or
   SNP_PRODUCT_UNKNOWN. */
enum snp_product snp_pinned_ark_product (const uint8_t sha256[32]);
int snp_x509_sha256 (X509 *cert, uint8_t out[32], parma_error_t *err);
/* Loads one certificate from a PEM or DER file. */
int snp_x509_load_file (const char *path, X509 **out, parma_error_t *err);

/* Checks the ARK-issued CRL at `path` (PEM or DER): issuer and signature
   are the ARK's, thisUpdate <= time <= nextUpdate (time: `at` when
   have_time, else now), and `intermediate` (the ASK/ASVK) is not listed.
   Returns 0, or -1 with *why (caller frees) saying which rule failed. */
int snp_crl_check (const char *path, X509 *ark, X509 *intermediate, bool have_time, int64_t at,
                   char **why);

/* ---- /dev/sev-guest request/response (pure: tested without a device) ------ */

/* GHCB cert-table GUIDs (RFC 4122 byte order). */
extern const uint8_t snp_guid_vcek[16], snp_guid_vlek[16], snp_guid_ask[16], snp_guid_ark[16];

/* Fills the 96-byte SNP_GET_REPORT request payload (struct snp_report_req). */
void snp_guest_build_report_req (const uint8_t report_data[SNP_REPORT_DATA_SIZE], uint32_t vmpl,
                                 uint8_t req[96]);
/* Checks the firmware response (struct snp_report_resp: status, report_size,
   24 reserved bytes, report at 0x20) and copies the report out. */
int snp_guest_parse_report_resp (const uint8_t *resp, size_t len, uint8_t report[SNP_REPORT_SIZE],
                                 parma_error_t *err);
/* A clear message for a failed guest request ioctl. */
char *snp_guest_describe_error (int errnum, uint64_t exitinfo2);
/* Whether this failure is the "busy/throttled, try again" kind. */
bool snp_guest_error_is_busy (int errnum, uint64_t exitinfo2);

/* ---- sources ------------------------------------------------------------- */
int snp_fetch_sev_guest (const struct snp_source *src, const uint8_t rd[SNP_REPORT_DATA_SIZE],
                         uint8_t report[SNP_REPORT_SIZE], uint8_t **certs, size_t *certs_len,
                         parma_error_t *err);
int snp_fetch_tsm (const struct snp_source *src, const uint8_t rd[SNP_REPORT_DATA_SIZE],
                   uint8_t report[SNP_REPORT_SIZE], uint8_t **certs, size_t *certs_len,
                   parma_error_t *err);
int snp_fetch_sim (const struct snp_source *src, const uint8_t rd[SNP_REPORT_DATA_SIZE],
                   uint8_t report[SNP_REPORT_SIZE], uint8_t **certs, size_t *certs_len,
                   parma_error_t *err);

/* Marks of the simulator, so no verifier mistakes its output for AMD's. */
#define SNP_SIM_ARK_CN "PARMA SIMULATOR - NOT AMD - ARK"
#define SNP_SIM_ORG "PARMA SIMULATOR - NOT AMD"
#define SNP_SIM_CHIP_ID_PATTERN "PARMASIM" /* repeated over CHIP_ID */

#endif
