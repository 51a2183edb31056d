/* SPDX-License-Identifier: Apache-2.0 */
/* The parma-runc front end: global options, the trusted configuration, the
   request every verb hands to decide(), and the verb entry points. */
#ifndef PARMA_RUNTIME_RUNTIME_H
#define PARMA_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "runtime/cli.h"

struct oci_config;
struct oci_process;
struct oci_resources;

#define PARMA_CONFIG_NAME "parma-runc/config.json"
#define PARMA_DEFAULT_STATE_DIR "/run/parma"
#define PARMA_DEFAULT_ROOT "/run/runc"

enum parma_mode
{
  PARMA_MODE_ENFORCE,
  PARMA_MODE_AUDIT,
};

enum parma_attestation
{
  PARMA_ATTEST_SEV_GUEST,
  PARMA_ATTEST_TSM,
  PARMA_ATTEST_SIM,
};

/* $(SYSCONFDIR)/parma-runc/config.json, trusted once its ownership checked. */
struct parma_config
{
  char *path;      /* where it was read from */
  char *delegate;  /* absolute path of runc or crun */
  char *state_dir; /* absolute; default /run/parma */
  enum parma_mode mode;
  char *policy; /* NULL when absent */
  enum parma_attestation attestation;
  char *sim_host_data; /* hex, sim only */
  char *sev_device;    /* sev-guest only: NULL = /dev/sev-guest */
  char *tsm_dir;       /* tsm only: NULL = /sys/kernel/config/tsm/report */
  char **allowed_dirs; /* realpath'ed, NULL-terminated; default /run, /tmp */
  char *audit_log;     /* NULL: <state_dir>/audit.log */
};

/* runc 1.1's global flags plus crun's two (for crun's own test suite). */
struct parma_global_opts
{
  struct cli_bool debug;
  struct cli_string log;
  struct cli_string log_format;
  struct cli_string root;
  struct cli_string criu;
  struct cli_bool systemd_cgroup;
  struct cli_string rootless;
  struct cli_string cgroup_manager; /* crun */
  struct cli_string log_level;      /* crun */
  struct cli_bool help;
  struct cli_bool version;
};

struct parma_globals
{
  const char *prog; /* basename(argv[0]) for help texts */
  struct parma_global_opts opts;
  struct parma_config *config; /* NULL until loaded */
  char *root;                  /* --root resolved under allowed_dirs (absolute) */
  char *log;                   /* --log resolved, or NULL */
  bool log_json;
  const char *verb; /* for error lines */
  const char *id;
  bool denied;      /* the error is a denial: printed without verb/id prefix */
  bool usage_error; /* Incorrect Usage: help already printed */
  int error_exit;   /* exit status of a failure: 1, 255 for exec, 3 unknown verb */
};

/* Turns the error in *err ("<rule>: <why>") into a denial line
   "denied: <verb> <id>: <rule>: <why>"; returns -1. */
int parma_deny_wrap (struct parma_globals *g, parma_error_t *err);

enum parma_verb
{
  VERB_CHECKPOINT,
  VERB_CREATE,
  VERB_DELETE,
  VERB_EVENTS,
  VERB_EXEC,
  VERB_FEATURES,
  VERB_KILL,
  VERB_LIST,
  VERB_PAUSE,
  VERB_PS,
  VERB_RESTORE,
  VERB_RESUME,
  VERB_RUN,
  VERB_SPEC,
  VERB_START,
  VERB_STATE,
  VERB_UPDATE,
  VERB_VERSION,
};

/* ---- per-verb options (each verb parses into its own local copy) ---- */
struct create_opts /* create, run */
{
  struct cli_string bundle, console_socket, pid_file;
  struct cli_bool no_pivot, no_new_keyring, detach, keep, no_subreaper;
  struct cli_int preserve_fds;
};

struct exec_opts
{
  struct cli_string console_socket, cwd, user, process, pid_file, process_label, apparmor;
  struct cli_strings env, additional_gids, cap, cgroup;
  struct cli_bool tty, detach, no_new_privs, ignore_paused;
  struct cli_int preserve_fds;
};

struct kill_opts
{
  struct cli_bool all;
};

struct delete_opts
{
  struct cli_bool force;
};

