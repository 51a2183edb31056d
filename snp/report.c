/* SPDX-License-Identifier: Apache-2.0 */
/* ATTESTATION_REPORT parsing (AMD SEV-SNP ABI spec; notes/snp.md A1).
   Contract: the input is untrusted.  Nothing is read outside the buffer,
   every reserved/MBZ range is checked (go-sev-guest ValidateReportFormat
   does the same), and unknown versions are refused rather than guessed. */
#include "snp/internal.h"
#include "snp/snp.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <strings.h>

#include <openssl/sha.h>

const char *
snp_product_name (enum snp_product p)
{
  switch (p)
    {
    case SNP_PRODUCT_MILAN:
      return "Milan";
    case SNP_PRODUCT_GENOA:
      return "Genoa";
    case SNP_PRODUCT_TURIN:
      return "Turin";
    case SNP_PRODUCT_UNKNOWN:
      break;
    }
  return "unknown";
}

int
snp_product_parse (const char *s, enum snp_product *out)
{
  static const enum snp_product all[] = { SNP_PRODUCT_MILAN, SNP_PRODUCT_GENOA, SNP_PRODUCT_TURIN };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (strcasecmp (s, snp_product_name (all[i])) == 0)
      {
        *out = all[i];
        return 0;
      }
  return -1;
}

/* Family 0x19: model 0x01 Milan, 0x10-0x1F and 0xA0-0xAF Genoa; family
   0x1A: Turin (virtee/sev's mapping). */
enum snp_product
snp_product_from_cpuid (uint8_t family, uint8_t model)
{
  if (family == 0x19 && model == 0x01)
    return SNP_PRODUCT_MILAN;
  if (family == 0x19 && ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)))
    return SNP_PRODUCT_GENOA;
  if (family == 0x1A)
    return SNP_PRODUCT_TURIN;
  return SNP_PRODUCT_UNKNOWN;
}

void
snp_tcb_decode (uint64_t raw, bool turin, struct snp_tcb *out)
{
  memset (out, 0, sizeof *out);
  out->raw = raw;
  out->turin = turin;
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(raw >> (8 * i));
  if (turin)
    {
      out->fmc = b[0];
      out->bootloader = b[1];
      out->tee = b[2];
      out->snp = b[3];
    }
  else
    {
      out->bootloader = b[0];
      out->tee = b[1];
      out->snp = b[6];
    }
  out->microcode = b[7];
}

uint64_t
snp_tcb_encode (const struct snp_tcb *t)
{
  uint64_t v = (uint64_t)t->microcode << 56;
  if (t->turin)
    v |= (uint64_t)t->fmc | (uint64_t)t->bootloader << 8 | (uint64_t)t->tee << 16
         | (uint64_t)t->snp << 24;
  else
    v |= (uint64_t)t->bootloader | (uint64_t)t->tee << 8 | (uint64_t)t->snp << 48;
  return v;
}

static bool
all_zero (const uint8_t *p, size_t n)
{
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= p[i];
  return acc == 0;
}

/* Reserved ranges [start, end) that must be zero, by version. */
static int
check_mbz (const uint8_t *b, uint32_t version, parma_error_t *err)
{
  struct range
  {
    size_t start, end;
    const char *name;
  };
  const size_t cpuid_end = version >= 3 ? 0x18B : 0x188;
  const size_t tail_start = version >= 5 ? 0x208 : 0x1F8;
  const struct range ranges[] = {
    { SNP_OFF_RESERVED_4C, SNP_OFF_REPORT_DATA, "reserved 0x4c" },
    { cpuid_end, SNP_OFF_CHIP_ID, "reserved before chip_id" },
    { 0x1EB, 0x1EC, "reserved 0x1eb" },
    { 0x1EF, 0x1F0, "reserved 0x1ef" },
    { tail_start, SNP_SIGNED_SIZE, "reserved before the signature" },
    { SNP_OFF_SIG_R + SNP_P384_BYTES, SNP_OFF_SIG_S, "signature r high bytes" },
    { SNP_OFF_SIG_S + SNP_P384_BYTES, SNP_OFF_SIG_END, "signature s high bytes" },
    { SNP_OFF_SIG_END, SNP_REPORT_SIZE, "reserved signature area" },
  };
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
    if (!all_zero (b + ranges[i].start, ranges[i].end - ranges[i].start))
      return parma_error_make (err, EINVAL, "report: %s [0x%zx,0x%zx) must be zero", ranges[i].name,
                               ranges[i].start, ranges[i].end);
  return 0;
}

