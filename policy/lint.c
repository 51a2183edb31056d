/* SPDX-License-Identifier: Apache-2.0 */
/* Lint: legal policies that are probably not what the author meant. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"

#include <string.h>

static void
add (char ***v, size_t *n, char *s)
{
  *v = xreallocarray (*v, *n + 2, sizeof **v);
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

static bool
broad (const char *pattern)
{
  /* Patterns that admit any value of a variable, or anything at all. */
  static const char *const any[] = { ".*", ".+", "(.*)", "(.+)", NULL };
  for (size_t i = 0; any[i]; i++)
    if (strcmp (pattern, any[i]) == 0)
      return true;
  const char *eq = strchr (pattern, '=');
  (void) eq;
  return false;
}

static void
lint_rules (const struct pol_process *pp, const char *path, char ***v, size_t *n)
{
  for (size_t i = 0; i < pp->n_env; i++)
    {
      const struct pol_rule *r = &pp->env[i];
      if (r->is_re && (r->pattern[0] == '^' || r->pattern[strlen (r->pattern) - 1] == '$'))
        add (v, n, xasprintf ("%s.env_rules[%zu]: anchors are implicit (patterns always match the "
                              "whole variable); \"%s\" looks like it expects otherwise",
                              path, i, r->pattern));
      if (r->is_re && (broad (r->pattern) || strncmp (r->pattern, ".*", 2) == 0))
        add (v, n, xasprintf ("%s.env_rules[%zu]: \"%s\" admits any variable name (e.g. LD_PRELOAD)",
                              path, i, r->pattern));
      if (r->required && !r->is_re)
        for (size_t j = 0; j < i; j++)
          {
            const struct pol_rule *q = &pp->env[j];
            size_t nl = strcspn (r->pattern, "=");
            if (q->required && !q->is_re && strncmp (q->pattern, r->pattern, nl + 1) == 0
                && strcmp (q->pattern, r->pattern) != 0)
              add (v, n, xasprintf ("%s.env_rules[%zu]: required together with env_rules[%zu] for "
                                    "the same variable: unsatisfiable (a variable has one value)",
                                    path, i, j));
          }
    }
  for (size_t i = 0; i < pp->n_command; i++)
    {
      /* A placeholder the runtime does not know never matches. */
      static const char *const known[]
          = { "$(container-id)", "$(sandbox-name)", "$(sandbox-namespace)", "$(sandbox-id)",
              "$(sandbox-uid)", NULL };
      for (const char *s = strstr (pp->command[i], "$("); s; s = strstr (s + 2, "$("))
        {
          if (s > pp->command[i] && s[-1] == '$')
            continue;
          bool ok = false;
          for (size_t k = 0; known[k] && !ok; k++)
            ok = strncmp (s, known[k], strlen (known[k])) == 0;
          if (!ok)
            add (v, n, xasprintf ("%s.command[%zu]: unknown placeholder in \"%s\": unsatisfiable",
                                  path, i, pp->command[i]));
        }
    }
}

size_t
policy_lint (struct policy *p, char ***out)
{
  char **v = NULL;
  size_t n = 0;
  for (size_t i = 0; i < p->n_containers; i++)
    {
      struct policy_container *c = NULL;
      parma_error_t err = NULL;
      if (policy_get_container (p, i, &c, &err) < 0)
        {
          add (&v, &n, xasprintf ("containers[%zu]: %s", i, err->msg));
          parma_error_release (&err);
          continue;
        }
      cleanup_free char *path = xasprintf ("containers[%zu]", i);
      lint_rules (&c->proc, path, &v, &n);
      for (size_t e = 0; e < c->n_execs; e++)
        {
          cleanup_free char *pe = xasprintf ("%s.exec_processes[%zu]", path, e);
          lint_rules (&c->execs[e], pe, &v, &n);
        }
      if (c->allow_elevated)
        {
          json_t *cj = p->container_json ? p->container_json[i] : NULL;
          const char *reason = cj ? json_string_value (json_object_get (cj, "elevated_reason")) : "";
          if (reason == NULL || reason[0] == '\0')
            add (&v, &n, xasprintf ("%s.allow_elevated: true without an elevated_reason", path));
        }
      if (c->n_layers == 0)
        add (&v, &n, xasprintf ("%s.layers: empty, any root filesystem is accepted", path));
      /* Without a count the host's --data-blocks decides which image a root
         names (parma-policy(5), layers); gen writes counts. */
      for (size_t k = 0; k < c->n_layers; k++)
        if (c->layer_data_blocks == NULL || c->layer_data_blocks[k] == 0)
          add (&v, &n, xasprintf ("%s.layers[%zu]: note: no data_blocks recorded, mount-layer "
                                  "takes the block count from the host (--data-blocks)",
                                  path, k));
      for (size_t m = 0; m < c->n_mounts; m++)
        if (c->mounts[m].source.is_re && broad (c->mounts[m].source.pattern))
          add (&v, &n, xasprintf ("%s.mounts[%zu].source: \"%s\" admits any source", path, m,
                                  c->mounts[m].source.pattern));
      /* Shadowed: an earlier entry with the same command and layers
         admits first, so this one only matters if the earlier denies. */
      for (size_t j = 0; j < i; j++)
        {
          struct policy_container *d = NULL;
          parma_error_t e2 = NULL;
          if (policy_get_container (p, j, &d, &e2) < 0)
            {
              parma_error_release (&e2);
              continue;
            }
          json_t *a = p->container_json ? p->container_json[i] : NULL;
          json_t *b = p->container_json ? p->container_json[j] : NULL;
          if (a && b)
            {
              cleanup_json json_t *a2 = json_deep_copy (a);
              cleanup_json json_t *b2 = json_deep_copy (b);
              json_object_del (a2, "name");
              json_object_del (b2, "name");
              if (json_equal (a2, b2))
                {
                  add (&v, &n, xasprintf ("%s: shadowed by containers[%zu] (identical rules)", path, j));
                  break;
                }
            }
        }
    }
  if (p->switches[POLICY_OPEN_DOOR])
    add (&v, &n, xstrdup ("open_door: true admits everything (debugging only)"));
  if (p->n_containers == 0 && !p->switches[POLICY_OPEN_DOOR])
    add (&v, &n, xstrdup ("containers: empty, the policy admits no container"));
  *out = v;
  return n;
}
