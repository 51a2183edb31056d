/* SPDX-License-Identifier: Apache-2.0 */
/* Semantic diff: both sides are canonical trees (defaults explicit, values
   normalized), so any difference listed is a difference in meaning. */
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

static char *
dump (json_t *j)
{
  char *s = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  return s ? s : xstrdup ("?");
}

static void
walk (json_t *a, json_t *b, const char *path, char ***v, size_t *n)
{
  if (json_equal (a, b))
    return;
  if (json_is_object (a) && json_is_object (b))
    {
      const char *k;
      json_t *x;
      json_object_foreach (a, k, x)
      {
        cleanup_free char *p = path[0] ? xasprintf ("%s.%s", path, k) : xstrdup (k);
        json_t *y = json_object_get (b, k);
        if (y == NULL)
          {
            cleanup_free char *s = dump (x);
            add (v, n, xasprintf ("- %s: %s", p, s));
          }
        else
          walk (x, y, p, v, n);
      }
      json_object_foreach (b, k, x)
      {
        if (json_object_get (a, k) == NULL)
          {
            cleanup_free char *s = dump (x);
            add (v, n, path[0] ? xasprintf ("+ %s.%s: %s", path, k, s) : xasprintf ("+ %s: %s", k, s));
          }
      }
      return;
    }
  if (json_is_array (a) && json_is_array (b) && json_array_size (a) > 0
      && json_is_object (json_array_get (a, 0)))
    {
      size_t na = json_array_size (a), nb = json_array_size (b);
      for (size_t i = 0; i < na || i < nb; i++)
        {
          cleanup_free char *p = xasprintf ("%s[%zu]", path, i);
          if (i >= nb)
            {
              cleanup_free char *s = dump (json_array_get (a, i));
              add (v, n, xasprintf ("- %s: %s", p, s));
            }
          else if (i >= na)
            {
              cleanup_free char *s = dump (json_array_get (b, i));
              add (v, n, xasprintf ("+ %s: %s", p, s));
            }
          else
            walk (json_array_get (a, i), json_array_get (b, i), p, v, n);
        }
      return;
    }
  cleanup_free char *sa = dump (a);
  cleanup_free char *sb = dump (b);
  add (v, n, xasprintf ("~ %s: %s -> %s", path, sa, sb));
}

size_t
policy_diff (const struct policy *a, const struct policy *b, char ***out)
{
  char **v = NULL;
  size_t n = 0;
  json_error_t e;
  size_t la, lb;
  const char *ca = policy_canonical (a, &la), *cb = policy_canonical (b, &lb);
  cleanup_json json_t *ja = json_loadb (ca, la, 0, &e);
  cleanup_json json_t *jb = json_loadb (cb, lb, 0, &e);
  if (ja && jb)
    walk (ja, jb, "", &v, &n);
  *out = v;
  return n;
}
