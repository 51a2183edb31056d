/* SPDX-License-Identifier: Apache-2.0 */
/* libsnp verification and the simulator source: real vectors, every
   single-bit flip of a signed report, simulator reports of versions 2/3/5
   and Turin, and the HOST_DATA binding API the runtime uses. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "snp/internal.h"
#include "snp/snp.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <time.h>

#define AT 1748736000 /* 2025-06-01Z: inside every vector's validity */

static char *
vec (const char *rel)
{
  const char *td = getenv ("PARMA_TESTDATA");
  return xasprintf ("%s/snp/%s", td ? td : "../shared/testdata", rel);
}

static char *
sim_dir (void)
{
  const char *w = getenv ("PARMA_WORK");
  return xasprintf ("%s/snp-sim-cache", w ? w : "/tmp/parma-tests");
}

static struct snp_certs *
certs_from (const char *a, const char *b)
{
  struct snp_certs *c = snp_certs_new ();
  parma_error_t err = NULL;
  cleanup_free char *pa = vec (a);
  cleanup_free char *pb = b ? vec (b) : NULL;
  if (snp_certs_add_file (c, pa, &err) < 0 || (pb && snp_certs_add_file (c, pb, &err) < 0))
    {
      fprintf (stderr, "# %s\n", err->msg);
      parma_error_release (&err);
      snp_certs_free (c);
      return NULL;
    }
  return c;
}

/* Runs snp_verify; returns the number of failures, -1 if it could not run.
   `first` gets the first failure line (or ""). */
static int
run_verify (const struct snp_report *r, const struct snp_certs *c, const struct snp_verify_opts *o,
            char *first, size_t first_len, bool *simulator)
{
  struct snp_verify_result res;
  parma_error_t err = NULL;
  int ret = snp_verify (r, c, o, &res, &err);
  int n = (int)res.n_failures;
  if (ret < 0 && n == 0)
    n = -1;
  snprintf (first, first_len, "%s", n > 0 ? res.failures[0] : "");
  if (simulator)
    *simulator = res.simulator;
  for (size_t i = 0; i < res.n_failures; i++)
    fprintf (stderr, "#   %s\n", res.failures[i]);
  parma_error_release (&err);
  snp_verify_result_release (&res);
  return n;
}

static int
test_aci_verifies_and_binds_policy (void)
{
  struct snp_report r;
  parma_error_t err = NULL;
  cleanup_free char *p = vec ("aci-sidecar/snp_report.bin");
  TAP_CHECK (snp_report_load (p, &r, NULL, &err) == 0);
  struct snp_certs *c = certs_from ("aci-sidecar/uvm_host_amd_certificate.pem", NULL);
  TAP_CHECK (c != NULL);
  /* HOST_DATA must be SHA-256 of the base64-decoded policy: decode here
     with OpenSSL's EVP_DecodeBlock, independent of the library. */
  cleanup_free char *b64p = vec ("aci-sidecar/uvm_security_policy.base64");
  cleanup_free char *b64 = NULL;
  size_t len = 0;
  TAP_CHECK (read_file_at (AT_FDCWD, b64p, 1 << 16, &b64, &len, &err) == 0);
  while (len && (b64[len - 1] == '\n' || b64[len - 1] == '\r'))
    b64[--len] = '\0';
  cleanup_free uint8_t *pol = xmalloc (len);
  int n = EVP_DecodeBlock (pol, (const unsigned char *)b64, (int)len);
  TAP_CHECK (n > 0);
  while (len > 0 && b64[len - 1] == '=')
    len--, n--; /* EVP_DecodeBlock counts padding bytes */
  uint8_t sha[32];
  unsigned int sl = 0;
  TAP_CHECK (EVP_Digest (pol, (size_t)n, sha, &sl, EVP_sha256 (), NULL) == 1);
  TAP_CHECK (CRYPTO_memcmp (sha, snp_report_host_data (&r), 32) == 0);
  struct snp_verify_opts o = { .have_time = true, .at = AT, .host_data = sha, .vmpl = 0 };
  char first[512];
  int fails = run_verify (&r, c, &o, first, sizeof first, NULL);
  snp_certs_free (c);
  TAP_CHECK (fails == 0);
  return 0;
}

/* Every single-bit flip in [0, 0x2A0) is either refused by the parser or
   fails the signature check; none verifies. */
