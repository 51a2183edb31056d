/* SPDX-License-Identifier: Apache-2.0 */
/* Authoring JSON -> canonical tree.  Every field is validated here, once,
   and given its normalized spelling and explicit default, so that two
   policies meaning the same thing produce the same canonical bytes (and
   hash) and any difference in meaning produces different ones.  Unknown
   keys are refused: a misspelled rule silently ignored is a hole.  Errors
   name the JSON path and the rule: `containers[2].env_rules[0].strategy:
   must be "string" or "re"`. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/cri.h"
#include "policy/internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

const char *const policy_cap_set_names[N_CAP_SETS]
    = { "ambient", "bounding", "effective", "inheritable", "permitted" };
const char *const policy_hook_kinds[N_HOOK_KINDS]
    = { "create_container", "create_runtime", "poststart", "poststop", "prestart", "start_container" };
const char *const policy_hook_oci_names[N_HOOK_KINDS]
    = { "createContainer", "createRuntime", "poststart", "poststop", "prestart", "startContainer" };

int
policy_fail_at (parma_error_t *err, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  cleanup_free char *line = xasprintf ("%s: %s", path[0] ? path : "policy", msg);
  cleanup_free char *safe = policy_escape_controls (line);
  return parma_error_make (err, EINVAL, "%s", safe);
}

static char *
join (const char *path, const char *key)
{
  return path[0] ? xasprintf ("%s.%s", path, key) : xstrdup (key);
}

static char *
join_index (const char *path, size_t i)
{
  return xasprintf ("%s[%zu]", path, i);
}

/* Refuses keys not in `keys` (NULL-terminated). */
static int
check_object (json_t *v, const char *path, const char *const *keys, parma_error_t *err)
{
  if (!json_is_object (v))
    return policy_fail_at (err, path, "must be an object");
  const char *k;
  json_t *val;
  json_object_foreach (v, k, val)
  {
    bool known = false;
    for (size_t i = 0; keys[i] && !known; i++)
      known = strcmp (keys[i], k) == 0;
    if (!known)
      {
        cleanup_free char *p = join (path, k);
        return policy_fail_at (err, p, "unknown key");
      }
  }
  return 0;
}

static int
norm_bool (json_t *in, const char *path, const char *key, bool def, json_t *out,
           parma_error_t *err)
{
  json_t *v = json_object_get (in, key);
  if (v == NULL)
    v = json_boolean (def);
  else if (!json_is_boolean (v))
    {
      cleanup_free char *p = join (path, key);
      return policy_fail_at (err, p, "must be true or false");
    }
  else
    json_incref (v);
  json_object_set_new (out, key, v);
  return 0;
}

static int
norm_string (json_t *in, const char *path, const char *key, const char *def, json_t *out,
             parma_error_t *err)
{
  json_t *v = json_object_get (in, key);
  if (v == NULL && def == NULL)
    {
      cleanup_free char *p = join (path, key);
      return policy_fail_at (err, p, "required");
    }
  if (v != NULL && !json_is_string (v))
    {
      cleanup_free char *p = join (path, key);
      return policy_fail_at (err, p, "must be a string");
    }
  json_object_set_new (out, key, json_string (v ? json_string_value (v) : def));
  return 0;
}

static int
norm_uint (json_t *in, const char *path, const char *key, json_int_t def, json_int_t max,
           json_t *out, parma_error_t *err)
{
  json_t *v = json_object_get (in, key);
  json_int_t n = def;
  if (v != NULL)
    {
      if (!json_is_integer (v) || json_integer_value (v) < 0 || json_integer_value (v) > max)
        {
          cleanup_free char *p = join (path, key);
          return policy_fail_at (err, p, "must be an integer in [0, %" JSON_INTEGER_FORMAT "]", max);
        }
      n = json_integer_value (v);
    }
  json_object_set_new (out, key, json_integer (n));
  return 0;
}

static int
cmp_json_str (const void *a, const void *b)
{
  return strcmp (json_string_value (*(json_t *const *) a), json_string_value (*(json_t *const *) b));
}

/* An array of strings, each passed through `fn` (may be NULL); sorted and
   deduplicated when `is_set`. */
typedef int (*str_fn) (const char *s, const char *path, char **out, parma_error_t *err);

