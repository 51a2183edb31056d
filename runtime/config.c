/* SPDX-License-Identifier: Apache-2.0 */
/* The trusted configuration, $(SYSCONFDIR)/parma-runc/config.json.  It is
   the only source of security settings (DESIGN §2): nothing here may come
   from argv or the environment.  It is trusted once its ownership is
   checked, and read strictly anyway: a typo in a security setting must
   fail loudly, not fall back to a default. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"

#define CONFIG_MAX (64u << 10)

/* jansson >= 2.9 provides json_auto_t (cleanup via json_decrefp). */

void
parma_config_free (struct parma_config *c)
{
  if (c == NULL)
    return;
  free (c->path);
  free (c->delegate);
  free (c->state_dir);
  free (c->policy);
  free (c->sim_host_data);
  free (c->sev_device);
  free (c->tsm_dir);
  strv_free (c->allowed_dirs);
  free (c->audit_log);
  free (c);
}

static void
config_freep (struct parma_config **c)
{
  parma_config_free (*c);
}
#define cleanup_config __attribute__ ((cleanup (config_freep)))

/* Root-owned and not writable by group or others: anyone who can write
   the file (or rename in its directory) could pick the delegate. */
static int
check_owner (int fd, const char *what, const char *path, parma_error_t *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return parma_error_make (err, errno, "stat %s `%s`", what, path);
  if (st.st_uid != 0)
    return parma_error_make (err, EPERM, "%s `%s`: not owned by root (uid %u)", what, path,
                             (unsigned)st.st_uid);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return parma_error_make (err, EPERM, "%s `%s`: writable by group or others (mode %04o)", what,
                             path, (unsigned)(st.st_mode & 07777));
  return 0;
}

static int
get_string (json_t *v, const char *key, char **out, parma_error_t *err)
{
  if (!json_is_string (v))
    return parma_error_make (err, EINVAL, "%s: not a string", key);
  const char *s = json_string_value (v);
  if (strlen (s) != json_string_length (v))
    return parma_error_make (err, EINVAL, "%s: contains a NUL byte", key);
  *out = xstrdup (s);
  return 0;
}

static int
get_abs_path (json_t *v, const char *key, char **out, parma_error_t *err)
{
  if (get_string (v, key, out, err) < 0)
    return -1;
  if ((*out)[0] != '/')
    return parma_error_make (err, EINVAL, "%s: `%s` is not an absolute path", key, *out);
  return 0;
}

static int
parse_attestation (json_t *v, struct parma_config *c, parma_error_t *err)
{
  if (!json_is_object (v))
    return parma_error_make (err, EINVAL, "attestation: not an object");
  const char *key;
  json_t *val;
  json_object_foreach (v, key, val)
  {
    if (strcmp (key, "backend") == 0)
      {
        const char *b = json_string_value (val);
        if (b == NULL)
          return parma_error_make (err, EINVAL, "attestation.backend: not a string");
        if (strcmp (b, "sev-guest") == 0)
          c->attestation = PARMA_ATTEST_SEV_GUEST;
        else if (strcmp (b, "tsm") == 0)
          c->attestation = PARMA_ATTEST_TSM;
        else if (strcmp (b, "sim") == 0)
          c->attestation = PARMA_ATTEST_SIM;
        else
          return parma_error_make (err, EINVAL,
                                   "attestation.backend: `%s` is not sev-guest, tsm or sim", b);
      }
    else if (strcmp (key, "sim_host_data") == 0)
      {
        if (get_string (val, "attestation.sim_host_data", &c->sim_host_data, err) < 0)
          return -1;
        cleanup_free uint8_t *bytes = NULL;
        size_t n = 0;
        if (hex_decode (c->sim_host_data, &bytes, &n, err) < 0)
          return parma_error_wrap (err, "attestation.sim_host_data");
        if (n != 32)
          return parma_error_make (err, EINVAL, "attestation.sim_host_data: %zu bytes, want 32", n);
      }
    /* Where the secure processor is reached: the kernel's paths unless a
       guest image puts them elsewhere (and the tests' stand-ins). */
    else if (strcmp (key, "device") == 0)
      {
        if (get_abs_path (val, "attestation.device", &c->sev_device, err) < 0)
          return -1;
      }
    else if (strcmp (key, "tsm_dir") == 0)
      {
        if (get_abs_path (val, "attestation.tsm_dir", &c->tsm_dir, err) < 0)
          return -1;
      }
    else
      return parma_error_make (err, EINVAL, "attestation.%s: unknown key", key);
  }
  if (c->sim_host_data && c->attestation != PARMA_ATTEST_SIM)
    return parma_error_make (err, EINVAL, "attestation.sim_host_data: only valid with backend sim");
  if (c->sev_device && c->attestation != PARMA_ATTEST_SEV_GUEST)
    return parma_error_make (err, EINVAL, "attestation.device: only valid with backend sev-guest");
  if (c->tsm_dir && c->attestation != PARMA_ATTEST_TSM)
    return parma_error_make (err, EINVAL, "attestation.tsm_dir: only valid with backend tsm");
  return 0;
}