static int
test_every_bit_flip_refused (void)
{
  struct snp_report good;
  parma_error_t err = NULL;
  cleanup_free char *p = vec ("virtee-sev/report_milan.hex");
  TAP_CHECK (snp_report_load (p, &good, NULL, &err) == 0);
  struct snp_certs *c = certs_from ("amd-roots/ask_ark_milan.pem", "virtee-sev/vcek_milan.der");
  TAP_CHECK (c != NULL);
  struct snp_verify_opts o = { .have_time = true, .at = AT, .vmpl = -1 };
  char first[512];
  TAP_CHECK (run_verify (&good, c, &o, first, sizeof first, NULL) == 0);
  int parsed = 0, bad = 0;
  for (size_t off = 0; off < SNP_SIGNED_SIZE; off += 3)
    {
      uint8_t raw[SNP_REPORT_SIZE];
      memcpy (raw, good.raw, SNP_REPORT_SIZE);
      raw[off] ^= (uint8_t)(1u << (off % 8));
      struct snp_report r;
      if (snp_report_parse (raw, SNP_REPORT_SIZE, &r, &err) < 0)
        {
          parma_error_release (&err);
          continue;
        }
      parsed++;
      struct snp_verify_result res;
      int ret = snp_verify (&r, c, &o, &res, &err);
      bool sig_failed = false;
      for (size_t i = 0; i < res.n_failures; i++)
        sig_failed |= strncmp (res.failures[i], "signature: ", 11) == 0;
      if (ret == 0 || !sig_failed)
        {
          fprintf (stderr, "# flip at 0x%zx not refused by the signature check\n", off);
          bad++;
        }
      parma_error_release (&err);
      snp_verify_result_release (&res);
    }
  snp_certs_free (c);
  TAP_CHECK (bad == 0 && parsed > 100);
  return 0;
}

static int
fetch_sim (uint32_t version, enum snp_product prod, const uint8_t *host_data, uint8_t rd_byte,
           struct snp_fetch_result *res)
{
  cleanup_free char *dir = sim_dir ();
  uint8_t rd[64];
  memset (rd, rd_byte, sizeof rd);
  struct snp_source src = { .backend = SNP_BACKEND_SIM,
                            .sim_dir = dir,
                            .sim_host_data = host_data,
                            .sim_version = version,
                            .sim_product = prod,
                            .want_certs = true };
  parma_error_t err = NULL;
  if (snp_fetch_report (&src, rd, res, &err) < 0)
    {
      fprintf (stderr, "# sim fetch: %s\n", err->msg);
      parma_error_release (&err);
      return -1;
    }
  return 0;
}

static int
verify_sim (const struct snp_fetch_result *res, bool allow, const char *ark_path, char *first,
            size_t first_len, bool *simulator)
{
  struct snp_certs *c = snp_certs_new ();
  parma_error_t err = NULL;
  if (snp_certs_add_cert_table (c, res->cert_table, res->cert_table_len, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      parma_error_release (&err);
      snp_certs_free (c);
      return -1;
    }
  struct snp_verify_opts o
      = { .vmpl = 0, .allow_simulator = allow, .simulator_ark_path = ark_path };
  int n = run_verify (&res->report, c, &o, first, first_len, simulator);
  snp_certs_free (c);
  return n;
}

static int
test_simulator_versions_and_products (void)
{
  uint8_t hd[32];
  memset (hd, 0x42, sizeof hd);
  const struct
  {
    uint32_t v;
    enum snp_product p;
  } cases[] = { { 0, SNP_PRODUCT_UNKNOWN }, /* defaults: v5 Genoa */
                { 2, SNP_PRODUCT_GENOA },
                { 3, SNP_PRODUCT_MILAN },
                { 4, SNP_PRODUCT_GENOA },
                { 5, SNP_PRODUCT_TURIN } };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct snp_fetch_result res;
      TAP_CHECK (fetch_sim (cases[i].v, cases[i].p, hd, (uint8_t)i, &res) == 0);
      const struct snp_report *r = &res.report;
      enum snp_product want = cases[i].p == SNP_PRODUCT_UNKNOWN ? SNP_PRODUCT_GENOA : cases[i].p;
      TAP_CHECK (r->version == (cases[i].v ? cases[i].v : 5));
      TAP_CHECK (res.simulated && res.notice && strstr (res.notice, "SIMULATOR"));
      TAP_CHECK (memcmp (r->host_data, hd, 32) == 0 && r->report_data[63] == (uint8_t)i);
      TAP_CHECK (memcmp (r->chip_id, "PARMASIM", 8) == 0);
      TAP_CHECK (r->version == 2 ? r->product == SNP_PRODUCT_UNKNOWN : r->product == want);
      TAP_CHECK (r->reported_tcb.turin == (want == SNP_PRODUCT_TURIN));
      if (want == SNP_PRODUCT_TURIN)
        TAP_CHECK (r->reported_tcb.fmc == 1 && r->reported_tcb.microcode == 115
                   && r->chip_id[8] == 0);
      cleanup_free char *dir = sim_dir ();
      cleanup_free char *ark = xasprintf ("%s/%s/ark.pem", dir, snp_product_name (want));
      char first[512];
      bool sim = false;
      TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, &sim) == 0 && sim);
      /* Without --allow-simulator: refused at the chain, naming it. */
      TAP_CHECK (verify_sim (&res, false, NULL, first, sizeof first, &sim) == 1);
      TAP_CHECK (strstr (first, "chain: ") == first && strstr (first, "simulator") != NULL);
      snp_fetch_result_release (&res);
    }
  return 0;
}