static int
norm_strv (json_t *in, const char *path, const char *key, bool required, bool is_set, str_fn fn,
           json_t *out, parma_error_t *err)
{
  cleanup_free char *p = join (path, key);
  json_t *v = json_object_get (in, key);
  if (v == NULL && required)
    return policy_fail_at (err, p, "required");
  if (v != NULL && !json_is_array (v))
    return policy_fail_at (err, p, "must be an array of strings");
  size_t n = v ? json_array_size (v) : 0;
  cleanup_free json_t **items = xcalloc (n + 1, sizeof *items);
  for (size_t i = 0; i < n; i++)
    {
      json_t *s = json_array_get (v, i);
      cleanup_free char *pi = join_index (p, i);
      cleanup_free char *norm = NULL;
      int ret = json_is_string (s) ? 0 : policy_fail_at (err, pi, "must be a string");
      if (ret == 0 && fn)
        ret = fn (json_string_value (s), pi, &norm, err);
      if (ret < 0)
        {
          for (size_t j = 0; j < i; j++)
            json_decref (items[j]);
          return -1;
        }
      items[i] = json_string (norm ? norm : json_string_value (s));
    }
  if (is_set)
    qsort (items, n, sizeof *items, cmp_json_str);
  json_t *arr = json_array ();
  json_t *last = NULL; /* the last item kept (compared before any decref) */
  for (size_t i = 0; i < n; i++)
    {
      if (is_set && last != NULL && cmp_json_str (&last, &items[i]) == 0)
        json_decref (items[i]);
      else
        {
          json_array_append_new (arr, items[i]);
          last = items[i];
        }
    }
  json_object_set_new (out, key, arr);
  return 0;
}

/* ---- value normalizers ---- */

static int
norm_cap (const char *s, const char *path, char **out, parma_error_t *err)
{
  if (s[0] == '\0' || isdigit ((unsigned char) s[0]))
    return policy_fail_at (err, path, "not a capability name: \"%s\"", s);
  cleanup_free char *upper = NULL;
  if (strncasecmp (s, "CAP_", 4) == 0)
    upper = xstrdup (s);
  else
    upper = xasprintf ("CAP_%s", s);
  for (char *c = upper; *c; c++)
    *c = (char) toupper ((unsigned char) *c);
  int n = policy_cap_number (upper);
  if (n < 0)
    return policy_fail_at (err, path, "unknown capability \"%s\"", s);
  /* Re-spell from the number so aliases collapse to one name. */
  char *name = cap_to_name ((cap_value_t) n);
  if (name == NULL)
    return policy_fail_at (err, path, "unknown capability \"%s\"", s);
  *out = xstrdup (name);
  cap_free (name);
  for (char *c = *out; *c; c++)
    *c = (char) toupper ((unsigned char) *c);
  return 0;
}

static int
norm_hex_digest (const char *s, const char *path, char **out, parma_error_t *err)
{
  if (strncmp (s, "sha256:", 7) == 0)
    s += 7;
  size_t n = strlen (s);
  if (n != 64 && n != 128)
    return policy_fail_at (err, path, "must be 64 or 128 hex digits");
  *out = xstrdup (s);
  for (char *c = *out; *c; c++)
    {
      if (!isxdigit ((unsigned char) *c))
        {
          free (steal_pointer (out));
          return policy_fail_at (err, path, "must be 64 or 128 hex digits");
        }
      *c = (char) tolower ((unsigned char) *c);
    }
  return 0;
}

int
policy_normalize_hex_digest (const char *s, const char *path, char **out, parma_error_t *err)
{
  return norm_hex_digest (s, path, out, err);
}

static int
norm_abs_path (const char *s, const char *path, char **out, parma_error_t *err)
{
  (void) out;
  if (s[0] != '/')
    return policy_fail_at (err, path, "must be an absolute path");
  return 0;
}

