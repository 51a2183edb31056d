/* SPDX-License-Identifier: Apache-2.0 */
/* The SEV-SNP simulator, for machines without SNP: a test ARK -> ASK -> VCEK
   chain made with OpenSSL (RSA-4096 RSASSA-PSS like AMD's, a P-384 VCEK with
   the KDS extensions) signs reports of the real byte layout.  It is MARKED
   everywhere so nothing mistakes it for AMD: the certificates say "PARMA
   SIMULATOR - NOT AMD", CHIP_ID repeats "PARMASIM", and its ARK is not one
   of the pinned AMD roots, so a verifier refuses it unless told otherwise.
   RSA-4096 generation costs seconds, so the chain is made once per product
   and cached in the caller's directory (created atomically: a temporary
   directory renamed into place, so concurrent first uses never see half a
   chain). */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

/* The TCB the simulated platform reports and its VCEK is "derived" for. */
#define SIM_BL 3
#define SIM_TEE 0
#define SIM_SNP 8
#define SIM_UCODE 115
#define SIM_FMC 1
/* Validity window: wide, fixed, so tests pinning --at in 2025 work. */
#define SIM_NOT_BEFORE 1577836800 /* 2020-01-01 */
#define SIM_NOT_AFTER 2524607999  /* 2049-12-31 */

static int
ossl_fail (parma_error_t *err, const char *what)
{
  cleanup_free char *why = snp_openssl_error ();
  return parma_error_make (err, EIO, "simulator: %s: %s", what, why);
}

static int
set_name (X509_NAME *n, const char *org, const char *cn)
{
  const struct
  {
    const char *f, *v;
  } parts[] = { { "OU", "Engineering" }, { "C", "US" }, { "L", "Santa Clara" },
                { "ST", "CA" },          { "O", org },  { "CN", cn } };
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (!X509_NAME_add_entry_by_txt (n, parts[i].f, MBSTRING_ASC, (const unsigned char *)parts[i].v,
                                     -1, -1, 0))
      return -1;
  return 0;
}

static int
add_conf_ext (X509 *cert, X509 *issuer, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  int ok = ext != NULL && X509_add_ext (cert, ext, -1);
  X509_EXTENSION_free (ext);
  return ok ? 0 : -1;
}

/* A KDS extension whose value is `der` (the inner DER, or raw bytes). */
static int
add_raw_ext (X509 *cert, const char *oid, const unsigned char *der, int len)
{
  ASN1_OBJECT *obj = OBJ_txt2obj (oid, 1);
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new ();
  int ok = obj && os && ASN1_OCTET_STRING_set (os, der, len);
  X509_EXTENSION *ext = ok ? X509_EXTENSION_create_by_OBJ (NULL, obj, 0, os) : NULL;
  ok = ext != NULL && X509_add_ext (cert, ext, -1);
  X509_EXTENSION_free (ext);
  ASN1_OCTET_STRING_free (os);
  ASN1_OBJECT_free (obj);
  return ok ? 0 : -1;
}

static int
add_int_ext (X509 *cert, const char *oid, long v)
{
  ASN1_INTEGER *ai = ASN1_INTEGER_new ();
  unsigned char *der = NULL;
  int len = ai && ASN1_INTEGER_set (ai, v) ? i2d_ASN1_INTEGER (ai, &der) : -1;
  int ret = len > 0 ? add_raw_ext (cert, oid, der, len) : -1;
  OPENSSL_free (der);
  ASN1_INTEGER_free (ai);
  return ret;
}

static int
add_ia5_ext (X509 *cert, const char *oid, const char *s)
{
  ASN1_IA5STRING *a = ASN1_IA5STRING_new ();
  unsigned char *der = NULL;
  int len = a && ASN1_STRING_set (a, s, -1) ? i2d_ASN1_IA5STRING (a, &der) : -1;
  int ret = len > 0 ? add_raw_ext (cert, oid, der, len) : -1;
  OPENSSL_free (der);
  ASN1_IA5STRING_free (a);
  return ret;
}

/* RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48: what AMD's ARK/ASK use. */
static int
sign_pss (X509 *cert, EVP_PKEY *key)
{
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  EVP_PKEY_CTX *pctx = NULL;
  int ok = md && EVP_DigestSignInit (md, &pctx, EVP_sha384 (), NULL, key) == 1
           && EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PSS_PADDING) > 0
           && EVP_PKEY_CTX_set_rsa_pss_saltlen (pctx, 48) > 0
           && EVP_PKEY_CTX_set_rsa_mgf1_md (pctx, EVP_sha384 ()) > 0
           && X509_sign_ctx (cert, md) > 0;
  EVP_MD_CTX_free (md);
  return ok ? 0 : -1;
}

