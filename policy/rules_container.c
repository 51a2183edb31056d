/* SPDX-License-Identifier: Apache-2.0 */
/* Container-level rules of a create: layers, seccomp, mounts, devices,
   namespaces, masked/readonly paths, sysctls, rlimits, hostname,
   annotations, hooks, elevation, stdio, fields the policy cannot express. */
#include "common/cleanup.h"
#include "common/oci.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "policy/cri.h"
#include "policy/match_rules.h"

#include <stdlib.h>
#include <string.h>

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Sorted, deduplicated copy (pointers borrowed). */
static char **
sorted_set (char **v, size_t *n)
{
  size_t len = v ? strv_len (v) : 0;
  char **s = xcalloc (len + 1, sizeof *s);
  if (len > 0)
    memcpy (s, v, len * sizeof *s);
  qsort (s, len, sizeof *s, cmp_str);
  size_t m = 0;
  for (size_t i = 0; i < len; i++)
    if (m == 0 || strcmp (s[m - 1], s[i]) != 0)
      s[m++] = s[i];
  s[m] = NULL;
  *n = m;
  return s;
}

static bool
set_equal (char **a, size_t na, char **b, size_t nb)
{
  if (na != nb)
    return false;
  for (size_t i = 0; i < na; i++)
    if (strcmp (a[i], b[i]) != 0)
      return false;
  return true;
}

static bool
set_contains (char **set, size_t n, const char *s)
{
  return bsearch (&s, set, n, sizeof *set, cmp_str) != NULL;
}

static char *
render_set (char **v, size_t n)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  strbuf_putc (&sb, '[');
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        strbuf_putc (&sb, ',');
      strbuf_json_string (&sb, v[i], strlen (v[i]));
    }
  strbuf_putc (&sb, ']');
  return strbuf_steal (&sb);
}

static void
check_layers (const struct policy_container *c, const struct policy_context *ctx,
              struct policy_verdict *v)
{
  if (c->n_layers == 0)
    return;
  if (ctx->layers == NULL)
    {
      v->layers_unchecked = true;
      return;
    }
  bool ok = ctx->n_layers == c->n_layers;
  for (size_t i = 0; ok && i < c->n_layers; i++)
    ok = strcmp (ctx->layers[i], c->layers[i]) == 0;
  if (!ok)
    verdict_fail (v, "layers", "policy has %zu layers, rootfs has %zu%s", c->n_layers,
                  ctx->n_layers, ctx->n_layers == c->n_layers ? " with different root hashes" : "");
}

static void
check_seccomp (const struct policy_container *c, const struct oci_config *cfg,
               const struct policy_context *ctx, struct policy_verdict *v)
{
  bool has = cfg->linux_ && cfg->linux_->seccomp;
  if (!has && c->seccomp_sha256[0] == '\0')
    return;
  if (!has)
    verdict_fail (v, "seccomp_profile_sha256", "policy requires seccomp profile %s, request has none",
                  c->seccomp_sha256);
  else if (c->seccomp_sha256[0] == '\0')
    verdict_fail (v, "seccomp_profile_sha256", "policy allows no seccomp profile, request has one");
  else if (ctx->seccomp_sha256 == NULL)
    verdict_fail (v, "seccomp_profile_sha256", "the request's filter digest was not computed");
  else if (strcmp (ctx->seccomp_sha256, c->seccomp_sha256) != 0)
    verdict_fail (v, "seccomp_profile_sha256", "policy %s vs request %s", c->seccomp_sha256,
                  ctx->seccomp_sha256);
  if (has && (cfg->linux_->seccomp->listener_path || cfg->linux_->seccomp->listener_metadata))
    verdict_fail (v, "seccomp_profile_sha256", "a seccomp listener (notify agent) is not allowed");
}

static const char *
mount_type (const struct oci_mount *m)
{
  if (m->type)
    return m->type;
  /* runc treats a typeless mount with a bind option as a bind mount. */
  for (size_t i = 0; m->options && m->options[i]; i++)
    if (strcmp (m->options[i], "bind") == 0 || strcmp (m->options[i], "rbind") == 0)
      return "bind";
  return "";
}

