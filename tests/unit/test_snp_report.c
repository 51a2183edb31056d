/* SPDX-License-Identifier: Apache-2.0 */
/* libsnp parsing, the /dev/sev-guest request/response helpers, the cert
   table and the pinned ARKs, against the real vectors in shared/testdata. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "snp/internal.h"
#include "snp/snp.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <linux/sev-guest.h>

static char *
vec (const char *rel)
{
  const char *td = getenv ("PARMA_TESTDATA");
  return xasprintf ("%s/snp/%s", td ? td : "../shared/testdata", rel);
}

static int
load (const char *rel, struct snp_report *r, enum snp_input_format *fmt)
{
  cleanup_free char *p = vec (rel);
  parma_error_t err = NULL;
  if (snp_report_load (p, r, fmt, &err) < 0)
    {
      fprintf (stderr, "# %s: %s\n", rel, err->msg);
      parma_error_release (&err);
      return -1;
    }
  return 0;
}

static int
hex_is (const uint8_t *p, size_t n, const char *want_prefix)
{
  cleanup_free char *h = hex_encode (p, n);
  return strncmp (h, want_prefix, strlen (want_prefix)) == 0;
}

static int
test_real_reports_expected_values (void)
{
  struct snp_report r;
  enum snp_input_format f;
  TAP_CHECK (load ("aci-sidecar/snp_report.bin", &r, &f) == 0 && f == SNP_INPUT_RAW);
  TAP_CHECK (r.version == 2 && r.guest_svn == 2 && r.policy == 0x3001f && r.vmpl == 0);
  TAP_CHECK (r.signature_algo == 1 && r.signer_info == 0 && r.platform_info == 1);
  TAP_CHECK (r.current_tcb.raw == 0x7308000000000003ull && r.reported_tcb.raw == r.current_tcb.raw);
  TAP_CHECK (r.reported_tcb.bootloader == 3 && r.reported_tcb.tee == 0 && r.reported_tcb.snp == 8
             && r.reported_tcb.microcode == 115 && !r.reported_tcb.turin);
  TAP_CHECK (r.current_major == 1 && r.current_minor == 52 && r.current_build == 4);
  TAP_CHECK (hex_is (snp_report_host_data (&r), 32,
                     "cadd74f71ebb8fbf9782baab649612520f3c416bc5ce9ac768808ddc8d9b031c"));
  TAP_CHECK (hex_is (r.chip_id, 64, "b12164b45a2a2742") && r.product == SNP_PRODUCT_UNKNOWN);

  TAP_CHECK (load ("go-sev-guest/attestation.bin", &r, NULL) == 0);
  TAP_CHECK (r.policy == 0xb0000 && (r.policy & SNP_POLICY_DEBUG));
  TAP_CHECK (r.current_tcb.raw == 0x4405000000000002ull && r.current_minor == 49);

  TAP_CHECK (load ("trustee/test-vlek-report.bin", &r, NULL) == 0);
  TAP_CHECK (r.version == 3 && r.vmpl == 1 && r.signing_key == SNP_SIGNING_KEY_VLEK);
  TAP_CHECK (r.platform_info == 0x27 && r.product == SNP_PRODUCT_MILAN);
  TAP_CHECK (r.cpuid_fam_id == 0x19 && r.cpuid_mod_id == 1 && r.cpuid_step == 1);
  TAP_CHECK (r.reported_tcb.raw == 0xd918000000000004ull && r.reported_tcb.snp == 24
             && r.reported_tcb.microcode == 217);
  TAP_CHECK (r.committed_tcb.raw == 0xdb18000000000004ull && r.current_build == 29);

  TAP_CHECK (load ("trustee/extracted-az-genoa-snp-report.bin", &r, NULL) == 0);
  TAP_CHECK (r.version == 3 && r.guest_svn == 0x1000b && r.product == SNP_PRODUCT_GENOA);
  TAP_CHECK (r.platform_info == 0x24 && r.current_tcb.raw == 0x541700000000000aull);
  TAP_CHECK (hex_is (r.family_id, 16, "01232000"));

  struct snp_report hcl;
  TAP_CHECK (load ("trustee/az-hcl-report.bin", &hcl, &f) == 0 && f == SNP_INPUT_HCL);
  TAP_CHECK (load ("trustee/extracted-az-milan-snp-report.bin", &r, NULL) == 0);
  TAP_CHECK (memcmp (hcl.raw, r.raw, SNP_REPORT_SIZE) == 0 && r.guest_svn == 5);
  TAP_CHECK (r.current_tcb.raw == 0xd208000000000003ull && hex_is (r.measurement, 48, "9ac48fca"));

  TAP_CHECK (load ("trustee/az-evidence-genoa.json", &r, &f) == 0 && f == SNP_INPUT_AZ_JSON);
  TAP_CHECK (r.product == SNP_PRODUCT_GENOA && hex_is (r.chip_id, 64, "0506ffba875e939c"));
  TAP_CHECK (load ("virtee-sev/report_milan.hex", &r, &f) == 0 && f == SNP_INPUT_HEX);
  TAP_CHECK (r.policy == 0x30000 && hex_is (r.measurement, 48, "7a1e5c26"));
  return 0;
}

static int
milan_raw (uint8_t raw[SNP_REPORT_SIZE])
{
  struct snp_report r;
  if (load ("aci-sidecar/snp_report.bin", &r, NULL) < 0)
    return -1;
  memcpy (raw, r.raw, SNP_REPORT_SIZE);
  return 0;
}

static int
refuses (const uint8_t *raw, size_t len, const char *needle)
{
  struct snp_report r;
  parma_error_t err = NULL;
  if (snp_report_parse (raw, len, &r, &err) == 0)
    return 0;
  int ok = strstr (err->msg, needle) != NULL;
  if (!ok)
    fprintf (stderr, "# got `%s`, want `%s`\n", err->msg, needle);
  parma_error_release (&err);
  return ok;
}

static int
test_malformed_reports_refused (void)
{
  uint8_t raw[SNP_REPORT_SIZE], b[SNP_REPORT_SIZE + 1];
  TAP_CHECK (milan_raw (raw) == 0);
  TAP_CHECK (refuses (raw, SNP_REPORT_SIZE - 1, "1183 bytes"));
  memcpy (b, raw, SNP_REPORT_SIZE);
  b[SNP_REPORT_SIZE] = 0;
  TAP_CHECK (refuses (b, sizeof b, "1185 bytes"));
  const uint32_t bad_versions[] = { 0, 1, 6, 0xffffffff };
  for (size_t i = 0; i < 4; i++)
    {
      memcpy (b, raw, SNP_REPORT_SIZE);
      snp_put32 (b, bad_versions[i]);
      TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "unknown version"));
    }
  memcpy (b, raw, SNP_REPORT_SIZE);
  snp_put32 (b + SNP_OFF_SIG_ALGO, 2);
  TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "signature_algo 2"));
  /* Every reserved byte, one at a time. */
  const size_t mbz[]
      = { 0x4c, 0x188, 0x19f, 0x1eb, 0x1ef, 0x1f8, 0x29f, 0x2d0, 0x320, 0x330, 0x49f };
  for (size_t i = 0; i < sizeof mbz / sizeof mbz[0]; i++)
    {
      memcpy (b, raw, SNP_REPORT_SIZE);
      b[mbz[i]] = 0x80;
      TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "must be zero"));
    }
  memcpy (b, raw, SNP_REPORT_SIZE);
  snp_put64 (b + SNP_OFF_POLICY, 0x1f); /* bit 17 clear */
  TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "bit 17 must be 1"));
  snp_put64 (b + SNP_OFF_POLICY, 0x3001f | (1ull << 40));
  TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "reserved bits 63:26"));
  memcpy (b, raw, SNP_REPORT_SIZE);
  snp_put64 (b + SNP_OFF_PLATFORM_INFO, 0x41);
  TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "platform_info"));
  memcpy (b, raw, SNP_REPORT_SIZE);
  snp_put32 (b + SNP_OFF_SIGNER_INFO, 2 << 2);
  TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "unknown signing key 2"));
  memcpy (b, raw, SNP_REPORT_SIZE);
  snp_put32 (b + SNP_OFF_VMPL, 4);
  TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "vmpl 4"));
  /* v5 uses 0x1F8..0x208 (mitigation vectors), v2 must keep them zero. */
  memcpy (b, raw, SNP_REPORT_SIZE);
  b[0x200] = 1;
  TAP_CHECK (refuses (b, SNP_REPORT_SIZE, "must be zero"));
  snp_put32 (b, 5);
  struct snp_report r;
  parma_error_t err = NULL;
  TAP_CHECK (snp_report_parse (b, SNP_REPORT_SIZE, &r, &err) == 0 && r.current_mit_vector == 1);
  return 0;
}