static X509 *
new_cert (EVP_PKEY *pub, long serial, const char *cn, X509 *issuer)
{
  X509 *c = X509_new ();
  if (c == NULL || !X509_set_version (c, 2) || !ASN1_INTEGER_set (X509_get_serialNumber (c), serial)
      || !ASN1_TIME_set (X509_getm_notBefore (c), SIM_NOT_BEFORE)
      || !ASN1_TIME_set (X509_getm_notAfter (c), SIM_NOT_AFTER) || !X509_set_pubkey (c, pub)
      || set_name (X509_get_subject_name (c), SNP_SIM_ORG, cn) < 0
      || !X509_set_issuer_name (c, X509_get_subject_name (issuer ? issuer : c)))
    {
      X509_free (c);
      return NULL;
    }
  return c;
}

static const char *
vcek_product_name (enum snp_product p)
{
  return p == SNP_PRODUCT_MILAN ? "Milan-B0" : snp_product_name (p);
}

static void
sim_chip_id (enum snp_product p, uint8_t chip_id[SNP_CHIP_ID_SIZE])
{
  memset (chip_id, 0, SNP_CHIP_ID_SIZE);
  size_t n = p == SNP_PRODUCT_TURIN ? 8 : SNP_CHIP_ID_SIZE; /* Turin: 8 bytes */
  for (size_t i = 0; i < n; i++)
    chip_id[i] = (uint8_t)SNP_SIM_CHIP_ID_PATTERN[i % 8];
}

static int
make_vcek_exts (X509 *vcek, enum snp_product p)
{
  uint8_t chip_id[SNP_CHIP_ID_SIZE];
  sim_chip_id (p, chip_id);
  bool turin = p == SNP_PRODUCT_TURIN;
  if (add_int_ext (vcek, SNP_OID_STRUCT_VERSION, 0) < 0
      || add_ia5_ext (vcek, SNP_OID_PRODUCT_NAME, vcek_product_name (p)) < 0
      || add_int_ext (vcek, SNP_OID_BL_SPL, SIM_BL) < 0
      || add_int_ext (vcek, SNP_OID_TEE_SPL, SIM_TEE) < 0
      || add_int_ext (vcek, SNP_OID_SNP_SPL, SIM_SNP) < 0
      || add_int_ext (vcek, SNP_OID_UCODE_SPL, SIM_UCODE) < 0
      || (turin && add_int_ext (vcek, SNP_OID_FMC_SPL, SIM_FMC) < 0)
      || add_raw_ext (vcek, SNP_OID_HWID, chip_id, turin ? 8 : SNP_CHIP_ID_SIZE) < 0)
    return -1;
  return 0;
}

static int
write_pem (const char *dir, const char *name, X509 *cert, EVP_PKEY *key, parma_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, name);
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, key ? 0600 : 0644);
  if (fd < 0)
    return parma_error_make (err, errno, "simulator: create `%s`", path);
  FILE *f = fdopen (fd, "w");
  if (f == NULL)
    {
      close (fd);
      return parma_error_make (err, errno, "simulator: fdopen `%s`", path);
    }
  int ok
      = key ? PEM_write_PrivateKey (f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509 (f, cert);
  if (fclose (f) != 0 || !ok)
    return parma_error_make (err, EIO, "simulator: write `%s`", path);
  return 0;
}

/* Makes the chain in `dir` (a fresh directory). */
static int
generate_chain (const char *dir, enum snp_product p, parma_error_t *err)
{
  cleanup_pkey EVP_PKEY *ark_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t)4096);
  cleanup_pkey EVP_PKEY *ask_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t)4096);
  cleanup_pkey EVP_PKEY *vcek_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");
  if (ark_key == NULL || ask_key == NULL || vcek_key == NULL)
    return ossl_fail (err, "key generation");
  cleanup_free char *ask_cn = xasprintf ("SEV-%s", snp_product_name (p));
  cleanup_x509 X509 *ark = new_cert (ark_key, 1, SNP_SIM_ARK_CN, NULL);
  if (ark == NULL || add_conf_ext (ark, ark, NID_basic_constraints, "critical,CA:TRUE") < 0
      || add_conf_ext (ark, ark, NID_key_usage, "critical,keyCertSign,cRLSign") < 0
      || sign_pss (ark, ark_key) < 0)
    return ossl_fail (err, "ARK certificate");
  cleanup_x509 X509 *ask = new_cert (ask_key, 2, ask_cn, ark);
  if (ask == NULL
      || add_conf_ext (ask, ark, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0
      || add_conf_ext (ask, ark, NID_key_usage, "critical,keyCertSign,cRLSign") < 0
      || sign_pss (ask, ark_key) < 0)
    return ossl_fail (err, "ASK certificate");
  cleanup_x509 X509 *vcek = new_cert (vcek_key, 3, "SEV-VCEK", ask);
  if (vcek == NULL || make_vcek_exts (vcek, p) < 0 || sign_pss (vcek, ask_key) < 0)
    return ossl_fail (err, "VCEK certificate");
  if (write_pem (dir, "ark.pem", ark, NULL, err) < 0
      || write_pem (dir, "ask.pem", ask, NULL, err) < 0
      || write_pem (dir, "vcek.pem", vcek, NULL, err) < 0
      || write_pem (dir, "vcek-key.pem", NULL, vcek_key, err) < 0
      /* kept so tests can issue CRLs as AMD's KDS does (test key, 0600) */
      || write_pem (dir, "ark-key.pem", NULL, ark_key, err) < 0)
    return -1;
  return 0;
}

