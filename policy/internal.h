/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the policy library: the normalizer (authoring JSON ->
   canonical JSON tree), the typed compiled container entry the matcher
   walks, and the storage behind struct policy (a full load or a mapped
   cache image). */
#ifndef PARMA_POLICY_INTERNAL_H
#define PARMA_POLICY_INTERNAL_H

#include <jansson.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "policy/policy.h"

#define POLICY_VERSION 1
#define N_CAP_SETS 5
#define N_HOOK_KINDS 6

static inline void
policy_json_decrefp (json_t **j)
{
  if (*j != NULL)
    json_decref (*j);
}
#define cleanup_json __attribute__ ((cleanup (policy_json_decrefp)))

extern const char *const policy_cap_set_names[N_CAP_SETS]; /* ambient, bounding, ... */
extern const char *const policy_hook_kinds[N_HOOK_KINDS];  /* create_container, ... */
extern const char *const policy_hook_oci_names[N_HOOK_KINDS];

/* ---- normalize.c: authoring -> canonical tree ---- */
/* Validates `in` (a whole policy) and returns the canonical tree; errors
   "<path>: <rule>" with EINVAL. */
int policy_normalize (json_t *in, json_t **out, parma_error_t *err);
/* One container object (fragments reuse it); `path` prefixes errors. */
int policy_normalize_container (json_t *in, const char *path, json_t **out, parma_error_t *err);
/* owner_keys (owner.c): the canonical array, or *out = NULL when absent
   or empty (then omitted from the canonical form). */
int policy_normalize_owner_keys (json_t *in, json_t **out, parma_error_t *err);
/* Dumps a canonical tree as compact sorted-key JSON. */
char *policy_dump_canonical (json_t *canon, size_t *len);
/* Canonical capability name ("CAP_SYS_ADMIN") -> number, or -1. */
int policy_cap_number (const char *name);
/* Copy of s with control bytes as \xNN (names.c). */
char *policy_escape_controls (const char *s);
/* "SIGTERM", "TERM", "15" -> 15; -1 if not a signal. */
int policy_signal_number (const char *name);
/* "sha256:"? + 64 or 128 hex digits -> lowercase hex (*out malloc'd). */
int policy_normalize_hex_digest (const char *s, const char *path, char **out,
                                 parma_error_t *err);
/* layers.c: a container's `layers` (hex strings or {root_hash, data_blocks})
   into `out`; the compiled strv + counts; and the load-time rule that no
   root hash has two different counts (across all containers of `p`). */
int policy_normalize_layers (json_t *in, const char *path, json_t *out, parma_error_t *err);
void policy_compile_layers (json_t *arr, struct policy_container *c);
int policy_check_layer_counts (struct policy *p, parma_error_t *err);

/* ---- compile.c: canonical tree -> typed entry ---- */
struct pol_rule /* env rule, annotation rule, hostname, mount source */
{
  char *pattern;
  bool is_re;
  bool required;
  bool compiled;
  regex_t re; /* "^(" pattern ")$", REG_EXTENDED|REG_NOSUB */
};

struct pol_user
{
  uint32_t uid, gid, umask;
  uint32_t *gids; /* sorted, unique */
  size_t n_gids;
};

struct pol_process /* the container's init process or an exec process */
{
  char **command; /* NULL-terminated; may hold placeholders */
  size_t n_command;
  bool has_placeholder;
  struct pol_rule *env;
  size_t n_env;
  char *working_dir;
  struct pol_user user;
  uint64_t caps[N_CAP_SETS]; /* bit n = capability n; order of policy_cap_set_names */
  bool no_new_privileges;
  uint64_t signals; /* bit n-1 = signal n (1..64) */
};

struct pol_mount
{
  char *destination, *type;
  struct pol_rule source;
  char **options; /* sorted, unique */
  size_t n_options;
};

struct pol_device
{
  char *path, *type;
  int64_t major, minor;
};

struct pol_rlimit
{
  char *type;
  uint64_t hard, soft;
};

struct pol_hook
{
  char *path;
  char **args, **env;
  size_t n_args, n_env;
};

struct pol_annotation
{
  struct pol_rule key, value;
  bool required;
};

