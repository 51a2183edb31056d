/* SPDX-License-Identifier: Apache-2.0 */
/* create, run, restore: the whole OCI config against one policy container
   entry (policy_match_create), plus the CLI flags the config does not
   carry: --no-pivot, --preserve-fds, --console-socket. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"
#include "policy/policy.h"
#include "runtime/bundle.h"
#include "runtime/enforce.h"
#include "runtime/enforce_pod.h"
#include "runtime/runtime.h"
#include "runtime/security_context.h"
#include "verity/verity.h"

/* Flags that weaken the container whatever its config says. */
static int
check_create_flags (const struct parma_request *req, const struct policy_verdict *v,
                    parma_error_t *err)
{
  const struct create_opts *o = req->create;
  if (o == NULL)
    return 0;
  /* chroot instead of pivot_root leaves the old root reachable from the
     container (DESIGN §2). */
  if (o->no_pivot.set && o->no_pivot.v)
    return parma_error_make (
        err, 0, "no_pivot: --no-pivot (chroot instead of pivot_root) is never allowed");
  /* Extra fds are host-chosen open files handed into the container. */
  if (o->preserve_fds.set && o->preserve_fds.v > 0)
    return parma_error_make (err, 0,
                             "preserve_fds: --preserve-fds=%lld would pass host file descriptors "
                             "into the container",
                             (long long)o->preserve_fds.v);
  if (o->console_socket.set && !v->allow_stdio_access)
    return parma_error_make (err, 0,
                             "allow_stdio_access: --console-socket: container %s has no stdio "
                             "access",
                             v->container_name ? v->container_name : "?");
  return 0;
}

/* A bind source is a host path runc follows, symlinks included: one that
   leads into the state directory would hand the container parma's records
   or another container's verified rootfs (the policy compares the source
   as written). */
static int
check_bind_sources (const struct parma_globals *g, const struct oci_config *cfg, parma_error_t *err)
{
  cleanup_free char *state = NULL;
  if (parma_resolve_path (g->config->state_dir, &state, err) < 0)
    return -1;
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct oci_mount *m = &cfg->mounts[i];
      if (m->source == NULL || !parma_mount_is_bind (m))
        continue;
      cleanup_free char *real = NULL;
      if (parma_resolve_path (m->source, &real, err) < 0)
        return parma_error_wrap (err, "mounts[%zu].source", i);
      if (parma_path_is_under (real, state))
        return parma_error_make (err, 0,
                                 "mounts: `%s`: bind source `%s` resolves into parma's state "
                                 "directory",
                                 m->destination ? m->destination : "?", m->source);
    }
  return 0;
}

static int
verdict_error (struct policy_verdict *v, parma_error_t *err)
{
  /* The matcher's error names the first failed rule; add the others so a
     denial lists everything `parma-policy check --explain` would. */
  if (v->n_failures <= 1)
    return -1;
  for (size_t i = 1; i < v->n_failures; i++)
    parma_error_wrap (err, "%s: %s; and", v->failures[i].rule, v->failures[i].why);
  return -1;
}

/* The private mount of the verified rootfs check_rootfs_layers admitted,
   which runc is given instead of the host's root.path. */
static char *verified_rootfs;

int
parma_verified_rootfs_apply (struct parma_bundle *b, parma_error_t *err)
{
  cleanup_free char *path = verified_rootfs;
  verified_rootfs = NULL;
  if (path == NULL)
    return 0;
  free (b->config->root->path);
  b->config->root->path = b->rootfs = steal_pointer (&path);
  free (b->sealed);
  b->sealed = NULL;
  if (oci_config_write (b->config, &b->sealed, &b->sealed_len, err) < 0)
    return parma_error_wrap (err, "seal the verified rootfs");
  return 0;
}

