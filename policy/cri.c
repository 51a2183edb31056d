/* SPDX-License-Identifier: Apache-2.0 */
/* CRI pod rules of a container entry (see policy/cri.h): the sandbox's
   namespaces, the pod's sandbox directories and annotation templates. */
#include "policy/cri.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/internal.h"
#include "policy/match_rules.h"

/* OCI namespace type -> its file in /proc/<pid>/ns/. */
static const char *
ns_file (const char *type, size_t len)
{
  static const char *const map[][2] = {
    { "cgroup", "cgroup" }, { "ipc", "ipc" },   { "mount", "mnt" }, { "network", "net" },
    { "pid", "pid" },       { "time", "time" }, { "user", "user" }, { "uts", "uts" },
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strlen (map[i][0]) == len && strncmp (map[i][0], type, len) == 0)
      return map[i][1];
  return NULL;
}

bool
policy_cri_namespace_is_placeholder (const char *s)
{
  const char *colon = strchr (s, ':');
  return colon && strcmp (colon + 1, POLICY_CRI_NS_PLACEHOLDER) == 0
         && ns_file (s, (size_t)(colon - s)) != NULL;
}

/* The runtime only sets a pid it checked, but the matcher does not rely on
   it: a pid is 1..10 decimal digits, nothing else. */
static bool
valid_pid (const char *pid)
{
  size_t n = pid ? strspn (pid, "0123456789") : 0;
  return n > 0 && n <= 10 && pid[n] == '\0' && pid[0] != '0';
}

char *
policy_cri_namespace (const char *entry, const struct policy_context *ctx)
{
  if (!policy_cri_namespace_is_placeholder (entry))
    return xstrdup (entry);
  if (ctx == NULL || !valid_pid (ctx->sandbox_pid))
    return NULL;
  size_t tl = strcspn (entry, ":");
  return xasprintf ("%.*s:/proc/%s/ns/%s", (int)tl, entry, ctx->sandbox_pid, ns_file (entry, tl));
}

/* "/F" names a file below the sandbox directory: no "..", no "." and no
   empty component, so it can never leave it. */
static bool
valid_below (const char *rel)
{
  if (rel[0] != '/' || rel[1] == '\0')
    return false;
  for (const char *s = rel; *s == '/';)
    {
      const char *c = s + 1;
      size_t n = strcspn (c, "/");
      if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
        return false;
      s = c + n;
    }
  return true;
}

bool
policy_cri_source_matches (const struct pol_rule *r, const char *src,
                           const struct policy_context *ctx, bool *handled)
{
  size_t sl = strlen (POLICY_CRI_SANDBOX_SCHEME);
  *handled = !r->is_re && strncmp (r->pattern, POLICY_CRI_SANDBOX_SCHEME, sl) == 0;
  if (!*handled)
    return false;
  const char *rel = r->pattern + sl;
  if (ctx == NULL || !valid_below (rel))
    return false;
  for (size_t i = 0; i < ctx->n_sandbox_dirs; i++)
    {
      const char *d = ctx->sandbox_dirs[i];
      size_t dl = strlen (d);
      if (dl > 1 && d[0] == '/' && strncmp (src, d, dl) == 0 && strcmp (src + dl, rel) == 0)
        return true;
    }
  return false;
}

bool
policy_cri_value_matches (const struct pol_rule *r, const char *value,
                          const struct policy_context *ctx, bool *handled)
{
  *handled = strstr (r->pattern, "$(") != NULL;
  if (!*handled)
    return false;
  static const struct policy_context none;
  cleanup_free char *want = policy_expand_placeholders (r->pattern, ctx ? ctx : &none);
  return want != NULL && strcmp (want, value) == 0;
}