/* Returns `<sim_dir>/<product>`, generating the chain there on first use. */
static char *
ensure_chain (const char *sim_dir, enum snp_product p, parma_error_t *err)
{
  if (sim_dir == NULL || *sim_dir == '\0')
    {
      parma_error_make (err, EINVAL, "simulator: no directory for its test chain");
      return NULL;
    }
  cleanup_free char *final = xasprintf ("%s/%s", sim_dir, snp_product_name (p));
  cleanup_free char *probe = xasprintf ("%s/vcek-key.pem", final);
  if (access (probe, R_OK) == 0)
    return steal_pointer (&final);
  if (mkdir (sim_dir, 0700) < 0 && errno != EEXIST)
    {
      parma_error_make (err, errno, "simulator: mkdir `%s`", sim_dir);
      return NULL;
    }
  cleanup_free char *tmp = xasprintf ("%s/.tmp-XXXXXX", sim_dir);
  if (mkdtemp (tmp) == NULL)
    {
      parma_error_make (err, errno, "simulator: mkdtemp in `%s`", sim_dir);
      return NULL;
    }
  if (generate_chain (tmp, p, err) < 0 || rename (tmp, final) < 0)
    {
      int e = errno;
      bool lost_race = (*err == NULL) && (e == EEXIST || e == ENOTEMPTY);
      const char *names[] = { "ark.pem", "ask.pem", "vcek.pem", "vcek-key.pem", "ark-key.pem" };
      for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        {
          cleanup_free char *f = xasprintf ("%s/%s", tmp, names[i]);
          unlink (f);
        }
      rmdir (tmp);
      if (lost_race) /* another process made it first: use theirs */
        return steal_pointer (&final);
      if (*err == NULL)
        parma_error_make (err, e, "simulator: rename `%s`", tmp);
      return NULL;
    }
  return steal_pointer (&final);
}

char *
snp_sim_ark_path (const char *sim_dir, parma_error_t *err)
{
  /* The default product's chain; callers with another product use
     `<sim_dir>/<Product>/ark.pem`. */
  cleanup_free char *dir = ensure_chain (sim_dir, SNP_PRODUCT_GENOA, err);
  return dir ? xasprintf ("%s/ark.pem", dir) : NULL;
}

static int
load_key (const char *path, EVP_PKEY **out, parma_error_t *err)
{
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return parma_error_make (err, errno, "simulator: open `%s`", path);
  *out = PEM_read_PrivateKey (f, NULL, NULL, NULL);
  fclose (f);
  return *out ? 0 : ossl_fail (err, "read the VCEK key");
}

/* The cert table the host would serve: VCEK, ASK, ARK as DER. */
static int
build_cert_table (const char *dir, uint8_t **out, size_t *out_len, parma_error_t *err)
{
  const char *names[] = { "vcek.pem", "ask.pem", "ark.pem" };
  const uint8_t *guids[] = { snp_guid_vcek, snp_guid_ask, snp_guid_ark };
  unsigned char *der[3] = { NULL, NULL, NULL };
  int der_len[3] = { 0, 0, 0 };
  int ret = 0;
  for (size_t i = 0; i < 3 && ret == 0; i++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", dir, names[i]);
      cleanup_x509 X509 *c = NULL;
      ret = snp_x509_load_file (path, &c, err);
      if (ret == 0 && (der_len[i] = i2d_X509 (c, &der[i])) <= 0)
        ret = ossl_fail (err, "encode certificate");
    }
  if (ret == 0)
    {
      size_t head = 4 * 24, total = head;
      for (size_t i = 0; i < 3; i++)
        total += (size_t)der_len[i];
      uint8_t *t = xzalloc (total);
      size_t off = head;
      for (size_t i = 0; i < 3; i++)
        {
          memcpy (t + i * 24, guids[i], 16);
          snp_put32 (t + i * 24 + 16, (uint32_t)off);
          snp_put32 (t + i * 24 + 20, (uint32_t)der_len[i]);
          memcpy (t + off, der[i], (size_t)der_len[i]);
          off += (size_t)der_len[i];
        }
      *out = t;
      *out_len = total;
    }
  for (size_t i = 0; i < 3; i++)
    OPENSSL_free (der[i]);
  return ret;
}

