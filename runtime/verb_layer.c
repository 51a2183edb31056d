/* SPDX-License-Identifier: Apache-2.0 */
/* mount-layer, unmount-layer: verified layer activation from the runtime;
   mount-rootfs, unmount-rootfs: the container rootfs built from those
   layers (verity/rootfs.c says why parma, not the host, builds it).
   These are parma's own verbs (runc has none like them), so they are not
   listed in `parma-runc --help`, which keeps runc's layout; `parma-runc help
   mount-layer` and parma-runc(8) describe them.

   Why here and not only in `parma-verity open`: the device-mount rule
   ("refuse a root hash no policy container lists") is only worth something
   against the pinned, attested policy.  `parma-verity open` takes its state
   dir and its allowed roots from whoever calls it; this verb takes the
   state dir from the trusted configuration, pins the policy exactly like
   every other state-changing call (attest.c: HOST_DATA once per boot), and
   allows only the roots the pinned policy lists.  The layer's parameters
   are parma's layer convention (verity_params_init_layer: sha256 or, for a
   128-digit policy root, sha512; 4096-byte blocks; format 1; 32 zero bytes
   of salt), compiled in and chosen by the policy's root, never by the host;
   the host names only where the bytes are (image, optional separate tree,
   and the data block count unless the policy records it), and a superblock found
   there is only checked against these parameters.  The record written for
   the rootfs stack check carries the pinned policy's SHA-256, and create
   trusts no other record (enforce_create.c).  Every decision is one line
   in the audit log, as decide() writes them. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/enforce.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "snp/snp.h"
#include "verity/verity.h"

struct layer_opts
{
  struct cli_string mount, hash_file;
  struct cli_int data_blocks;
  struct cli_bool no_superblock;
};

static const struct cli_option mount_layer_options[] = {
  CLI_OPT (struct layer_opts, mount, "mount", NULL, CLI_STRING,
           "existing directory to mount the layer on read-only (under allowed_dirs)", NULL),
  CLI_OPT (struct layer_opts, hash_file, "hash-file", NULL, CLI_STRING,
           "hash tree in a separate file (veritysetup format IMAGE HASH); default: appended to "
           "the image",
           NULL),
  CLI_OPT (struct layer_opts, data_blocks, "data-blocks", NULL, CLI_UINT,
           "4096-byte data blocks of the image (default: the policy's data_blocks for the "
           "root; else required for an appended tree)",
           NULL),
  CLI_OPT (struct layer_opts, no_superblock, "no-superblock", NULL, CLI_BOOL,
           "the tree has no veritysetup superblock (Kata's layout)", NULL),
};

static const struct cli_command cmd_mount_layer = {
  .name = "mount-layer",
  .summary = "verify a layer image the pinned policy lists and mount it read-only (parma only)",
  .args_usage = "<name> <image> <root-hash>\n\nWhere \"<name>\" names the layer (and its "
                "record), \"<image>\" is the layer\nimage and \"<root-hash>\" its dm-verity root "
                "hash as the policy lists it.",
  .description = "Refuses a root hash that no container of the pinned policy lists. Uses\n"
                 "dm-verity where the kernel has device-mapper, else copies the image into\n"
                 "private memory and verifies it in full before a read-only loop mount.\n"
                 "See parma-runc(8).",
  .options = mount_layer_options,
  .n_options = sizeof mount_layer_options / sizeof mount_layer_options[0],
};

static const struct cli_command cmd_unmount_layer = {
  .name = "unmount-layer",
  .summary = "unmount a layer mount-layer activated and remove its record (parma only)",
  .args_usage = "<name>",
  .options = NULL,
  .n_options = 0,
};

struct rootfs_opts
{
  struct cli_int scratch_size;
};

static const struct cli_option mount_rootfs_options[] = {
  CLI_OPT (struct rootfs_opts, scratch_size, "scratch-size", NULL, CLI_UINT,
           "bytes of guest memory for the writable layer (default: tmpfs's, half of RAM)", NULL),
};

static const struct cli_command cmd_mount_rootfs = {
  .name = "mount-rootfs",
  .summary = "build a container rootfs from layers mount-layer verified (parma only)",
  .args_usage = "<name> <target> <layer-name>...\n\nWhere \"<name>\" names the rootfs (and its "
                "record), \"<target>\" is the\nbundle's root.path directory and each "
                "\"<layer-name>\" a layer mount-layer\nactivated, base first.",
  .description = "Overlays the verified layer mounts (passed to the kernel by file\n"
                 "descriptor, never by path) with a fresh tmpfs as the writable layer and\n"
                 "mounts the result on <target>. create admits a container that pins layers\n"
                 "only on such a rootfs, and only one container per rootfs. See parma-runc(8).",
  .options = mount_rootfs_options,
  .n_options = sizeof mount_rootfs_options / sizeof mount_rootfs_options[0],
};

static const struct cli_command cmd_unmount_rootfs = {
  .name = "unmount-rootfs",
  .summary = "unmount a rootfs mount-rootfs built and remove its record (parma only)",
  .args_usage = "<name>",
  .options = NULL,
  .n_options = 0,
};

static int verb_mount_layer (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
static int verb_unmount_layer (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
static int verb_mount_rootfs (struct parma_globals *g, int argc, char **argv, parma_error_t *err);
static int verb_unmount_rootfs (struct parma_globals *g, int argc, char **argv, parma_error_t *err);

static const struct parma_command layer_commands[] = {
  { &cmd_mount_layer, verb_mount_layer },
  { &cmd_unmount_layer, verb_unmount_layer },
  { &cmd_mount_rootfs, verb_mount_rootfs },
  { &cmd_unmount_rootfs, verb_unmount_rootfs },
};

const struct parma_command *
parma_find_layer_command (const char *name)
{
  for (size_t i = 0; i < sizeof layer_commands / sizeof layer_commands[0]; i++)
    if (strcmp (layer_commands[i].cli->name, name) == 0)
      return &layer_commands[i];
  return NULL;
}

/* ---- audit lines (the format decide() writes) ---- */

