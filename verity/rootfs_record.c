/* SPDX-License-Identifier: Apache-2.0 */
/* Trusted records of the rootfs overlays verity_mount_rootfs built: one
   JSON file per rootfs in <state_dir>/rootfs/, written atomically, beside
   the directory that holds its scratch tmpfs.  Like the layer records
   (state.c) they are only written after the mount they describe was made
   and checked, and they are what the create check believes. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROOTFS_RECORD_MAX (256u << 10)

void
verity_rootfs_record_release (struct verity_rootfs_record *r)
{
  free (r->name);
  free (r->target);
  free (r->policy_sha256);
  for (size_t i = 0; i < r->n_layers; i++)
    verity_record_release (&r->layers[i]);
  free (r->layers);
  memset (r, 0, sizeof *r);
}

int
verity_rootfs_dir (const char *state_dir, bool create, parma_error_t *err)
{
  if (state_dir == NULL || state_dir[0] != '/')
    return parma_error_make (err, EINVAL, "state_dir: must be an absolute path");
  if (!create)
    {
      cleanup_free char *path = xasprintf ("%s/rootfs", state_dir);
      return verity_open_dir_nofollow (path, err);
    }
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return parma_error_make (err, errno, "open /");
  cleanup_free char *rel = xasprintf ("%s/rootfs", state_dir + 1);
  return safe_mkdirat_p (root, rel, 0700, err);
}

/* The part of a layer record the rootfs keeps: enough to re-check, at
   create, that a memfd-loop device still reads the verified copy. */
static json_t *
layer_to_json (const struct verity_record *l)
{
  return json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "name", l->name, "root_hash",
                    l->root_hash, "device", l->device, "backend", l->backend, "dev_major",
                    (json_int_t)l->dev_major, "dev_minor", (json_int_t)l->dev_minor, "backing_ino",
                    (json_int_t)l->backing_ino, "backing_dev", (json_int_t)l->backing_dev);
}