static int
test_simulator_needs_its_own_ark (void)
{
  struct snp_fetch_result res;
  TAP_CHECK (fetch_sim (5, SNP_PRODUCT_GENOA, NULL, 7, &res) == 0);
  char first[512];
  bool sim = true;
  /* --allow-simulator with some other certificate as "the" ARK. */
  cleanup_free char *other = vec ("amd-roots/ask_ark_genoa.pem");
  TAP_CHECK (verify_sim (&res, true, other, first, sizeof first, &sim) == 1 && !sim);
  TAP_CHECK (strstr (first, "not a pinned AMD root") != NULL);
  /* A simulator Milan chain does not vouch for a Genoa report. */
  cleanup_free char *dir = sim_dir ();
  cleanup_free char *milan_ark = xasprintf ("%s/Milan/ark.pem", dir);
  struct snp_fetch_result m;
  TAP_CHECK (fetch_sim (3, SNP_PRODUCT_MILAN, NULL, 1, &m) == 0);
  TAP_CHECK (verify_sim (&res, true, milan_ark, first, sizeof first, &sim) == 1);
  snp_fetch_result_release (&m);
  /* Tampering with a simulator report is caught like a real one. */
  res.report.raw[SNP_OFF_HOST_DATA] ^= 1;
  cleanup_free char *ark = xasprintf ("%s/Genoa/ark.pem", dir);
  TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, &sim) == 1);
  TAP_CHECK (strstr (first, "signature: ") == first);
  snp_fetch_result_release (&res);
  return 0;
}

/* What the runtime does once per boot: REPORT_DATA from the policy hash and
   a nonce, fetch, compare HOST_DATA. */
