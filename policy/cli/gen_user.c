/* SPDX-License-Identifier: Apache-2.0 */
/* config.User of an OCI image -> numeric uid/gid for the policy.  Names are
   resolved at generation time from the image's own /etc/passwd and
   /etc/group (the last layer that has the file wins; a whiteout of it is
   honoured), i.e. the files the container will see, since its layers are
   pinned by the same policy.  The policy itself only ever holds numbers. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/cli/gen.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ID_FILE (1u << 20)

static const char *
strip_dot_slash (const char *p)
{
  while (p[0] == '.' && p[1] == '/')
    p += 2;
  while (p[0] == '/')
    p++;
  return p;
}

/* Updates *passwd / *group with the versions in one layer tar (any
   compression). */
static int
scan_layer (const char *path, char **passwd, char **group, parma_error_t *err)
{
  struct archive *a = archive_read_new ();
  archive_read_support_filter_all (a);
  archive_read_support_format_tar (a);
  int ret = 0;
  if (archive_read_open_filename (a, path, 1 << 16) != ARCHIVE_OK)
    ret = parma_error_make (err, EIO, "oci-layout: %s: %s", path, archive_error_string (a));
  struct archive_entry *e;
  while (ret == 0 && archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      const char *name = strip_dot_slash (archive_entry_pathname (e));
      char **slot = strcmp (name, "etc/passwd") == 0 ? passwd
                    : strcmp (name, "etc/group") == 0 ? group
                                                      : NULL;
      if (strcmp (name, "etc/.wh.passwd") == 0 || strcmp (name, "etc/.wh.group") == 0)
        {
          char **gone = name[8] == 'p' ? passwd : group;
          free (*gone);
          *gone = NULL;
          continue;
        }
      if (slot == NULL || archive_entry_filetype (e) != AE_IFREG)
        continue;
      int64_t size = archive_entry_size (e);
      if (size < 0 || size > (int64_t) MAX_ID_FILE)
        {
          ret = parma_error_make (err, EFBIG, "oci-layout: %s: /%s too large", path, name);
          break;
        }
      char *buf = xmalloc ((size_t) size + 1);
      la_ssize_t got = archive_read_data (a, buf, (size_t) size);
      if (got != size)
        {
          free (buf);
          ret = parma_error_make (err, EIO, "oci-layout: %s: /%s: short read", path, name);
          break;
        }
      buf[size] = '\0';
      free (*slot);
      *slot = buf;
    }
  archive_read_free (a);
  return ret;
}

/* Field `want` (0-based) of the first line whose field `by` is `key`;
   NULL if none. */
static char *
lookup_by (const char *file, size_t by, const char *key, size_t want)
{
  if (file == NULL)
    return NULL;
  for (const char *line = file; *line;)
    {
      const char *end = strchr (line, '\n');
      size_t len = end ? (size_t) (end - line) : strlen (line);
      cleanup_free char *copy = xstrndup (line, len);
      char *fields[8] = { NULL };
      size_t n = 0;
      for (char *s = copy, *tok; n < 8 && (tok = strsep (&s, ":")) != NULL;)
        fields[n++] = tok;
      if (n > want && n > by && strcmp (fields[by], key) == 0)
        return xstrdup (fields[want]);
      line += len + (end ? 1 : 0);
    }
  return NULL;
}

static char *
lookup (const char *file, const char *name, size_t want)
{
  return lookup_by (file, 0, name, want);
}

static int
numeric (const char *s, long *out)
{
  char *end;
  if (s == NULL || s[0] == '\0')
    return -1;
  long v = strtol (s, &end, 10);
  if (*end || v < 0 || v > 4294967295L)
    return -1;
  *out = v;
  return 0;
}

int
gen_resolve_user (const char *user, char *const *layer_paths, size_t n_layers, long *uid,
                  long *gid, parma_error_t *err)
{
  *uid = *gid = 0;
  if (user == NULL || user[0] == '\0')
    return 0;
  cleanup_free char *u = xstrdup (user);
  char *g = strchr (u, ':');
  if (g)
    *g++ = '\0';
  /* Without a group, the primary group comes from /etc/passwd, as
     container engines do (0 when the image does not list the user). */
  bool need_files = numeric (u, uid) < 0 || g == NULL || numeric (g, gid) < 0;
  cleanup_free char *passwd = NULL;
  cleanup_free char *group = NULL;
  for (size_t i = 0; need_files && i < n_layers; i++)
    if (scan_layer (layer_paths[i], &passwd, &group, err) < 0)
      return -1;
  if (numeric (u, uid) < 0)
    {
      cleanup_free char *id = lookup (passwd, u, 2);
      cleanup_free char *pg = lookup (passwd, u, 3);
      if (numeric (id, uid) < 0 || (g == NULL && numeric (pg, gid) < 0))
        return parma_error_make (err, EINVAL, "oci-layout: config.User `%s`: no such user in the "
                                 "image's /etc/passwd", user);
    }
  else if (g == NULL)
    {
      cleanup_free char *pg = lookup_by (passwd, 2, u, 3);
      if (numeric (pg, gid) < 0)
        *gid = 0;
    }
  if (g && numeric (g, gid) < 0)
    {
      cleanup_free char *id = lookup (group, g, 2);
      if (numeric (id, gid) < 0)
        return parma_error_make (err, EINVAL, "oci-layout: config.User `%s`: no such group in the "
                                 "image's /etc/group", user);
    }
  return 0;
}
