/* SPDX-License-Identifier: Apache-2.0 */
/* libsnp: AMD SEV-SNP attestation reports — parse, verify, fetch.

   The library parses no argv, prints nothing and never exits; every fallible
   function takes `parma_error_t *err` last and returns < 0 on failure.

   HOST_DATA binding (DESIGN §5).  The host sets HOST_DATA (32 bytes) at
   launch; parma puts SHA-256(canonical policy) there, and the runtime checks
   snp_report_host_data() against the policy hash it computed itself.  The
   REPORT_DATA it asks for binds the same policy hash to this boot:

     REPORT_DATA = SHA-512("parma-policy-v1" || policy_sha256[32] || boot_nonce[32])

   where boot_nonce is 32 random bytes drawn once per boot and kept with the
   cached result (snp_report_data_for_policy() computes it).  A relying party
   that gets the report, the policy and the nonce recomputes both values; a
   report replayed from another boot or made for another policy fails.

   The runtime's once-per-boot check, in short:

     struct snp_source src = { .backend = <attestation.backend>,
                               .device_path = <attestation.device>,     (sev-guest)
                               .tsm_path = <attestation.tsm_dir>,       (tsm)
                               .want_certs = <allow_security_context>,
                               .sim_dir = <state_dir>/snp-sim,          (sim only)
                               .sim_host_data = <attestation.sim_host_data> };
     struct snp_fetch_result res;
     if (snp_check_policy_binding (&src, policy_sha256, boot_nonce, &res, err) < 0)
       return -1;                        (fail closed: admit nothing)
     if (res.simulated)
       parma_warn ("%s", res.notice);    (and into the audit log, every call)
     ... cache res.raw, the nonce and the policy hash in the state dir ...
     snp_fetch_result_release (&res); */
#ifndef PARMA_SNP_SNP_H
#define PARMA_SNP_SNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define SNP_REPORT_SIZE 0x4A0u    /* 1184 bytes: ATTESTATION_REPORT */
#define SNP_SIGNED_SIZE 0x2A0u    /* the signature covers [0, 0x2A0) */
#define SNP_HCL_HEADER_SIZE 0x20u /* Azure "HCLA" header before the report */
#define SNP_REPORT_DATA_SIZE 64u
#define SNP_HOST_DATA_SIZE 32u
#define SNP_MEASUREMENT_SIZE 48u
#define SNP_CHIP_ID_SIZE 64u

enum snp_product
{
  SNP_PRODUCT_UNKNOWN = 0,
  SNP_PRODUCT_MILAN,
  SNP_PRODUCT_GENOA,
  SNP_PRODUCT_TURIN,
};
const char *snp_product_name (enum snp_product p);            /* "Milan", ..., "unknown" */
int snp_product_parse (const char *s, enum snp_product *out); /* case-insensitive */

/* TCB_VERSION: the raw u64 and its decoded SPLs.  Milan/Genoa: byte0 boot
   loader, byte1 TEE, byte6 SNP, byte7 microcode.  Turin: byte0 FMC, byte1
   boot loader, byte2 TEE, byte3 SNP, byte7 microcode. */
struct snp_tcb
{
  uint64_t raw;
  bool turin; /* which layout decoded `raw` */
  uint8_t fmc, bootloader, tee, snp, microcode;
};
void snp_tcb_decode (uint64_t raw, bool turin, struct snp_tcb *out);
uint64_t snp_tcb_encode (const struct snp_tcb *tcb); /* inverse, by tcb->turin */

/* Signing key in signer_info bits 4:2. */
enum snp_signing_key
{
  SNP_SIGNING_KEY_VCEK = 0,
  SNP_SIGNING_KEY_VLEK = 1,
  SNP_SIGNING_KEY_NONE = 7,
};