static int
norm_namespace (const char *s, const char *path, char **out, parma_error_t *err)
{
  static const char *const types[]
      = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL };
  size_t tl = strcspn (s, ":");
  for (size_t i = 0; types[i]; i++)
    if (strlen (types[i]) == tl && strncmp (types[i], s, tl) == 0)
      {
        if (s[tl] == ':' && s[tl + 1] != '/' && !policy_cri_namespace_is_placeholder (s))
          return policy_fail_at (err, path, "namespace path must be absolute (or $(sandbox-ns))");
        (void) out;
        return 0;
      }
  return policy_fail_at (err, path, "unknown namespace \"%s\" (want TYPE or TYPE:/path)", s);
}

/* ---- rules ---- */

static int
check_re (const char *pattern, const char *path, parma_error_t *err)
{
  struct pol_rule r = { .pattern = (char *) pattern, .is_re = true };
  int ret = policy_rule_compile_now (&r, path, err);
  if (ret == 0)
    regfree (&r.re);
  return ret;
}

static int
norm_strategy (json_t *in, const char *path, const char *key, json_t *out, bool *is_re,
               parma_error_t *err)
{
  json_t *v = json_object_get (in, key);
  const char *s = v ? json_string_value (v) : "string";
  if (s == NULL || (strcmp (s, "string") != 0 && strcmp (s, "re") != 0))
    {
      cleanup_free char *p = join (path, key);
      return policy_fail_at (err, p, "must be \"string\" or \"re\"");
    }
  *is_re = strcmp (s, "re") == 0;
  json_object_set_new (out, key, json_string (s));
  return 0;
}

static int
norm_env_rules (json_t *in, const char *path, const char *key, json_t *def, json_t *out,
                parma_error_t *err)
{
  static const char *const keys[] = { "pattern", "strategy", "required", NULL };
  cleanup_free char *p = join (path, key);
  json_t *v = json_object_get (in, key);
  if (v == NULL && def != NULL)
    {
      json_object_set (out, key, def);
      return 0;
    }
  if (v != NULL && !json_is_array (v))
    return policy_fail_at (err, p, "must be an array of rules");
  json_t *arr = json_array ();
  json_object_set_new (out, key, arr);
  for (size_t i = 0; v && i < json_array_size (v); i++)
    {
      cleanup_free char *pi = join_index (p, i);
      json_t *r = json_array_get (v, i), *o = json_object ();
      json_array_append_new (arr, o);
      bool is_re;
      if (check_object (r, pi, keys, err) < 0 || norm_string (r, pi, "pattern", NULL, o, err) < 0
          || norm_strategy (r, pi, "strategy", o, &is_re, err) < 0
          || norm_bool (r, pi, "required", false, o, err) < 0)
        return -1;
      const char *pat = json_string_value (json_object_get (o, "pattern"));
      cleanup_free char *pp = join (pi, "pattern");
      if (is_re && check_re (pat, pp, err) < 0)
        return -1;
      if (!is_re && strchr (pat, '=') == NULL)
        return policy_fail_at (err, pp, "a string rule must be NAME=VALUE");
    }
  return 0;
}

