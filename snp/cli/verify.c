/* SPDX-License-Identifier: Apache-2.0 */
/* parma-snp verify REPORT --chain PEM [...]: exits 0 only when every check
   passes; otherwise prints one `verify: <check>: <why>` line per failed
   check on stderr and exits 1. */
#include "snp/cli/cli.h"
#include "snp/snp.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct verify_cli
{
  const char *report, *chain, *vcek, *sim_ark;
  struct snp_verify_opts opts;
  uint8_t *host_data, *measurement, *report_data, *family_id, *image_id;
  const char *min_tcb;
};

static void
verify_cli_release (struct verify_cli *v)
{
  free (v->host_data);
  free (v->measurement);
  free (v->report_data);
  free (v->family_id);
  free (v->image_id);
}

enum
{
  OPT_CHAIN = 256,
  OPT_VCEK,
  OPT_AT,
  OPT_HOST_DATA,
  OPT_MEASUREMENT,
  OPT_REPORT_DATA,
  OPT_VMPL,
  OPT_ALLOW_DEBUG,
  OPT_ALLOW_PROVISIONAL,
  OPT_ALLOW_MIGRATE_MA,
  OPT_MIN_TCB,
  OPT_PRODUCT,
  OPT_ALLOW_SIM,
  OPT_SIM_ARK,
  OPT_CRL,
  OPT_FAMILY_ID,
  OPT_IMAGE_ID,
  OPT_MIN_GUEST_SVN,
};

static int
parse_verify_opts (struct verify_cli *v, int argc, char **argv, parma_error_t *err)
{
  static const struct option longopts[] = {
    { "chain", required_argument, NULL, OPT_CHAIN },
    { "vcek", required_argument, NULL, OPT_VCEK },
    { "at", required_argument, NULL, OPT_AT },
    { "host-data", required_argument, NULL, OPT_HOST_DATA },
    { "measurement", required_argument, NULL, OPT_MEASUREMENT },
    { "report-data", required_argument, NULL, OPT_REPORT_DATA },
    { "vmpl", required_argument, NULL, OPT_VMPL },
    { "allow-debug", no_argument, NULL, OPT_ALLOW_DEBUG },
    { "allow-provisional-tcb", no_argument, NULL, OPT_ALLOW_PROVISIONAL },
    { "allow-migrate-ma", no_argument, NULL, OPT_ALLOW_MIGRATE_MA },
    { "min-tcb", required_argument, NULL, OPT_MIN_TCB },
    { "product", required_argument, NULL, OPT_PRODUCT },
    { "allow-simulator", no_argument, NULL, OPT_ALLOW_SIM },
    { "simulator-ark", required_argument, NULL, OPT_SIM_ARK },
    { "crl", required_argument, NULL, OPT_CRL },
    { "family-id", required_argument, NULL, OPT_FAMILY_ID },
    { "image-id", required_argument, NULL, OPT_IMAGE_ID },
    { "min-guest-svn", required_argument, NULL, OPT_MIN_GUEST_SVN },
    { NULL, 0, NULL, 0 },
  };
  int c;
  int64_t n;
  optind = 1;
  opterr = 0;
  v->opts.vmpl = -1;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case OPT_CHAIN:
        v->chain = optarg;
        break;
      case OPT_VCEK:
        v->vcek = optarg;
        break;
      case OPT_AT:
        if (parse_int64 (optarg, 0, INT64_MAX, &n) < 0)
          return parma_error_make (err, EINVAL, "--at: `%s` is not a unix time", optarg);
        v->opts.have_time = true;
        v->opts.at = n;
        break;
      case OPT_HOST_DATA:
        if (cli_hex_arg ("--host-data", optarg, SNP_HOST_DATA_SIZE, &v->host_data, err) < 0)
          return -1;
        v->opts.host_data = v->host_data;
        break;
      case OPT_MEASUREMENT:
        if (cli_hex_arg ("--measurement", optarg, SNP_MEASUREMENT_SIZE, &v->measurement, err) < 0)
          return -1;
        v->opts.measurement = v->measurement;
        break;
      case OPT_REPORT_DATA:
        if (cli_hex_arg ("--report-data", optarg, SNP_REPORT_DATA_SIZE, &v->report_data, err) < 0)
          return -1;
        v->opts.report_data = v->report_data;
        break;
      case OPT_VMPL:
        if (parse_int64 (optarg, 0, 3, &n) < 0)
          return parma_error_make (err, EINVAL, "--vmpl: `%s` is not 0-3", optarg);
        v->opts.vmpl = (int)n;
        break;
      case OPT_ALLOW_DEBUG:
        v->opts.allow_debug = true;
        break;
      case OPT_ALLOW_PROVISIONAL:
        v->opts.allow_provisional_tcb = true;
        break;
      case OPT_ALLOW_MIGRATE_MA:
        v->opts.allow_migrate_ma = true;
        break;
      case OPT_MIN_TCB:
        v->min_tcb = optarg;
        break;
      case OPT_PRODUCT:
        if (snp_product_parse (optarg, &v->opts.product) < 0)
          return parma_error_make (err, EINVAL, "--product: `%s` is not Milan, Genoa or Turin",
                                   optarg);
        break;
      case OPT_ALLOW_SIM:
        v->opts.allow_simulator = true;
        break;
      case OPT_SIM_ARK:
        v->sim_ark = optarg;
        break;
      case OPT_CRL:
        v->opts.crl_path = optarg;
        break;
      case OPT_FAMILY_ID:
        if (cli_hex_arg ("--family-id", optarg, 16, &v->family_id, err) < 0)
          return -1;
        v->opts.family_id = v->family_id;
        break;
      case OPT_IMAGE_ID:
        if (cli_hex_arg ("--image-id", optarg, 16, &v->image_id, err) < 0)
          return -1;
        v->opts.image_id = v->image_id;
        break;
      case OPT_MIN_GUEST_SVN:
        if (parse_int64 (optarg, 0, UINT32_MAX, &n) < 0)
          return parma_error_make (err, EINVAL, "--min-guest-svn: `%s` is not 0-4294967295",
                                   optarg);
        v->opts.have_min_guest_svn = true;
        v->opts.min_guest_svn = (uint32_t)n;
        break;
      default:
        return parma_error_make (err, EINVAL, "verify: unknown option or missing value `%s`",
                                 argv[optind - 1]);
      }
  if (optind != argc - 1)
    return parma_error_make (err, EINVAL, "verify: want exactly one REPORT argument");
  v->report = argv[optind];
  if (v->chain == NULL)
    return parma_error_make (err, EINVAL, "verify: --chain PEM is required");
  if (v->opts.allow_simulator && v->sim_ark == NULL)
    return parma_error_make (err, EINVAL, "verify: --allow-simulator needs --simulator-ark CERT");
  v->opts.simulator_ark_path = v->sim_ark;
  return 0;
}

