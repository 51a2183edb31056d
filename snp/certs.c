/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates for verification: loading (PEM bundle in any order, DER, the
   GHCB cert table), sorting into ARK / ASK(ASVK) / VCEK(VLEK), the AMD KDS
   extensions, and the pinned AMD roots.  Every input here is untrusted: the
   host serves the cert table, and a relying party's files may be anything. */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

struct snp_certs
{
  X509 *endorsement;  /* VCEK or VLEK */
  X509 *intermediate; /* ASK or ASVK */
  X509 *ark;
};

#define SNP_CERT_FILE_MAX (1u << 20)
#define SNP_CERT_TABLE_MAX (64u << 10)

/* SHA-256 of the DER of AMD's ARKs (go-sev-guest verify/trust/ PEM files;
   notes/snp.md A3.4).  tests/unit/test_snp_verify.c recomputes them from
   the amd-roots test vectors. */
static const struct
{
  enum snp_product product;
  uint8_t sha256[32];
} pinned_arks[] = {
  { SNP_PRODUCT_MILAN, { 0x69, 0xd0, 0x63, 0xb4, 0x53, 0x44, 0xd2, 0x6a, 0x2e, 0x94, 0xe1,
                         0xf4, 0x21, 0x0d, 0xe4, 0x9e, 0xf5, 0x55, 0x30, 0x82, 0x87, 0xd4,
                         0xc1, 0x74, 0x44, 0x5c, 0x95, 0x63, 0x9a, 0x54, 0x0b, 0xcd } },
  { SNP_PRODUCT_GENOA, { 0x4c, 0x65, 0x98, 0xd1, 0x9c, 0x18, 0x71, 0x9c, 0x5d, 0xfd, 0x4a,
                         0x7d, 0x33, 0x5f, 0x67, 0x4e, 0x5b, 0xfe, 0x1d, 0x8f, 0x80, 0x0c,
                         0xea, 0x2c, 0xf2, 0x70, 0xc1, 0x0d, 0x10, 0x3d, 0xb2, 0xf1 } },
  { SNP_PRODUCT_TURIN, { 0x1f, 0x08, 0x41, 0x61, 0xa4, 0x4b, 0xb6, 0xd9, 0x37, 0x78, 0xa9,
                         0x04, 0x87, 0x7d, 0x48, 0x19, 0xca, 0xfa, 0x5d, 0x05, 0xef, 0x41,
                         0x93, 0xb2, 0xde, 0xd9, 0xdd, 0x9c, 0x73, 0xdd, 0x3f, 0x6a } },
};

enum snp_product
snp_pinned_ark_product (const uint8_t sha256[32])
{
  for (size_t i = 0; i < sizeof pinned_arks / sizeof pinned_arks[0]; i++)
    if (CRYPTO_memcmp (pinned_arks[i].sha256, sha256, 32) == 0)
      return pinned_arks[i].product;
  return SNP_PRODUCT_UNKNOWN;
}

int
snp_x509_sha256 (X509 *cert, uint8_t out[32], parma_error_t *err)
{
  unsigned int n = 0;
  if (!X509_digest (cert, EVP_sha256 (), out, &n) || n != 32)
    return parma_error_make (err, EIO, "SHA-256 of a certificate failed");
  return 0;
}

struct snp_certs *
snp_certs_new (void)
{
  return xzalloc (sizeof (struct snp_certs));
}

void
snp_certs_free (struct snp_certs *c)
{
  if (c == NULL)
    return;
  X509_free (c->endorsement);
  X509_free (c->intermediate);
  X509_free (c->ark);
  free (c);
}

X509 *
snp_certs_endorsement (const struct snp_certs *c)
{
  return c->endorsement;
}
X509 *
snp_certs_intermediate (const struct snp_certs *c)
{
  return c->intermediate;
}
X509 *
snp_certs_ark (const struct snp_certs *c)
{
  return c->ark;
}

/* The subject CN, or "" (into a caller buffer: CNs here are short). */
static void
subject_cn (X509 *cert, char *buf, size_t len)
{
  buf[0] = '\0';
  if (X509_NAME_get_text_by_NID (X509_get_subject_name (cert), NID_commonName, buf, (int)len) < 0)
    buf[0] = '\0';
}

static int
add_one (struct snp_certs *c, X509 *cert, parma_error_t *err)
{
  char cn[128];
  subject_cn (cert, cn, sizeof cn);
  X509 **slot;
  const char *what;
  if (X509_check_issued (cert, cert) == X509_V_OK)
    slot = &c->ark, what = "ARK";
  else if (strcmp (cn, "SEV-VCEK") == 0 || strcmp (cn, "SEV-VLEK") == 0)
    slot = &c->endorsement, what = "VCEK/VLEK";
  else
    slot = &c->intermediate, what = "ASK/ASVK";
  if (*slot != NULL)
    {
      if (X509_cmp (*slot, cert) == 0)
        return 0; /* the same certificate twice (Azure's bundle + --vcek) */
      return parma_error_make (err, EINVAL, "certificates: two different %s certificates given",
                               what);
    }
  if (!X509_up_ref (cert))
    return parma_error_make (err, EIO, "certificates: X509_up_ref failed");
  *slot = cert;
  return 0;
}

