/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI runtime-spec 1.1 Linux model as tables (see oci_schema.h).  Keys
   are the spec's JSON names (config.md, config-linux.md); each table is in
   byte order of its keys. */
#include "common/oci.h"
#include "common/oci_schema.h"

#define N_(a) (sizeof (a) / sizeof (a)[0])
#define TYPE(cname, st, fields_) \
  const struct oci_type cname = { #st, sizeof (struct st), fields_, N_ (fields_), OCI_NO_MAP_KEY }
#define MAP_TYPE(cname, st, fields_, keymember) \
  const struct oci_type cname = { #st, sizeof (struct st), fields_, N_ (fields_), \
                                  offsetof (struct st, keymember) }
/* scalar member */
#define F(key, kind, st, m) { key, OCI_K_##kind, offsetof (struct st, m), 0, NULL }
/* object member */
#define FO(key, kind, st, m, sub) { key, OCI_K_##kind, offsetof (struct st, m), 0, &sub }
/* array or map member with its n_<member> count */
#define FA(key, kind, st, m, sub) \
  { key, OCI_K_##kind, offsetof (struct st, m), offsetof (struct st, n_##m), sub }

/* ---- process ---- */
static const struct oci_field user_fields[] = {
  FA ("additionalGids", U32_ARRAY, oci_user, additional_gids, NULL),
  F ("gid", U32, oci_user, gid),
  F ("uid", U32, oci_user, uid),
  F ("umask", OPT_U32, oci_user, umask),
  F ("username", STRING, oci_user, username),
};
static TYPE (user_type, oci_user, user_fields);

static const struct oci_field capabilities_fields[] = {
  F ("ambient", STRV, oci_capabilities, ambient),
  F ("bounding", STRV, oci_capabilities, bounding),
  F ("effective", STRV, oci_capabilities, effective),
  F ("inheritable", STRV, oci_capabilities, inheritable),
  F ("permitted", STRV, oci_capabilities, permitted),
};
static TYPE (capabilities_type, oci_capabilities, capabilities_fields);

static const struct oci_field rlimit_fields[] = {
  F ("hard", U64, oci_rlimit, hard),
  F ("soft", U64, oci_rlimit, soft),
  F ("type", STRING, oci_rlimit, type),
};
static TYPE (rlimit_type, oci_rlimit, rlimit_fields);

static const struct oci_field console_size_fields[] = {
  F ("height", U32, oci_console_size, height),
  F ("width", U32, oci_console_size, width),
};
static TYPE (console_size_type, oci_console_size, console_size_fields);

static const struct oci_field scheduler_fields[] = {
  F ("deadline", OPT_U64, oci_scheduler, deadline),
  F ("flags", STRV, oci_scheduler, flags),
  F ("nice", OPT_I32, oci_scheduler, nice),
  F ("period", OPT_U64, oci_scheduler, period),
  F ("policy", STRING, oci_scheduler, policy),
  F ("priority", OPT_I32, oci_scheduler, priority),
  F ("runtime", OPT_U64, oci_scheduler, runtime),
};
static TYPE (scheduler_type, oci_scheduler, scheduler_fields);

static const struct oci_field io_priority_fields[] = {
  F ("class", STRING, oci_io_priority, class_),
  F ("priority", I32, oci_io_priority, priority),
};
static TYPE (io_priority_type, oci_io_priority, io_priority_fields);

static const struct oci_field exec_cpu_affinity_fields[] = {
  F ("final", STRING, oci_exec_cpu_affinity, final_),
  F ("initial", STRING, oci_exec_cpu_affinity, initial),
};
static TYPE (exec_cpu_affinity_type, oci_exec_cpu_affinity, exec_cpu_affinity_fields);

static const struct oci_field process_fields[] = {
  F ("apparmorProfile", STRING, oci_process, apparmor_profile),
  F ("args", STRV, oci_process, args),
  FO ("capabilities", OBJECT, oci_process, capabilities, capabilities_type),
  F ("commandLine", STRING, oci_process, command_line),
  FO ("consoleSize", OBJECT, oci_process, console_size, console_size_type),
  F ("cwd", STRING, oci_process, cwd),
  F ("env", STRV, oci_process, env),
  FO ("execCPUAffinity", OBJECT, oci_process, exec_cpu_affinity, exec_cpu_affinity_type),
  FO ("ioPriority", OBJECT, oci_process, io_priority, io_priority_type),
  F ("noNewPrivileges", OPT_BOOL, oci_process, no_new_privileges),
  F ("oomScoreAdj", OPT_I32, oci_process, oom_score_adj),
  FA ("rlimits", ARRAY, oci_process, rlimits, &rlimit_type),
  FO ("scheduler", OBJECT, oci_process, scheduler, scheduler_type),
  F ("selinuxLabel", STRING, oci_process, selinux_label),
  F ("terminal", OPT_BOOL, oci_process, terminal),
  FO ("user", INLINE, oci_process, user, user_type),
};
TYPE (oci_type_process, oci_process, process_fields);

/* ---- root, mounts, hooks ---- */
static const struct oci_field root_fields[] = {
  F ("path", STRING, oci_root, path),
  F ("readonly", OPT_BOOL, oci_root, readonly),
};
static TYPE (root_type, oci_root, root_fields);

static const struct oci_field id_mapping_fields[] = {
  F ("containerID", U32, oci_id_mapping, container_id),
  F ("hostID", U32, oci_id_mapping, host_id),
  F ("size", U32, oci_id_mapping, size),
};
static TYPE (id_mapping_type, oci_id_mapping, id_mapping_fields);

static const struct oci_field mount_fields[] = {
  F ("destination", STRING, oci_mount, destination),
  FA ("gidMappings", ARRAY, oci_mount, gid_mappings, &id_mapping_type),
  F ("options", STRV, oci_mount, options),
  F ("source", STRING, oci_mount, source),
  F ("type", STRING, oci_mount, type),
  FA ("uidMappings", ARRAY, oci_mount, uid_mappings, &id_mapping_type),
};
static TYPE (mount_type, oci_mount, mount_fields);

static const struct oci_field hook_fields[] = {
  F ("args", STRV, oci_hook, args),
  F ("env", STRV, oci_hook, env),
  F ("path", STRING, oci_hook, path),
  F ("timeout", OPT_I64, oci_hook, timeout),
};
static TYPE (hook_type, oci_hook, hook_fields);

static const struct oci_field hooks_fields[] = {
  FA ("createContainer", ARRAY, oci_hooks, create_container, &hook_type),
  FA ("createRuntime", ARRAY, oci_hooks, create_runtime, &hook_type),
  FA ("poststart", ARRAY, oci_hooks, poststart, &hook_type),
  FA ("poststop", ARRAY, oci_hooks, poststop, &hook_type),
  FA ("prestart", ARRAY, oci_hooks, prestart, &hook_type),
  FA ("startContainer", ARRAY, oci_hooks, start_container, &hook_type),
};
static TYPE (hooks_type, oci_hooks, hooks_fields);

/* ---- linux.resources ---- */
static const struct oci_field device_cgroup_fields[] = {
  F ("access", STRING, oci_device_cgroup, access),
  F ("allow", BOOL, oci_device_cgroup, allow),
  F ("major", OPT_I64, oci_device_cgroup, major),
  F ("minor", OPT_I64, oci_device_cgroup, minor),
  F ("type", STRING, oci_device_cgroup, type),
};
static TYPE (device_cgroup_type, oci_device_cgroup, device_cgroup_fields);

static const struct oci_field memory_fields[] = {
  F ("checkBeforeUpdate", OPT_BOOL, oci_memory, check_before_update),
  F ("disableOOMKiller", OPT_BOOL, oci_memory, disable_oom_killer),
  F ("kernel", OPT_I64, oci_memory, kernel),
  F ("kernelTCP", OPT_I64, oci_memory, kernel_tcp),
  F ("limit", OPT_I64, oci_memory, limit),
  F ("reservation", OPT_I64, oci_memory, reservation),
  F ("swap", OPT_I64, oci_memory, swap),
  F ("swappiness", OPT_U64, oci_memory, swappiness),
  F ("useHierarchy", OPT_BOOL, oci_memory, use_hierarchy),
};
static TYPE (memory_type, oci_memory, memory_fields);

static const struct oci_field cpu_fields[] = {
  F ("burst", OPT_I64_NONNEG, oci_cpu, burst),
  F ("cpus", STRING, oci_cpu, cpus),
  F ("idle", OPT_I64, oci_cpu, idle),
  F ("mems", STRING, oci_cpu, mems),
  F ("period", OPT_U64, oci_cpu, period),
  F ("quota", OPT_I64, oci_cpu, quota),
  F ("realtimePeriod", OPT_U64, oci_cpu, realtime_period),
  F ("realtimeRuntime", OPT_I64, oci_cpu, realtime_runtime),
  F ("shares", OPT_U64, oci_cpu, shares),
};
static TYPE (cpu_type, oci_cpu, cpu_fields);

static const struct oci_field weight_device_fields[] = {
  F ("leafWeight", OPT_U16, oci_weight_device, leaf_weight),
  F ("major", I64, oci_weight_device, major),
  F ("minor", I64, oci_weight_device, minor),
  F ("weight", OPT_U16, oci_weight_device, weight),
};
static TYPE (weight_device_type, oci_weight_device, weight_device_fields);

static const struct oci_field throttle_device_fields[] = {
  F ("major", I64, oci_throttle_device, major),
  F ("minor", I64, oci_throttle_device, minor),
  F ("rate", U64, oci_throttle_device, rate),
};
static TYPE (throttle_device_type, oci_throttle_device, throttle_device_fields);

static const struct oci_field block_io_fields[] = {
  F ("leafWeight", OPT_U16, oci_block_io, leaf_weight),
  FA ("throttleReadBpsDevice", ARRAY, oci_block_io, throttle_read_bps_device,
      &throttle_device_type),
  FA ("throttleReadIOPSDevice", ARRAY, oci_block_io, throttle_read_iops_device,
      &throttle_device_type),
  FA ("throttleWriteBpsDevice", ARRAY, oci_block_io, throttle_write_bps_device,
      &throttle_device_type),
  FA ("throttleWriteIOPSDevice", ARRAY, oci_block_io, throttle_write_iops_device,
      &throttle_device_type),
  F ("weight", OPT_U16, oci_block_io, weight),
  FA ("weightDevice", ARRAY, oci_block_io, weight_device, &weight_device_type),
};
static TYPE (block_io_type, oci_block_io, block_io_fields);

static const struct oci_field hugepage_limit_fields[] = {
  F ("limit", U64, oci_hugepage_limit, limit),
  F ("pageSize", STRING, oci_hugepage_limit, page_size),
};
static TYPE (hugepage_limit_type, oci_hugepage_limit, hugepage_limit_fields);

static const struct oci_field net_priority_fields[] = {
  F ("name", STRING, oci_net_priority, name),
  F ("priority", U32, oci_net_priority, priority),
};
static TYPE (net_priority_type, oci_net_priority, net_priority_fields);

static const struct oci_field network_fields[] = {
  F ("classID", OPT_U32, oci_network_resources, class_id),
  FA ("priorities", ARRAY, oci_network_resources, priorities, &net_priority_type),
};
static TYPE (network_type, oci_network_resources, network_fields);

static const struct oci_field pids_fields[] = {
  F ("limit", I64, oci_pids, limit),
};
static TYPE (pids_type, oci_pids, pids_fields);

static const struct oci_field rdma_fields[] = {
  F ("hcaHandles", OPT_U32, oci_rdma, hca_handles),
  F ("hcaObjects", OPT_U32, oci_rdma, hca_objects),
};
static MAP_TYPE (rdma_type, oci_rdma, rdma_fields, name);

static const struct oci_field resources_fields[] = {
  FO ("blockIO", OBJECT, oci_resources, block_io, block_io_type),
  FO ("cpu", OBJECT, oci_resources, cpu, cpu_type),
  FA ("devices", ARRAY, oci_resources, devices, &device_cgroup_type),
  FA ("hugepageLimits", ARRAY, oci_resources, hugepage_limits, &hugepage_limit_type),
  FO ("memory", OBJECT, oci_resources, memory, memory_type),
  FO ("network", OBJECT, oci_resources, network, network_type),
  FO ("pids", OBJECT, oci_resources, pids, pids_type),
  FA ("rdma", OBJMAP, oci_resources, rdma, &rdma_type),
  FA ("unified", STRMAP, oci_resources, unified, NULL),
};
TYPE (oci_type_resources, oci_resources, resources_fields);

/* ---- linux ---- */
static const struct oci_field namespace_fields[] = {
  F ("path", STRING, oci_namespace, path),
  F ("type", STRING, oci_namespace, type),
};
static TYPE (namespace_type, oci_namespace, namespace_fields);

static const struct oci_field device_fields[] = {
  F ("fileMode", OPT_U32, oci_device, file_mode),
  F ("gid", OPT_U32, oci_device, gid),
  F ("major", OPT_I64, oci_device, major),
  F ("minor", OPT_I64, oci_device, minor),
  F ("path", STRING, oci_device, path),
  F ("type", STRING, oci_device, type),
  F ("uid", OPT_U32, oci_device, uid),
};
static TYPE (device_type, oci_device, device_fields);

static const struct oci_field seccomp_arg_fields[] = {
  F ("index", U32, oci_seccomp_arg, index),
  F ("op", STRING, oci_seccomp_arg, op),
  F ("value", U64, oci_seccomp_arg, value),
  F ("valueTwo", OPT_U64, oci_seccomp_arg, value_two),
};
static TYPE (seccomp_arg_type, oci_seccomp_arg, seccomp_arg_fields);

static const struct oci_field seccomp_syscall_fields[] = {
  F ("action", STRING, oci_seccomp_syscall, action),
  FA ("args", ARRAY, oci_seccomp_syscall, args, &seccomp_arg_type),
  F ("errnoRet", OPT_U32, oci_seccomp_syscall, errno_ret),
  F ("names", STRV, oci_seccomp_syscall, names),
};
static TYPE (seccomp_syscall_type, oci_seccomp_syscall, seccomp_syscall_fields);

static const struct oci_field seccomp_fields[] = {
  F ("architectures", STRV, oci_seccomp, architectures),
  F ("defaultAction", STRING, oci_seccomp, default_action),
  F ("defaultErrnoRet", OPT_U32, oci_seccomp, default_errno_ret),
  F ("flags", STRV, oci_seccomp, flags),
  F ("listenerMetadata", STRING, oci_seccomp, listener_metadata),
  F ("listenerPath", STRING, oci_seccomp, listener_path),
  FA ("syscalls", ARRAY, oci_seccomp, syscalls, &seccomp_syscall_type),
};
static TYPE (seccomp_type, oci_seccomp, seccomp_fields);

static const struct oci_field intel_rdt_fields[] = {
  F ("closID", STRING, oci_intel_rdt, clos_id),
  F ("enableCMT", OPT_BOOL, oci_intel_rdt, enable_cmt),
  F ("enableMBM", OPT_BOOL, oci_intel_rdt, enable_mbm),
  F ("l3CacheSchema", STRING, oci_intel_rdt, l3_cache_schema),
  F ("memBwSchema", STRING, oci_intel_rdt, mem_bw_schema),
};
static TYPE (intel_rdt_type, oci_intel_rdt, intel_rdt_fields);

static const struct oci_field personality_fields[] = {
  F ("domain", STRING, oci_personality, domain),
  F ("flags", STRV, oci_personality, flags),
};
static TYPE (personality_type, oci_personality, personality_fields);

static const struct oci_field time_offset_fields[] = {
  F ("nanosecs", U32, oci_time_offset, nanosecs),
  F ("secs", I64, oci_time_offset, secs),
};
static MAP_TYPE (time_offset_type, oci_time_offset, time_offset_fields, clock);

static const struct oci_field linux_fields[] = {
  F ("cgroupsPath", STRING, oci_linux, cgroups_path),
  FA ("devices", ARRAY, oci_linux, devices, &device_type),
  FA ("gidMappings", ARRAY, oci_linux, gid_mappings, &id_mapping_type),
  FO ("intelRdt", OBJECT, oci_linux, intel_rdt, intel_rdt_type),
  F ("maskedPaths", STRV, oci_linux, masked_paths),
  F ("mountLabel", STRING, oci_linux, mount_label),
  FA ("namespaces", ARRAY, oci_linux, namespaces, &namespace_type),
  FO ("personality", OBJECT, oci_linux, personality, personality_type),
  F ("readonlyPaths", STRV, oci_linux, readonly_paths),
  FO ("resources", OBJECT, oci_linux, resources, oci_type_resources),
  F ("rootfsPropagation", STRING, oci_linux, rootfs_propagation),
  FO ("seccomp", OBJECT, oci_linux, seccomp, seccomp_type),
  FA ("sysctl", STRMAP, oci_linux, sysctl, NULL),
  FA ("timeOffsets", OBJMAP, oci_linux, time_offsets, &time_offset_type),
  FA ("uidMappings", ARRAY, oci_linux, uid_mappings, &id_mapping_type),
};
static TYPE (linux_type, oci_linux, linux_fields);

/* ---- config ---- */
static const struct oci_field config_fields[] = {
  FA ("annotations", STRMAP, oci_config, annotations, NULL),
  F ("domainname", STRING, oci_config, domainname),
  FO ("hooks", OBJECT, oci_config, hooks, hooks_type),
  F ("hostname", STRING, oci_config, hostname),
  FO ("linux", OBJECT, oci_config, linux_, linux_type),
  FA ("mounts", ARRAY, oci_config, mounts, &mount_type),
  F ("ociVersion", STRING, oci_config, oci_version),
  FO ("process", OBJECT, oci_config, process, oci_type_process),
  FO ("root", OBJECT, oci_config, root, root_type),
};
TYPE (oci_type_config, oci_config, config_fields);

const struct oci_type *const oci_all_types[] = {
  &oci_type_config,     &oci_type_process,    &oci_type_resources,  &user_type,
  &capabilities_type,   &rlimit_type,         &console_size_type,   &scheduler_type,
  &io_priority_type,    &exec_cpu_affinity_type, &root_type,        &id_mapping_type,
  &mount_type,          &hook_type,           &hooks_type,          &device_cgroup_type,
  &memory_type,         &cpu_type,            &weight_device_type,  &throttle_device_type,
  &block_io_type,       &hugepage_limit_type, &net_priority_type,   &network_type,
  &pids_type,           &rdma_type,           &namespace_type,      &device_type,
  &seccomp_arg_type,    &seccomp_syscall_type, &seccomp_type,       &intel_rdt_type,
  &personality_type,    &time_offset_type,    &linux_type,
};
const size_t oci_n_all_types = N_ (oci_all_types);