/* Guest policy bits (ABI spec table "GUEST_POLICY"). */
#define SNP_POLICY_SMT (1ull << 16)
#define SNP_POLICY_RESERVED_1 (1ull << 17) /* must be 1 */
#define SNP_POLICY_MIGRATE_MA (1ull << 18)
#define SNP_POLICY_DEBUG (1ull << 19)
#define SNP_POLICY_SINGLE_SOCKET (1ull << 20)
#define SNP_POLICY_CXL_ALLOW (1ull << 21)
#define SNP_POLICY_MEM_AES_256_XTS (1ull << 22)
#define SNP_POLICY_RAPL_DIS (1ull << 23)
#define SNP_POLICY_CIPHERTEXT_HIDING (1ull << 24)
#define SNP_POLICY_PAGE_SWAP_DISABLE (1ull << 25)

/* Every field of the report, decoded (host order).  `raw` keeps the exact
   1184 bytes: the signature is checked over raw[0, SNP_SIGNED_SIZE). */
struct snp_report
{
  uint32_t version;
  uint32_t guest_svn;
  uint64_t policy;
  uint8_t family_id[16];
  uint8_t image_id[16];
  uint32_t vmpl;
  uint32_t signature_algo;
  struct snp_tcb current_tcb;
  uint64_t platform_info;
  uint32_t signer_info; /* whole word; decoded below */
  bool author_key_en;
  bool mask_chip_key;
  uint32_t signing_key; /* enum snp_signing_key values */
  uint8_t report_data[SNP_REPORT_DATA_SIZE];
  uint8_t measurement[SNP_MEASUREMENT_SIZE];
  uint8_t host_data[SNP_HOST_DATA_SIZE];
  uint8_t id_key_digest[48];
  uint8_t author_key_digest[48];
  uint8_t report_id[32];
  uint8_t report_id_ma[32];
  struct snp_tcb reported_tcb;
  uint8_t cpuid_fam_id, cpuid_mod_id, cpuid_step; /* v3+, else 0 */
  uint8_t chip_id[SNP_CHIP_ID_SIZE];
  struct snp_tcb committed_tcb;
  uint8_t current_build, current_minor, current_major;
  uint8_t committed_build, committed_minor, committed_major;
  struct snp_tcb launch_tcb;
  uint64_t launch_mit_vector;  /* v5+, else 0 */
  uint64_t current_mit_vector; /* v5+, else 0 */
  uint8_t signature_r[72];     /* little-endian as in the report */
  uint8_t signature_s[72];
  enum snp_product product; /* from the v3+ CPUID bytes, else UNKNOWN */
  uint8_t raw[SNP_REPORT_SIZE];
};

/* Parses exactly SNP_REPORT_SIZE bytes of an ATTESTATION_REPORT.  Checks:
   length, version in 2..5, SIGNATURE_ALGO == 1, every MBZ/reserved range and
   bit zero, policy bit 17 set, signing key 0 (VCEK), 1 (VLEK) or 7 (none). */
int snp_report_parse (const uint8_t *buf, size_t len, struct snp_report *out, parma_error_t *err);

/* What snp_report_decode_input() found. */
enum snp_input_format
{
  SNP_INPUT_RAW,     /* 1184 raw bytes */
  SNP_INPUT_HEX,     /* hex text of the raw bytes (whitespace ignored) */
  SNP_INPUT_HCL,     /* Azure HCL report: "HCLA" header, report at 0x20 */
  SNP_INPUT_AZ_JSON, /* trustee az-snp evidence JSON: "report": HCL bytes */
};
const char *snp_input_format_name (enum snp_input_format f);

/* Recognises the input format (contract: `buf` is untrusted, any length;
   nothing is read outside [buf, buf+len)) and parses the report in it. */
int snp_report_decode_input (const uint8_t *buf, size_t len, struct snp_report *out,
                             enum snp_input_format *format, parma_error_t *err);
/* Reads a file (at most 1 MiB) and decodes it as above. */
int snp_report_load (const char *path, struct snp_report *out, enum snp_input_format *format,
                     parma_error_t *err);