static int
check_bits (const struct snp_report *r, parma_error_t *err)
{
  if (r->policy >> 26)
    return parma_error_make (err, EINVAL, "report: policy 0x%llx has reserved bits 63:26 set",
                             (unsigned long long)r->policy);
  if (!(r->policy & SNP_POLICY_RESERVED_1))
    return parma_error_make (err, EINVAL, "report: policy 0x%llx: bit 17 must be 1",
                             (unsigned long long)r->policy);
  /* PLATFORM_INFO: bit 6 and 63:8 are reserved. */
  if ((r->platform_info & ~0xBFull) != 0)
    return parma_error_make (err, EINVAL, "report: platform_info 0x%llx has reserved bits set",
                             (unsigned long long)r->platform_info);
  if (r->signer_info >> 5)
    return parma_error_make (err, EINVAL, "report: signer_info 0x%x has reserved bits 31:5 set",
                             r->signer_info);
  if (r->signing_key != SNP_SIGNING_KEY_VCEK && r->signing_key != SNP_SIGNING_KEY_VLEK
      && r->signing_key != SNP_SIGNING_KEY_NONE)
    return parma_error_make (err, EINVAL, "report: signer_info: unknown signing key %u",
                             r->signing_key);
  if (r->vmpl > 3)
    return parma_error_make (err, EINVAL, "report: vmpl %u is not 0-3", r->vmpl);
  return 0;
}

