/* SPDX-License-Identifier: Apache-2.0 */
/* parma-snp report: asks the secure processor (or the simulator) for a
   fresh report.  A relying-party/debug tool, so the backend is a flag here;
   the runtime takes it from its build-time configuration only.  The
   simulator is announced on stderr on every use. */
#include "snp/cli/cli.h"
#include "snp/snp.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct report_cli
{
  struct snp_source src;
  uint8_t report_data[SNP_REPORT_DATA_SIZE];
  uint8_t *sim_host_data;
  const char *out, *certs;
};

enum
{
  OPT_BACKEND = 256,
  OPT_REPORT_DATA,
  OPT_OUT,
  OPT_CERTS,
  OPT_VMPL,
  OPT_DEVICE,
  OPT_TSM_DIR,
  OPT_SIM_DIR,
  OPT_SIM_HOST_DATA,
  OPT_SIM_VERSION,
  OPT_SIM_PRODUCT,
  OPT_SIM_POLICY,
};

static int
parse_report_opts (struct report_cli *o, int argc, char **argv, parma_error_t *err)
{
  static const struct option longopts[] = {
    { "backend", required_argument, NULL, OPT_BACKEND },
    { "report-data", required_argument, NULL, OPT_REPORT_DATA },
    { "out", required_argument, NULL, OPT_OUT },
    { "certs", required_argument, NULL, OPT_CERTS },
    { "vmpl", required_argument, NULL, OPT_VMPL },
    { "device", required_argument, NULL, OPT_DEVICE },
    { "tsm-dir", required_argument, NULL, OPT_TSM_DIR },
    { "sim-dir", required_argument, NULL, OPT_SIM_DIR },
    { "sim-host-data", required_argument, NULL, OPT_SIM_HOST_DATA },
    { "sim-version", required_argument, NULL, OPT_SIM_VERSION },
    { "sim-product", required_argument, NULL, OPT_SIM_PRODUCT },
    { "sim-policy", required_argument, NULL, OPT_SIM_POLICY },
    { NULL, 0, NULL, 0 },
  };
  int c;
  int64_t n;
  cleanup_free uint8_t *rd = NULL;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case OPT_BACKEND:
        if (snp_backend_parse (optarg, &o->src.backend) < 0)
          return parma_error_make (err, EINVAL, "--backend: `%s` is not sev-guest, tsm or sim",
                                   optarg);
        break;
      case OPT_REPORT_DATA:
        free (rd);
        rd = NULL;
        if (cli_hex_arg ("--report-data", optarg, SNP_REPORT_DATA_SIZE, &rd, err) < 0)
          return -1;
        memcpy (o->report_data, rd, SNP_REPORT_DATA_SIZE);
        break;
      case OPT_OUT:
        o->out = optarg;
        break;
      case OPT_CERTS:
        o->certs = optarg;
        o->src.want_certs = true;
        break;
      case OPT_VMPL:
        if (parse_int64 (optarg, 0, 3, &n) < 0)
          return parma_error_make (err, EINVAL, "--vmpl: `%s` is not 0-3", optarg);
        o->src.vmpl = (uint32_t)n;
        break;
      case OPT_DEVICE:
        o->src.device_path = optarg;
        break;
      case OPT_TSM_DIR:
        o->src.tsm_path = optarg;
        break;
      case OPT_SIM_DIR:
        o->src.sim_dir = optarg;
        break;
      case OPT_SIM_HOST_DATA:
        free (o->sim_host_data);
        o->sim_host_data = NULL;
        if (cli_hex_arg ("--sim-host-data", optarg, SNP_HOST_DATA_SIZE, &o->sim_host_data, err) < 0)
          return -1;
        o->src.sim_host_data = o->sim_host_data;
        break;
      case OPT_SIM_VERSION:
        if (parse_int64 (optarg, 2, 5, &n) < 0)
          return parma_error_make (err, EINVAL, "--sim-version: `%s` is not 2-5", optarg);
        o->src.sim_version = (uint32_t)n;
        break;
      case OPT_SIM_PRODUCT:
        if (snp_product_parse (optarg, &o->src.sim_product) < 0)
          return parma_error_make (err, EINVAL, "--sim-product: `%s` is not Milan, Genoa or Turin",
                                   optarg);
        break;
      case OPT_SIM_POLICY:
        {
          char *end = NULL;
          errno = 0;
          unsigned long long v = strtoull (optarg, &end, 16);
          if (errno || end == optarg || *end || v == 0)
            return parma_error_make (err, EINVAL, "--sim-policy: `%s` is not a hex guest policy",
                                     optarg);
          o->src.sim_policy = v;
        }
        break;
      default:
        return parma_error_make (err, EINVAL, "report: unknown option or missing value `%s`",
                                 argv[optind - 1]);
      }
  if (optind != argc)
    return parma_error_make (err, EINVAL, "report: unexpected argument `%s`", argv[optind]);
  if (o->src.backend == SNP_BACKEND_SIM && o->src.sim_dir == NULL)
    return parma_error_make (err, EINVAL,
                             "report: --backend sim needs --sim-dir DIR (its test chain)");
  return 0;
}

static int
write_out (const char *path, const void *buf, size_t len, parma_error_t *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", path);
  if (write_all_fd (fd, buf, len, err) < 0)
    return parma_error_wrap (err, "write `%s`", path);
  return 0;
}

static int
write_certs (const char *path, const struct snp_fetch_result *res, parma_error_t *err)
{
  if (res->cert_table == NULL)
    return parma_error_make (err, ENOENT, "--certs: the source returned no certificates");
  struct snp_certs *certs = snp_certs_new ();
  cleanup_free char *pem = NULL;
  size_t len = 0;
  int ret = snp_certs_add_cert_table (certs, res->cert_table, res->cert_table_len, err);
  if (ret == 0)
    ret = snp_certs_to_pem (certs, &pem, &len, err);
  snp_certs_free (certs);
  if (ret == 0)
    ret = write_out (path, pem, len, err);
  return ret;
}

int
verb_report (int argc, char **argv, parma_error_t *err)
{
  struct report_cli o = { .src = { .backend = SNP_BACKEND_SEV_GUEST } };
  struct snp_fetch_result res = { 0 };
  int ret = parse_report_opts (&o, argc, argv, err);
  if (ret == 0)
    {
      if (o.src.backend == SNP_BACKEND_SIM)
        fprintf (stderr, "parma-snp: WARNING: %s\n", SNP_SIMULATOR_NOTICE);
      ret = snp_fetch_report (&o.src, o.report_data, &res, err);
    }
  if (ret == 0 && o.certs)
    ret = write_certs (o.certs, &res, err);
  if (ret == 0 && o.out)
    ret = write_out (o.out, res.raw, res.raw_len, err);
  else if (ret == 0)
    {
      cleanup_free char *hex = hex_encode (res.raw, res.raw_len);
      if (printf ("%s\n", hex) < 0 || fflush (stdout) != 0)
        ret = parma_error_make (err, errno, "write stdout");
    }
  snp_fetch_result_release (&res);
  free (o.sim_host_data);
  return ret;
}