/* An ordinary source rule, or a pod's "sandbox:///F" (policy/cri.h). */
static bool
source_matches (const struct pol_rule *r, const char *src, const struct policy_context *ctx)
{
  bool handled;
  bool ok = policy_cri_source_matches (r, src, ctx, &handled);
  return handled ? ok : policy_rule_matches (r, src);
}

static void
check_mounts (const struct policy_container *c, const struct oci_config *cfg,
              const struct policy_context *ctx, struct policy_verdict *v)
{
  for (size_t i = 0; i < cfg->n_mounts; i++)
    {
      const struct oci_mount *m = &cfg->mounts[i];
      const char *dst = m->destination ? m->destination : "";
      const char *src = m->source ? m->source : "";
      size_t no;
      cleanup_free char **opts = sorted_set (m->options, &no);
      const struct pol_mount *same_dst = NULL;
      bool ok = false;
      for (size_t j = 0; j < c->n_mounts && !ok; j++)
        {
          const struct pol_mount *pm = &c->mounts[j];
          if (strcmp (pm->destination, dst) != 0)
            continue;
          same_dst = pm;
          ok = strcmp (pm->type, mount_type (m)) == 0 && source_matches (&pm->source, src, ctx)
               && set_equal (pm->options, pm->n_options, opts, no)
               && m->n_uid_mappings == 0 && m->n_gid_mappings == 0;
        }
      if (ok)
        continue;
      cleanup_free char *ro = render_set (opts, no);
      if (same_dst == NULL)
        verdict_fail (v, "mounts", "%s (type %s, source %s, options %s) matches no policy mount",
                      dst, mount_type (m), src, ro);
      else
        {
          cleanup_free char *po = render_set (same_dst->options, same_dst->n_options);
          verdict_fail (v, "mounts", "%s: policy type %s source %s%s options %s vs request type %s "
                        "source %s options %s", dst, same_dst->type,
                        same_dst->source.is_re ? "~" : "", same_dst->source.pattern, po,
                        mount_type (m), src, ro);
        }
    }
}

static void
check_linux (const struct policy_container *c, const struct oci_config *cfg,
             const struct policy_context *ctx, struct policy_verdict *v)
{
  const struct oci_linux *l = cfg->linux_;
  static const struct oci_linux empty;
  if (l == NULL)
    l = &empty;
  for (size_t i = 0; i < l->n_devices; i++)
    {
      const struct oci_device *d = &l->devices[i];
      bool ok = false;
      for (size_t j = 0; j < c->n_devices && !ok; j++)
        ok = strcmp (c->devices[j].path, d->path ? d->path : "") == 0
             && strcmp (c->devices[j].type, d->type ? d->type : "") == 0
             && c->devices[j].major == (d->major.set ? d->major.v : 0)
             && c->devices[j].minor == (d->minor.set ? d->minor.v : 0);
      if (!ok)
        verdict_fail (v, "devices", "%s (%s %lld:%lld) is not in the policy", d->path ? d->path : "",
                      d->type ? d->type : "", (long long) (d->major.set ? d->major.v : 0),
                      (long long) (d->minor.set ? d->minor.v : 0));
    }
  /* Namespaces as "type" or "type:path" (joining an existing one). */
  cleanup_strv char **ns = xcalloc (l->n_namespaces + 1, sizeof *ns);
  for (size_t i = 0; i < l->n_namespaces; i++)
    ns[i] = l->namespaces[i].path && l->namespaces[i].path[0]
                ? xasprintf ("%s:%s", l->namespaces[i].type, l->namespaces[i].path)
                : xstrdup (l->namespaces[i].type ? l->namespaces[i].type : "");
  size_t nns, npns;
  cleanup_free char **nss = sorted_set (ns, &nns);
  /* "TYPE:$(sandbox-ns)" as the pod's sandbox namespace (policy/cri.h);
     left as written when the pod is not verified, so it matches nothing. */
  cleanup_strv char **pns = xcalloc (c->n_namespaces + 1, sizeof *pns);
  for (size_t i = 0; i < c->n_namespaces; i++)
    if ((pns[i] = policy_cri_namespace (c->namespaces[i], ctx)) == NULL)
      pns[i] = xstrdup (c->namespaces[i]);
  cleanup_free char **pnss = sorted_set (pns, &npns);
  if (!set_equal (pnss, npns, nss, nns))
    {
      cleanup_free char *a = render_set (c->namespaces, c->n_namespaces);
      cleanup_free char *b = render_set (nss, nns);
      verdict_fail (v, "namespaces", "policy %s vs request %s", a, b);
    }
  if (l->n_uid_mappings || l->n_gid_mappings)
    verdict_fail (v, "unsupported", "linux.uidMappings/gidMappings are not supported");
  if (l->mount_label)
    verdict_fail (v, "unsupported", "linux.mountLabel must be absent");
  size_t nm, nr;
  cleanup_free char **masked = sorted_set (l->masked_paths, &nm);
  cleanup_free char **ro = sorted_set (l->readonly_paths, &nr);
  for (size_t i = 0; i < c->n_masked_paths; i++)
    if (!set_contains (masked, nm, c->masked_paths[i]))
      verdict_fail (v, "masked_paths", "%s must be masked", c->masked_paths[i]);
  for (size_t i = 0; i < c->n_readonly_paths; i++)
    if (!set_contains (ro, nr, c->readonly_paths[i]))
      verdict_fail (v, "readonly_paths", "%s must be read-only", c->readonly_paths[i]);
  for (size_t i = 0; i < l->n_sysctl; i++)
    {
      bool ok = false;
      for (size_t j = 0; j < c->n_sysctls && !ok; j++)
        ok = strcmp (c->sysctl_keys[j], l->sysctl[i].key) == 0
             && strcmp (c->sysctl_values[j], l->sysctl[i].value) == 0;
      if (!ok)
        verdict_fail (v, "sysctls", "%s=%s is not in the policy", l->sysctl[i].key,
                      l->sysctl[i].value);
    }
}