int
verity_rootfs_record_write (const char *state_dir, const struct verity_rootfs_record *r,
                            parma_error_t *err)
{
  cleanup_json json_t *layers = json_array ();
  for (size_t i = 0; layers && i < r->n_layers; i++)
    if (json_array_append_new (layers, layer_to_json (&r->layers[i])) < 0)
      return parma_error_make (err, EINVAL, "rootfs record `%s`: cannot encode", r->name);
  cleanup_json json_t *j = json_pack (
      "{s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "name", r->name, "target",
      r->target, "policy_sha256", r->policy_sha256, "mnt_id", (json_int_t)r->overlay.mnt_id,
      "mnt_id_unique", (json_int_t)r->overlay.mnt_id_unique, "dev_major",
      (json_int_t)r->overlay.dev_major, "dev_minor", (json_int_t)r->overlay.dev_minor,
      "scratch_mnt_id", (json_int_t)r->scratch.mnt_id, "scratch_mnt_id_unique",
      (json_int_t)r->scratch.mnt_id_unique, "scratch_dev_major", (json_int_t)r->scratch.dev_major,
      "scratch_dev_minor", (json_int_t)r->scratch.dev_minor, "layers", layers);
  cleanup_free char *text = j ? json_dumps (j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
  if (text == NULL)
    return parma_error_make (err, EINVAL, "rootfs record `%s`: cannot encode", r->name);
  cleanup_close int dir = verity_rootfs_dir (state_dir, true, err);
  if (dir < 0)
    return -1;
  cleanup_close int wdir = openat (dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (wdir < 0)
    return parma_error_make (err, errno, "open `%s/rootfs`", state_dir);
  cleanup_free char *file = xasprintf ("%s.json", r->name);
  return write_file_atomic_at (wdir, file, text, strlen (text), 0600, err);
}

static int
get_dev (json_t *j, const char *major_key, const char *minor_key, uint32_t *major, uint32_t *minor,
         parma_error_t *err)
{
  uint64_t maj = 0, min = 0;
  if (verity_json_u64 (j, major_key, &maj, err) < 0
      || verity_json_u64 (j, minor_key, &min, err) < 0)
    return -1;
  *major = (uint32_t)maj;
  *minor = (uint32_t)min;
  return 0;
}

static int
layer_from_json (json_t *j, struct verity_record *l, parma_error_t *err)
{
  if (verity_json_str (j, "name", true, &l->name, err) < 0
      || verity_json_str (j, "root_hash", true, &l->root_hash, err) < 0
      || verity_json_str (j, "device", true, &l->device, err) < 0
      || verity_json_str (j, "backend", true, &l->backend, err) < 0
      || get_dev (j, "dev_major", "dev_minor", &l->dev_major, &l->dev_minor, err) < 0
      || verity_json_u64 (j, "backing_ino", &l->backing_ino, err) < 0
      || verity_json_u64 (j, "backing_dev", &l->backing_dev, err) < 0)
    return -1;
  return 0;
}

static int
rootfs_record_parse (const char *text, size_t len, struct verity_rootfs_record *r,
                     parma_error_t *err)
{
  json_error_t jerr;
  cleanup_json json_t *j = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
  json_t *layers = json_object_get (j, "layers");
  if (!json_is_object (j) || !json_is_array (layers))
    return parma_error_make (err, EINVAL, "rootfs record: not a JSON object with layers");
  memset (r, 0, sizeof *r);
  r->n_layers = json_array_size (layers);
  r->layers = xcalloc (r->n_layers + 1, sizeof *r->layers);
  int ret = 0;
  if (verity_json_str (j, "name", true, &r->name, err) < 0
      || verity_json_str (j, "target", true, &r->target, err) < 0
      || verity_json_str (j, "policy_sha256", false, &r->policy_sha256, err) < 0
      || verity_json_u64 (j, "mnt_id", &r->overlay.mnt_id, err) < 0
      || verity_json_u64 (j, "mnt_id_unique", &r->overlay.mnt_id_unique, err) < 0
      || get_dev (j, "dev_major", "dev_minor", &r->overlay.dev_major, &r->overlay.dev_minor, err)
             < 0
      || verity_json_u64 (j, "scratch_mnt_id", &r->scratch.mnt_id, err) < 0
      || verity_json_u64 (j, "scratch_mnt_id_unique", &r->scratch.mnt_id_unique, err) < 0
      || get_dev (j, "scratch_dev_major", "scratch_dev_minor", &r->scratch.dev_major,
                  &r->scratch.dev_minor, err)
             < 0)
    ret = -1;
  for (size_t i = 0; ret == 0 && i < r->n_layers; i++)
    ret = layer_from_json (json_array_get (layers, i), &r->layers[i], err);
  if (ret < 0)
    verity_rootfs_record_release (r);
  return ret;
}

int
verity_rootfs_record_read (const char *state_dir, const char *name, struct verity_rootfs_record *r,
                           parma_error_t *err)
{
  if (verity_valid_name (name, err) < 0)
    return -1;
  cleanup_close int dir = verity_rootfs_dir (state_dir, false, err);
  if (dir < 0)
    return parma_error_wrap (err, "rootfs `%s` is not mounted", name);
  cleanup_free char *file = xasprintf ("%s.json", name);
  cleanup_close int fd = safe_openat (dir, file, O_RDONLY, 0, err);
  if (fd < 0)
    return parma_error_wrap (err, "rootfs `%s` is not mounted", name);
  cleanup_free char *text = NULL;
  size_t len;
  if (read_all_fd (fd, ROOTFS_RECORD_MAX, &text, &len, err) < 0
      || rootfs_record_parse (text, len, r, err) < 0)
    return parma_error_wrap (err, "rootfs record `%s`", name);
  if (strcmp (r->name, name) != 0)
    {
      verity_rootfs_record_release (r);
      return parma_error_make (err, EINVAL, "rootfs record `%s`: names another rootfs", name);
    }
  return 0;
}

int
verity_rootfs_record_list (const char *state_dir, struct verity_rootfs_record **out, size_t *n,
                           parma_error_t *err)
{
  *out = NULL;
  *n = 0;
  cleanup_close int dir = verity_rootfs_dir (state_dir, false, err);
  if (dir < 0)
    {
      if ((*err)->status != ENOENT)
        return -1;
      parma_error_release (err);
      return 0; /* no rootfs mounted yet */
    }
  cleanup_free char *where = xasprintf ("%s/rootfs", state_dir);
  cleanup_strv char **names = NULL;
  if (verity_record_names (dir, where, &names, err) < 0)
    return -1;
  size_t count = strv_len (names);
  struct verity_rootfs_record *recs = xcalloc (count + 1, sizeof *recs);
  for (size_t i = 0; i < count; i++)
    if (verity_rootfs_record_read (state_dir, names[i], &recs[i], err) < 0)
      {
        verity_rootfs_record_list_release (recs, i);
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

void
verity_rootfs_record_list_release (struct verity_rootfs_record *recs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    verity_rootfs_record_release (&recs[i]);
  free (recs);
}

int
verity_rootfs_record_remove (const char *state_dir, const char *name, parma_error_t *err)
{
  cleanup_close int dir = verity_rootfs_dir (state_dir, false, err);
  if (dir < 0)
    return -1;
  cleanup_free char *file = xasprintf ("%s.json", name);
  if (unlinkat (dir, file, 0) < 0 && errno != ENOENT)
    return parma_error_make (err, errno, "remove `%s/rootfs/%s`", state_dir, file);
  return 0;
}
