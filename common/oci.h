/* SPDX-License-Identifier: Apache-2.0 */
/* Typed model of the OCI runtime-spec 1.1 Linux config, and its strict
   reader and canonical writer.  This is the one view of a bundle that every
   room shares: the runtime seals it, the policy matcher decides on it,
   parma-policy replays it offline.

   Reader contract (untrusted input, DESIGN §2): valid UTF-8; at most
   OCI_MAX_DOCUMENT bytes and OCI_MAX_DEPTH nesting; duplicate keys refused;
   a key equal to a known key up to ASCII case refused (Go's encoding/json
   matches case-insensitively and keeps the last duplicate, so either would
   let runc see a value we never checked); unknown keys refused unless
   `allow_unknown`, and then dropped (the sealed copy holds only what was
   read); wrong JSON types and out-of-range integers refused.  Each error
   names the JSON path and the rule: `process.env[3]: not a string`.

   Conventions: char * NULL = absent; char ** is NULL-terminated and NULL =
   absent (emitted as absent); T *xs + size_t n_xs for arrays of structs
   (n_xs == 0 is emitted as absent); nested objects are pointers, NULL =
   absent; optional scalars use the oci_opt_* wrappers.  Everything is owned
   by the enclosing struct and freed by its *_free function. */
#ifndef PARMA_COMMON_OCI_H
#define PARMA_COMMON_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define OCI_MAX_DOCUMENT (4u << 20) /* 4 MiB: config.json, process.json */
#define OCI_MAX_DEPTH 64

typedef struct { bool set; bool v; } oci_opt_bool;
typedef struct { bool set; int64_t v; } oci_opt_i64;
typedef struct { bool set; uint64_t v; } oci_opt_u64;
typedef struct { bool set; uint32_t v; } oci_opt_u32;
typedef struct { bool set; int32_t v; } oci_opt_i32;

struct oci_kv /* an entry of a string→string map (annotations, sysctl, ...) */
{
  char *key;
  char *value;
};

/* ---- process ---- */
struct oci_user
{
  uint32_t uid, gid;
  oci_opt_u32 umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* Windows-only in the spec; refused on Linux by policy */
};

struct oci_capabilities
{
  char **bounding, **effective, **inheritable, **permitted, **ambient;
};

struct oci_rlimit
{
  char *type; /* "RLIMIT_NOFILE" */
  uint64_t hard, soft;
};

struct oci_console_size
{
  uint32_t height, width;
};

struct oci_scheduler
{
  char *policy; /* SCHED_OTHER ... */
  oci_opt_i32 nice, priority;
  char **flags;
  oci_opt_u64 runtime, deadline, period;
};

struct oci_io_priority
{
  char *class_; /* "class": IOPRIO_CLASS_RT|BE|IDLE */
  int32_t priority;
};

struct oci_exec_cpu_affinity
{
  char *initial, *final_;
};

struct oci_process
{
  oci_opt_bool terminal;
  struct oci_console_size *console_size;
  struct oci_user user;
  char **args;
  char *command_line; /* Windows */
  char **env;
  char *cwd;
  struct oci_capabilities *capabilities;
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
  oci_opt_bool no_new_privileges;
  char *apparmor_profile;
  oci_opt_i32 oom_score_adj;
  struct oci_scheduler *scheduler;
  char *selinux_label;
  struct oci_io_priority *io_priority;
  struct oci_exec_cpu_affinity *exec_cpu_affinity;
};

/* ---- root, mounts, hooks ---- */
struct oci_root
{
  char *path;
  oci_opt_bool readonly;
};

struct oci_id_mapping
{
  uint32_t container_id, host_id, size;
};