static void
check_rlimits (const struct policy_container *c, const struct oci_process *proc,
               struct policy_verdict *v)
{
  /* Exact set: an absent limit is inherited from the runtime, which may be
     looser than the one the policy pins. */
  size_t matched = 0;
  for (size_t i = 0; i < proc->n_rlimits; i++)
    {
      const struct oci_rlimit *r = &proc->rlimits[i];
      bool ok = false;
      for (size_t j = 0; j < c->n_rlimits && !ok; j++)
        ok = strcmp (c->rlimits[j].type, r->type ? r->type : "") == 0
             && c->rlimits[j].hard == r->hard && c->rlimits[j].soft == r->soft;
      if (ok)
        matched++;
      else
        verdict_fail (v, "rlimits", "%s hard %llu soft %llu is not in the policy",
                      r->type ? r->type : "", (unsigned long long) r->hard,
                      (unsigned long long) r->soft);
    }
  if (matched == proc->n_rlimits && proc->n_rlimits != c->n_rlimits)
    verdict_fail (v, "rlimits", "policy pins %zu limits, request sets %zu", c->n_rlimits,
                  proc->n_rlimits);
}

/* A value rule, or a template holding placeholders (policy/cri.h). */
static bool
value_matches (const struct pol_rule *r, const char *value, const struct policy_context *ctx)
{
  bool handled;
  bool ok = policy_cri_value_matches (r, value, ctx, &handled);
  return handled ? ok : policy_rule_matches (r, value);
}

static void
check_annotations (const struct policy_container *c, const struct oci_config *cfg,
                   const struct policy_context *ctx, struct policy_verdict *v)
{
  for (size_t i = 0; i < cfg->n_annotations; i++)
    {
      const struct oci_kv *a = &cfg->annotations[i];
      /* The policy itself may travel in this annotation (DESIGN §9). */
      if (strcmp (a->key, "io.parma.policy") == 0)
        continue;
      bool ok = false;
      for (size_t j = 0; j < c->n_annotations && !ok; j++)
        ok = policy_rule_matches (&c->annotations[j].key, a->key)
             && value_matches (&c->annotations[j].value, a->value, ctx);
      if (!ok)
        verdict_fail (v, "annotations", "%s=%s matches no rule", a->key, a->value);
    }
  for (size_t j = 0; j < c->n_annotations; j++)
    {
      if (!c->annotations[j].required)
        continue;
      bool seen = false;
      for (size_t i = 0; i < cfg->n_annotations && !seen; i++)
        seen = policy_rule_matches (&c->annotations[j].key, cfg->annotations[i].key)
               && value_matches (&c->annotations[j].value, cfg->annotations[i].value, ctx);
      if (!seen)
        verdict_fail (v, "annotations", "required annotation \"%s\" is missing",
                      c->annotations[j].key.pattern);
    }
}