static int
parse_allowed_dirs (json_t *v, struct parma_config *c, parma_error_t *err)
{
  if (!json_is_array (v))
    return parma_error_make (err, EINVAL, "allowed_dirs: not an array");
  size_t n = json_array_size (v);
  char **dirs = xcalloc (n + 1, sizeof *dirs);
  c->allowed_dirs = dirs;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *p = NULL;
      cleanup_free char *key = xasprintf ("allowed_dirs[%zu]", i);
      if (get_abs_path (json_array_get (v, i), key, &p, err) < 0)
        return -1;
      if (strcmp (p, "/") == 0)
        return parma_error_make (err, EINVAL, "%s: `/` would allow every path", key);
      /* Compare against resolved caller paths: resolve the entry too. */
      if (parma_resolve_path (p, &dirs[i], err) < 0)
        return parma_error_wrap (err, "%s", key);
    }
  return 0;
}

static int
parse_members (json_t *root, struct parma_config *c, parma_error_t *err)
{
  const char *key;
  json_t *v;
  json_object_foreach (root, key, v)
  {
    int r;
    if (strcmp (key, "delegate") == 0)
      r = get_abs_path (v, key, &c->delegate, err);
    else if (strcmp (key, "state_dir") == 0)
      r = get_abs_path (v, key, &c->state_dir, err);
    else if (strcmp (key, "policy") == 0)
      r = get_abs_path (v, key, &c->policy, err);
    else if (strcmp (key, "audit_log") == 0)
      r = get_abs_path (v, key, &c->audit_log, err);
    else if (strcmp (key, "allowed_dirs") == 0)
      r = parse_allowed_dirs (v, c, err);
    else if (strcmp (key, "attestation") == 0)
      r = parse_attestation (v, c, err);
    else if (strcmp (key, "mode") == 0)
      {
        const char *m = json_string_value (v);
        if (m && strcmp (m, "enforce") == 0)
          c->mode = PARMA_MODE_ENFORCE;
        else if (m && strcmp (m, "audit") == 0)
          c->mode = PARMA_MODE_AUDIT;
        else
          return parma_error_make (err, EINVAL, "mode: not \"enforce\" or \"audit\"");
        r = 0;
      }
    else
      return parma_error_make (err, EINVAL, "%s: unknown key", key);
    if (r < 0)
      return r;
  }
  return 0;
}

int
parma_config_parse (const char *buf, size_t len, struct parma_config **out, parma_error_t *err)
{
  json_error_t jerr;
  json_auto_t *root = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    return parma_error_make (err, EINVAL, "line %d column %d: %s", jerr.line, jerr.column,
                             jerr.text);
  if (!json_is_object (root))
    return parma_error_make (err, EINVAL, "not a JSON object");
  cleanup_config struct parma_config *c = xzalloc (sizeof *c);
  c->mode = PARMA_MODE_ENFORCE;
  c->attestation = PARMA_ATTEST_SEV_GUEST;
  if (parse_members (root, c, err) < 0)
    return -1;
  if (c->delegate == NULL)
    return parma_error_make (err, EINVAL, "delegate: missing (absolute path of runc or crun)");
  if (c->state_dir == NULL)
    c->state_dir = xstrdup (PARMA_DEFAULT_STATE_DIR);
  if (c->allowed_dirs == NULL)
    {
      c->allowed_dirs = xcalloc (3, sizeof (char *));
      c->allowed_dirs[0] = xstrdup ("/run");
      c->allowed_dirs[1] = xstrdup ("/tmp");
    }
  if (c->audit_log == NULL)
    c->audit_log = xasprintf ("%s/audit.log", c->state_dir);
  *out = steal_pointer (&c);
  return 0;
}

int
parma_config_load (const char *path, struct parma_config **out, parma_error_t *err)
{
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  if (slash && slash != dir)
    *slash = '\0';
  cleanup_close int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return parma_error_make (err, errno, "configuration directory `%s`", dir);
  if (check_owner (dfd, "configuration directory", dir, err) < 0)
    return -1;
  cleanup_close int fd = openat (dfd, slash ? slash + 1 : path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return parma_error_make (err, errno, "configuration `%s`", path);
  if (check_owner (fd, "configuration", path, err) < 0)
    return -1;
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_all_fd (fd, CONFIG_MAX, &buf, &len, err) < 0)
    return parma_error_wrap (err, "configuration `%s`", path);
  struct parma_config *c = NULL;
  if (parma_config_parse (buf, len, &c, err) < 0)
    return parma_error_wrap (err, "configuration `%s`", path);
  /* The delegate runs as root with what parma admitted: it must exist
     before anything is sealed, and only root may be able to replace it. */
  cleanup_close int dlg = open (c->delegate, O_PATH | O_CLOEXEC);
  struct stat dst;
  if (dlg < 0 || fstat (dlg, &dst) < 0)
    {
      int e = errno;
      parma_error_make (err, e, "configuration `%s`: delegate `%s`", path, c->delegate);
      parma_config_free (c);
      return -1;
    }
  if (!S_ISREG (dst.st_mode) || !(dst.st_mode & S_IXUSR) || check_owner (dlg, "delegate", c->delegate, err) < 0)
    {
      if (err && *err == NULL)
        parma_error_make (err, EPERM, "delegate `%s`: not an executable file", c->delegate);
      parma_config_free (c);
      return parma_error_wrap (err, "configuration `%s`", path);
    }
  c->path = xstrdup (path);
  *out = c;
  return 0;
}
