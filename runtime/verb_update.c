/* SPDX-License-Identifier: Apache-2.0 */
/* update: resource changes.  A -r document (file or "-" for stdin) is read
   once, strictly, and the delegate gets the sealed copy as --resources. */
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "runtime/bundle.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/verbs.h"

#define O(field, nm, ty, us, df) CLI_OPT (struct update_opts, field, nm, NULL, ty, us, df)
static const struct cli_option update_options[] = {
  CLI_OPT (struct update_opts, resources, "resources", "r", CLI_STRING,
           "path to a file with the LinuxResources JSON to apply, or '-' for standard input "
           "(then the other options are ignored)",
           NULL),
  O (blkio_weight, "blkio-weight", CLI_INT, "per-cgroup block IO weight, 10 to 1000", "0"),
  O (cpu_period, "cpu-period", CLI_STRING, "CPU CFS period (usecs), 0 for the default", NULL),
  O (cpu_quota, "cpu-quota", CLI_STRING, "CPU CFS hardcap limit (usecs) per period", NULL),
  O (cpu_share, "cpu-share", CLI_STRING, "CPU shares (relative weight)", NULL),
  O (cpu_rt_period, "cpu-rt-period", CLI_STRING, "CPU realtime period (usecs)", NULL),
  O (cpu_rt_runtime, "cpu-rt-runtime", CLI_STRING, "CPU realtime hardcap limit (usecs)", NULL),
  O (cpuset_cpus, "cpuset-cpus", CLI_STRING, "CPU(s) to use", NULL),
  O (cpuset_mems, "cpuset-mems", CLI_STRING, "memory node(s) to use", NULL),
  O (memory, "memory", CLI_STRING, "memory limit (in bytes)", NULL),
  O (memory_reservation, "memory-reservation", CLI_STRING, "memory soft limit (in bytes)", NULL),
  O (memory_swap, "memory-swap", CLI_STRING, "memory + swap limit; '-1' for unlimited swap", NULL),
  CLI_OPT (struct update_opts, pids_limit, "pids-limit", NULL, CLI_INT,
           "maximum number of pids in the container", "0"),
  O (l3_cache_schema, "l3-cache-schema", CLI_STRING, "Intel RDT/CAT L3 cache schema", NULL),
  O (mem_bw_schema, "mem-bw-schema", CLI_STRING, "Intel RDT/MBA memory bandwidth schema", NULL),
  CLI_HIDDEN (struct update_opts, kernel_memory, "kernel-memory", CLI_STRING),
  CLI_HIDDEN (struct update_opts, kernel_memory_tcp, "kernel-memory-tcp", CLI_STRING),
};
#undef O

#define ID_ARGS_UPDATE                                                                             \
  "<container-id>\n\nWhere \"<container-id>\" is the name for the instance of the container.\n\n"  \
  "The --resources document is a LinuxResources object of the OCI runtime spec\n"                  \
  "(memory, cpu, blockIO, pids, ...); parma reads it strictly and seals it."

const struct cli_command cmd_update = {
  .name = "update",
  .summary = "update container resource constraints",
  .args_usage = ID_ARGS_UPDATE,
  .options = update_options,
  .n_options = sizeof update_options / sizeof update_options[0],
};

int
verb_update (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct update_opts o = { 0 };
  cleanup_free const char **args = NULL;
  size_t n_args = 0;
  int r = parma_parse_verb (g, &cmd_update, &o, argc, argv, &args, &n_args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  if (parma_check_args (g, &cmd_update, n_args, 1, ARGS_EXACT, err) < 0)
    return -1;
  g->id = args[0];
  if (parma_check_id (g->id, err) < 0 || parma_prepare (g, err) < 0)
    return -1;
  struct parma_request req = { .verb = VERB_UPDATE, .id = g->id, .globals = g, .update = &o };
  struct parma_state st = { .root_fd = -1, .lock_fd = -1, .id_fd = -1 };
  struct oci_resources *res = NULL;
  cleanup_free char *buf = NULL, *out = NULL, *sealed = NULL;
  size_t len = 0, out_len = 0;
  r = -1;
  if (o.resources.set)
    {
      struct oci_read_options ro = { .allow_unknown = false };
      if (parma_read_document (o.resources.v, &buf, &len, err) < 0
          || oci_resources_parse (buf, len, &ro, &res, err) < 0
          || oci_resources_write (res, &out, &out_len, err) < 0)
        {
          parma_error_wrap (err, "--resources");
          goto out;
        }
      req.resources = res;
      if (parma_state_open (g, g->id, STATE_LOCK, &st, err) < 0)
        goto out;
    }
  else if (parma_state_open (g, g->id, STATE_LOOKUP, &st, err) < 0)
    goto out;
  if (parma_decide_and_seal (g, &req, &st, "resources", res ? out : NULL, out_len, &sealed, err)
      < 0)
    goto out;
  if (sealed)
    o.resources.v = sealed;
  {
    cleanup_strv char **dargv = NULL;
    size_t n = 0;
    delegate_argv_start (g, "update", &dargv, &n);
    cli_argv_options (cmd_update.options, cmd_update.n_options, &o, &dargv, &n);
    parma_argv_id (&dargv, &n, g->id);
    r = delegate_exec (g, dargv, err);
  }
out:
  oci_resources_free (res);
  parma_state_close (&st);
  return r;
}