static int
test_input_formats (void)
{
  uint8_t raw[SNP_REPORT_SIZE];
  TAP_CHECK (milan_raw (raw) == 0);
  /* Hex with line breaks and spaces. */
  cleanup_free char *hex = hex_encode (raw, SNP_REPORT_SIZE);
  struct strbuf_like
  {
    char *p;
    size_t n;
  } t = { xmalloc (strlen (hex) * 2), 0 };
  for (size_t i = 0; hex[i]; i++)
    {
      t.p[t.n++] = hex[i];
      if (i % 64 == 63)
        t.p[t.n++] = '\n';
    }
  struct snp_report r;
  enum snp_input_format f;
  parma_error_t err = NULL;
  TAP_CHECK (snp_report_decode_input ((uint8_t *)t.p, t.n, &r, &f, &err) == 0
             && f == SNP_INPUT_HEX);
  TAP_CHECK (memcmp (r.raw, raw, SNP_REPORT_SIZE) == 0);
  TAP_CHECK (snp_report_decode_input ((uint8_t *)t.p, t.n - 10, &r, &f, &err) < 0);
  parma_error_release (&err);
  free (t.p);
  /* HCL header + report; a short HCL is refused. */
  uint8_t hcl[0x20 + SNP_REPORT_SIZE + 16] = { 'H', 'C', 'L', 'A' };
  memcpy (hcl + 0x20, raw, SNP_REPORT_SIZE);
  TAP_CHECK (snp_report_decode_input (hcl, sizeof hcl, &r, &f, &err) == 0 && f == SNP_INPUT_HCL);
  TAP_CHECK (snp_report_decode_input (hcl, 0x20 + 100, &r, &f, &err) < 0);
  TAP_CHECK (strstr (err->msg, "HCL report truncated") != NULL);
  parma_error_release (&err);
  static const char bad_json[] = "{\"report\": [1, 2, 300]}";
  TAP_CHECK (snp_report_decode_input ((const uint8_t *)bad_json, strlen (bad_json), &r, &f, &err)
             < 0);
  TAP_CHECK (strstr (err->msg, "not a byte") != NULL);
  parma_error_release (&err);
  TAP_CHECK (snp_report_decode_input ((const uint8_t *)"", 0, &r, &f, &err) < 0);
  parma_error_release (&err);
  return 0;
}