int
verb_verify (int argc, char **argv, parma_error_t *err)
{
  struct verify_cli v = { 0 };
  int ret = parse_verify_opts (&v, argc, argv, err);
  struct snp_report report;
  struct snp_certs *certs = NULL;
  if (ret < 0)
    goto out;
  ret = snp_report_load (v.report, &report, NULL, err);
  if (ret < 0)
    goto out;
  if (v.min_tcb)
    {
      ret = snp_tcb_parse (v.min_tcb, report.reported_tcb.turin, &v.opts.min_tcb, err);
      if (ret < 0)
        goto out;
      v.opts.have_min_tcb = true;
    }
  certs = snp_certs_new ();
  ret = snp_certs_add_file (certs, v.chain, err);
  if (ret == 0 && v.vcek)
    ret = snp_certs_add_file (certs, v.vcek, err);
  if (ret < 0)
    goto out;
  struct snp_verify_result res;
  parma_error_t verr = NULL;
  ret = snp_verify (&report, certs, &v.opts, &res, &verr);
  if (ret < 0 && res.n_failures == 0)
    {
      *err = verr; /* could not run at all */
      goto out;
    }
  parma_error_release (&verr);
  for (size_t i = 0; i < res.n_failures; i++)
    fprintf (stderr, "verify: %s\n", res.failures[i]);
  if (res.simulator)
    fprintf (stderr,
             "parma-snp: WARNING: the chain ends at the parma SIMULATOR's ARK, not AMD's\n");
  if (ret == 0)
    printf ("verify: OK: %s report v%u signed by the %s (%s%s)\n", snp_product_name (res.product),
            report.version, res.vlek ? "VLEK" : "VCEK",
            res.simulator ? "SIMULATOR chain" : "AMD ARK",
            v.opts.have_time ? ", time pinned by --at" : "");
  ret = ret == 0 ? 0 : CLI_EXIT_FAIL;
  snp_verify_result_release (&res);
out:
  snp_certs_free (certs);
  verify_cli_release (&v);
  return ret;
}