static int
norm_user (json_t *in, const char *path, json_t *def, json_t *out, parma_error_t *err)
{
  static const char *const keys[] = { "uid", "gid", "additional_gids", "umask", NULL };
  cleanup_free char *p = join (path, "user");
  json_t *v = json_object_get (in, "user");
  if (v == NULL && def != NULL)
    {
      json_object_set (out, "user", def);
      return 0;
    }
  json_t *empty = v ? NULL : json_object ();
  json_t *src = v ? v : empty;
  json_t *o = json_object ();
  json_object_set_new (out, "user", o);
  int ret = check_object (src, p, keys, err);
  if (ret == 0)
    ret = norm_uint (src, p, "uid", 0, UINT32_MAX, o, err);
  if (ret == 0)
    ret = norm_uint (src, p, "gid", 0, UINT32_MAX, o, err);
  /* additional_gids: a set of integers. */
  json_t *g = ret == 0 ? json_object_get (src, "additional_gids") : NULL;
  json_t *garr = json_array ();
  json_object_set_new (o, "additional_gids", garr);
  if (g != NULL && !json_is_array (g))
    {
      cleanup_free char *pg = join (p, "additional_gids");
      ret = policy_fail_at (err, pg, "must be an array of integers");
    }
  size_t ng = g && ret == 0 ? json_array_size (g) : 0;
  cleanup_free json_int_t *gids = xcalloc (ng + 1, sizeof *gids);
  for (size_t i = 0; i < ng && ret == 0; i++)
    {
      json_t *e = json_array_get (g, i);
      if (!json_is_integer (e) || json_integer_value (e) < 0 || json_integer_value (e) > UINT32_MAX)
        {
          cleanup_free char *pg = xasprintf ("%s.additional_gids[%zu]", p, i);
          ret = policy_fail_at (err, pg, "must be an integer in [0, 4294967295]");
        }
      else
        gids[i] = json_integer_value (e);
    }
  for (size_t i = 1; i < ng; i++) /* insertion sort: lists are short */
    for (size_t j = i; j > 0 && gids[j - 1] > gids[j]; j--)
      {
        json_int_t t = gids[j];
        gids[j] = gids[j - 1];
        gids[j - 1] = t;
      }
  for (size_t i = 0; i < ng && ret == 0; i++)
    if (i == 0 || gids[i] != gids[i - 1])
      json_array_append_new (garr, json_integer (gids[i]));
  /* umask: octal string ("0022") or integer; canonical "%04o". */
  json_t *u = ret == 0 ? json_object_get (src, "umask") : NULL;
  long um = 022;
  if (u != NULL)
    {
      char *end = NULL;
      if (json_is_string (u) && json_string_value (u)[0] != '\0')
        um = strtol (json_string_value (u), &end, 8);
      else if (json_is_integer (u))
        um = (long) json_integer_value (u);
      else
        um = -1;
      cleanup_free char *pu = join (p, "umask");
      if ((end && *end) || um < 0 || um > 0777)
        ret = policy_fail_at (err, pu, "must be an octal string like \"0022\" (at most 0777)");
    }
  char ubuf[8];
  snprintf (ubuf, sizeof ubuf, "%04lo", (unsigned long) (um & 0777));
  json_object_set_new (o, "umask", json_string (ubuf));
  if (empty)
    json_decref (empty);
  return ret;
}

static int
norm_caps (json_t *in, const char *path, json_t *def, json_t *out, parma_error_t *err)
{
  cleanup_free char *p = join (path, "capabilities");
  json_t *v = json_object_get (in, "capabilities");
  if (v == NULL && def != NULL)
    {
      json_object_set (out, "capabilities", def);
      return 0;
    }
  cleanup_json json_t *empty = json_object ();
  json_t *src = v ? v : empty;
  json_t *o = json_object ();
  json_object_set_new (out, "capabilities", o);
  static const char *const keys[]
      = { "ambient", "bounding", "effective", "inheritable", "permitted", NULL };
  if (check_object (src, p, keys, err) < 0)
    return -1;
  for (size_t i = 0; i < N_CAP_SETS; i++)
    if (norm_strv (src, p, policy_cap_set_names[i], false, true, norm_cap, o, err) < 0)
      return -1;
  return 0;
}

static int
norm_signals (json_t *in, const char *path, json_t *out, parma_error_t *err)
{
  cleanup_free char *p = join (path, "signals");
  json_t *v = json_object_get (in, "signals");
  if (v != NULL && !json_is_array (v))
    return policy_fail_at (err, p, "must be an array of signal names or numbers");
  uint64_t set = 0;
  for (size_t i = 0; v && i < json_array_size (v); i++)
    {
      json_t *s = json_array_get (v, i);
      int n = -1;
      if (json_is_integer (s) && json_integer_value (s) >= 1 && json_integer_value (s) <= 64)
        n = (int) json_integer_value (s);
      else if (json_is_string (s))
        n = policy_signal_number (json_string_value (s));
      if (n < 0)
        {
          cleanup_free char *pi = join_index (p, i);
          return policy_fail_at (err, pi, "not a signal (1..64 or a name like \"SIGTERM\")");
        }
      set |= UINT64_C (1) << (n - 1);
    }
  json_t *arr = json_array ();
  for (int n = 1; n <= 64; n++)
    if (set & (UINT64_C (1) << (n - 1)))
      json_array_append_new (arr, json_integer (n));
  json_object_set_new (out, "signals", arr);
  return 0;
}

/* The process-shaped fields shared by a container and its exec processes;
   `defaults` (the container's canonical object) fills absent ones. */
