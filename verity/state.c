/* SPDX-License-Identifier: Apache-2.0 */
/* Trusted records of verified layer mounts: one JSON file per layer in
   <state_dir>/layers/, written atomically.  The state directory is the
   runtime's (root-only tmpfs in the guest); these files are what the rootfs
   stack check believes, so they are only ever written after verification. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAX (64u << 10)

void
verity_json_decref_p (json_t **j)
{
  json_decref (*j);
  *j = NULL;
}

void
verity_record_release (struct verity_record *r)
{
  free (r->name);
  free (r->root_hash);
  free (r->mount_point);
  free (r->device);
  free (r->source);
  free (r->fstype);
  free (r->backend);
  free (r->dm_name);
  free (r->dm_table);
  free (r->policy_sha256);
  memset (r, 0, sizeof *r);
}

int
verity_valid_name (const char *name, parma_error_t *err)
{
  size_t n = strlen (name);
  if (n == 0 || n > 64 || name[0] == '.'
      || strspn (name, "abcdefghijklmnopqrstuvwxyz"
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789._-")
             != n)
    return parma_error_make (err, EINVAL,
                             "name: `%s` is not [A-Za-z0-9._-]{1,64} without a leading dot", name);
  return 0;
}

/* The layers/ directory below state_dir, created 0700, as an O_PATH fd. */
int
verity_layers_dir (const char *state_dir, bool create, parma_error_t *err)
{
  if (state_dir == NULL || state_dir[0] != '/')
    return parma_error_make (err, EINVAL, "state_dir: must be an absolute path");
  if (create)
    {
      cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (root < 0)
        return parma_error_make (err, errno, "open /");
      cleanup_free char *rel = xasprintf ("%s/layers", state_dir + 1);
      return safe_mkdirat_p (root, rel, 0700, err);
    }
  cleanup_free char *path = xasprintf ("%s/layers", state_dir);
  return verity_open_dir_nofollow (path, err);
}

static char *
record_file (const char *name)
{
  return xasprintf ("%s.json", name);
}

int
verity_record_write (const char *state_dir, const struct verity_record *r, parma_error_t *err)
{
  cleanup_close int dir = verity_layers_dir (state_dir, true, err);
  if (dir < 0)
    return -1;
  cleanup_json json_t *j = json_pack (
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I}", "name", r->name,
      "root_hash", r->root_hash, "mount_point", r->mount_point, "device", r->device, "source",
      r->source, "fstype", r->fstype, "backend", r->backend, "dm_name", r->dm_name, "mnt_id",
      (json_int_t)r->mnt_id, "mnt_id_unique", (json_int_t)r->mnt_id_unique, "dev_major",
      (json_int_t)r->dev_major, "dev_minor", (json_int_t)r->dev_minor, "backing_ino",
      (json_int_t)r->backing_ino, "backing_dev", (json_int_t)r->backing_dev);
  if (j == NULL)
    return parma_error_make (err, EINVAL, "record `%s`: cannot encode", r->name);
  if (r->policy_sha256
      && json_object_set_new (j, "policy_sha256", json_string (r->policy_sha256)) < 0)
    return parma_error_make (err, EINVAL, "record `%s`: cannot encode", r->name);
  if (r->dm_table
      && (json_object_set_new (j, "dm_table", json_string (r->dm_table)) < 0
          || json_object_set_new (j, "dm_major", json_integer (r->dm_major)) < 0
          || json_object_set_new (j, "dm_minor", json_integer (r->dm_minor)) < 0))
    return parma_error_make (err, EINVAL, "record `%s`: cannot encode", r->name);
  cleanup_free char *text = json_dumps (j, JSON_SORT_KEYS | JSON_COMPACT);
  if (text == NULL)
    return parma_error_make (err, ENOMEM, "record `%s`: cannot encode", r->name);
  cleanup_free char *file = record_file (r->name);
  /* write_file_atomic_at wants a real directory fd for the rename. */
  cleanup_close int wdir = openat (dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (wdir < 0)
    return parma_error_make (err, errno, "open `%s/layers`", state_dir);
  return write_file_atomic_at (wdir, file, text, strlen (text), 0600, err);
}

int
verity_json_str (json_t *j, const char *key, bool required, char **out, parma_error_t *err)
{
  json_t *v = json_object_get (j, key);
  if ((v == NULL || json_is_null (v)) && !required)
    return 0;
  if (!json_is_string (v))
    return parma_error_make (err, EINVAL, "record: `%s` missing or not a string", key);
  *out = xstrdup (json_string_value (v));
  return 0;
}

int
verity_json_u64 (json_t *j, const char *key, uint64_t *out, parma_error_t *err)
{
  json_t *v = json_object_get (j, key);
  if (!json_is_integer (v) || json_integer_value (v) < 0)
    return parma_error_make (err, EINVAL, "record: `%s` missing or not a count", key);
  *out = (uint64_t)json_integer_value (v);
  return 0;
}