struct list_opts
{
  struct cli_string format;
  struct cli_bool quiet;
};

struct ps_opts
{
  struct cli_string format;
};

struct events_opts
{
  struct cli_string interval;
  struct cli_bool stats;
};

struct update_opts
{
  struct cli_string resources, cpu_period, cpu_quota, cpu_share, cpu_rt_period, cpu_rt_runtime,
      cpuset_cpus, cpuset_mems, memory, memory_reservation, memory_swap, l3_cache_schema,
      mem_bw_schema, kernel_memory, kernel_memory_tcp;
  struct cli_int blkio_weight, pids_limit;
};

struct checkpoint_opts /* checkpoint, restore */
{
  struct cli_string image_path, work_path, parent_path, page_server, manage_cgroups_mode,
      console_socket, bundle, pid_file, lsm_profile, lsm_mount_context;
  struct cli_strings empty_ns;
  struct cli_bool leave_running, tcp_established, ext_unix_sk, shell_job, lazy_pages, file_locks,
      pre_dump, auto_dedup, detach, no_subreaper, no_pivot;
  struct cli_int status_fd;
};

struct spec_opts
{
  struct cli_string bundle;
  struct cli_bool rootless;
};

/* What decide() sees: the verb, the id, every parsed flag (through the
   verb's option struct), the untrusted documents as strictly parsed, the
   caller paths as resolved, and what parma's trusted state says about the
   id.  The enforcement issue decides on every field here. */
struct parma_request
{
  enum parma_verb verb;
  const char *id; /* NULL for list, spec, features, version */
  const struct parma_globals *globals;
  /* exactly one of these is non-NULL for verbs with options */
  const struct create_opts *create;
  const struct exec_opts *exec;
  const struct kill_opts *kill;
  const struct delete_opts *del;
  const struct list_opts *list;
  const struct ps_opts *ps;
  const struct events_opts *events;
  const struct update_opts *update;
  const struct checkpoint_opts *checkpoint;
  const struct spec_opts *spec;
  /* positional arguments after the id: exec's command, ps's ps options */
  const char *const *args;
  size_t n_args;
  const char *signal; /* kill: as given ("SIGTERM" default) */
  int signo;          /* kill: parsed number */
  /* untrusted inputs, strictly parsed (NULL when the verb has none) */
  const struct oci_config *config;       /* create, run, restore */
  const struct oci_process *process;     /* exec --process */
  const struct oci_resources *resources; /* update -r */
  /* caller paths resolved under allowed_dirs (absolute, NULL when absent) */
  const char *bundle_dir; /* the caller's bundle, as opened */
  const char *rootfs;     /* root.path resolved against the bundle */
  const char *pid_file;
  const char *console_socket;
  /* trusted state */
  bool admitted;               /* an admission record exists for (root, id) */
  const char *admitted_digest; /* sha256 of the sealed config it admitted */
  const char *admitted_entry;  /* policy entry the id matched */
  /* exec: the owner token relayed in the process env (PARMA_OWNER_TOKEN),
     already removed from what is sealed (runtime/owner.h) */
  const char *owner_token;
};

/* ---- configuration (config.c) ---- */
int parma_config_load (const char *path, struct parma_config **out, parma_error_t *err);
void parma_config_free (struct parma_config *c);
/* Parses a config document (after the ownership checks); exposed for tests. */
int parma_config_parse (const char *buf, size_t len, struct parma_config **out, parma_error_t *err);

/* ---- paths (paths.c) ---- */
/* Absolute form of `path` with every existing component resolved (realpath
   of the longest existing prefix, the rest appended); relative paths are
   taken against the cwd, as runc does. */
int parma_resolve_path (const char *path, char **out, parma_error_t *err);
/* path is dir or below it (both canonical). */
bool parma_path_is_under (const char *path, const char *dir);
/* Resolves `path` and checks that it lies under one of allowed_dirs; the
   error names `flag`. */
int parma_allowed_path (const struct parma_config *c, const char *flag, const char *path,
                        char **out, parma_error_t *err);