struct layer_call
{
  struct parma_globals *g;
  const char *name;
  const char *root_hash; /* NULL for unmount-layer */
  const struct parma_pinned *pin;
};

/* A decision that cannot be logged is not taken (fail closed). */
static int
audit (const struct layer_call *c, const char *decision, const char *reason, parma_error_t *err)
{
  const struct parma_config *cfg = c->g->config;
  cleanup_free char *now = parma_time_rfc3339 ();
  json_t *j
      = json_pack ("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:b}", "time", now, "verb", c->g->verb,
                   "id", c->name, "root", c->g->root, "decision", decision, "reason", reason,
                   "mode", cfg->mode == PARMA_MODE_AUDIT ? "audit" : "enforce", "admitted", false);
  if (j == NULL)
    return parma_error_make (err, EINVAL, "audit record: not valid UTF-8");
  if (c->root_hash)
    json_object_set_new (j, "layer_root_hash", json_string (c->root_hash));
  if (c->pin && c->pin->policy)
    json_object_set_new (j, "policy_sha256", json_string (c->pin->sha256_hex));
  if (cfg->attestation == PARMA_ATTEST_SIM)
    json_object_set_new (j, "attestation", json_string (SNP_SIMULATOR_NOTICE));
  cleanup_free char *line = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (j);
  if (line == NULL)
    return parma_error_make (err, ENOMEM, "audit record");
  cleanup_free char *text = xasprintf ("%s\n", line);
  cleanup_close int fd = parma_audit_log_open (cfg->audit_log, err);
  if (fd < 0)
    return -1;
  if (write_all_fd (fd, text, strlen (text), err) < 0)
    return parma_error_wrap (err, "audit log `%s`", cfg->audit_log);
  return 0;
}

/* Logs and reports a refusal as "denied: <verb> <name>: <rule>: <why>".
   main() prints the line as is (g->verb cleared): its own denial logging
   knows only runc's verbs. */
static int
deny (const struct layer_call *c, parma_error_t *err)
{
  parma_error_t logerr = NULL;
  if (audit (c, "deny", (*err)->msg, &logerr) < 0)
    {
      parma_error_release (err);
      *err = logerr;
      return -1;
    }
  parma_error_wrap (err, "denied: %s %s", c->g->verb, c->name);
  c->g->verb = NULL;
  return -1;
}