static int
norm_process_fields (json_t *in, const char *path, json_t *defaults, json_t *out,
                     parma_error_t *err)
{
  if (norm_strv (in, path, "command", true, false, NULL, out, err) < 0)
    return -1;
  if (json_array_size (json_object_get (out, "command")) == 0)
    {
      cleanup_free char *p = join (path, "command");
      return policy_fail_at (err, p, "must not be empty");
    }
  json_t *d = defaults;
  if (norm_env_rules (in, path, "env_rules", d ? json_object_get (d, "env_rules") : NULL, out, err)
          < 0
      || norm_user (in, path, d ? json_object_get (d, "user") : NULL, out, err) < 0
      || norm_caps (in, path, d ? json_object_get (d, "capabilities") : NULL, out, err) < 0
      || norm_signals (in, path, out, err) < 0)
    return -1;
  const char *wd = d ? json_string_value (json_object_get (d, "working_dir")) : "/";
  bool nnp = d ? json_is_true (json_object_get (d, "no_new_privileges")) : true;
  if (norm_string (in, path, "working_dir", wd, out, err) < 0
      || norm_bool (in, path, "no_new_privileges", nnp, out, err) < 0)
    return -1;
  cleanup_free char *pw = join (path, "working_dir");
  return norm_abs_path (json_string_value (json_object_get (out, "working_dir")), pw, NULL, err);
}

/* An array of objects, each normalized by `fn`. */
typedef int (*obj_fn) (json_t *in, const char *path, json_t *out, parma_error_t *err);

static int
norm_objv (json_t *in, const char *path, const char *key, obj_fn fn, json_t *out,
           parma_error_t *err)
{
  cleanup_free char *p = join (path, key);
  json_t *v = json_object_get (in, key);
  if (v != NULL && !json_is_array (v))
    return policy_fail_at (err, p, "must be an array of objects");
  json_t *arr = json_array ();
  json_object_set_new (out, key, arr);
  for (size_t i = 0; v && i < json_array_size (v); i++)
    {
      cleanup_free char *pi = join_index (p, i);
      json_t *o = json_object ();
      json_array_append_new (arr, o);
      if (fn (json_array_get (v, i), pi, o, err) < 0)
        return -1;
    }
  return 0;
}

static int
norm_mount (json_t *in, const char *path, json_t *o, parma_error_t *err)
{
  static const char *const keys[]
      = { "destination", "type", "source", "source_strategy", "options", NULL };
  bool is_re;
  if (check_object (in, path, keys, err) < 0 || norm_string (in, path, "destination", NULL, o, err) < 0
      || norm_string (in, path, "type", "bind", o, err) < 0
      || norm_string (in, path, "source", "", o, err) < 0
      || norm_strategy (in, path, "source_strategy", o, &is_re, err) < 0
      || norm_strv (in, path, "options", false, true, NULL, o, err) < 0)
    return -1;
  cleanup_free char *pd = join (path, "destination");
  cleanup_free char *ps = join (path, "source");
  if (norm_abs_path (json_string_value (json_object_get (o, "destination")), pd, NULL, err) < 0)
    return -1;
  return is_re ? check_re (json_string_value (json_object_get (o, "source")), ps, err) : 0;
}

static int
norm_device (json_t *in, const char *path, json_t *o, parma_error_t *err)
{
  static const char *const keys[] = { "path", "type", "major", "minor", NULL };
  if (check_object (in, path, keys, err) < 0 || norm_string (in, path, "path", NULL, o, err) < 0
      || norm_string (in, path, "type", "c", o, err) < 0
      || norm_uint (in, path, "major", 0, INT32_MAX, o, err) < 0
      || norm_uint (in, path, "minor", 0, INT32_MAX, o, err) < 0)
    return -1;
  const char *t = json_string_value (json_object_get (o, "type"));
  cleanup_free char *pt = join (path, "type");
  if (strcmp (t, "c") != 0 && strcmp (t, "b") != 0 && strcmp (t, "u") != 0 && strcmp (t, "p") != 0)
    return policy_fail_at (err, pt, "must be one of \"c\", \"b\", \"u\", \"p\"");
  cleanup_free char *pp = join (path, "path");
  return norm_abs_path (json_string_value (json_object_get (o, "path")), pp, NULL, err);
}