static inline const uint8_t *
snp_report_host_data (const struct snp_report *r)
{
  return r->host_data;
}

/* REPORT_DATA = SHA-512("parma-policy-v1" || policy_sha256 || boot_nonce). */
int snp_report_data_for_policy (const uint8_t policy_sha256[32], const uint8_t boot_nonce[32],
                                uint8_t out[SNP_REPORT_DATA_SIZE], parma_error_t *err);

/* ---- verification --------------------------------------------------------- */

/* Certificates a relying party has: the VCEK or VLEK, the ASK or ASVK and
   the ARK (opaque: X509 objects inside). */
struct snp_certs;
struct snp_certs *snp_certs_new (void);
void snp_certs_free (struct snp_certs *c);
/* Adds every certificate in a PEM bundle (any order) or one DER certificate.
   Each is sorted by its subject: self-signed = ARK, CN SEV-VCEK/SEV-VLEK =
   endorsement key, else intermediate.  A second, different endorsement key
   or ARK is refused. */
int snp_certs_add_file (struct snp_certs *c, const char *path, parma_error_t *err);
int snp_certs_add_buf (struct snp_certs *c, const uint8_t *buf, size_t len, parma_error_t *err);
/* Adds the DER certificates of a GHCB cert table (SNP_GET_EXT_REPORT's
   certs, configfs-tsm's auxblob): untrusted, parsed with bounds checks. */
int snp_certs_add_cert_table (struct snp_certs *c, const uint8_t *table, size_t len,
                              parma_error_t *err);
/* PEM of every certificate held, endorsement key first, then ASK, ARK. */
int snp_certs_to_pem (const struct snp_certs *c, char **pem, size_t *len, parma_error_t *err);

struct snp_verify_opts
{
  bool have_time;
  int64_t at;                 /* verification time (unix seconds) when have_time, else now */
  const uint8_t *host_data;   /* 32 bytes, or NULL: not checked */
  const uint8_t *measurement; /* 48 bytes, or NULL */
  const uint8_t *report_data; /* 64 bytes, or NULL */
  const uint8_t *family_id;   /* 16 bytes, or NULL (ID block's, exact) */
  const uint8_t *image_id;    /* 16 bytes, or NULL */
  bool have_min_guest_svn;
  uint32_t min_guest_svn;     /* GUEST_SVN >= this */
  int vmpl;                   /* expected VMPL, or -1: not checked */
  bool allow_debug;           /* else policy DEBUG=1 fails */
  bool allow_migrate_ma;      /* else policy MIGRATE_MA=1 fails (an agent can export memory) */
  bool allow_provisional_tcb; /* else committed != current TCB fails */
  bool have_min_tcb;
  struct snp_tcb min_tcb;   /* each SPL of current/committed/reported >= this */
  enum snp_product product; /* UNKNOWN: any */
  /* The simulator's ARK is not an AMD root: accepted only when both are set
     and the chain's ARK is exactly this certificate. */
  bool allow_simulator;
  const char *simulator_ark_path; /* PEM or DER */
  /* The ARK's CRL (AMD KDS .../vcek/v1/<Product>/crl, fetched by the
     relying party; PEM or DER), or NULL: revocation not checked. */
  const char *crl_path;
};

struct snp_verify_result
{
  char **failures; /* NULL-terminated "check: why" lines; NULL when none */
  size_t n_failures;
  enum snp_product product; /* of the ARK that anchored the chain */
  bool simulator;           /* the chain ends at the simulator's ARK */
  bool vlek;                /* signed by a VLEK */
};
void snp_verify_result_release (struct snp_verify_result *res);

/* Runs every check and records each failure in `res`.  Returns 0 when all
   pass; otherwise -1 with *err set to a summary ("N checks failed: first").
   A failure to run at all (bad options) also returns -1 with *err set. */
int snp_verify (const struct snp_report *r, const struct snp_certs *certs,
                const struct snp_verify_opts *opts, struct snp_verify_result *res,
                parma_error_t *err);