/* The matcher cannot see mounts (it does no I/O): when the matched entry pins
   layers, the bundle's root.path must name a rootfs `parma-runc
   mount-rootfs` built under this pinned policy from exactly those layers,
   each activated by `parma-runc mount-layer` (verb_layer.c, DESIGN §6),
   and not yet used by another container: the check claims it for (root,
   id), and runc gets the rootfs's private mount (never a path the host can
   reach).  An entry without layers accepts any rootfs. */
static int
check_rootfs_layers (struct parma_globals *g, const struct parma_request *req, struct policy *p,
                     size_t index, parma_error_t *err)
{
  char *const *layers = NULL;
  size_t n = 0;
  if (policy_container_layers (p, index, &layers, &n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  if (req->rootfs == NULL)
    return parma_error_make (err, 0, "layers: the policy pins %zu layers but there is no rootfs",
                             n);
  cleanup_free char *dir = xasprintf ("%s/layers", g->config->state_dir);
  cleanup_free char *pinned = hex_encode (policy_sha256 (p), POLICY_SHA256_LEN);
  cleanup_free char *claimant = xasprintf ("root %s id %s", g->root, req->id);
  parma_error_t verr = NULL;
  free (verified_rootfs);
  verified_rootfs = NULL;
  if (verity_check_rootfs_pinned (dir, req->rootfs, layers, n, pinned, claimant, &verified_rootfs,
                                  &verr)
      == 0)
    return 0;
  /* EACCES is verity's "the stack is not the policy's": its message is the
     whole reason, no strerror tail. */
  cleanup_free char *why = verr->status == EACCES ? xstrdup (verr->msg) : parma_error_format (verr);
  parma_error_release (&verr);
  return parma_error_make (err, 0, "layers: %s", why);
}

int
parma_enforce_create (struct parma_globals *g, const struct parma_request *req, struct policy *p,
                      char **entry, parma_error_t *err)
{
  const struct oci_config *cfg = req->config;
  if (cfg == NULL)
    return parma_error_make (err, 0, "config: no config.json");
  cleanup_free char *seccomp = NULL;
  if (cfg->linux_ && cfg->linux_->seccomp && policy_seccomp_digest (cfg, &seccomp, err) < 0)
    return parma_error_wrap (err, "seccomp");
  struct policy_context ctx = { .container_id = req->id, .seccomp_sha256 = seccomp };
  __attribute__ ((cleanup (parma_pod_release))) struct parma_pod pod;
  parma_pod_facts (g, req, &pod); /* CRI pods: enforce_pod.c */
  parma_pod_context (&pod, &ctx);
  if (policy_prefetch_create (p, cfg, &ctx, err) < 0)
    return -1;
  struct policy_verdict v = { 0 };
  int r = policy_match_create (p, cfg, &ctx, &v, err);
  if (r < 0 && err && *err && (*err)->status == 0)
    r = verdict_error (&v, err);
  if (r < 0 && pod.unverified && err && *err && (*err)->status == 0)
    r = parma_pod_explain (&pod, err);
  if (r == 0)
    r = check_create_flags (req, &v, err);
  if (r == 0)
    r = check_bind_sources (g, cfg, err);
  if (r == 0 && !v.open_door && v.layers_unchecked)
    r = check_rootfs_layers (g, req, p, v.container_index, err);
  /* The security context is parma's addition to what was admitted, made
     after the match (security_context.c): the matcher saw the host's
     mounts only. */
  parma_security_context_decided (r == 0 && !v.open_door
                                  && policy_switch (p, POLICY_ALLOW_SECURITY_CONTEXT));
  if (r == 0)
    *entry = v.open_door ? xstrdup ("open-door:*")
                         : xasprintf ("%zu:%s", v.container_index,
                                      v.container_name ? v.container_name : "");
  policy_verdict_release (&v);
  return r;
}

int
parma_entry_index (const char *entry, size_t *index)
{
  if (entry == NULL)
    return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull (entry, &end, 10);
  if (errno != 0 || end == entry || *end != ':')
    return -1;
  *index = (size_t)n;
  return 0;
}