static int
norm_rlimit (json_t *in, const char *path, json_t *o, parma_error_t *err)
{
  static const char *const keys[] = { "type", "hard", "soft", NULL };
  if (check_object (in, path, keys, err) < 0 || norm_string (in, path, "type", NULL, o, err) < 0
      || norm_uint (in, path, "hard", 0, INT64_MAX, o, err) < 0
      || norm_uint (in, path, "soft", 0, INT64_MAX, o, err) < 0)
    return -1;
  cleanup_free char *pt = join (path, "type");
  if (strncmp (json_string_value (json_object_get (o, "type")), "RLIMIT_", 7) != 0)
    return policy_fail_at (err, pt, "must be an RLIMIT_* name");
  return 0;
}

static int
norm_annotation (json_t *in, const char *path, json_t *o, parma_error_t *err)
{
  static const char *const keys[] = { "key", "value", "required", NULL };
  if (check_object (in, path, keys, err) < 0 || norm_string (in, path, "key", NULL, o, err) < 0
      || norm_string (in, path, "value", ".*", o, err) < 0
      || norm_bool (in, path, "required", false, o, err) < 0)
    return -1;
  cleanup_free char *pk = join (path, "key");
  cleanup_free char *pv = join (path, "value");
  if (check_re (json_string_value (json_object_get (o, "key")), pk, err) < 0)
    return -1;
  return check_re (json_string_value (json_object_get (o, "value")), pv, err);
}

static int
norm_hook (json_t *in, const char *path, json_t *o, parma_error_t *err)
{
  static const char *const keys[] = { "path", "args", "env", NULL };
  if (check_object (in, path, keys, err) < 0 || norm_string (in, path, "path", NULL, o, err) < 0
      || norm_strv (in, path, "args", false, false, NULL, o, err) < 0
      || norm_strv (in, path, "env", false, false, NULL, o, err) < 0)
    return -1;
  cleanup_free char *pp = join (path, "path");
  return norm_abs_path (json_string_value (json_object_get (o, "path")), pp, NULL, err);
}

static int
norm_hooks (json_t *in, const char *path, json_t *out, parma_error_t *err)
{
  cleanup_free char *p = join (path, "hooks");
  cleanup_json json_t *empty = json_object ();
  json_t *v = json_object_get (in, "hooks");
  json_t *src = v ? v : empty;
  static const char *const keys[] = { "create_container", "create_runtime", "poststart",
                                      "poststop",         "prestart",       "start_container",
                                      NULL };
  if (check_object (src, p, keys, err) < 0)
    return -1;
  json_t *o = json_object ();
  json_object_set_new (out, "hooks", o);
  for (size_t i = 0; i < N_HOOK_KINDS; i++)
    if (norm_objv (src, p, policy_hook_kinds[i], norm_hook, o, err) < 0)
      return -1;
  return 0;
}

static int
norm_sysctls (json_t *in, const char *path, json_t *out, parma_error_t *err)
{
  cleanup_free char *p = join (path, "sysctls");
  json_t *v = json_object_get (in, "sysctls");
  if (v != NULL && !json_is_object (v))
    return policy_fail_at (err, p, "must be an object of name: value strings");
  json_t *o = json_object ();
  json_object_set_new (out, "sysctls", o);
  const char *k;
  json_t *val;
  if (v)
    json_object_foreach (v, k, val)
    {
      if (!json_is_string (val))
        {
          cleanup_free char *pk = join (p, k);
          return policy_fail_at (err, pk, "must be a string");
        }
      json_object_set (o, k, val);
    }
  return 0;
}

/* The container's exec processes inherit its process fields; the container
   itself is normalized first so its canonical values can serve as defaults. */
static int
norm_execs (json_t *in, const char *path, json_t *container, parma_error_t *err)
{
  static const char *const keys[] = { "command",   "env_rules",         "working_dir", "user",
                                      "capabilities", "no_new_privileges", "signals",     NULL };
  cleanup_free char *p = join (path, "exec_processes");
  json_t *v = json_object_get (in, "exec_processes");
  if (v != NULL && !json_is_array (v))
    return policy_fail_at (err, p, "must be an array of objects");
  json_t *arr = json_array ();
  json_object_set_new (container, "exec_processes", arr);
  for (size_t i = 0; v && i < json_array_size (v); i++)
    {
      cleanup_free char *pi = join_index (p, i);
      json_t *o = json_object (), *e = json_array_get (v, i);
      json_array_append_new (arr, o);
      if (check_object (e, pi, keys, err) < 0
          || norm_process_fields (e, pi, container, o, err) < 0)
        return -1;
    }
  return 0;
}