static int
test_host_data_binding_flow (void)
{
  uint8_t policy_sha[32], nonce[32], rd[64];
  for (int i = 0; i < 32; i++)
    policy_sha[i] = (uint8_t)(0xc0 + i), nonce[i] = (uint8_t)(7 * i);
  parma_error_t err = NULL;
  TAP_CHECK (snp_report_data_for_policy (policy_sha, nonce, rd, &err) == 0);
  cleanup_free char *dir = sim_dir ();
  struct snp_source src
      = { .backend = SNP_BACKEND_SIM, .sim_dir = dir, .sim_host_data = policy_sha };
  struct snp_fetch_result res;
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  TAP_CHECK (snp_fetch_report (&src, rd, &res, &err) == 0);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  fprintf (stderr, "# simulator report (chain cached): %.2f ms\n",
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  TAP_CHECK (res.raw_len == SNP_REPORT_SIZE && res.cert_table == NULL);
  TAP_CHECK (CRYPTO_memcmp (snp_report_host_data (&res.report), policy_sha, 32) == 0);
  TAP_CHECK (memcmp (res.report.report_data, rd, 64) == 0);
  snp_fetch_result_release (&res);
  /* A different host: HOST_DATA differs, the runtime must refuse. */
  uint8_t other[32];
  memset (other, 0, sizeof other);
  src.sim_host_data = other;
  TAP_CHECK (snp_fetch_report (&src, rd, &res, &err) == 0);
  TAP_CHECK (CRYPTO_memcmp (snp_report_host_data (&res.report), policy_sha, 32) != 0);
  snp_fetch_result_release (&res);
  /* Missing sim_dir: a clear error, no crash. */
  src.sim_dir = NULL;
  TAP_CHECK (snp_fetch_report (&src, rd, &res, &err) < 0);
  TAP_CHECK (strstr (err->msg, "simulator") != NULL);
  parma_error_release (&err);
  return 0;
}

static int
test_check_policy_binding (void)
{
  uint8_t policy_sha[32], nonce[32], rd[64];
  memset (policy_sha, 0x3c, sizeof policy_sha);
  memset (nonce, 0x11, sizeof nonce);
  cleanup_free char *dir = sim_dir ();
  struct snp_source src
      = { .backend = SNP_BACKEND_SIM, .sim_dir = dir, .sim_host_data = policy_sha };
  struct snp_fetch_result res;
  parma_error_t err = NULL;
  TAP_CHECK (snp_check_policy_binding (&src, policy_sha, nonce, &res, &err) == 0);
  TAP_CHECK (res.simulated && res.raw != NULL);
  TAP_CHECK (snp_report_data_for_policy (policy_sha, nonce, rd, &err) == 0);
  TAP_CHECK (memcmp (res.report.report_data, rd, 64) == 0);
  snp_fetch_result_release (&res);
  /* The host launched us with other HOST_DATA: refused, nothing returned. */
  uint8_t other[32];
  memset (other, 0x3d, sizeof other);
  src.sim_host_data = other;
  TAP_CHECK (snp_check_policy_binding (&src, policy_sha, nonce, &res, &err) < 0);
  TAP_CHECK (err->status == EPERM
             && strstr (err->msg, "host_data: the report's HOST_DATA 3d3d") != NULL);
  TAP_CHECK (res.raw == NULL);
  parma_error_release (&err);
  /* A debuggable guest proves nothing: refused even with the right HOST_DATA. */
  src.sim_host_data = policy_sha;
  src.sim_policy = 0x30000 | SNP_POLICY_DEBUG;
  TAP_CHECK (snp_check_policy_binding (&src, policy_sha, nonce, &res, &err) < 0);
  TAP_CHECK (err->status == EPERM && strstr (err->msg, "debug: ") != NULL && res.raw == NULL);
  parma_error_release (&err);
  src.sim_policy = 0;
  /* No source at all: fails closed with the source's error. */
  src.backend = SNP_BACKEND_SEV_GUEST;
  src.device_path = "/nonexistent/sev-guest";
  TAP_CHECK (snp_check_policy_binding (&src, policy_sha, nonce, &res, &err) < 0);
  TAP_CHECK (strncmp (err->msg, "attestation: sev-guest: open", 28) == 0);
  parma_error_release (&err);
  return 0;
}

/* Edits a simulator report and re-signs it with the simulator's VCEK key
   (what the README suggests for cases no real report covers). */
static int
resign (struct snp_fetch_result *res, const char *product_dir)
{
  cleanup_free char *dir = sim_dir ();
  cleanup_free char *kp = xasprintf ("%s/%s/vcek-key.pem", dir, product_dir);
  FILE *f = fopen (kp, "re");
  if (f == NULL)
    return -1;
  EVP_PKEY *key = PEM_read_PrivateKey (f, NULL, NULL, NULL);
  fclose (f);
  parma_error_t err = NULL;
  int ret = key ? snp_report_sign (res->report.raw, key, &err) : -1;
  EVP_PKEY_free (key);
  struct snp_report copy;
  if (ret == 0)
    ret = snp_report_parse (res->report.raw, SNP_REPORT_SIZE, &copy, &err);
  if (ret == 0)
    res->report = copy;
  parma_error_release (&err);
  return ret;
}

static int
test_policy_rules_on_resigned_reports (void)
{
  struct snp_fetch_result res;
  TAP_CHECK (fetch_sim (5, SNP_PRODUCT_GENOA, NULL, 9, &res) == 0);
  cleanup_free char *dir = sim_dir ();
  cleanup_free char *ark = xasprintf ("%s/Genoa/ark.pem", dir);
  char first[512];
  uint64_t pol = snp_get64 (res.report.raw + SNP_OFF_POLICY);
  snp_put64 (res.report.raw + SNP_OFF_POLICY, pol | SNP_POLICY_MIGRATE_MA);
  TAP_CHECK (resign (&res, "Genoa") == 0);
  TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, NULL) == 1);
  TAP_CHECK (strncmp (first, "migrate-ma: ", 12) == 0);
  snp_put64 (res.report.raw + SNP_OFF_POLICY, pol | SNP_POLICY_DEBUG);
  TAP_CHECK (resign (&res, "Genoa") == 0);
  TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, NULL) == 1);
  TAP_CHECK (strncmp (first, "debug: ", 7) == 0);
  /* Committed firmware older than current: provisional. */
  snp_put64 (res.report.raw + SNP_OFF_POLICY, pol);
  res.report.raw[SNP_OFF_COMMITTED_BUILD + 1] = 57;
  TAP_CHECK (resign (&res, "Genoa") == 0);
  TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, NULL) == 1);
  TAP_CHECK (strncmp (first, "provisional-tcb: ", 17) == 0);
  /* Signed by "no key" (signing key 7): refused by the signer check. */
  res.report.raw[SNP_OFF_COMMITTED_BUILD + 1] = 58;
  snp_put32 (res.report.raw + SNP_OFF_SIGNER_INFO, 7u << 2);
  TAP_CHECK (resign (&res, "Genoa") == 0);
  TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, NULL) >= 1);
  TAP_CHECK (strstr (first, "signer: the report is not signed") == first);
  /* MASK_CHIP_KEY with a zero CHIP_ID: nothing to compare, verifies. */
  snp_put32 (res.report.raw + SNP_OFF_SIGNER_INFO, 2);
  memset (res.report.raw + SNP_OFF_CHIP_ID, 0, SNP_CHIP_ID_SIZE);
  TAP_CHECK (resign (&res, "Genoa") == 0 && res.report.mask_chip_key);
  TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, NULL) == 0);
  /* ...but a CHIP_ID that is neither masked nor the VCEK's fails. */
  snp_put32 (res.report.raw + SNP_OFF_SIGNER_INFO, 0);
  res.report.raw[SNP_OFF_CHIP_ID] = 1;
  TAP_CHECK (resign (&res, "Genoa") == 0);
  TAP_CHECK (verify_sim (&res, true, ark, first, sizeof first, NULL) == 1);
  TAP_CHECK (strncmp (first, "hwid: ", 6) == 0);
  snp_fetch_result_release (&res);
  return 0;
}