struct oci_mount
{
  char *destination;
  char *type;
  char *source;
  char **options;
  struct oci_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct oci_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct oci_hook
{
  char *path;
  char **args;
  char **env;
  oci_opt_i64 timeout;
};

struct oci_hooks
{
  struct oci_hook *prestart;
  size_t n_prestart;
  struct oci_hook *create_runtime;
  size_t n_create_runtime;
  struct oci_hook *create_container;
  size_t n_create_container;
  struct oci_hook *start_container;
  size_t n_start_container;
  struct oci_hook *poststart;
  size_t n_poststart;
  struct oci_hook *poststop;
  size_t n_poststop;
};

/* ---- linux.resources (also the body of `update -r`) ---- */
struct oci_device_cgroup
{
  bool allow;
  char *type;  /* a|c|b, NULL = all */
  oci_opt_i64 major, minor;
  char *access; /* rwm */
};

struct oci_memory
{
  oci_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
  oci_opt_u64 swappiness;
  oci_opt_bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct oci_cpu
{
  oci_opt_u64 shares;
  oci_opt_i64 quota;
  oci_opt_i64 burst; /* u64 in Go; kept signed for range checks */
  oci_opt_u64 period;
  oci_opt_i64 realtime_runtime;
  oci_opt_u64 realtime_period;
  char *cpus, *mems;
  oci_opt_i64 idle;
};

struct oci_weight_device
{
  int64_t major, minor;
  oci_opt_u32 weight, leaf_weight; /* u16 in the spec */
};

struct oci_throttle_device
{
  int64_t major, minor;
  uint64_t rate;
};

struct oci_block_io
{
  oci_opt_u32 weight, leaf_weight;
  struct oci_weight_device *weight_device;
  size_t n_weight_device;
  struct oci_throttle_device *throttle_read_bps_device;
  size_t n_throttle_read_bps_device;
  struct oci_throttle_device *throttle_write_bps_device;
  size_t n_throttle_write_bps_device;
  struct oci_throttle_device *throttle_read_iops_device;
  size_t n_throttle_read_iops_device;
  struct oci_throttle_device *throttle_write_iops_device;
  size_t n_throttle_write_iops_device;
};

struct oci_hugepage_limit
{
  char *page_size;
  uint64_t limit;
};

struct oci_net_priority
{
  char *name;
  uint32_t priority;
};

struct oci_network_resources
{
  oci_opt_u32 class_id;
  struct oci_net_priority *priorities;
  size_t n_priorities;
};

struct oci_pids
{
  int64_t limit;
};

struct oci_rdma
{
  char *name; /* map key */
  oci_opt_u32 hca_handles, hca_objects;
};

struct oci_resources
{
  struct oci_device_cgroup *devices;
  size_t n_devices;
  struct oci_memory *memory;
  struct oci_cpu *cpu;
  struct oci_pids *pids;
  struct oci_block_io *block_io;
  struct oci_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct oci_network_resources *network;
  struct oci_rdma *rdma;
  size_t n_rdma;
  struct oci_kv *unified;
  size_t n_unified;
};

/* ---- linux ---- */
struct oci_namespace
{
  char *type; /* pid network mount ipc uts user cgroup time */
  char *path;
};

struct oci_device
{
  char *type; /* c b u p */
  char *path;
  oci_opt_i64 major, minor;
  oci_opt_u32 file_mode;
  oci_opt_u32 uid, gid;
};

struct oci_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  oci_opt_u64 value_two;
  char *op;
};

struct oci_seccomp_syscall
{
  char **names;
  char *action;
  oci_opt_u32 errno_ret;
  struct oci_seccomp_arg *args;
  size_t n_args;
};

struct oci_seccomp
{
  char *default_action;
  oci_opt_u32 default_errno_ret;
  char **architectures;
  char **flags;
  char *listener_path;
  char *listener_metadata;
  struct oci_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct oci_intel_rdt
{
  char *clos_id, *l3_cache_schema, *mem_bw_schema;
  oci_opt_bool enable_cmt, enable_mbm;
};

struct oci_personality
{
  char *domain;
  char **flags;
};

struct oci_time_offset
{
  char *clock; /* map key: monotonic|boottime */
  int64_t secs;
  uint32_t nanosecs;
};

struct oci_linux
{
  struct oci_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct oci_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct oci_kv *sysctl;
  size_t n_sysctl;
  struct oci_resources *resources;
  char *cgroups_path;
  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_device *devices;
  size_t n_devices;
  struct oci_seccomp *seccomp;
  char *rootfs_propagation;
  char **masked_paths;
  char **readonly_paths;
  char *mount_label;
  struct oci_intel_rdt *intel_rdt;
  struct oci_personality *personality;
  struct oci_time_offset *time_offsets;
  size_t n_time_offsets;
};

struct oci_config
{
  char *oci_version;
  struct oci_process *process;
  struct oci_root *root;
  char *hostname;
  char *domainname;
  struct oci_mount *mounts;
  size_t n_mounts;
  struct oci_hooks *hooks;
  struct oci_kv *annotations;
  size_t n_annotations;
  struct oci_linux *linux_;
};

struct oci_read_options
{
  bool allow_unknown;       /* drop unknown keys instead of refusing them */
  char **dropped_keys;      /* out (optional): JSON paths of dropped keys */
};
/* On success, a reader given opts sets opts->dropped_keys to a new
   NULL-terminated vector of the dropped keys' paths ("linux.netDevices"),
   or NULL when none was dropped; the caller frees it with strv_free().  On
   failure it is left alone.  `null` members read as absent (as for Go). */

/* Readers: `buf` need not be NUL-terminated.  On error *out is untouched. */
int oci_config_parse (const char *buf, size_t len, struct oci_read_options *opts,
                      struct oci_config **out, parma_error_t *err);
int oci_process_parse (const char *buf, size_t len, struct oci_read_options *opts,
                       struct oci_process **out, parma_error_t *err);
int oci_resources_parse (const char *buf, size_t len, struct oci_read_options *opts,
                         struct oci_resources **out, parma_error_t *err);

/* Canonical writers: compact JSON, keys in the spec's camelCase in sorted
   order, absent members omitted, deterministic byte for byte.  The result is
   what the delegate reads (the sealed copy).  Caller frees *out. */
int oci_config_write (const struct oci_config *c, char **out, size_t *len, parma_error_t *err);
int oci_process_write (const struct oci_process *p, char **out, size_t *len, parma_error_t *err);
int oci_resources_write (const struct oci_resources *r, char **out, size_t *len,
                         parma_error_t *err);

void oci_config_free (struct oci_config *c);
void oci_process_free (struct oci_process *p);
void oci_resources_free (struct oci_resources *r);

/* Lookup helper: value of an annotation or NULL. */
const char *oci_annotation (const struct oci_config *c, const char *key);

#define cleanup_oci_config __attribute__ ((cleanup (oci_config_freep)))
#define cleanup_oci_process __attribute__ ((cleanup (oci_process_freep)))
#define cleanup_oci_resources __attribute__ ((cleanup (oci_resources_freep)))
void oci_config_freep (struct oci_config **c);
void oci_process_freep (struct oci_process **p);
void oci_resources_freep (struct oci_resources **r);

#endif