static void
fill_tcb (uint8_t *at, bool turin)
{
  struct snp_tcb t = { .turin = turin,
                       .fmc = turin ? SIM_FMC : 0,
                       .bootloader = SIM_BL,
                       .tee = SIM_TEE,
                       .snp = SIM_SNP,
                       .microcode = SIM_UCODE };
  snp_put64 (at, snp_tcb_encode (&t));
}

/* Lays out a report as the secure processor would (ABI spec table 23). */
static int
build_report (const struct snp_source *src, enum snp_product p,
              const uint8_t rd[SNP_REPORT_DATA_SIZE], uint8_t b[SNP_REPORT_SIZE],
              parma_error_t *err)
{
  uint32_t version = src->sim_version ? src->sim_version : 5;
  if (version < 2 || version > 5)
    return parma_error_make (err, EINVAL, "simulator: report version %u is not 2-5", version);
  if (version == 2 && p == SNP_PRODUCT_TURIN)
    return parma_error_make (err, EINVAL, "simulator: Turin has no version 2 reports");
  bool turin = p == SNP_PRODUCT_TURIN;
  memset (b, 0, SNP_REPORT_SIZE);
  snp_put32 (b + SNP_OFF_VERSION, version);
  snp_put64 (b + SNP_OFF_POLICY,
             src->sim_policy ? src->sim_policy : SNP_POLICY_RESERVED_1 | SNP_POLICY_SMT);
  snp_put32 (b + SNP_OFF_VMPL, src->vmpl);
  snp_put32 (b + SNP_OFF_SIG_ALGO, SNP_SIG_ALGO_ECDSA_P384_SHA384);
  fill_tcb (b + SNP_OFF_CURRENT_TCB, turin);
  snp_put64 (b + SNP_OFF_PLATFORM_INFO, 1); /* SMT_EN */
  memcpy (b + SNP_OFF_REPORT_DATA, rd, SNP_REPORT_DATA_SIZE);
  /* A launch digest no real guest has: SHA-384 of the marker string. */
  static const char mark[] = SNP_SIM_ORG;
  unsigned int n = 0;
  if (!EVP_Digest (mark, sizeof mark - 1, b + SNP_OFF_MEASUREMENT, &n, EVP_sha384 (), NULL))
    return ossl_fail (err, "measurement");
  if (src->sim_host_data)
    memcpy (b + SNP_OFF_HOST_DATA, src->sim_host_data, SNP_HOST_DATA_SIZE);
  if (RAND_bytes (b + SNP_OFF_REPORT_ID, 32) != 1)
    return ossl_fail (err, "report id");
  memset (b + SNP_OFF_REPORT_ID_MA, 0xff, 32);
  fill_tcb (b + SNP_OFF_REPORTED_TCB, turin);
  if (version >= 3)
    {
      b[SNP_OFF_CPUID_FAM] = turin ? 0x1A : 0x19;
      b[SNP_OFF_CPUID_MOD] = p == SNP_PRODUCT_MILAN ? 0x01 : p == SNP_PRODUCT_GENOA ? 0x11 : 0x02;
      b[SNP_OFF_CPUID_STEP] = 0x01;
    }
  sim_chip_id (p, b + SNP_OFF_CHIP_ID);
  fill_tcb (b + SNP_OFF_COMMITTED_TCB, turin);
  const uint8_t fw[3] = { 0, 58, 1 }; /* build 0, firmware 1.58 */
  memcpy (b + SNP_OFF_CURRENT_BUILD, fw, 3);
  memcpy (b + SNP_OFF_COMMITTED_BUILD, fw, 3);
  fill_tcb (b + SNP_OFF_LAUNCH_TCB, turin);
  return 0;
}

int
snp_fetch_sim (const struct snp_source *src, const uint8_t rd[SNP_REPORT_DATA_SIZE],
               uint8_t report[SNP_REPORT_SIZE], uint8_t **certs, size_t *certs_len,
               parma_error_t *err)
{
  enum snp_product p
      = src->sim_product == SNP_PRODUCT_UNKNOWN ? SNP_PRODUCT_GENOA : src->sim_product;
  if (src->vmpl > 3)
    return parma_error_make (err, EINVAL, "simulator: vmpl %u is not 0-3", src->vmpl);
  cleanup_free char *dir = ensure_chain (src->sim_dir, p, err);
  if (dir == NULL)
    return -1;
  cleanup_free char *key_path = xasprintf ("%s/vcek-key.pem", dir);
  cleanup_pkey EVP_PKEY *key = NULL;
  if (load_key (key_path, &key, err) < 0 || build_report (src, p, rd, report, err) < 0
      || snp_report_sign (report, key, err) < 0)
    return -1;
  if (src->want_certs)
    return build_cert_table (dir, certs, certs_len, err);
  return 0;
}