struct policy_container
{
  size_t index;
  char *name;
  char **layers;
  size_t n_layers;
  uint64_t *layer_data_blocks; /* per layer, 4096-byte blocks; 0 = not recorded */
  struct pol_process proc;
  char *seccomp_sha256; /* "" = no seccomp allowed */
  struct pol_mount *mounts;
  size_t n_mounts;
  struct pol_device *devices;
  size_t n_devices;
  char **namespaces, **masked_paths, **readonly_paths; /* sorted */
  size_t n_namespaces, n_masked_paths, n_readonly_paths;
  char **sysctl_keys, **sysctl_values;
  size_t n_sysctls;
  struct pol_rlimit *rlimits;
  size_t n_rlimits;
  struct pol_rule hostname;
  struct pol_annotation *annotations;
  size_t n_annotations;
  struct pol_hook *hooks[N_HOOK_KINDS];
  size_t n_hooks[N_HOOK_KINDS];
  struct pol_process *execs;
  size_t n_execs;
  bool allow_elevated, allow_stdio_access, root_readonly;
  /* Decoded from an image record: strings point into the image and
     everything else is in this arena (record.c); NULL = heap-owned. */
  void *arena;
};

int policy_container_compile (json_t *canon, size_t index, struct policy_container **out,
                              parma_error_t *err);
void policy_container_free (struct policy_container *c);
/* Compiles "^(" pattern ")$"; error names `path`. */
int policy_rule_compile (struct pol_rule *r, const char *path, parma_error_t *err);
int policy_rule_compile_now (struct pol_rule *r, const char *path, parma_error_t *err);
bool policy_rule_matches (const struct pol_rule *r, const char *s);

/* ---- record.c: binary records of the cache image ---- */
struct strbuf;
void policy_record_encode (const struct policy_container *c, struct strbuf *sb);
int policy_record_decode (const uint8_t *buf, size_t len, size_t index,
                          struct policy_container **out, parma_error_t *err);
void policy_arena_free (void *arena);

/* ---- index keys (policy.c) ---- */
uint64_t policy_key_strv (const char *const *v, size_t n);  /* command, layer stack */

/* ---- struct policy ---- */
struct policy_index_entry
{
  uint64_t key;
  uint32_t container;
  uint32_t pad;
};

struct policy
{
  bool switches[POLICY_N_SWITCHES];
  char *canonical; /* owned (full load); NULL for an image */
  size_t canonical_len;
  uint8_t sha256[POLICY_SHA256_LEN];
  json_t *canon;      /* full load: the canonical tree (fragments excluded) */
  json_t *fragments;  /* pinned issuers (canonical array) */
  size_t n_containers;
  struct policy_container **containers; /* decoded (lazily for an image) */
  json_t **container_json;              /* full load: canonical container trees */
  /* Image-backed: record i is bytes [rec_off[i], +rec_len[i]) of image. */
  const uint8_t *image;
  size_t image_len;
  const uint8_t *records; /* table of struct image_record */
  /* Loaded from a file (policy_image_load): only the header and tables are
     in memory (`prefix`); records are read by policy_prefetch_*. */
  int image_fd;
  uint8_t *prefix;
  uint8_t **record_bufs; /* per entry, read by prefetch; strings point in */
  bool image_canonical_loaded;
  /* Indexes (sorted by key): command hash, layer-stack hash, argv[0] hash;
     containers with placeholders in their command are listed in `dynamic`. */
  struct policy_index_entry *by_command, *by_layers, *by_argv0;
  size_t n_by_command, n_by_layers, n_by_argv0;
  uint32_t *dynamic;
  size_t n_dynamic;
  bool index_borrowed; /* points into the image */
};

int policy_build_index (struct policy *p);
/* Entries of `idx` with `key`: [*first, *first + count). */
size_t policy_index_find (const struct policy_index_entry *idx, size_t n, uint64_t key,
                          size_t *first);
/* Decodes container i (memoized). */
int policy_get_container (struct policy *p, size_t i, struct policy_container **out,
                          parma_error_t *err);
/* Decodes image record i into p->containers[i] (image.c). */
int policy_image_decode (struct policy *p, size_t i, parma_error_t *err);
/* Candidate entries for a create with argv `args`: exact-command matches and
   placeholder commands (then, when `wide`, same layers / same argv[0] / the
   first entry, to explain a denial).  Returns the count and a malloc'd
   list whose first *n_exact entries (the exact part) are sorted by index. */
size_t policy_candidates (const struct policy *p, const char *const *args, size_t n_args,
                          const struct policy_context *ctx, size_t **list, size_t *n_exact);
const char *policy_image_canonical (const struct policy *p);
/* Appends canonical containers (a fragment's) to a full-load policy. */
int policy_append_containers (struct policy *p, json_t *canon_containers, parma_error_t *err);

/* The one error shape of policy documents: "<path>: <why>" (path "" =
   "policy"), control characters escaped, EINVAL (normalize.c). */
int policy_fail_at (parma_error_t *err, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif
