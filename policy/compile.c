/* SPDX-License-Identifier: Apache-2.0 */
/* Canonical container tree -> the typed entry the matcher walks.  The input
   was produced (and validated) by the normalizer, either just now or when
   the cache image was built, so types are trusted here; what can still fail
   is only a pattern that no longer compiles, reported with its path. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
policy_rule_compile (struct pol_rule *r, const char *path, parma_error_t *err)
{
  /* Deferred to the first match (see policy_rule_matches); patterns are
     checked by the normalizer, which calls policy_rule_compile_now. */
  (void) r;
  (void) path;
  (void) err;
  return 0;
}

int
policy_rule_compile_now (struct pol_rule *r, const char *path, parma_error_t *err)
{
  if (!r->is_re)
    return 0;
  /* Anchored whole: hcsshim's unanchored `HOSTDATA=.+` also matched
     `LDPRELOAD=HOSTDATA=x` (hcsshim PR 2431).  The group keeps an
     alternation inside the anchors. */
  cleanup_free char *anchored = xasprintf ("^(%s)$", r->pattern);
  int rc = regcomp (&r->re, anchored, REG_EXTENDED | REG_NOSUB);
  if (rc != 0)
    {
      char msg[128];
      regerror (rc, &r->re, msg, sizeof msg);
      cleanup_free char *line
          = xasprintf ("%s: bad regular expression \"%s\": %s", path, r->pattern, msg);
      cleanup_free char *safe = policy_escape_controls (line);
      return parma_error_make (err, EINVAL, "%s", safe);
    }
  r->compiled = true;
  return 0;
}

bool
policy_rule_matches (const struct pol_rule *r, const char *s)
{
  if (!r->is_re)
    return strcmp (r->pattern, s) == 0;
  if (strcmp (r->pattern, ".*") == 0)
    return true; /* the default hostname rule: skip the regex engine */
  if (!r->compiled)
    {
      /* Compiled on first use: glibc's regcomp costs microseconds per
         pattern and a decision touches only a few.  The pattern was
         validated when the policy was normalized; if it still fails to
         compile, nothing matches (fail closed). */
      struct pol_rule *m = (struct pol_rule *) r;
      parma_error_t err = NULL;
      if (policy_rule_compile_now (m, "", &err) < 0)
        {
          parma_error_release (&err);
          return false;
        }
    }
  return regexec (&r->re, s, 0, NULL, 0) == 0;
}

static void
rule_release (struct pol_rule *r)
{
  if (r->compiled)
    regfree (&r->re);
  free (r->pattern);
}

static const char *
str (json_t *o, const char *key)
{
  const char *s = json_string_value (json_object_get (o, key));
  return s ? s : "";
}

static char **
strv (json_t *arr, size_t *n)
{
  *n = json_array_size (arr);
  char **v = xcalloc (*n + 1, sizeof *v);
  for (size_t i = 0; i < *n; i++)
    v[i] = xstrdup (json_string_value (json_array_get (arr, i)) ?: "");
  return v;
}

static uint64_t
cap_mask (json_t *arr)
{
  uint64_t m = 0;
  for (size_t i = 0; i < json_array_size (arr); i++)
    {
      int n = policy_cap_number (json_string_value (json_array_get (arr, i)) ?: "");
      if (n >= 0)
        m |= UINT64_C (1) << n;
    }
  return m;
}

static int
compile_rules (json_t *arr, const char *path, struct pol_rule **out, size_t *n,
               parma_error_t *err)
{
  *n = json_array_size (arr);
  *out = xcalloc (*n + 1, sizeof **out);
  for (size_t i = 0; i < *n; i++)
    {
      json_t *r = json_array_get (arr, i);
      struct pol_rule *pr = &(*out)[i];
      pr->pattern = xstrdup (str (r, "pattern"));
      pr->is_re = strcmp (str (r, "strategy"), "re") == 0;
      pr->required = json_is_true (json_object_get (r, "required"));
      cleanup_free char *p = xasprintf ("%s[%zu].pattern", path, i);
      if (policy_rule_compile (pr, p, err) < 0)
        return -1;
    }
  return 0;
}

static int
compile_process (json_t *o, const char *path, struct pol_process *p, parma_error_t *err)
{
  p->command = strv (json_object_get (o, "command"), &p->n_command);
  for (size_t i = 0; i < p->n_command; i++)
    if (strchr (p->command[i], '$') != NULL) /* $(name) or $$ */
      p->has_placeholder = true;
  p->working_dir = xstrdup (str (o, "working_dir"));
  p->no_new_privileges = json_is_true (json_object_get (o, "no_new_privileges"));
  json_t *u = json_object_get (o, "user");
  p->user.uid = (uint32_t) json_integer_value (json_object_get (u, "uid"));
  p->user.gid = (uint32_t) json_integer_value (json_object_get (u, "gid"));
  p->user.umask = (uint32_t) strtoul (str (u, "umask"), NULL, 8);
  json_t *g = json_object_get (u, "additional_gids");
  p->user.n_gids = json_array_size (g);
  p->user.gids = xcalloc (p->user.n_gids + 1, sizeof *p->user.gids);
  for (size_t i = 0; i < p->user.n_gids; i++)
    p->user.gids[i] = (uint32_t) json_integer_value (json_array_get (g, i));
  json_t *caps = json_object_get (o, "capabilities");
  for (size_t i = 0; i < N_CAP_SETS; i++)
    p->caps[i] = cap_mask (json_object_get (caps, policy_cap_set_names[i]));
  json_t *sig = json_object_get (o, "signals");
  for (size_t i = 0; i < json_array_size (sig); i++)
    {
      json_int_t n = json_integer_value (json_array_get (sig, i));
      if (n >= 1 && n <= 64)
        p->signals |= UINT64_C (1) << (n - 1);
    }
  cleanup_free char *pe = xasprintf ("%s.env_rules", path);
  return compile_rules (json_object_get (o, "env_rules"), pe, &p->env, &p->n_env, err);
}

static void
process_release (struct pol_process *p)
{
  strv_free (p->command);
  for (size_t i = 0; i < p->n_env; i++)
    rule_release (&p->env[i]);
  free (p->env);
  free (p->working_dir);
  free (p->user.gids);
}

static int
compile_mounts (json_t *arr, const char *path, struct policy_container *c, parma_error_t *err)
{
  c->n_mounts = json_array_size (arr);
  c->mounts = xcalloc (c->n_mounts + 1, sizeof *c->mounts);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      json_t *m = json_array_get (arr, i);
      struct pol_mount *pm = &c->mounts[i];
      pm->destination = xstrdup (str (m, "destination"));
      pm->type = xstrdup (str (m, "type"));
      pm->source.pattern = xstrdup (str (m, "source"));
      pm->source.is_re = strcmp (str (m, "source_strategy"), "re") == 0;
      pm->options = strv (json_object_get (m, "options"), &pm->n_options);
      cleanup_free char *p = xasprintf ("%s.mounts[%zu].source", path, i);
      if (policy_rule_compile (&pm->source, p, err) < 0)
        return -1;
    }
  return 0;
}

static void
compile_misc (json_t *o, struct policy_container *c)
{
  json_t *d = json_object_get (o, "devices");
  c->n_devices = json_array_size (d);
  c->devices = xcalloc (c->n_devices + 1, sizeof *c->devices);
  for (size_t i = 0; i < c->n_devices; i++)
    {
      json_t *e = json_array_get (d, i);
      c->devices[i].path = xstrdup (str (e, "path"));
      c->devices[i].type = xstrdup (str (e, "type"));
      c->devices[i].major = json_integer_value (json_object_get (e, "major"));
      c->devices[i].minor = json_integer_value (json_object_get (e, "minor"));
    }
  json_t *r = json_object_get (o, "rlimits");
  c->n_rlimits = json_array_size (r);
  c->rlimits = xcalloc (c->n_rlimits + 1, sizeof *c->rlimits);
  for (size_t i = 0; i < c->n_rlimits; i++)
    {
      json_t *e = json_array_get (r, i);
      c->rlimits[i].type = xstrdup (str (e, "type"));
      c->rlimits[i].hard = (uint64_t) json_integer_value (json_object_get (e, "hard"));
      c->rlimits[i].soft = (uint64_t) json_integer_value (json_object_get (e, "soft"));
    }
  json_t *s = json_object_get (o, "sysctls");
  c->n_sysctls = json_object_size (s);
  c->sysctl_keys = xcalloc (c->n_sysctls + 1, sizeof (char *));
  c->sysctl_values = xcalloc (c->n_sysctls + 1, sizeof (char *));
  const char *k;
  json_t *v;
  size_t i = 0;
  json_object_foreach (s, k, v)
  {
    c->sysctl_keys[i] = xstrdup (k);
    c->sysctl_values[i++] = xstrdup (json_string_value (v) ?: "");
  }
  json_t *h = json_object_get (o, "hooks");
  for (size_t kind = 0; kind < N_HOOK_KINDS; kind++)
    {
      json_t *arr = json_object_get (h, policy_hook_kinds[kind]);
      c->n_hooks[kind] = json_array_size (arr);
      c->hooks[kind] = xcalloc (c->n_hooks[kind] + 1, sizeof (struct pol_hook));
      for (size_t j = 0; j < c->n_hooks[kind]; j++)
        {
          json_t *e = json_array_get (arr, j);
          struct pol_hook *ph = &c->hooks[kind][j];
          ph->path = xstrdup (str (e, "path"));
          ph->args = strv (json_object_get (e, "args"), &ph->n_args);
          ph->env = strv (json_object_get (e, "env"), &ph->n_env);
        }
    }
}

static int
compile_annotations (json_t *arr, const char *path, struct policy_container *c,
                     parma_error_t *err)
{
  c->n_annotations = json_array_size (arr);
  c->annotations = xcalloc (c->n_annotations + 1, sizeof *c->annotations);
  for (size_t i = 0; i < c->n_annotations; i++)
    {
      json_t *e = json_array_get (arr, i);
      struct pol_annotation *a = &c->annotations[i];
      a->key = (struct pol_rule){ .pattern = xstrdup (str (e, "key")), .is_re = true };
      a->value = (struct pol_rule){ .pattern = xstrdup (str (e, "value")), .is_re = true };
      a->required = json_is_true (json_object_get (e, "required"));
      cleanup_free char *p = xasprintf ("%s.annotations[%zu]", path, i);
      if (policy_rule_compile (&a->key, p, err) < 0 || policy_rule_compile (&a->value, p, err) < 0)
        return -1;
    }
  return 0;
}

int
policy_container_compile (json_t *o, size_t index, struct policy_container **out,
                          parma_error_t *err)
{
  struct policy_container *c = xzalloc (sizeof *c);
  cleanup_free char *path = xasprintf ("containers[%zu]", index);
  c->index = index;
  c->name = xstrdup (str (o, "name"));
  policy_compile_layers (json_object_get (o, "layers"), c);
  c->seccomp_sha256 = xstrdup (str (o, "seccomp_profile_sha256"));
  c->namespaces = strv (json_object_get (o, "namespaces"), &c->n_namespaces);
  c->masked_paths = strv (json_object_get (o, "masked_paths"), &c->n_masked_paths);
  c->readonly_paths = strv (json_object_get (o, "readonly_paths"), &c->n_readonly_paths);
  c->allow_elevated = json_is_true (json_object_get (o, "allow_elevated"));
  c->allow_stdio_access = json_is_true (json_object_get (o, "allow_stdio_access"));
  c->root_readonly = json_is_true (json_object_get (o, "root_readonly"));
  c->hostname = (struct pol_rule){ .pattern = xstrdup (str (o, "hostname")), .is_re = true };
  compile_misc (o, c);
  cleanup_free char *ph = xasprintf ("%s.hostname", path);
  int ret = compile_process (o, path, &c->proc, err);
  if (ret == 0)
    ret = compile_mounts (json_object_get (o, "mounts"), path, c, err);
  if (ret == 0)
    ret = compile_annotations (json_object_get (o, "annotations"), path, c, err);
  if (ret == 0)
    ret = policy_rule_compile (&c->hostname, ph, err);
  json_t *ex = json_object_get (o, "exec_processes");
  c->n_execs = json_array_size (ex);
  c->execs = xcalloc (c->n_execs + 1, sizeof *c->execs);
  for (size_t i = 0; i < c->n_execs && ret == 0; i++)
    {
      cleanup_free char *pe = xasprintf ("%s.exec_processes[%zu]", path, i);
      ret = compile_process (json_array_get (ex, i), pe, &c->execs[i], err);
    }
  if (ret < 0)
    {
      policy_container_free (c);
      return ret;
    }
  *out = c;
  return 0;
}

static void
free_compiled_rules (struct policy_container *c)
{
  struct pol_process *procs[1] = { &c->proc };
  for (size_t p = 0; p < 1; p++)
    for (size_t i = 0; i < procs[p]->n_env; i++)
      if (procs[p]->env[i].compiled)
        regfree (&procs[p]->env[i].re);
  for (size_t e = 0; e < c->n_execs; e++)
    for (size_t i = 0; i < c->execs[e].n_env; i++)
      if (c->execs[e].env[i].compiled)
        regfree (&c->execs[e].env[i].re);
  for (size_t i = 0; i < c->n_mounts; i++)
    if (c->mounts[i].source.compiled)
      regfree (&c->mounts[i].source.re);
  for (size_t i = 0; i < c->n_annotations; i++)
    {
      if (c->annotations[i].key.compiled)
        regfree (&c->annotations[i].key.re);
      if (c->annotations[i].value.compiled)
        regfree (&c->annotations[i].value.re);
    }
  if (c->hostname.compiled)
    regfree (&c->hostname.re);
}

void
policy_container_free (struct policy_container *c)
{
  if (c == NULL)
    return;
  if (c->arena != NULL)
    {
      /* Image-backed: only the lazily compiled regexes own memory outside
         the arena (which also holds *c). */
      free_compiled_rules (c);
      policy_arena_free (c->arena);
      return;
    }
  free (c->name);
  strv_free (c->layers);
  free (c->layer_data_blocks);
  process_release (&c->proc);
  free (c->seccomp_sha256);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      free (c->mounts[i].destination);
      free (c->mounts[i].type);
      rule_release (&c->mounts[i].source);
      strv_free (c->mounts[i].options);
    }
  free (c->mounts);
  for (size_t i = 0; i < c->n_devices; i++)
    {
      free (c->devices[i].path);
      free (c->devices[i].type);
    }
  free (c->devices);
  strv_free (c->namespaces);
  strv_free (c->masked_paths);
  strv_free (c->readonly_paths);
  strv_free (c->sysctl_keys);
  strv_free (c->sysctl_values);
  for (size_t i = 0; i < c->n_rlimits; i++)
    free (c->rlimits[i].type);
  free (c->rlimits);
  rule_release (&c->hostname);
  for (size_t i = 0; i < c->n_annotations; i++)
    {
      rule_release (&c->annotations[i].key);
      rule_release (&c->annotations[i].value);
    }
  free (c->annotations);
  for (size_t k = 0; k < N_HOOK_KINDS; k++)
    {
      for (size_t j = 0; j < c->n_hooks[k]; j++)
        {
          free (c->hooks[k][j].path);
          strv_free (c->hooks[k][j].args);
          strv_free (c->hooks[k][j].env);
        }
      free (c->hooks[k]);
    }
  for (size_t i = 0; i < c->n_execs; i++)
    process_release (&c->execs[i]);
  free (c->execs);
  free (c);
}