static int
add_pem (struct snp_certs *c, const uint8_t *buf, size_t len, parma_error_t *err)
{
  BIO *bio = BIO_new_mem_buf (buf, (int)len);
  if (bio == NULL)
    return parma_error_make (err, ENOMEM, "certificates: BIO_new_mem_buf failed");
  int ret = 0, n = 0;
  for (;;)
    {
      X509 *cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
      if (cert == NULL)
        {
          unsigned long e = ERR_peek_last_error ();
          /* End of input shows as "no start line"; anything else is a
             broken certificate. */
          if (n > 0 && ERR_GET_REASON (e) == PEM_R_NO_START_LINE)
            ERR_clear_error ();
          else
            {
              cleanup_free char *why = snp_openssl_error ();
              ret = parma_error_make (err, EINVAL, "certificates: bad PEM certificate #%d: %s",
                                      n + 1, why);
            }
          break;
        }
      ret = add_one (c, cert, err);
      X509_free (cert);
      if (ret < 0)
        break;
      n++;
    }
  BIO_free (bio);
  return ret;
}

static int
add_der (struct snp_certs *c, const uint8_t *buf, size_t len, parma_error_t *err)
{
  const unsigned char *p = buf;
  if (len > SNP_CERT_FILE_MAX)
    return parma_error_make (err, EFBIG, "certificates: DER certificate too large");
  X509 *cert = d2i_X509 (NULL, &p, (long)len);
  if (cert == NULL)
    {
      cleanup_free char *why = snp_openssl_error ();
      return parma_error_make (err, EINVAL, "certificates: not a DER or PEM certificate: %s", why);
    }
  int ret = (size_t)(p - buf) == len
                ? add_one (c, cert, err)
                : parma_error_make (err, EINVAL,
                                    "certificates: trailing bytes after the DER certificate");
  X509_free (cert);
  return ret;
}

int
snp_certs_add_buf (struct snp_certs *c, const uint8_t *buf, size_t len, parma_error_t *err)
{
  if (len == 0)
    return parma_error_make (err, EINVAL, "certificates: empty input");
  if (len > SNP_CERT_FILE_MAX)
    return parma_error_make (err, EFBIG, "certificates: %zu bytes is too large", len);
  if (memmem (buf, len, "-----BEGIN", 10) != NULL)
    return add_pem (c, buf, len, err);
  return add_der (c, buf, len, err);
}

int
snp_certs_add_file (struct snp_certs *c, const char *path, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, path, SNP_CERT_FILE_MAX, &buf, &len, err) < 0)
    return parma_error_wrap (err, "read certificates `%s`", path);
  if (snp_certs_add_buf (c, (const uint8_t *)buf, len, err) < 0)
    return parma_error_wrap (err, "`%s`", path);
  return 0;
}

int
snp_x509_load_file (const char *path, X509 **out, parma_error_t *err)
{
  struct snp_certs *c = snp_certs_new ();
  int ret = snp_certs_add_file (c, path, err);
  if (ret == 0)
    {
      X509 **slot = c->ark ? &c->ark : c->intermediate ? &c->intermediate : &c->endorsement;
      if (*slot == NULL)
        ret = parma_error_make (err, EINVAL, "`%s`: no certificate", path);
      else
        *out = steal_pointer (slot);
    }
  snp_certs_free (c);
  return ret;
}

/* GHCB spec 56421, "cert_table": entries {guid[16], u32 offset, u32 length}
   ended by an all-zero entry; offsets from the table start. */
int
snp_certs_add_cert_table (struct snp_certs *c, const uint8_t *t, size_t len, parma_error_t *err)
{
  if (len > SNP_CERT_TABLE_MAX)
    return parma_error_make (err, EFBIG, "cert table: %zu bytes is too large", len);
  for (size_t off = 0;; off += 24)
    {
      if (off + 24 > len)
        return parma_error_make (err, EINVAL, "cert table: no terminating entry");
      static const uint8_t zero[24];
      if (memcmp (t + off, zero, 24) == 0)
        return 0;
      uint32_t coff = snp_get32 (t + off + 16), clen = snp_get32 (t + off + 20);
      if (coff > len || clen > len - coff || clen == 0)
        return parma_error_make (err, EINVAL, "cert table: entry %zu [%u,+%u) outside the table",
                                 off / 24, coff, clen);
      if (add_der (c, t + coff, clen, err) < 0)
        return parma_error_wrap (err, "cert table entry %zu", off / 24);
    }
}

int
snp_certs_to_pem (const struct snp_certs *c, char **pem, size_t *len, parma_error_t *err)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  if (bio == NULL)
    return parma_error_make (err, ENOMEM, "BIO_new failed");
  X509 *order[] = { c->endorsement, c->intermediate, c->ark };
  for (size_t i = 0; i < 3; i++)
    if (order[i] && !PEM_write_bio_X509 (bio, order[i]))
      {
        BIO_free (bio);
        return parma_error_make (err, EIO, "PEM_write_bio_X509 failed");
      }
  char *data = NULL;
  long n = BIO_get_mem_data (bio, &data);
  *pem = xmemdup (data, (size_t)n + 1);
  (*pem)[n] = '\0';
  *len = (size_t)n;
  BIO_free (bio);
  return 0;
}