int
snp_report_parse (const uint8_t *b, size_t len, struct snp_report *r, parma_error_t *err)
{
  if (len != SNP_REPORT_SIZE)
    return parma_error_make (err, EINVAL, "report: %zu bytes, an SNP report has %u", len,
                             SNP_REPORT_SIZE);
  memset (r, 0, sizeof *r);
  memcpy (r->raw, b, SNP_REPORT_SIZE);
  r->version = snp_get32 (b + SNP_OFF_VERSION);
  if (r->version < 2 || r->version > 5)
    return parma_error_make (err, EINVAL, "report: unknown version %u (known: 2, 3, 4, 5)",
                             r->version);
  r->signature_algo = snp_get32 (b + SNP_OFF_SIG_ALGO);
  if (r->signature_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
    return parma_error_make (err, EINVAL,
                             "report: signature_algo %u is not 1 (ECDSA P-384 with SHA-384)",
                             r->signature_algo);
  if (check_mbz (b, r->version, err) < 0)
    return -1;

  r->guest_svn = snp_get32 (b + SNP_OFF_GUEST_SVN);
  r->policy = snp_get64 (b + SNP_OFF_POLICY);
  memcpy (r->family_id, b + SNP_OFF_FAMILY_ID, sizeof r->family_id);
  memcpy (r->image_id, b + SNP_OFF_IMAGE_ID, sizeof r->image_id);
  r->vmpl = snp_get32 (b + SNP_OFF_VMPL);
  r->platform_info = snp_get64 (b + SNP_OFF_PLATFORM_INFO);
  r->signer_info = snp_get32 (b + SNP_OFF_SIGNER_INFO);
  r->author_key_en = r->signer_info & 1;
  r->mask_chip_key = (r->signer_info >> 1) & 1;
  r->signing_key = (r->signer_info >> 2) & 7;
  memcpy (r->report_data, b + SNP_OFF_REPORT_DATA, sizeof r->report_data);
  memcpy (r->measurement, b + SNP_OFF_MEASUREMENT, sizeof r->measurement);
  memcpy (r->host_data, b + SNP_OFF_HOST_DATA, sizeof r->host_data);
  memcpy (r->id_key_digest, b + SNP_OFF_ID_KEY_DIGEST, sizeof r->id_key_digest);
  memcpy (r->author_key_digest, b + SNP_OFF_AUTHOR_KEY_DIGEST, sizeof r->author_key_digest);
  memcpy (r->report_id, b + SNP_OFF_REPORT_ID, sizeof r->report_id);
  memcpy (r->report_id_ma, b + SNP_OFF_REPORT_ID_MA, sizeof r->report_id_ma);
  if (r->version >= 3)
    {
      r->cpuid_fam_id = b[SNP_OFF_CPUID_FAM];
      r->cpuid_mod_id = b[SNP_OFF_CPUID_MOD];
      r->cpuid_step = b[SNP_OFF_CPUID_STEP];
      r->product = snp_product_from_cpuid (r->cpuid_fam_id, r->cpuid_mod_id);
    }
  memcpy (r->chip_id, b + SNP_OFF_CHIP_ID, sizeof r->chip_id);
  r->current_build = b[SNP_OFF_CURRENT_BUILD];
  r->current_minor = b[SNP_OFF_CURRENT_BUILD + 1];
  r->current_major = b[SNP_OFF_CURRENT_BUILD + 2];
  r->committed_build = b[SNP_OFF_COMMITTED_BUILD];
  r->committed_minor = b[SNP_OFF_COMMITTED_BUILD + 1];
  r->committed_major = b[SNP_OFF_COMMITTED_BUILD + 2];
  if (r->version >= 5)
    {
      r->launch_mit_vector = snp_get64 (b + SNP_OFF_LAUNCH_MIT);
      r->current_mit_vector = snp_get64 (b + SNP_OFF_CURRENT_MIT);
    }
  memcpy (r->signature_r, b + SNP_OFF_SIG_R, sizeof r->signature_r);
  memcpy (r->signature_s, b + SNP_OFF_SIG_S, sizeof r->signature_s);

  /* The TCB layout follows the CPU family; v2 reports predate Turin. */
  bool turin = r->version >= 3 && r->cpuid_fam_id == 0x1A;
  snp_tcb_decode (snp_get64 (b + SNP_OFF_CURRENT_TCB), turin, &r->current_tcb);
  snp_tcb_decode (snp_get64 (b + SNP_OFF_REPORTED_TCB), turin, &r->reported_tcb);
  snp_tcb_decode (snp_get64 (b + SNP_OFF_COMMITTED_TCB), turin, &r->committed_tcb);
  snp_tcb_decode (snp_get64 (b + SNP_OFF_LAUNCH_TCB), turin, &r->launch_tcb);
  return check_bits (r, err);
}

const char *
snp_input_format_name (enum snp_input_format f)
{
  switch (f)
    {
    case SNP_INPUT_RAW:
      return "raw";
    case SNP_INPUT_HEX:
      return "hex";
    case SNP_INPUT_HCL:
      return "azure-hcl";
    case SNP_INPUT_AZ_JSON:
      return "az-json";
    }
  return "unknown";
}

/* Azure's HCL report: a 0x20-byte header starting "HCLA", the hardware
   report, then runtime data; only the hardware report is signed by AMD. */
static int
decode_hcl (const uint8_t *buf, size_t len, struct snp_report *out, parma_error_t *err)
{
  if (len < SNP_HCL_HEADER_SIZE + SNP_REPORT_SIZE)
    return parma_error_make (err, EINVAL, "report: Azure HCL report truncated (%zu bytes)", len);
  return snp_report_parse (buf + SNP_HCL_HEADER_SIZE, SNP_REPORT_SIZE, out, err);
}

static bool
is_hex_text (const uint8_t *buf, size_t len)
{
  size_t digits = 0;
  for (size_t i = 0; i < len; i++)
    {
      if (isxdigit (buf[i]))
        digits++;
      else if (!isspace (buf[i]))
        return false;
    }
  return digits > 0;
}

static int
decode_hex (const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len, parma_error_t *err)
{
  cleanup_free char *txt = xmalloc (len + 1);
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (!isspace (buf[i]))
      txt[n++] = (char)buf[i];
  txt[n] = '\0';
  return hex_decode (txt, out, out_len, err);
}

/* The bytes of a JSON array of integers 0-255. */
static int
json_byte_array (json_t *arr, uint8_t **out, size_t *out_len, parma_error_t *err)
{
  if (!json_is_array (arr) || json_array_size (arr) == 0 || json_array_size (arr) > (1u << 20))
    return parma_error_make (err, EINVAL, "report: JSON: `report` must be a byte array");
  size_t n = json_array_size (arr);
  cleanup_free uint8_t *bytes = xmalloc (n);
  for (size_t i = 0; i < n; i++)
    {
      json_t *v = json_array_get (arr, i);
      if (!json_is_integer (v) || json_integer_value (v) < 0 || json_integer_value (v) > 255)
        return parma_error_make (err, EINVAL, "report: JSON: report[%zu] is not a byte", i);
      bytes[i] = (uint8_t)json_integer_value (v);
    }
  *out = steal_pointer (&bytes);
  *out_len = n;
  return 0;
}

/* trustee's az-snp evidence: {"report": [bytes of the HCL report], ...}. */
static int
decode_az_json (const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len, parma_error_t *err)
{
  json_error_t jerr;
  json_t *root = json_loadb ((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    return parma_error_make (err, EINVAL, "report: JSON: %s (line %d)", jerr.text, jerr.line);
  int ret = json_byte_array (json_object_get (root, "report"), out, out_len, err);
  json_decref (root);
  return ret;
}

static bool
is_hcl (const uint8_t *buf, size_t len)
{
  return len >= 4 && memcmp (buf, "HCLA", 4) == 0;
}

int
snp_report_decode_input (const uint8_t *buf, size_t len, struct snp_report *out,
                         enum snp_input_format *format, parma_error_t *err)
{
  enum snp_input_format f = SNP_INPUT_RAW;
  int ret;
  if (is_hcl (buf, len))
    {
      f = SNP_INPUT_HCL;
      ret = decode_hcl (buf, len, out, err);
    }
  else if (len > 0 && buf[0] == '{')
    {
      f = SNP_INPUT_AZ_JSON;
      cleanup_free uint8_t *bytes = NULL;
      size_t n = 0;
      ret = decode_az_json (buf, len, &bytes, &n, err);
      if (ret == 0)
        ret = is_hcl (bytes, n) ? decode_hcl (bytes, n, out, err)
                                : snp_report_parse (bytes, n, out, err);
    }
  else if (len != SNP_REPORT_SIZE && is_hex_text (buf, len))
    {
      f = SNP_INPUT_HEX;
      cleanup_free uint8_t *bytes = NULL;
      size_t n = 0;
      ret = decode_hex (buf, len, &bytes, &n, err);
      if (ret == 0)
        ret = is_hcl (bytes, n) ? decode_hcl (bytes, n, out, err)
                                : snp_report_parse (bytes, n, out, err);
      if (ret < 0)
        parma_error_wrap (err, "hex input");
    }
  else
    ret = snp_report_parse (buf, len, out, err);
  if (ret < 0)
    return ret;
  if (format)
    *format = f;
  return 0;
}

#define SNP_INPUT_MAX (1u << 20)

int
snp_report_load (const char *path, struct snp_report *out, enum snp_input_format *format,
                 parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, path, SNP_INPUT_MAX, &buf, &len, err) < 0)
    return parma_error_wrap (err, "read report `%s`", path);
  if (snp_report_decode_input ((const uint8_t *)buf, len, out, format, err) < 0)
    return parma_error_wrap (err, "`%s`", path);
  return 0;
}

int
snp_report_data_for_policy (const uint8_t policy_sha256[32], const uint8_t boot_nonce[32],
                            uint8_t out[SNP_REPORT_DATA_SIZE], parma_error_t *err)
{
  static const char tag[] = "parma-policy-v1";
  uint8_t msg[sizeof tag - 1 + 64];
  memcpy (msg, tag, sizeof tag - 1);
  memcpy (msg + sizeof tag - 1, policy_sha256, 32);
  memcpy (msg + sizeof tag - 1 + 32, boot_nonce, 32);
  unsigned int n = 0;
  if (!EVP_Digest (msg, sizeof msg, out, &n, EVP_sha512 (), NULL) || n != SNP_REPORT_DATA_SIZE)
    return parma_error_make (err, EIO, "SHA-512 of the report data failed");
  return 0;
}