int
policy_normalize_container (json_t *in, const char *path, json_t **out, parma_error_t *err)
{
  static const char *const keys[]
      = { "name",           "layers",         "command",         "env_rules",
          "working_dir",    "user",           "capabilities",    "no_new_privileges",
          "seccomp_profile_sha256", "mounts", "devices",         "namespaces",
          "masked_paths",   "readonly_paths", "sysctls",         "rlimits",
          "hostname",       "annotations",    "hooks",           "exec_processes",
          "signals",        "allow_elevated", "elevated_reason", "allow_stdio_access",
          "root_readonly",  NULL };
  cleanup_json json_t *o = json_object ();
  if (check_object (in, path, keys, err) < 0 || norm_string (in, path, "name", NULL, o, err) < 0
      || policy_normalize_layers (in, path, o, err) < 0
      || norm_process_fields (in, path, NULL, o, err) < 0
      || norm_string (in, path, "seccomp_profile_sha256", "", o, err) < 0
      || norm_objv (in, path, "mounts", norm_mount, o, err) < 0
      || norm_objv (in, path, "devices", norm_device, o, err) < 0
      || norm_strv (in, path, "namespaces", false, true, norm_namespace, o, err) < 0
      || norm_strv (in, path, "masked_paths", false, true, norm_abs_path, o, err) < 0
      || norm_strv (in, path, "readonly_paths", false, true, norm_abs_path, o, err) < 0
      || norm_sysctls (in, path, o, err) < 0 || norm_objv (in, path, "rlimits", norm_rlimit, o, err) < 0
      || norm_string (in, path, "hostname", ".*", o, err) < 0
      || norm_objv (in, path, "annotations", norm_annotation, o, err) < 0
      || norm_hooks (in, path, o, err) < 0 || norm_bool (in, path, "allow_elevated", false, o, err) < 0
      || norm_string (in, path, "elevated_reason", "", o, err) < 0
      || norm_bool (in, path, "allow_stdio_access", true, o, err) < 0
      || norm_bool (in, path, "root_readonly", false, o, err) < 0)
    return -1;
  const char *sc = json_string_value (json_object_get (o, "seccomp_profile_sha256"));
  if (sc[0] != '\0')
    {
      cleanup_free char *ps = join (path, "seccomp_profile_sha256");
      cleanup_free char *hex = NULL;
      if (norm_hex_digest (sc, ps, &hex, err) < 0)
        return -1;
      if (strlen (hex) != 64)
        return policy_fail_at (err, ps, "must be 64 hex digits (or \"\" for no seccomp)");
      json_object_set_new (o, "seccomp_profile_sha256", json_string (hex));
    }
  cleanup_free char *ph = join (path, "hostname");
  if (check_re (json_string_value (json_object_get (o, "hostname")), ph, err) < 0)
    return -1;
  if (norm_execs (in, path, o, err) < 0)
    return -1;
  *out = steal_pointer (&o);
  return 0;
}

/* A pinned fragment issuer: the PEM is re-encoded so whitespace and line
   length never change the hash; only ECDSA P-384 and Ed25519 keys. */