/* ---- KDS extensions -------------------------------------------------------- */

static int
ext_data (X509 *cert, const char *oid, const unsigned char **p, long *len)
{
  ASN1_OBJECT *obj = OBJ_txt2obj (oid, 1);
  if (obj == NULL)
    return -1;
  int idx = X509_get_ext_by_OBJ (cert, obj, -1);
  ASN1_OBJECT_free (obj);
  if (idx < 0)
    return 0;
  ASN1_OCTET_STRING *os = X509_EXTENSION_get_data (X509_get_ext (cert, idx));
  *p = ASN1_STRING_get0_data (os);
  *len = ASN1_STRING_length (os);
  return 1;
}

/* An SPL: a DER INTEGER 0-255 (ucode may take two bytes, 020200D9). */
static int
ext_spl (X509 *cert, const char *oid, uint8_t *out, bool *present, parma_error_t *err)
{
  const unsigned char *p = NULL;
  long len = 0;
  *present = false;
  int r = ext_data (cert, oid, &p, &len);
  if (r <= 0)
    return r < 0 ? parma_error_make (err, EINVAL, "bad OID %s", oid) : 0;
  const unsigned char *q = p;
  ASN1_INTEGER *ai = d2i_ASN1_INTEGER (NULL, &q, len);
  uint64_t v = 0;
  int ok = ai != NULL && q == p + len && ASN1_INTEGER_get_uint64 (&v, ai) == 1 && v <= 255;
  ASN1_INTEGER_free (ai);
  if (!ok)
    return parma_error_make (err, EINVAL, "certificate extension %s: not an INTEGER 0-255", oid);
  *out = (uint8_t)v;
  *present = true;
  return 0;
}

/* hwID: the raw 64 (Turin: 8) bytes, or the same wrapped in an OCTET
   STRING (go-sev-guest accepts both; trustee's test VCEKs have each). */
static int
ext_hwid (X509 *cert, struct snp_cert_ext *out, parma_error_t *err)
{
  const unsigned char *p = NULL;
  long len = 0;
  if (ext_data (cert, SNP_OID_HWID, &p, &len) <= 0)
    return 0;
  if (len == 64 || len == 8)
    ;
  else if ((len == 66 || len == 10) && p[0] == 0x04 && p[1] == len - 2)
    p += 2, len -= 2;
  else
    return parma_error_make (err, EINVAL, "certificate hwID extension: %ld bytes, want 64 or 8",
                             len);
  memcpy (out->hwid, p, (size_t)len);
  out->hwid_len = (size_t)len;
  return 0;
}

static int
ext_product (X509 *cert, struct snp_cert_ext *out, parma_error_t *err)
{
  const unsigned char *p = NULL;
  long len = 0;
  if (ext_data (cert, SNP_OID_PRODUCT_NAME, &p, &len) <= 0)
    return 0;
  const unsigned char *q = p;
  ASN1_IA5STRING *s = d2i_ASN1_IA5STRING (NULL, &q, len);
  if (s == NULL || q != p + len || ASN1_STRING_length (s) <= 0
      || (size_t)ASN1_STRING_length (s) >= sizeof out->product_name)
    {
      ASN1_IA5STRING_free (s);
      return parma_error_make (err, EINVAL, "certificate product-name extension is malformed");
    }
  memcpy (out->product_name, ASN1_STRING_get0_data (s), (size_t)ASN1_STRING_length (s));
  out->product_name[ASN1_STRING_length (s)] = '\0';
  ASN1_IA5STRING_free (s);
  return 0;
}

int
snp_cert_read_ext (X509 *cert, struct snp_cert_ext *out, parma_error_t *err)
{
  memset (out, 0, sizeof *out);
  struct snp_tcb *t = &out->tcb;
  bool have_bl, have_tee, have_snp, have_uc;
  if (ext_spl (cert, SNP_OID_BL_SPL, &t->bootloader, &have_bl, err) < 0
      || ext_spl (cert, SNP_OID_TEE_SPL, &t->tee, &have_tee, err) < 0
      || ext_spl (cert, SNP_OID_SNP_SPL, &t->snp, &have_snp, err) < 0
      || ext_spl (cert, SNP_OID_UCODE_SPL, &t->microcode, &have_uc, err) < 0
      || ext_spl (cert, SNP_OID_FMC_SPL, &t->fmc, &out->have_fmc, err) < 0
      || ext_hwid (cert, out, err) < 0 || ext_product (cert, out, err) < 0)
    return -1;
  out->have_tcb = have_bl && have_tee && have_snp && have_uc;
  t->turin = out->have_fmc;
  t->raw = snp_tcb_encode (t);
  const unsigned char *p = NULL;
  long len = 0;
  out->have_csp_id = ext_data (cert, SNP_OID_CSP_ID, &p, &len) > 0;
  return 0;
}