static int
record_parse (const char *text, size_t len, struct verity_record *r, parma_error_t *err)
{
  json_error_t jerr;
  cleanup_json json_t *j = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object (j))
    return parma_error_make (err, EINVAL, "record: not a JSON object");
  uint64_t maj = 0, min = 0;
  memset (r, 0, sizeof *r);
  if (verity_json_str (j, "name", true, &r->name, err) < 0
      || verity_json_str (j, "root_hash", true, &r->root_hash, err) < 0
      || verity_json_str (j, "mount_point", true, &r->mount_point, err) < 0
      || verity_json_str (j, "device", true, &r->device, err) < 0
      || verity_json_str (j, "source", true, &r->source, err) < 0
      || verity_json_str (j, "fstype", true, &r->fstype, err) < 0
      || verity_json_str (j, "backend", true, &r->backend, err) < 0
      || verity_json_str (j, "dm_name", false, &r->dm_name, err) < 0
      || verity_json_str (j, "policy_sha256", false, &r->policy_sha256, err) < 0
      || verity_json_u64 (j, "mnt_id", &r->mnt_id, err) < 0
      || verity_json_u64 (j, "mnt_id_unique", &r->mnt_id_unique, err) < 0
      || verity_json_u64 (j, "dev_major", &maj, err) < 0 || verity_json_u64 (j, "dev_minor", &min, err) < 0
      || verity_json_u64 (j, "backing_ino", &r->backing_ino, err) < 0
      || verity_json_u64 (j, "backing_dev", &r->backing_dev, err) < 0)
    {
      verity_record_release (r);
      return -1;
    }
  r->dev_major = (uint32_t)maj;
  r->dev_minor = (uint32_t)min;
  /* dm-verity's live table and device; absent in older records, which the
     dm-verity device check then refuses. */
  maj = min = 0;
  if (verity_json_str (j, "dm_table", false, &r->dm_table, err) < 0
      || (r->dm_table
          && (verity_json_u64 (j, "dm_major", &maj, err) < 0 || verity_json_u64 (j, "dm_minor", &min, err) < 0)))
    {
      verity_record_release (r);
      return -1;
    }
  r->dm_major = (uint32_t)maj;
  r->dm_minor = (uint32_t)min;
  return 0;
}

int
verity_record_read (const char *state_dir, const char *name, struct verity_record *r,
                    parma_error_t *err)
{
  if (verity_valid_name (name, err) < 0)
    return -1;
  cleanup_close int dir = verity_layers_dir (state_dir, false, err);
  if (dir < 0)
    return -1;
  cleanup_free char *file = record_file (name);
  cleanup_close int fd = safe_openat (dir, file, O_RDONLY, 0, err);
  if (fd < 0)
    return parma_error_wrap (err, "layer `%s` is not open", name);
  cleanup_free char *text = NULL;
  size_t len;
  if (read_all_fd (fd, RECORD_MAX, &text, &len, err) < 0 || record_parse (text, len, r, err) < 0)
    return parma_error_wrap (err, "layer record `%s`", name);
  if (strcmp (r->name, name) != 0)
    {
      verity_record_release (r);
      return parma_error_make (err, EINVAL, "layer record `%s`: names another layer", name);
    }
  return 0;
}

int
verity_record_remove (const char *state_dir, const char *name, parma_error_t *err)
{
  if (verity_valid_name (name, err) < 0)
    return -1;
  cleanup_close int dir = verity_layers_dir (state_dir, false, err);
  if (dir < 0)
    return -1;
  cleanup_free char *file = record_file (name);
  if (unlinkat (dir, file, 0) < 0 && errno != ENOENT)
    return parma_error_make (err, errno, "remove layer record `%s`", name);
  return 0;
}

int
verity_record_names (int dir, const char *where, char ***names, parma_error_t *err)
{
  *names = NULL;
  int rfd = openat (dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = rfd < 0 ? NULL : fdopendir (rfd);
  if (d == NULL)
    {
      if (rfd >= 0)
        close (rfd);
      return parma_error_make (err, errno, "read `%s`", where);
    }
  char **v = xcalloc (1, sizeof *v);
  size_t count = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      size_t len = strlen (de->d_name);
      if (de->d_name[0] == '.' || len < 6 || strcmp (de->d_name + len - 5, ".json") != 0)
        continue;
      v = xreallocarray (v, count + 2, sizeof *v);
      v[count++] = xstrndup (de->d_name, len - 5);
      v[count] = NULL;
    }
  closedir (d);
  *names = v;
  return 0;
}

int
verity_record_list (const char *state_dir, struct verity_record **out, size_t *n,
                    parma_error_t *err)
{
  *out = NULL;
  *n = 0;
  cleanup_close int dir = verity_layers_dir (state_dir, false, err);
  if (dir < 0)
    {
      if ((*err)->status == ENOENT)
        {
          parma_error_release (err);
          return 0; /* nothing opened yet */
        }
      return -1;
    }
  cleanup_free char *where = xasprintf ("%s/layers", state_dir);
  cleanup_strv char **names = NULL;
  if (verity_record_names (dir, where, &names, err) < 0)
    return -1;
  size_t count = strv_len (names);
  struct verity_record *recs = xcalloc (count + 1, sizeof *recs);
  for (size_t i = 0; i < count; i++)
    if (verity_record_read (state_dir, names[i], &recs[i], err) < 0)
      {
        for (size_t k = 0; k < i; k++)
          verity_record_release (&recs[k]);
        free (recs);
        return -1;
      }
  if (count == 0)
    {
      free (recs); /* none: *out stays NULL */
      recs = NULL;
    }
  *out = recs;
  *n = count;
  return 0;
}