/* A policy rule failed: denied, or in audit mode logged and let through. */
static int
rule_failed (const struct layer_call *c, parma_error_t *err)
{
  if (c->g->config->mode != PARMA_MODE_AUDIT)
    return deny (c, err);
  cleanup_free char *why = xstrdup ((*err)->msg);
  parma_error_release (err);
  if (audit (c, "allow-audit", why, err) < 0)
    return -1;
  parma_warn ("%s: audit mode, would deny: %s %s: %s", c->g->prog, c->g->verb, c->name, why);
  return 0;
}

/* Pins the policy as decide() does for every call: 0 pinned, < 0 denied. */
static int
pin_policy (struct layer_call *c, struct parma_pinned *pin, parma_error_t *err)
{
  struct parma_request req = { .verb = VERB_STATE, .id = c->name, .globals = c->g };
  int r = parma_policy_pin (c->g, &req, pin, err);
  if (c->g->config->attestation == PARMA_ATTEST_SIM && (pin->fresh || pin->policy == NULL))
    parma_warn ("%s: %s", c->g->prog, SNP_SIMULATOR_NOTICE);
  if (r == 0)
    return 0;
  parma_pinned_release (pin);
  if (r == 1 || (err && *err && (*err)->status == 0))
    return deny (c, err);
  return -1;
}

/* ---- the device-mount rule ---- */

static int
policy_lists_root (struct policy *p, const char *root, bool *listed, parma_error_t *err)
{
  *listed = false;
  size_t n_containers = policy_n_containers (p);
  for (size_t i = 0; i < n_containers && !*listed; i++)
    {
      char *const *layers = NULL;
      size_t n = 0;
      if (policy_prefetch_container (p, i, err) < 0
          || policy_container_layers (p, i, &layers, &n, err) < 0)
        return parma_error_wrap (err, "policy container %zu", i);
      for (size_t k = 0; k < n; k++)
        if (strcasecmp (layers[k], root) == 0)
          *listed = true;
    }
  return 0;
}

/* parma's layer convention; the algorithm follows the policy root's length
   and the data size the policy's recorded count (`policy_blocks`; 0 = none
   recorded: then the host's --data-blocks, or with --hash-file the image's
   size).  Whether a given --data-blocks agrees is mount-layer's rule. */
static int
layer_params (const struct layer_opts *o, const char *root, uint64_t policy_blocks,
              struct verity_params *p, parma_error_t *err)
{
  size_t len = strlen (root);
  if (strspn (root, "0123456789abcdefABCDEF") != len || (len != 64 && len != 128))
    return parma_error_make (err, EINVAL, "root hash: `%s` is not 64 or 128 hex digits", root);
  if (policy_blocks == 0 && !o->hash_file.set && !(o->data_blocks.set && o->data_blocks.u > 0))
    return parma_error_make (err, EINVAL,
                             "--data-blocks: required (and > 0) when the tree is appended to the "
                             "image (no --hash-file) and the policy records no data_blocks for "
                             "the root");
  uint64_t blocks = policy_blocks ? policy_blocks : o->data_blocks.set ? o->data_blocks.u : 0;
  if (blocks > UINT64_MAX / 4096)
    return parma_error_make (err, EINVAL, "%s: %llu is too large",
                             policy_blocks ? "the policy's data_blocks" : "--data-blocks",
                             (unsigned long long)blocks);
  verity_params_init_layer (p, blocks * 4096);
  if (len == 128)
    strcpy (p->hash_name, "sha512");
  if (o->hash_file.set)
    p->hash_offset = 0; /* tree (after its superblock) at the start of the file */
  p->no_superblock = o->no_superblock.set && o->no_superblock.v;
  return verity_params_check (p, err);
}

/* Serializes activations: the one-record-per-name check and the mount must
   not interleave with another call's. */
static int
lock_layers (const struct parma_config *cfg, parma_error_t *err)
{
  cleanup_close int sfd = parma_state_dir_open (cfg->state_dir, err);
  if (sfd < 0)
    return -1;
  int fd = openat (sfd, "layers.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return parma_error_make (err, errno, "layer lock");
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        close (fd);
        return parma_error_make (err, errno, "layer lock");
      }
  return fd;
}

