/* SPDX-License-Identifier: Apache-2.0 */
/* The global flag table (see globals.h). */
#include "runtime/globals.h"

#include "runtime/runtime.h"

#define G(field, nm, al, ty, us, df) CLI_OPT (struct parma_global_opts, field, nm, al, ty, us, df)
const struct cli_option parma_global_options[] = {
  G (debug, "debug", NULL, CLI_BOOL, "enable debug logging", NULL),
  G (log, "log", NULL, CLI_STRING, "log file for errors (default: stderr only)", NULL),
  G (log_format, "log-format", NULL, CLI_STRING, "log format: 'text' or 'json'", "\"text\""),
  G (root, "root", NULL, CLI_STRING, "root directory of the delegate's container state",
     "\"/run/runc\""),
  G (criu, "criu", NULL, CLI_STRING, "path of the criu binary (checkpoint/restore)", "\"criu\""),
  G (systemd_cgroup, "systemd-cgroup", NULL, CLI_BOOL,
     "use the systemd cgroup manager (cgroupsPath \"slice:prefix:name\")", NULL),
  G (rootless, "rootless", NULL, CLI_STRING,
     "ignore cgroup permission errors ('true', 'false' or 'auto')", "\"auto\""),
  CLI_HIDDEN (struct parma_global_opts, cgroup_manager, "cgroup-manager", CLI_STRING),
  CLI_HIDDEN (struct parma_global_opts, log_level, "log-level", CLI_STRING),
  G (help, "help", "h", CLI_BOOL, "show help", NULL),
  G (version, "version", "v", CLI_BOOL, "print the version", NULL),
};
#undef G
const size_t parma_n_global_options = sizeof parma_global_options / sizeof parma_global_options[0];