static int
norm_issuer_pem (const char *pem, const char *path, char **out, parma_error_t *err)
{
  BIO *in = BIO_new_mem_buf (pem, -1);
  EVP_PKEY *key = in ? PEM_read_bio_PUBKEY (in, NULL, NULL, NULL) : NULL;
  BIO_free (in);
  if (key == NULL)
    return policy_fail_at (err, path, "not a PEM public key");
  int ok = EVP_PKEY_is_a (key, "ED25519");
  if (!ok && EVP_PKEY_is_a (key, "EC"))
    {
      char group[64] = "";
      size_t glen = 0;
      ok = EVP_PKEY_get_utf8_string_param (key, "group", group, sizeof group, &glen) == 1
           && strcmp (group, "secp384r1") == 0;
    }
  BIO *o = ok ? BIO_new (BIO_s_mem ()) : NULL;
  if (o && PEM_write_bio_PUBKEY (o, key) == 1)
    {
      char *data;
      long n = BIO_get_mem_data (o, &data);
      *out = xstrndup (data, (size_t) n);
    }
  BIO_free (o);
  EVP_PKEY_free (key);
  if (!ok)
    return policy_fail_at (err, path, "issuer key must be ECDSA P-384 or Ed25519");
  if (*out == NULL)
    return policy_fail_at (err, path, "cannot re-encode the issuer key");
  return 0;
}

static int
norm_fragment (json_t *in, const char *path, json_t *o, parma_error_t *err)
{
  static const char *const keys[] = { "issuer", "feed", "minimum_svn", NULL };
  if (check_object (in, path, keys, err) < 0 || norm_string (in, path, "issuer", NULL, o, err) < 0
      || norm_string (in, path, "feed", NULL, o, err) < 0
      || norm_uint (in, path, "minimum_svn", 0, INT64_MAX, o, err) < 0)
    return -1;
  cleanup_free char *pi = join (path, "issuer");
  cleanup_free char *pem = NULL;
  if (norm_issuer_pem (json_string_value (json_object_get (o, "issuer")), pi, &pem, err) < 0)
    return -1;
  json_object_set_new (o, "issuer", json_string (pem));
  return 0;
}

int
policy_normalize (json_t *in, json_t **out, parma_error_t *err)
{
  const char *keys[POLICY_N_SWITCHES + 5] = { "version", "containers", "fragments" };
  for (size_t i = 0; i < POLICY_N_SWITCHES; i++)
    keys[3 + i] = policy_switch_name ((enum policy_switch) i);
  keys[3 + POLICY_N_SWITCHES] = "owner_keys";
  if (check_object (in, "", keys, err) < 0)
    return -1;
  json_t *ver = json_object_get (in, "version");
  if (ver == NULL)
    return policy_fail_at (err, "version", "required (1)");
  if (!json_is_integer (ver) || json_integer_value (ver) != POLICY_VERSION)
    return policy_fail_at (err, "version", "must be 1");
  cleanup_json json_t *o = json_object ();
  json_object_set_new (o, "version", json_integer (POLICY_VERSION));
  for (size_t i = 0; i < POLICY_N_SWITCHES; i++)
    {
      /* Properties (state/ps/events) stay readable unless forbidden: they
         are what every engine polls; everything else is opt-in. */
      bool def = i == POLICY_ALLOW_PROPERTIES_ACCESS;
      if (norm_bool (in, "", keys[3 + i], def, o, err) < 0)
        return -1;
    }
  if (norm_objv (in, "", "fragments", norm_fragment, o, err) < 0)
    return -1;
  json_t *owner_keys = NULL;
  if (policy_normalize_owner_keys (json_object_get (in, "owner_keys"), &owner_keys, err) < 0)
    return -1;
  if (owner_keys)
    json_object_set_new (o, "owner_keys", owner_keys);
  json_t *cs = json_object_get (in, "containers");
  if (cs != NULL && !json_is_array (cs))
    return policy_fail_at (err, "containers", "must be an array of objects");
  json_t *arr = json_array ();
  json_object_set_new (o, "containers", arr);
  for (size_t i = 0; cs && i < json_array_size (cs); i++)
    {
      cleanup_free char *pi = xasprintf ("containers[%zu]", i);
      json_t *c = NULL;
      if (policy_normalize_container (json_array_get (cs, i), pi, &c, err) < 0)
        return -1;
      json_array_append_new (arr, c);
    }
  *out = steal_pointer (&o);
  return 0;
}

char *
policy_dump_canonical (json_t *canon, size_t *len)
{
  /* Sorted keys, no whitespace, UTF-8 as is, "/" unescaped: the exact
     bytes are documented in parma-policy(5). */
  char *s = json_dumps (canon, JSON_COMPACT | JSON_SORT_KEYS);
  if (s == NULL)
    abort (); /* only fails on allocation */
  *len = strlen (s);
  return s;
}