static int
parse_layer_verb (struct parma_globals *g, const struct cli_command *cmd, void *opts, int argc,
                  char **argv, size_t want, const char ***args, parma_error_t *err)
{
  size_t n_args = 0;
  int r = parma_parse_verb (g, cmd, opts, argc, argv, args, &n_args, err);
  if (r != CLI_PARSED)
    return r;
  bool at_least = cmd == &cmd_mount_rootfs;
  if (parma_check_args (g, cmd, n_args, want, at_least ? ARGS_MIN : ARGS_EXACT, err) < 0)
    return -1;
  g->id = (*args)[0];
  if (verity_valid_name ((*args)[0], err) < 0 || parma_prepare (g, err) < 0)
    return -1;
  return CLI_PARSED;
}

static int
activate (const struct layer_call *c, const struct layer_opts *o, const char *image,
          const struct verity_params *p, const char *mount_point, const char *reason,
          parma_error_t *err)
{
  cleanup_free char *dir = xasprintf ("%s/layers", c->g->config->state_dir);
  char *allowed[] = { (char *)c->root_hash, NULL };
  struct verity_open_request vreq = {
    .name = c->name,
    .data_path = image,
    .hash_path = o->hash_file.set ? o->hash_file.v : NULL,
    .root_hex = c->root_hash,
    .params = *p,
    .allowed_roots = allowed, /* the policy check above decided */
    .mount_point = mount_point,
    .state_dir = dir,
    .backend = VERITY_BACKEND_AUTO,
    /* verified in full; re-checked at mount-rootfs and create
       (parma-runc(8), SECURITY NOTES) */
    .allow_fallback = true,
    .policy_sha256 = c->pin->sha256_hex,
  };
  cleanup_close int lock = lock_layers (c->g->config, err);
  if (lock < 0)
    return -1;
  if (verity_open (&vreq, err) == 0)
    {
      if (reason == NULL || audit (c, "allow", reason, err) == 0)
        return 0;
      parma_error_t ignored = NULL;
      verity_close (dir, c->name, &ignored);
      parma_error_release (&ignored);
      return -1;
    }
  /* The bytes are not the ones the policy names: never let through. */
  if ((*err)->status == EFAULT || (*err)->status == EPERM
      || strstr ((*err)->msg, "superblock") != NULL)
    {
      cleanup_free char *why = parma_error_format (*err);
      parma_error_release (err);
      parma_error_make (err, 0, "layer_integrity: %s", why);
      return deny (c, err);
    }
  return -1;
}

/* The policy rules of a mount-layer: the device-mount rule and the mount
   point under allowed_dirs.  0 allowed, with *reason for the audit line,
   or let through in audit mode (*reason NULL: already logged as
   allow-audit); *mount_point resolved. */
static int
mount_rules (const struct layer_call *c, const char *mount_arg, const char **reason,
             char **mount_point, parma_error_t *err)
{
  struct parma_globals *g = c->g;
  bool listed = true;
  *reason = "policy lists the root hash; layer verified";
  if (policy_switch (c->pin->policy, POLICY_OPEN_DOOR))
    {
      *reason = "open-door policy; layer verified";
      parma_warn ("%s: warning: open-door policy: any layer is mounted (logged in %s)", g->prog,
                  g->config->audit_log);
    }
  else if (policy_lists_root (c->pin->policy, c->root_hash, &listed, err) < 0)
    return -1;
  if (!listed)
    {
      *reason = NULL; /* rule_failed logged the allow-audit line */
      parma_error_make (err, 0,
                        "device_mount: root hash %s is not in any container of the pinned policy",
                        c->root_hash);
      if (rule_failed (c, err) < 0)
        return -1;
    }
  if (parma_allowed_path (g->config, "--mount", mount_arg, mount_point, err) == 0)
    return 0;
  parma_error_wrap (err, "allowed_dirs");
  if (rule_failed (c, err) < 0)
    return -1;
  *reason = NULL;
  free (*mount_point);
  *mount_point = NULL;
  return parma_resolve_path (mount_arg, mount_point, err);
}