/* Parses "bl=3,tee=0,snp=8,ucode=115[,fmc=N]" or a 0x-prefixed u64
   (decoded with the Milan/Genoa layout, or Turin when `turin`). */
int snp_tcb_parse (const char *s, bool turin, struct snp_tcb *out, parma_error_t *err);

/* ---- sources ---------------------------------------------------------------- */

enum snp_backend
{
  SNP_BACKEND_SEV_GUEST, /* /dev/sev-guest ioctls */
  SNP_BACKEND_TSM,       /* configfs-tsm report directory */
  SNP_BACKEND_SIM,       /* the software simulator: NOT a secure processor */
};
const char *snp_backend_name (enum snp_backend b); /* "sev-guest", "tsm", "sim" */
int snp_backend_parse (const char *s, enum snp_backend *out);

#define SNP_DEFAULT_DEVICE "/dev/sev-guest"
#define SNP_DEFAULT_TSM_DIR "/sys/kernel/config/tsm/report"
#define SNP_SIMULATOR_NOTICE                                                                       \
  "SEV-SNP SIMULATOR in use: this report is signed by a test key, NOT by an AMD secure processor"

struct snp_source
{
  enum snp_backend backend;
  const char *device_path; /* NULL: SNP_DEFAULT_DEVICE */
  const char *tsm_path;    /* NULL: SNP_DEFAULT_TSM_DIR */
  uint32_t vmpl;           /* requested VMPL (0-3) */
  bool want_certs;         /* sev-guest: SNP_GET_EXT_REPORT; tsm: auxblob */
  /* Simulator only. */
  const char *sim_dir;          /* cache of the test chain (created) */
  const uint8_t *sim_host_data; /* 32 bytes, or NULL: zero */
  uint32_t sim_version;         /* 0: 5 */
  enum snp_product sim_product; /* UNKNOWN: Genoa */
  uint64_t sim_policy;          /* guest policy; 0: 0x30000 (SMT, bit 17) */
};

struct snp_fetch_result
{
  struct snp_report report;
  uint8_t *raw; /* the report bytes as returned (SNP_REPORT_SIZE) */
  size_t raw_len;
  uint8_t *cert_table; /* GHCB cert table, or NULL */
  size_t cert_table_len;
  bool simulated;     /* true: the caller must print `notice` */
  const char *notice; /* SNP_SIMULATOR_NOTICE when simulated, else NULL */
};
void snp_fetch_result_release (struct snp_fetch_result *r);

/* Asks the chosen source for a report with this REPORT_DATA, parses it
   (snp_report_parse) and returns it. */
int snp_fetch_report (const struct snp_source *src, const uint8_t report_data[SNP_REPORT_DATA_SIZE],
                      struct snp_fetch_result *out, parma_error_t *err);

/* The once-per-boot check of DESIGN §5, for the runtime: REPORT_DATA from
   snp_report_data_for_policy(policy_sha256, boot_nonce), a fresh report from
   `src`, then HOST_DATA == policy_sha256 (CRYPTO_memcmp) and the guest
   policy's DEBUG bit clear (a debuggable guest's memory is open to the
   host, so its own checks prove nothing).  Fails closed: any error, a
   mismatch (EPERM, "host_data: ...") or DEBUG=1 (EPERM, "debug: ...")
   returns -1 and releases `out`.  On success `out` holds the report; the
   caller prints/logs out->notice when out->simulated. */
int snp_check_policy_binding (const struct snp_source *src, const uint8_t policy_sha256[32],
                              const uint8_t boot_nonce[32], struct snp_fetch_result *out,
                              parma_error_t *err);

/* Path of the simulator's ARK certificate (PEM) in `sim_dir`, creating the
   chain if needed; caller frees.  A verifier trusts it only explicitly. */
char *snp_sim_ark_path (const char *sim_dir, parma_error_t *err);

#endif
