/* SPDX-License-Identifier: Apache-2.0 */
/* parma-snp show REPORT [--json]: every field as `name: value` lines (hex
   lowercase), or the same names and values as one flat JSON object.  Small
   integers are decimal (JSON numbers), 64-bit words 0x-hex (JSON strings,
   since JSON numbers lose precision past 2^53). */
#include "snp/cli/cli.h"
#include "snp/snp.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct emitter
{
  struct strbuf sb;
  bool json;
  bool first;
};

static void
emit_raw (struct emitter *e, const char *name, const char *value, bool quote)
{
  if (!e->json)
    {
      strbuf_appendf (&e->sb, "%s: %s\n", name, value);
      return;
    }
  strbuf_puts (&e->sb, e->first ? "{\n  " : ",\n  ");
  e->first = false;
  strbuf_json_string (&e->sb, name, strlen (name));
  strbuf_puts (&e->sb, ": ");
  if (quote)
    strbuf_json_string (&e->sb, value, strlen (value));
  else
    strbuf_puts (&e->sb, value);
}

static void
emit_u (struct emitter *e, const char *name, uint64_t v)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%llu", (unsigned long long)v);
  emit_raw (e, name, buf, false);
}

static void
emit_x (struct emitter *e, const char *name, uint64_t v)
{
  char buf[32];
  snprintf (buf, sizeof buf, "0x%llx", (unsigned long long)v);
  emit_raw (e, name, buf, true);
}

static void
emit_b (struct emitter *e, const char *name, bool v)
{
  emit_raw (e, name, v ? "true" : "false", false);
}

static void
emit_s (struct emitter *e, const char *name, const char *v)
{
  emit_raw (e, name, v, true);
}

static void
emit_hex (struct emitter *e, const char *name, const uint8_t *p, size_t n)
{
  cleanup_free char *hex = hex_encode (p, n);
  emit_raw (e, name, hex, true);
}

static void
emit_tcb (struct emitter *e, const char *name, const struct snp_tcb *t)
{
  cleanup_free char *n_bl = xasprintf ("%s.bootloader", name);
  cleanup_free char *n_tee = xasprintf ("%s.tee", name);
  cleanup_free char *n_snp = xasprintf ("%s.snp", name);
  cleanup_free char *n_uc = xasprintf ("%s.microcode", name);
  cleanup_free char *n_fmc = xasprintf ("%s.fmc", name);
  emit_x (e, name, t->raw);
  if (t->turin)
    emit_u (e, n_fmc, t->fmc);
  emit_u (e, n_bl, t->bootloader);
  emit_u (e, n_tee, t->tee);
  emit_u (e, n_snp, t->snp);
  emit_u (e, n_uc, t->microcode);
}

static void
emit_policy (struct emitter *e, uint64_t p)
{
  emit_x (e, "policy", p);
  emit_u (e, "policy.abi_minor", p & 0xff);
  emit_u (e, "policy.abi_major", (p >> 8) & 0xff);
  emit_b (e, "policy.smt", p & SNP_POLICY_SMT);
  emit_b (e, "policy.migrate_ma", p & SNP_POLICY_MIGRATE_MA);
  emit_b (e, "policy.debug", p & SNP_POLICY_DEBUG);
  emit_b (e, "policy.single_socket", p & SNP_POLICY_SINGLE_SOCKET);
  emit_b (e, "policy.cxl_allow", p & SNP_POLICY_CXL_ALLOW);
  emit_b (e, "policy.mem_aes_256_xts", p & SNP_POLICY_MEM_AES_256_XTS);
  emit_b (e, "policy.rapl_dis", p & SNP_POLICY_RAPL_DIS);
  emit_b (e, "policy.ciphertext_hiding_dram", p & SNP_POLICY_CIPHERTEXT_HIDING);
  emit_b (e, "policy.page_swap_disable", p & SNP_POLICY_PAGE_SWAP_DISABLE);
}

static void
emit_platform_info (struct emitter *e, uint64_t p)
{
  emit_x (e, "platform_info", p);
  emit_b (e, "platform_info.smt_en", p & 1);
  emit_b (e, "platform_info.tsme_en", p & 2);
  emit_b (e, "platform_info.ecc_en", p & 4);
  emit_b (e, "platform_info.rapl_dis", p & 8);
  emit_b (e, "platform_info.ciphertext_hiding_dram_en", p & 16);
  emit_b (e, "platform_info.alias_check_complete", p & 32);
  emit_b (e, "platform_info.tio_en", p & 128);
}