/* ---- decision point (decide.c) ---- */
const char *parma_verb_name (enum parma_verb v);
int decide (struct parma_globals *g, const struct parma_request *req, parma_error_t *err);
/* Appends a "deny" line for a denial found outside decide() (best effort). */
void parma_audit_denial (const struct parma_globals *g, enum parma_verb verb, const char *why);
/* Opens the audit log for appending, making its directory on the first
   call of a boot (decide.c). */
int parma_audit_log_open (const char *path, parma_error_t *err);
/* The verb enum of a command name ("version" for --version). */
enum parma_verb parma_verb_from_name (const char *name);

/* ---- delegation (delegate.c) ---- */
/* argv[0] = delegate path, the globals it should see, then the verb. */
void delegate_argv_start (const struct parma_globals *g, const char *verb, char ***argv, size_t *n);
/* execve's the delegate in place; returns < 0 only on failure. */
int delegate_exec (const struct parma_globals *g, char **argv, parma_error_t *err);
/* Runs `<delegate> VERB` as a child (features, --version), capturing
   stdout and dropping its stderr; *wait_status is the child's status (a
   delegate that fails is not an error here, the caller decides what that
   means). */
int delegate_capture (const struct parma_globals *g, const char *verb, char **out, size_t *len,
                      int *wait_status, parma_error_t *err);
/* Runs the delegate as a child with parma's stdio (delete only, which must
   outlive the delegate to drop the record); *wait_status as waitpid's. */
int delegate_run (const struct parma_globals *g, char **argv, int *wait_status, parma_error_t *err);

/* ---- verbs (verb_*.c): argc/argv are the words after the verb ---- */
typedef int (*parma_verb_fn) (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_create (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_run (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_exec (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_kill (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_delete (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_start (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_pause (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_resume (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_state (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_events (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_ps (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_list (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_update (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_checkpoint (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_restore (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_spec (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
int verb_features (struct parma_globals *g, int argc, char **argv, parma_error_t *err);

/* The command table (main.c) and help (verb_help.c). */
struct parma_command
{
  const struct cli_command *cli;
  parma_verb_fn fn;
};
const struct parma_command *parma_find_command (const char *name);
/* parma's own verbs (verb_layer.c: mount-layer, unmount-layer, mount-rootfs,
   unmount-rootfs), found by parma_find_command but not listed in the
   runc-shaped --help. */
const struct parma_command *parma_find_layer_command (const char *name);
extern const struct cli_command cmd_create, cmd_run, cmd_exec, cmd_kill, cmd_delete, cmd_start,
    cmd_pause, cmd_resume, cmd_state, cmd_events, cmd_ps, cmd_list, cmd_update, cmd_checkpoint,
    cmd_restore, cmd_spec, cmd_features, cmd_help;
void parma_print_app_help (const struct parma_globals *g);

/* Parses a verb's words; on CLI_HELP prints help and returns CLI_HELP; on a
   usage error prints "Incorrect Usage: ..." + help on stdout and returns
   < 0 with err set (marked as usage error for the exit code). */
int parma_parse_verb (struct parma_globals *g, const struct cli_command *cmd, void *opts, int argc,
                      char **argv, const char ***args, size_t *n_args, parma_error_t *err);
/* runc's checkArgs: "requires exactly|a minimum of|a maximum of N argument(s)". */
enum parma_arg_check
{
  ARGS_EXACT,
  ARGS_MIN,
  ARGS_MAX,
};
int parma_check_args (struct parma_globals *g, const struct cli_command *cmd, size_t n_args,
                      size_t want, enum parma_arg_check how, parma_error_t *err);
/* Validates a container id as runc does and refuses anything that is not a
   single safe path component. */
int parma_check_id (const char *id, parma_error_t *err);
/* A caller path (--root, --log, --pid-file, --console-socket): resolved
   under allowed_dirs, else denied -- or, in audit mode, logged as denied
   and allowed with a warning. */
int parma_path_request (struct parma_globals *g, const char *flag, const char *path, char **out,
                        parma_error_t *err);
/* Loads the trusted configuration (once) and resolves --log and --root
   under allowed_dirs; every verb but help calls it after parsing. */
int parma_prepare (struct parma_globals *g, parma_error_t *err);

/* runc 1.1's parseSignal: 0..64, or a name with or without SIG, any case. */
int parma_parse_signal (const char *raw, int *signo, parma_error_t *err);

#endif