/* The trusted state (records, admissions, the pinned policy) must never
   be hidden under a layer, whatever allowed_dirs says: the mount point is
   neither in the state directory nor one of its ancestors.  Both paths are
   resolved (parma_resolve_path; the state dir is the configuration's). */
static bool
overlaps_state_dir (const struct parma_config *cfg, const char *mount_point)
{
  cleanup_free char *state = NULL;
  parma_error_t ignored = NULL;
  if (parma_resolve_path (cfg->state_dir, &state, &ignored) < 0)
    {
      parma_error_release (&ignored);
      state = xstrdup (cfg->state_dir);
    }
  return parma_path_is_under (mount_point, state) || strcmp (mount_point, "/") == 0
         || parma_path_is_under (state, mount_point);
}

static int
verb_mount_layer (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct layer_opts o = { 0 };
  cleanup_free const char **args = NULL;
  int r = parse_layer_verb (g, &cmd_mount_layer, &o, argc, argv, 3, &args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  cleanup_free char *root = xstrdup (args[2]);
  for (char *ch = root; *ch; ch++)
    *ch = (char)(*ch >= 'A' && *ch <= 'F' ? *ch - 'A' + 'a' : *ch);
  struct verity_params p;
  if (!o.mount.set)
    return parma_error_make (err, EINVAL, "--mount: required");
  struct parma_pinned pin = { 0 };
  struct layer_call c = { .g = g, .name = args[0], .root_hash = root, .pin = &pin };
  if (pin_policy (&c, &pin, err) < 0)
    return -1;
  /* The geometry comes from the pinned policy when it records the layer's
     data block count: a dm-verity root hash alone also names the shorter
     "images" made of its tree's inner levels.  The host's --data-blocks
     counts only where the policy records none; an open-door policy pins
     nothing (any layer, the host's count). */
  uint64_t pinned_blocks = 0;
  r = policy_switch (pin.policy, POLICY_OPEN_DOOR)
          ? 0
          : policy_layer_data_blocks (pin.policy, root, &pinned_blocks, err);
  if (r == 0)
    r = layer_params (&o, root, pinned_blocks, &p, err);
  const char *reason = NULL;
  cleanup_free char *mount_point = NULL;
  if (r == 0)
    r = mount_rules (&c, o.mount.v, &reason, &mount_point, err);
  if (r == 0 && pinned_blocks != 0 && o.data_blocks.set && o.data_blocks.u != pinned_blocks)
    {
      parma_error_make (err, 0,
                        "layer_integrity: --data-blocks %llu but the policy records %llu "
                        "for root %s",
                        (unsigned long long)o.data_blocks.u, (unsigned long long)pinned_blocks,
                        root);
      /* Like every layer_integrity refusal, never let through in audit
         mode: the host named other bytes than the policy does. */
      r = deny (&c, err);
    }
  if (r == 0 && mount_point && overlaps_state_dir (g->config, mount_point))
    {
      parma_error_make (err, 0, "mount point: `%s` would cover parma's state directory `%s`",
                        mount_point, g->config->state_dir);
      r = deny (&c, err);
    }
  if (r == 0)
    r = activate (&c, &o, args[1], &p, mount_point, reason, err);
  parma_pinned_release (&pin);
  return r;
}

static int
verb_unmount_layer (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct layer_opts o = { 0 };
  cleanup_free const char **args = NULL;
  int r = parse_layer_verb (g, &cmd_unmount_layer, &o, argc, argv, 1, &args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  struct parma_pinned pin = { 0 };
  struct layer_call c = { .g = g, .name = args[0], .pin = &pin };
  if (pin_policy (&c, &pin, err) < 0)
    return -1;
  cleanup_free char *dir = xasprintf ("%s/layers", g->config->state_dir);
  cleanup_close int lock = lock_layers (g->config, err);
  r = lock < 0 ? -1 : verity_close (dir, c.name, err);
  if (r == 0)
    r = audit (&c, "allow", "unmount", err);
  parma_pinned_release (&pin);
  return r;
}

/* ---- mount-rootfs, unmount-rootfs ---- */

/* Some container of the pinned policy lists exactly these roots, base
   first (create checks the matched entry again).  Refusing here keeps a
   host from building (and holding memory for) a stack no entry admits. */
static int
policy_lists_stack (void *ctx, char *const *roots, size_t n, parma_error_t *err)
{
  const struct layer_call *c = ctx;
  struct policy *p = c->pin->policy;
  if (policy_switch (p, POLICY_OPEN_DOOR))
    return 0;
  size_t n_containers = policy_n_containers (p);
  for (size_t i = 0; i < n_containers; i++)
    {
      char *const *layers = NULL;
      size_t k = 0;
      if (policy_prefetch_container (p, i, err) < 0
          || policy_container_layers (p, i, &layers, &k, err) < 0)
        return parma_error_wrap (err, "policy container %zu", i);
      bool same = k == n;
      for (size_t j = 0; same && j < n; j++)
        same = strcasecmp (layers[j], roots[j]) == 0;
      if (same)
        return 0;
    }
  parma_error_make (
      err, 0, "rootfs_layers: no container of the pinned policy has these %zu layers in this order",
      n);
  return rule_failed (c, err);
}

static int
verb_mount_rootfs (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct rootfs_opts o = { 0 };
  cleanup_free const char **args = NULL;
  int r = parse_layer_verb (g, &cmd_mount_rootfs, &o, argc, argv, 3, &args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  struct parma_pinned pin = { 0 };
  struct layer_call c = { .g = g, .name = args[0], .pin = &pin };
  if (pin_policy (&c, &pin, err) < 0)
    return -1;
  cleanup_free char *target = NULL;
  r = parma_allowed_path (g->config, "target", args[1], &target, err);
  if (r < 0)
    {
      parma_error_wrap (err, "allowed_dirs");
      r = rule_failed (&c, err);
      if (r == 0)
        r = parma_resolve_path (args[1], &target, err);
    }
  if (r == 0 && overlaps_state_dir (g->config, target))
    {
      parma_error_make (err, 0, "target: `%s` would cover parma's state directory `%s`", target,
                        g->config->state_dir);
      r = deny (&c, err);
    }
  cleanup_free char *dir = xasprintf ("%s/layers", g->config->state_dir);
  struct verity_rootfs_request vreq = {
    .name = c.name,
    .state_dir = dir,
    .layer_names = (char *const *)args + 2,
    .target = target,
    .policy_sha256 = pin.sha256_hex,
    .scratch_bytes = o.scratch_size.set ? o.scratch_size.u : 0,
    .allow_stack = policy_lists_stack,
    .allow_ctx = &c,
  };
  cleanup_close int lock = r == 0 ? lock_layers (g->config, err) : -1;
  if (r == 0 && lock < 0)
    r = -1;
  if (r == 0 && verity_mount_rootfs (&vreq, err) < 0)
    {
      /* A layer that is not the verified mount, or not pinned: refused. */
      if ((*err)->status == EACCES)
        {
          cleanup_free char *why = xstrdup ((*err)->msg);
          parma_error_release (err);
          parma_error_make (err, 0, "layer_integrity: %s", why);
          r = g->verb ? deny (&c, err) : -1;
        }
      else
        r = -1;
    }
  else if (r == 0)
    r = audit (&c, "allow", "verified layers overlaid on a fresh tmpfs", err);
  parma_pinned_release (&pin);
  return r;
}

static int
verb_unmount_rootfs (struct parma_globals *g, int argc, char **argv, parma_error_t *err)
{
  struct rootfs_opts o = { 0 };
  cleanup_free const char **args = NULL;
  int r = parse_layer_verb (g, &cmd_unmount_rootfs, &o, argc, argv, 1, &args, err);
  if (r != CLI_PARSED)
    return r == CLI_HELP ? 0 : r;
  struct parma_pinned pin = { 0 };
  struct layer_call c = { .g = g, .name = args[0], .pin = &pin };
  if (pin_policy (&c, &pin, err) < 0)
    return -1;
  cleanup_free char *dir = xasprintf ("%s/layers", g->config->state_dir);
  cleanup_close int lock = lock_layers (g->config, err);
  r = lock < 0 ? -1 : verity_unmount_rootfs (dir, c.name, err);
  if (r == 0)
    r = audit (&c, "allow", "unmount rootfs", err);
  parma_pinned_release (&pin);
  return r;
}