static const char *
signing_key_name (uint32_t k)
{
  return k == SNP_SIGNING_KEY_VCEK ? "vcek" : k == SNP_SIGNING_KEY_VLEK ? "vlek" : "none";
}

static void
emit_report (struct emitter *e, const struct snp_report *r, enum snp_input_format fmt)
{
  char fw[32];
  emit_s (e, "input_format", snp_input_format_name (fmt));
  emit_u (e, "version", r->version);
  emit_u (e, "guest_svn", r->guest_svn);
  emit_policy (e, r->policy);
  emit_hex (e, "family_id", r->family_id, sizeof r->family_id);
  emit_hex (e, "image_id", r->image_id, sizeof r->image_id);
  emit_u (e, "vmpl", r->vmpl);
  emit_u (e, "signature_algo", r->signature_algo);
  emit_tcb (e, "current_tcb", &r->current_tcb);
  emit_platform_info (e, r->platform_info);
  emit_x (e, "signer_info", r->signer_info);
  emit_b (e, "signer_info.author_key_en", r->author_key_en);
  emit_b (e, "signer_info.mask_chip_key", r->mask_chip_key);
  emit_s (e, "signer_info.signing_key", signing_key_name (r->signing_key));
  emit_hex (e, "report_data", r->report_data, sizeof r->report_data);
  emit_hex (e, "measurement", r->measurement, sizeof r->measurement);
  emit_hex (e, "host_data", r->host_data, sizeof r->host_data);
  emit_hex (e, "id_key_digest", r->id_key_digest, sizeof r->id_key_digest);
  emit_hex (e, "author_key_digest", r->author_key_digest, sizeof r->author_key_digest);
  emit_hex (e, "report_id", r->report_id, sizeof r->report_id);
  emit_hex (e, "report_id_ma", r->report_id_ma, sizeof r->report_id_ma);
  emit_tcb (e, "reported_tcb", &r->reported_tcb);
  if (r->version >= 3)
    {
      emit_x (e, "cpuid_fam_id", r->cpuid_fam_id);
      emit_x (e, "cpuid_mod_id", r->cpuid_mod_id);
      emit_x (e, "cpuid_step", r->cpuid_step);
    }
  emit_s (e, "product", snp_product_name (r->product));
  emit_hex (e, "chip_id", r->chip_id, sizeof r->chip_id);
  emit_tcb (e, "committed_tcb", &r->committed_tcb);
  emit_u (e, "current_build", r->current_build);
  emit_u (e, "current_minor", r->current_minor);
  emit_u (e, "current_major", r->current_major);
  snprintf (fw, sizeof fw, "%u.%u.%u", r->current_major, r->current_minor, r->current_build);
  emit_s (e, "current_version", fw);
  emit_u (e, "committed_build", r->committed_build);
  emit_u (e, "committed_minor", r->committed_minor);
  emit_u (e, "committed_major", r->committed_major);
  snprintf (fw, sizeof fw, "%u.%u.%u", r->committed_major, r->committed_minor, r->committed_build);
  emit_s (e, "committed_version", fw);
  emit_tcb (e, "launch_tcb", &r->launch_tcb);
  if (r->version >= 5)
    {
      emit_x (e, "launch_mit_vector", r->launch_mit_vector);
      emit_x (e, "current_mit_vector", r->current_mit_vector);
    }
  /* P-384 uses the low 48 bytes; the rest is checked zero by the parser. */
  emit_hex (e, "signature_r", r->signature_r, 48);
  emit_hex (e, "signature_s", r->signature_s, 48);
}

int
verb_show (int argc, char **argv, parma_error_t *err)
{
  static const struct option longopts[]
      = { { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
  bool json = false;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case 'j':
        json = true;
        break;
      default:
        return parma_error_make (err, EINVAL, "show: unknown option `%s`", argv[optind - 1]);
      }
  if (optind != argc - 1)
    return parma_error_make (err, EINVAL, "show: want exactly one REPORT argument");
  struct snp_report report;
  enum snp_input_format fmt = SNP_INPUT_RAW;
  if (snp_report_load (argv[optind], &report, &fmt, err) < 0)
    return -1;
  struct emitter e = { .json = json, .first = true };
  emit_report (&e, &report, fmt);
  if (json)
    strbuf_puts (&e.sb, "\n}\n");
  fwrite (e.sb.buf, 1, e.sb.len, stdout);
  strbuf_release (&e.sb);
  return fflush (stdout) == 0 ? 0 : parma_error_make (err, errno, "write stdout");
}