static bool
strv_equal (char **a, size_t na, char **b)
{
  size_t nb = b ? strv_len (b) : 0;
  if (na != nb)
    return false;
  for (size_t i = 0; i < na; i++)
    if (strcmp (a[i], b[i]) != 0)
      return false;
  return true;
}

static void
check_hooks (const struct policy_container *c, const struct oci_config *cfg,
             struct policy_verdict *v)
{
  const struct oci_hooks *h = cfg->hooks;
  static const struct oci_hooks none;
  if (h == NULL)
    h = &none;
  const struct oci_hook *req[N_HOOK_KINDS]
      = { h->create_container, h->create_runtime, h->poststart, h->poststop, h->prestart,
          h->start_container };
  size_t n_req[N_HOOK_KINDS]
      = { h->n_create_container, h->n_create_runtime, h->n_poststart, h->n_poststop,
          h->n_prestart, h->n_start_container };
  for (size_t k = 0; k < N_HOOK_KINDS; k++)
    {
      bool ok = n_req[k] == c->n_hooks[k];
      for (size_t i = 0; ok && i < n_req[k]; i++)
        ok = strcmp (c->hooks[k][i].path, req[k][i].path ? req[k][i].path : "") == 0
             && strv_equal (c->hooks[k][i].args, c->hooks[k][i].n_args, req[k][i].args)
             && strv_equal (c->hooks[k][i].env, c->hooks[k][i].n_env, req[k][i].env);
      if (!ok)
        verdict_fail (v, "hooks", "%s: policy lists %zu hook(s), request %zu that differ",
                      policy_hook_oci_names[k], c->n_hooks[k], n_req[k]);
    }
}

/* Elevated = what makes a container able to reach the guest kernel or its
   devices: CAP_SYS_ADMIN in any set, any device node, or none of /proc
   masked (the signature of `--privileged`). */
static const char *
elevation (const struct oci_config *cfg)
{
  const struct oci_process *p = cfg->process;
  const struct oci_capabilities *c = p ? p->capabilities : NULL;
  char **sets[] = { c ? c->bounding : NULL, c ? c->effective : NULL, c ? c->permitted : NULL,
                    c ? c->ambient : NULL, c ? c->inheritable : NULL };
  for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
    for (size_t i = 0; sets[s] && sets[s][i]; i++)
      if (strcmp (sets[s][i], "CAP_SYS_ADMIN") == 0)
        return "CAP_SYS_ADMIN";
  if (cfg->linux_ && cfg->linux_->n_devices > 0)
    return "device nodes";
  if (cfg->linux_ == NULL || cfg->linux_->masked_paths == NULL)
    return "no masked paths";
  return NULL;
}

int
check_container_create (const struct policy_container *c, const struct oci_config *cfg,
                        const struct policy_context *ctx, const bool *switches,
                        struct policy_verdict *v, parma_error_t *err)
{
  (void) err;
  check_process (&c->proc, cfg->process, ctx, switches, false, v);
  check_rlimits (c, cfg->process, v);
  check_layers (c, ctx, v);
  check_seccomp (c, cfg, ctx, v);
  check_mounts (c, cfg, ctx, v);
  check_linux (c, cfg, ctx, v);
  const char *host = cfg->hostname ? cfg->hostname : "";
  if (!policy_rule_matches (&c->hostname, host))
    verdict_fail (v, "hostname", "\"%s\" does not match \"%s\"", host, c->hostname.pattern);
  check_annotations (c, cfg, ctx, v);
  check_hooks (c, cfg, v);
  const char *why = elevation (cfg);
  if (why && !c->allow_elevated)
    verdict_fail (v, "allow_elevated", "the request is elevated (%s)", why);
  if (!c->allow_stdio_access && cfg->process->terminal.set && cfg->process->terminal.v)
    verdict_fail (v, "allow_stdio_access", "a terminal is not allowed for this container");
  bool ro = cfg->root && cfg->root->readonly.set && cfg->root->readonly.v;
  if (c->root_readonly && !ro)
    verdict_fail (v, "root_readonly", "policy requires root.readonly: true");
  return 0;
}