static X509 *
load_cert (const char *rel)
{
  cleanup_free char *p = vec (rel);
  X509 *c = NULL;
  parma_error_t err = NULL;
  if (snp_x509_load_file (p, &c, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      parma_error_release (&err);
    }
  return c;
}

/* trustee's edited VCEKs hold the two hwID encodings and a 2-byte ucode
   INTEGER; virtee's Turin VCEK an 8-byte hwID and the FMC SPL. */
static int
test_kds_extension_encodings (void)
{
  uint8_t seq[64];
  for (int i = 0; i < 64; i++)
    seq[i] = (uint8_t)i;
  struct snp_cert_ext e;
  parma_error_t err = NULL;
  cleanup_x509 X509 *legacy = load_cert ("trustee/test-vcek-invalid-legacy.der");
  TAP_CHECK (legacy && snp_cert_read_ext (legacy, &e, &err) == 0);
  TAP_CHECK (e.have_tcb && e.tcb.microcode == 0xa9 && e.tcb.snp == 0x0a && !e.have_fmc);
  TAP_CHECK (e.hwid_len == 64 && memcmp (e.hwid, seq, 64) == 0);
  TAP_CHECK_STR (e.product_name, "Milan-B0");
  cleanup_x509 X509 *wrapped = load_cert ("trustee/test-vcek-invalid-new.der");
  TAP_CHECK (wrapped && snp_cert_read_ext (wrapped, &e, &err) == 0);
  TAP_CHECK (e.hwid_len == 64 && memcmp (e.hwid, seq, 64) == 0 && e.tcb.microcode == 0x1e);
  cleanup_x509 X509 *turin = load_cert ("virtee-sev/vcek_turin.der");
  TAP_CHECK (turin && snp_cert_read_ext (turin, &e, &err) == 0);
  static const uint8_t turin_hwid[8] = { 0x1e, 0x55, 0x0a, 0x8e, 0xe5, 0xcf, 0x9f, 0x4d };
  TAP_CHECK (e.hwid_len == 8 && memcmp (e.hwid, turin_hwid, 8) == 0);
  TAP_CHECK (e.have_fmc && e.tcb.turin && e.have_tcb);
  TAP_CHECK_STR (e.product_name, "Turin");
  cleanup_x509 X509 *vlek = load_cert ("trustee/test-vlek.der");
  TAP_CHECK (vlek && snp_cert_read_ext (vlek, &e, &err) == 0);
  TAP_CHECK (e.have_csp_id && e.hwid_len == 0 && e.tcb.raw == 0xd918000000000004ull);
  return 0;
}

/* AMD's real Turin chain (no public Turin report exists): with a simulated
   Turin report the chain check passes, and only the report-bound checks
   (signature, TCB, hwID) fail. */
static int
test_real_turin_chain (void)
{
  struct snp_fetch_result res;
  TAP_CHECK (fetch_sim (5, SNP_PRODUCT_TURIN, NULL, 3, &res) == 0);
  struct snp_certs *c
      = certs_from ("amd-roots/ask_ark_turin_vcek.pem", "virtee-sev/vcek_turin.der");
  TAP_CHECK (c != NULL);
  struct snp_verify_opts o = { .have_time = true, .at = AT, .vmpl = -1 };
  struct snp_verify_result vr;
  parma_error_t err = NULL;
  TAP_CHECK (snp_verify (&res.report, c, &o, &vr, &err) < 0);
  bool chain = false, sig = false, hwid = false, product = false;
  for (size_t i = 0; i < vr.n_failures; i++)
    {
      fprintf (stderr, "#   %s\n", vr.failures[i]);
      chain |= strncmp (vr.failures[i], "chain:", 6) == 0;
      sig |= strncmp (vr.failures[i], "signature:", 10) == 0;
      hwid |= strncmp (vr.failures[i], "hwid:", 5) == 0;
      product |= strncmp (vr.failures[i], "product:", 8) == 0;
    }
  TAP_CHECK (!chain && sig && hwid && !product && vr.product == SNP_PRODUCT_TURIN);
  parma_error_release (&err);
  snp_verify_result_release (&vr);
  snp_certs_free (c);
  snp_fetch_result_release (&res);
  return 0;
}

static int
test_backend_names (void)
{
  enum snp_backend b;
  TAP_CHECK (snp_backend_parse ("sev-guest", &b) == 0 && b == SNP_BACKEND_SEV_GUEST);
  TAP_CHECK (snp_backend_parse ("tsm", &b) == 0 && b == SNP_BACKEND_TSM);
  TAP_CHECK (snp_backend_parse ("sim", &b) == 0 && b == SNP_BACKEND_SIM);
  TAP_CHECK (snp_backend_parse ("SIM", &b) < 0 && snp_backend_parse ("", &b) < 0);
  return 0;
}

/* Timing of a full verification of each real report (reported, not
   asserted beyond a generous bound). */
static int
test_verify_timing (void)
{
  struct snp_report r;
  parma_error_t err = NULL;
  cleanup_free char *p = vec ("trustee/az-evidence-genoa.json");
  TAP_CHECK (snp_report_load (p, &r, NULL, &err) == 0);
  struct snp_certs *c = certs_from ("amd-roots/ask_ark_genoa.pem", "trustee/az-vcek-genoa.pem");
  TAP_CHECK (c != NULL);
  struct snp_verify_opts o = { .have_time = true, .at = AT, .vmpl = -1 };
  struct timespec t0, t1;
  const int n = 50;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  int fails = 0;
  for (int i = 0; i < n; i++)
    {
      struct snp_verify_result res;
      fails += snp_verify (&r, c, &o, &res, &err) < 0;
      parma_error_release (&err);
      snp_verify_result_release (&res);
    }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double ms = ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / n;
  fprintf (stderr, "# verify (signature + RSA-PSS chain + checks): %.3f ms per report\n", ms);
  snp_certs_free (c);
  TAP_CHECK (fails == 0 && ms < 100);
  return 0;
}

TAP_MAIN ({ "ACI report verifies; HOST_DATA = sha256(policy)", test_aci_verifies_and_binds_policy },
          { "every bit flip of the signed part refused", test_every_bit_flip_refused },
          { "simulator v2/3/4/5, Milan/Genoa/Turin", test_simulator_versions_and_products },
          { "simulator chain needs its own ARK", test_simulator_needs_its_own_ark },
          { "HOST_DATA binding flow", test_host_data_binding_flow },
          { "snp_check_policy_binding", test_check_policy_binding },
          { "KDS extension encodings", test_kds_extension_encodings },
          { "policy rules on re-signed reports", test_policy_rules_on_resigned_reports },
          { "AMD Turin chain with a simulated Turin report", test_real_turin_chain },
          { "backend names", test_backend_names }, { "verify timing", test_verify_timing })