static int
test_tcb_layouts (void)
{
  struct snp_tcb t;
  snp_tcb_decode (0xd918000000000004ull, false, &t);
  TAP_CHECK (t.bootloader == 4 && t.tee == 0 && t.snp == 0x18 && t.microcode == 0xd9);
  TAP_CHECK (snp_tcb_encode (&t) == 0xd918000000000004ull);
  /* Turin: FMC, BL, TEE, SNP in bytes 0-3, microcode in byte 7. */
  snp_tcb_decode (0x4800000003000201ull, true, &t);
  TAP_CHECK (t.fmc == 1 && t.bootloader == 2 && t.tee == 0 && t.snp == 3 && t.microcode == 0x48);
  TAP_CHECK (snp_tcb_encode (&t) == 0x4800000003000201ull);
  parma_error_t err = NULL;
  TAP_CHECK (snp_tcb_parse ("bl=3,tee=0,snp=8,ucode=115", false, &t, &err) == 0);
  TAP_CHECK (t.raw == 0x7308000000000003ull);
  TAP_CHECK (snp_tcb_parse ("0x7308000000000003", false, &t, &err) == 0 && t.microcode == 115);
  TAP_CHECK (snp_tcb_parse ("bl=300", false, &t, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (snp_tcb_parse ("foo=1", false, &t, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (snp_product_from_cpuid (0x19, 0x01) == SNP_PRODUCT_MILAN);
  TAP_CHECK (snp_product_from_cpuid (0x19, 0xA0) == SNP_PRODUCT_GENOA);
  TAP_CHECK (snp_product_from_cpuid (0x1A, 0x02) == SNP_PRODUCT_TURIN);
  TAP_CHECK (snp_product_from_cpuid (0x17, 0x01) == SNP_PRODUCT_UNKNOWN);
  return 0;
}

/* Known answer computed independently (Python hashlib):
   SHA-512("parma-policy-v1" || 00 01 .. 1f || a5 * 32). */
static int
test_report_data_binding (void)
{
  uint8_t policy[32], nonce[32], out[64];
  for (int i = 0; i < 32; i++)
    policy[i] = (uint8_t)i, nonce[i] = 0xa5;
  parma_error_t err = NULL;
  TAP_CHECK (snp_report_data_for_policy (policy, nonce, out, &err) == 0);
  cleanup_free char *h = hex_encode (out, 64);
  TAP_CHECK_STR (h, "601a2ac5e8140c0e8fa39377111dbb8e6ec37f9b089543b905879ad5ba8000c2"
                    "3971c9032d9c15db675107153cc938a6eb5164e7e8b39dc10cd06eb6e183d7fc");
  return 0;
}

static int
test_sev_guest_request_response (void)
{
  uint8_t rd[64], req[96];
  for (int i = 0; i < 64; i++)
    rd[i] = (uint8_t)(i + 1);
  snp_guest_build_report_req (rd, 2, req);
  struct snp_report_req kreq;
  memcpy (&kreq, req, sizeof kreq); /* the kernel's view of our bytes */
  TAP_CHECK (memcmp (kreq.user_data, rd, 64) == 0 && kreq.vmpl == 2);
  for (size_t i = 0; i < sizeof kreq.rsvd; i++)
    TAP_CHECK (kreq.rsvd[i] == 0);
  TAP_CHECK (SNP_GET_REPORT == 0xC0205300u && SNP_GET_EXT_REPORT == 0xC0205302u);

  uint8_t raw[SNP_REPORT_SIZE], got[SNP_REPORT_SIZE];
  TAP_CHECK (milan_raw (raw) == 0);
  cleanup_free uint8_t *resp = xzalloc (4000);
  snp_put32 (resp + 4, SNP_REPORT_SIZE);
  memcpy (resp + 0x20, raw, SNP_REPORT_SIZE);
  parma_error_t err = NULL;
  TAP_CHECK (snp_guest_parse_report_resp (resp, 4000, got, &err) == 0);
  TAP_CHECK (memcmp (got, raw, SNP_REPORT_SIZE) == 0);
  snp_put32 (resp, 0x16);
  TAP_CHECK (snp_guest_parse_report_resp (resp, 4000, got, &err) < 0);
  TAP_CHECK (strstr (err->msg, "invalid parameter") != NULL);
  parma_error_release (&err);
  snp_put32 (resp, 0);
  snp_put32 (resp + 4, 4000);
  TAP_CHECK (snp_guest_parse_report_resp (resp, 4000, got, &err) < 0);
  TAP_CHECK (strstr (err->msg, "report_size 4000") != NULL);
  parma_error_release (&err);
  TAP_CHECK (snp_guest_parse_report_resp (resp, 16, got, &err) < 0);
  parma_error_release (&err);

  TAP_CHECK (snp_guest_error_is_busy (EAGAIN, 0));
  TAP_CHECK (snp_guest_error_is_busy (EIO, (uint64_t)SNP_GUEST_VMM_ERR_BUSY << 32));
  TAP_CHECK (!snp_guest_error_is_busy (EIO, (uint64_t)SNP_GUEST_VMM_ERR_INVALID_LEN << 32));
  TAP_CHECK (snp_guest_error_is_busy (EBUSY, 0));
  TAP_CHECK (!snp_guest_error_is_busy (ETIMEDOUT, 0)); /* the kernel already retried */
  TAP_CHECK (!snp_guest_error_is_busy (EIO, 0));
  cleanup_free char *m = snp_guest_describe_error (ENOTCONN, 0);
  TAP_CHECK (strstr (m, "VMPCK is disabled") != NULL);
  cleanup_free char *t = snp_guest_describe_error (ETIMEDOUT, 0);
  TAP_CHECK (strstr (t, "retry limit") != NULL);
  return 0;
}

/* The real open/ioctl path against stand-ins this machine has: a missing
   device and a regular file (the ioctl answers ENOTTY). */
static int
test_sev_guest_device_errors (void)
{
  uint8_t rd[64] = { 0 };
  struct snp_fetch_result res;
  parma_error_t err = NULL;
  struct snp_source src
      = { .backend = SNP_BACKEND_SEV_GUEST, .device_path = "/nonexistent/sev-guest" };
  TAP_CHECK (snp_fetch_report (&src, rd, &res, &err) < 0 && err->status == ENOENT);
  parma_error_release (&err);
  char path[] = "/tmp/parma-snp-dev-XXXXXX";
  int fd = mkstemp (path);
  TAP_CHECK (fd >= 0);
  close (fd);
  src.device_path = path;
  int r = snp_fetch_report (&src, rd, &res, &err);
  unlink (path);
  TAP_CHECK (r < 0 && err->status == ENOTTY);
  TAP_CHECK (strstr (err->msg, "not an SEV guest device") != NULL);
  TAP_CHECK (strstr (err->msg, "SNP_GET_REPORT") != NULL);
  parma_error_release (&err);
  src.want_certs = true;
  memcpy (path + strlen (path) - 6, "XXXXXX", 6);
  fd = mkstemp (path);
  TAP_CHECK (fd >= 0);
  close (fd);
  r = snp_fetch_report (&src, rd, &res, &err);
  unlink (path);
  TAP_CHECK (r < 0 && strstr (err->msg, "SNP_GET_EXT_REPORT") != NULL);
  parma_error_release (&err);
  return 0;
}

static int
test_pinned_ark_fingerprints (void)
{
  const struct
  {
    const char *file;
    enum snp_product p;
  } roots[] = {
    { "amd-roots/ask_ark_milan.pem", SNP_PRODUCT_MILAN },
    { "amd-roots/ask_ark_milan_vlek.pem", SNP_PRODUCT_MILAN },
    { "amd-roots/ask_ark_genoa.pem", SNP_PRODUCT_GENOA },
    { "amd-roots/ask_ark_genoa_vlek.pem", SNP_PRODUCT_GENOA },
    { "amd-roots/ask_ark_turin_vcek.pem", SNP_PRODUCT_TURIN },
    { "amd-roots/ask_ark_turin_vlek.pem", SNP_PRODUCT_TURIN },
  };
  for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
    {
      cleanup_free char *p = vec (roots[i].file);
      struct snp_certs *c = snp_certs_new ();
      parma_error_t err = NULL;
      uint8_t fp[32];
      int ok = snp_certs_add_file (c, p, &err) == 0 && snp_certs_ark (c) != NULL
               && snp_certs_intermediate (c) != NULL
               && snp_x509_sha256 (snp_certs_ark (c), fp, &err) == 0
               && snp_pinned_ark_product (fp) == roots[i].p
               /* the ASK is not a root */
               && snp_x509_sha256 (snp_certs_intermediate (c), fp, &err) == 0
               && snp_pinned_ark_product (fp) == SNP_PRODUCT_UNKNOWN;
      snp_certs_free (c);
      TAP_CHECK (ok);
    }
  return 0;
}

static int
test_cert_table_bounds (void)
{
  uint8_t t[48] = { 0 };
  memcpy (t, snp_guid_vcek, 16);
  snp_put32 (t + 16, 40);
  snp_put32 (t + 20, 100); /* beyond the table */
  struct snp_certs *c = snp_certs_new ();
  parma_error_t err = NULL;
  TAP_CHECK (snp_certs_add_cert_table (c, t, sizeof t, &err) < 0);
  TAP_CHECK (strstr (err->msg, "outside the table") != NULL);
  parma_error_release (&err);
  TAP_CHECK (snp_certs_add_cert_table (c, t, 24, &err) < 0); /* no terminator */
  parma_error_release (&err);
  uint8_t empty[24] = { 0 };
  TAP_CHECK (snp_certs_add_cert_table (c, empty, sizeof empty, &err) == 0);
  snp_certs_free (c);
  return 0;
}

/* Deterministic mutation fuzzing of the untrusted-input parsers (report in
   every input format, cert table): they must never crash or read out of
   bounds (run under `make asan` to check the latter). */
static uint32_t fuzz_state = 0x9e3779b9u;
static uint32_t
fuzz_next (void)
{
  fuzz_state ^= fuzz_state << 13;
  fuzz_state ^= fuzz_state >> 17;
  fuzz_state ^= fuzz_state << 5;
  return fuzz_state;
}

static int
test_mutation_fuzz (void)
{
  uint8_t raw[SNP_REPORT_SIZE];
  TAP_CHECK (milan_raw (raw) == 0);
  cleanup_free uint8_t *buf = xmalloc (4 * SNP_REPORT_SIZE);
  int accepted = 0;
  for (int iter = 0; iter < 20000; iter++)
    {
      size_t len;
      switch (iter % 4)
        {
        case 0: /* raw */
          memcpy (buf, raw, SNP_REPORT_SIZE);
          len = SNP_REPORT_SIZE;
          break;
        case 1: /* HCL */
          memset (buf, 0, 0x20);
          memcpy (buf, "HCLA", 4);
          memcpy (buf + 0x20, raw, SNP_REPORT_SIZE);
          len = 0x20 + SNP_REPORT_SIZE;
          break;
        case 2: /* hex */
          {
            cleanup_free char *h = hex_encode (raw, SNP_REPORT_SIZE);
            memcpy (buf, h, 2 * SNP_REPORT_SIZE);
            len = 2 * SNP_REPORT_SIZE;
          }
          break;
        default: /* JSON */
          len = (size_t)snprintf ((char *)buf, 4 * SNP_REPORT_SIZE, "{\"report\": [%u, %u, 3]}",
                                  fuzz_next () % 300, fuzz_next () % 300);
          break;
        }
      /* a few random byte edits, and maybe a random truncation */
      for (uint32_t k = fuzz_next () % 4 + 1; k > 0; k--)
        buf[fuzz_next () % len] = (uint8_t)fuzz_next ();
      if (fuzz_next () % 8 == 0)
        len = fuzz_next () % (len + 1);
      cleanup_free uint8_t *copy = xmemdup (buf, len ? len : 1); /* exact-size heap copy for ASAN */
      struct snp_report r;
      parma_error_t err = NULL;
      if (snp_report_decode_input (copy, len, &r, NULL, &err) == 0)
        accepted++;
      parma_error_release (&err);
      struct snp_certs *c = snp_certs_new ();
      snp_certs_add_cert_table (c, copy, len, &err);
      parma_error_release (&err);
      snp_certs_free (c);
    }
  fprintf (stderr, "# fuzz: %d of 20000 mutated inputs parsed\n", accepted);
  return 0;
}

TAP_MAIN ({ "real reports parse to the README's values", test_real_reports_expected_values },
          { "malformed reports refused", test_malformed_reports_refused },
          { "hex, HCL and JSON inputs", test_input_formats },
          { "TCB layouts (Milan/Genoa, Turin) and --min-tcb syntax", test_tcb_layouts },
          { "REPORT_DATA binding known answer", test_report_data_binding },
          { "sev-guest request/response helpers", test_sev_guest_request_response },
          { "sev-guest device errors", test_sev_guest_device_errors },
          { "pinned ARK fingerprints match amd-roots", test_pinned_ark_fingerprints },
          { "cert table bounds", test_cert_table_bounds },
          { "mutation fuzz of the parsers", test_mutation_fuzz })
