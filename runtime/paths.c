/* SPDX-License-Identifier: Apache-2.0 */
/* Caller paths are requests (DESIGN §2): --root, --log, --pid-file and
   --console-socket are honoured only when they resolve, symlinks included,
   under the configuration's allowed_dirs.  The delegate then gets the
   resolved absolute path, so it never resolves a symlink we did not see. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"

/* The part of a path that does not exist yet is kept verbatim, so it must
   not climb: runc MkdirAll's --root, and `new/../../etc` would then land
   outside the directory we checked. */
static int
check_suffix (const char *path, const char *suffix, parma_error_t *err)
{
  cleanup_free char *copy = xstrdup (suffix);
  char *save = NULL;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    if (strcmp (c, "..") == 0 || strcmp (c, ".") == 0)
      return parma_error_make (err, EINVAL, "`%s`: `%s` after a missing directory", path, c);
  return 0;
}

int
parma_resolve_path (const char *path, char **out, parma_error_t *err)
{
  if (path[0] == '\0')
    return parma_error_make (err, EINVAL, "empty path");
  cleanup_free char *abs = NULL;
  if (path[0] == '/')
    abs = xstrdup (path);
  else
    {
      cleanup_free char *cwd = getcwd (NULL, 0);
      if (cwd == NULL)
        return parma_error_make (err, errno, "getcwd");
      abs = xasprintf ("%s/%s", cwd, path);
    }
  /* Strip trailing slashes (but keep "/"). */
  for (size_t l = strlen (abs); l > 1 && abs[l - 1] == '/'; l--)
    abs[l - 1] = '\0';
  /* Longest existing prefix: cut at the last '/' until realpath works. */
  size_t cut = strlen (abs);
  for (;;)
    {
      char saved = abs[cut];
      abs[cut] = '\0';
      cleanup_free char *real = realpath (cut ? abs : "/", NULL);
      int e = errno;
      abs[cut] = saved;
      if (real)
        {
          const char *rest = abs + cut;
          while (*rest == '/')
            rest++;
          if (check_suffix (path, rest, err) < 0)
            return -1;
          if (*rest == '\0')
            *out = steal_pointer (&real);
          else
            *out = xasprintf ("%s%s%s", real, strcmp (real, "/") == 0 ? "" : "/", rest);
          return 0;
        }
      if (e != ENOENT && e != ENOTDIR)
        return parma_error_make (err, e, "resolve `%s`", path);
      while (cut > 0 && abs[cut - 1] != '/')
        cut--;
      while (cut > 0 && abs[cut - 1] == '/')
        cut--;
      /* cut == 0 means "/" itself, which always resolves */
    }
}

bool
parma_path_is_under (const char *path, const char *dir)
{
  size_t l = strlen (dir);
  return strncmp (path, dir, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

int
parma_allowed_path (const struct parma_config *c, const char *flag, const char *path, char **out,
                    parma_error_t *err)
{
  cleanup_free char *resolved = NULL;
  if (parma_resolve_path (path, &resolved, err) < 0)
    {
      parma_error_t inner = *err;
      *err = NULL;
      parma_error_make (err, 0, "allowed_dirs: %s %s", flag, inner->msg);
      parma_error_release (&inner);
      return -1;
    }
  /* The state directory holds the trusted records and, for layered
     containers, the verified rootfs itself (runc would write a pid file or
     log there): never a caller's path, even when allowed_dirs covers it. */
  cleanup_free char *state = NULL;
  if (c->state_dir && parma_resolve_path (c->state_dir, &state, err) < 0)
    return -1;
  if (state && parma_path_is_under (resolved, state))
    return parma_error_make (err, 0, "allowed_dirs: %s `%s` is inside parma's state directory `%s`",
                             flag, path, state);
  for (char **d = c->allowed_dirs; *d; d++)
    if (parma_path_is_under (resolved, *d))
      {
        *out = steal_pointer (&resolved);
        return 0;
      }
  struct strbuf dirs = { 0 };
  for (char **d = c->allowed_dirs; *d; d++)
    strbuf_appendf (&dirs, "%s%s", d == c->allowed_dirs ? "" : ", ", *d);
  if (dirs.len == 0)
    strbuf_puts (&dirs, "(no allowed_dirs)");
  cleanup_free char *list = strbuf_steal (&dirs);
  if (strcmp (resolved, path) == 0)
    return parma_error_make (err, 0, "allowed_dirs: %s `%s` is not under %s", flag, path, list);
  return parma_error_make (err, 0, "allowed_dirs: %s `%s` resolves to `%s`, not under %s", flag,
                           path, resolved, list);
}
