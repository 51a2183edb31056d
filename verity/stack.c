/* SPDX-License-Identifier: Apache-2.0 */
/* The rootfs stack check: the container's rootfs must be an overlay made of
   exactly the policy's verified layers, in order, with scratch in encrypted
   memory.  The host controls the paths, the mounts and their timing, so:
   - paths are compared as strings with the records AND reopened without
     symlinks and identified by mount id and device (a bind mount, a
     symlink or a replacement mount at the same path has another identity);
   - the overlay must be newer than every layer and the scratch mount (the
     unique 64-bit mount id grows; else mountinfo order): an overlay built
     over a decoy that was later covered or swapped for the verified mount
     is older than that mount;
   - the overlay's options are parsed strictly: an escape, an empty element
     (data-only "::") or a lowerdir+/datadir+ form is refused, not guessed. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <openssl/crypto.h>
#include <sys/xattr.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static void
mnt_table_unref_p (struct libmnt_table **t)
{
  mnt_unref_table (*t);
  *t = NULL;
}
#define cleanup_mnt_table __attribute__ ((cleanup (mnt_table_unref_p)))

struct stack_ctx
{
  struct libmnt_table *tab;
  struct verity_record *recs;
  size_t n_recs;
  const char *policy_sha256; /* NULL: any record; else only the runtime's under it */
};

/* Position of mount `id` in mountinfo (creation order), -1 if absent. */
static int
mountinfo_index (struct libmnt_table *tab, uint64_t id, struct libmnt_fs **found)
{
  struct libmnt_iter *it = mnt_new_iter (MNT_ITER_FORWARD);
  struct libmnt_fs *fs;
  int i = 0, ret = -1;
  while (it && mnt_table_next_fs (tab, it, &fs) == 0)
    {
      if ((uint64_t)mnt_fs_get_id (fs) == id)
        {
          ret = i;
          if (found)
            *found = fs;
          break;
        }
      i++;
    }
  mnt_free_iter (it);
  return ret;
}

/* a was mounted before b. */
static bool
mounted_before (struct stack_ctx *c, const struct verity_mount_id *a,
                const struct verity_mount_id *b)
{
  if (a->mnt_id_unique && b->mnt_id_unique)
    return a->mnt_id_unique < b->mnt_id_unique;
  int ia = mountinfo_index (c->tab, a->mnt_id, NULL),
      ib = mountinfo_index (c->tab, b->mnt_id, NULL);
  return ia >= 0 && ib >= 0 && ia < ib;
}

/* Splits "a:b:c" into a NULL-terminated vector; refuses escapes and empty
   elements. */
static int
split_lowerdirs (const char *val, size_t len, char ***out, parma_error_t *err)
{
  cleanup_free char *s = xstrndup (val, len);
  if (strchr (s, '\\') || len == 0 || s[0] == ':' || s[len - 1] == ':' || strstr (s, "::"))
    return parma_error_make (err, EACCES,
                             "overlay: lowerdir `%s` has an escape or an empty "
                             "(data-only) element",
                             s);
  size_t n = 1;
  for (char *c = s; *c; c++)
    n += *c == ':';
  char **v = xcalloc (n + 1, sizeof *v);
  size_t i = 0;
  char *save = NULL;
  for (char *t = strtok_r (s, ":", &save); t; t = strtok_r (NULL, ":", &save))
    v[i++] = xstrdup (t);
  *out = v;
  return 0;
}

static const struct verity_record *
find_record (struct stack_ctx *c, const char *mount_point)
{
  for (size_t i = 0; i < c->n_recs; i++)
    if (strcmp (c->recs[i].mount_point, mount_point) == 0)
      return &c->recs[i];
  return NULL;
}

/* The lower dir must be, right now and without symlinks, the very mount
   recorded when the layer was verified. */
static int
check_layer (struct stack_ctx *c, const char *dir, const char *want_root,
             const struct verity_mount_id *overlay, parma_error_t *err)
{
  const struct verity_record *r = find_record (c, dir);
  if (r == NULL)
    return parma_error_make (err, EACCES, "rootfs: lowerdir `%s` is not a verified layer mount",
                             dir);
  if (c->policy_sha256
      && (r->policy_sha256 == NULL || strlen (r->policy_sha256) != strlen (c->policy_sha256)
          || CRYPTO_memcmp (r->policy_sha256, c->policy_sha256, strlen (c->policy_sha256)) != 0))
    return parma_error_make (err, EACCES,
                             "rootfs: lowerdir `%s` was not activated by parma-runc mount-layer "
                             "under the pinned policy",
                             dir);
  if (strcasecmp (r->root_hash, want_root) != 0)
    return parma_error_make (err, EACCES,
                             "rootfs: lowerdir `%s` has root hash %s, the policy wants %s here",
                             dir, r->root_hash, want_root);
  cleanup_close int fd = verity_open_dir_nofollow (dir, err);
  if (fd < 0)
    return parma_error_make (err, EACCES, "rootfs: lowerdir `%s` cannot be reopened", dir);
  struct verity_mount_id id;
  if (verity_mount_id_fd (fd, &id, err) < 0)
    return -1;
  if (!id.is_mount_root || id.mnt_id != r->mnt_id
      || (r->mnt_id_unique && id.mnt_id_unique != r->mnt_id_unique) || id.dev_major != r->dev_major
      || id.dev_minor != r->dev_minor)
    return parma_error_make (
        err, EACCES, "rootfs: lowerdir `%s` is no longer the verified mount (replaced or covered)",
        dir);
  /* A bind remount can clear the per-mount read-only flag (remount,bind,rw)
     without changing the mount's identity. */
  struct statvfs sv;
  if (fstatvfs (fd, &sv) < 0)
    return parma_error_make (err, errno, "statvfs `%s`", dir);
  if (!(sv.f_flag & ST_RDONLY))
    return parma_error_make (err, EACCES, "rootfs: lowerdir `%s` is no longer mounted read-only",
                             dir);
  struct libmnt_fs *fs = NULL;
  if (mountinfo_index (c->tab, id.mnt_id, &fs) < 0
      || strcmp (mnt_fs_get_fstype (fs) ?: "", r->fstype) != 0
      || strcmp (mnt_fs_get_source (fs) ?: "", r->device) != 0)
    return parma_error_make (err, EACCES, "rootfs: lowerdir `%s`: mount does not match its record",
                             dir);
  if (!mounted_before (c, &id, overlay))
    return parma_error_make (err, EACCES, "rootfs: overlay is older than the verified mount `%s`",
                             dir);
  /* memfd-loop: the loop device must still read the sealed, verified copy
     (LOOP_CHANGE_FD can swap the file under a read-only loop device). */
  if (strcmp (r->backend, "memfd-loop") == 0
      && verity_loop_check (r->device, r->dev_major, r->dev_minor, r->backing_ino, r->backing_dev,
                            err)
             < 0)
    return parma_error_wrap (err, "rootfs: lowerdir `%s`", dir);
  return 0;
}

static bool
is_dm_crypt (uint32_t major, uint32_t minor)
{
  cleanup_free char *path = xasprintf ("/sys/dev/block/%u:%u/dm/uuid", major, minor);
  cleanup_file FILE *f = fopen (path, "re");
  char buf[16] = "";
  return f && fgets (buf, sizeof buf, f) && strncmp (buf, "CRYPT-", 6) == 0;
}

/* At create the scratch layer must be blank: a file in upperdir shadows
   the verified layers (a host could plant /bin/sh there), and an overlay
   xattr on its root (opaque, redirect) hides or redirects them. */
static int
check_upper_blank (int fd, const char *upper, parma_error_t *err)
{
  /* listxattr, not llistxattr: it must follow the /proc magic link to the
     directory itself. */
  cleanup_free char *self = xasprintf ("/proc/self/fd/%d", fd);
  ssize_t n = listxattr (self, NULL, 0);
  if (n < 0 && errno != ENOTSUP)
    return parma_error_make (err, errno, "listxattr `%s`", upper);
  if (n > 0)
    {
      cleanup_free char *names = xmalloc ((size_t)n + 1);
      n = listxattr (self, names, (size_t)n);
      if (n < 0)
        return parma_error_make (err, errno, "listxattr `%s`", upper);
      /* The kernel itself writes uuid (and origin/impure with index=on)
         on the upper root; the markers below change what lower files
         the merged view shows. */
      static const char *const hiding[]
          = { "opaque", "redirect", "metacopy", "whiteout", "whiteouts" };
      for (char *x = names; x < names + n; x += strlen (x) + 1)
        {
          const char *attr = strncmp (x, "trusted.overlay.", 16) == 0 ? x + 16
                             : strncmp (x, "user.overlay.", 13) == 0  ? x + 13
                                                                      : NULL;
          for (size_t i = 0; attr && i < sizeof hiding / sizeof hiding[0]; i++)
            if (strcmp (attr, hiding[i]) == 0)
              return parma_error_make (
                  err, EACCES, "scratch: upperdir `%s` carries overlay xattr `%s`", upper, x);
        }
    }
  int dfd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return parma_error_make (err, errno, "open `%s`", upper);
  DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return parma_error_make (err, errno, "read `%s`", upper);
    }
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      {
        ret = parma_error_make (err, EACCES,
                                "scratch: upperdir `%s` is not empty (`%s`): it "
                                "would shadow the verified layers",
                                upper, de->d_name);
        break;
      }
  closedir (d);
  return ret;
}

static int
check_upper (struct stack_ctx *c, const char *upper, bool allow_unencrypted,
             const struct verity_mount_id *overlay, parma_error_t *err)
{
  cleanup_close int fd = verity_open_dir_nofollow (upper, err);
  if (fd < 0)
    return parma_error_make (err, EACCES, "rootfs: upperdir `%s` cannot be reopened", upper);
  struct verity_mount_id id;
  if (verity_mount_id_fd (fd, &id, err) < 0)
    return -1;
  if (!mounted_before (c, &id, overlay))
    return parma_error_make (err, EACCES,
                             "rootfs: upperdir `%s` is on a mount newer than the overlay", upper);
  if (check_upper_blank (fd, upper, err) < 0)
    return -1;
  if (allow_unencrypted)
    return 0;
  struct statfs sfs;
  if (fstatfs (fd, &sfs) < 0)
    return parma_error_make (err, errno, "statfs `%s`", upper);
  if ((unsigned long)sfs.f_type == TMPFS_MAGIC || is_dm_crypt (id.dev_major, id.dev_minor))
    return 0;
  return parma_error_make (err, EACCES,
                           "scratch: upperdir `%s` is not on tmpfs or dm-crypt and "
                           "allow_unencrypted_scratch is false",
                           upper);
}

static int
check_overlay (struct stack_ctx *c, struct libmnt_fs *fs, const struct verity_mount_id *ov,
               char *const *layers, size_t n, bool allow_unencrypted, parma_error_t *err)
{
  const char *opts = mnt_fs_get_fs_options (fs);
  if (opts == NULL)
    return parma_error_make (err, EACCES, "rootfs: overlay has no options");
  char *val = NULL;
  size_t len = 0;
  if (mnt_optstr_get_option (opts, "lowerdir+", &val, &len) == 0
      || mnt_optstr_get_option (opts, "datadir+", &val, &len) == 0)
    return parma_error_make (err, EACCES,
                             "rootfs: overlay uses lowerdir+/datadir+ (not supported)");
  if (mnt_optstr_get_option (opts, "lowerdir", &val, &len) != 0)
    return parma_error_make (err, EACCES, "rootfs: overlay has no lowerdir");
  cleanup_strv char **lowers = NULL;
  if (split_lowerdirs (val, len, &lowers, err) < 0)
    return -1;
  size_t nl = strv_len (lowers);
  if (nl != n)
    return parma_error_make (err, EACCES,
                             "rootfs: overlay has %zu lower layers, the policy lists %zu", nl, n);
  /* lowerdir lists the top layer first; the policy the base first. */
  for (size_t i = 0; i < nl; i++)
    if (check_layer (c, lowers[i], layers[n - 1 - i], ov, err) < 0)
      return -1;
  if (mnt_optstr_get_option (opts, "upperdir", &val, &len) == 0)
    {
      cleanup_free char *upper = xstrndup (val, len);
      if (strchr (upper, '\\'))
        return parma_error_make (err, EACCES, "rootfs: upperdir has an escape");
      if (check_upper (c, upper, allow_unencrypted, ov, err) < 0)
        return -1;
    }
  return 0;
}

int
verity_check_rootfs (const char *state_dir, const char *rootfs, char *const *layers,
                     size_t n_layers, bool allow_unencrypted_scratch, parma_error_t *err)
{
  return verity_check_rootfs_pinned (state_dir, rootfs, layers, n_layers,
                                     allow_unencrypted_scratch, NULL, err);
}

int
verity_check_rootfs_pinned (const char *state_dir, const char *rootfs, char *const *layers,
                            size_t n_layers, bool allow_unencrypted_scratch,
                            const char *policy_sha256, parma_error_t *err)
{
  if (n_layers == 0)
    return parma_error_make (err, EACCES, "rootfs: the policy lists no layers");
  cleanup_close int fd = verity_open_dir_nofollow (rootfs, err);
  if (fd < 0)
    return parma_error_make (err, EACCES,
                             "rootfs: `%s` cannot be opened without following symlinks", rootfs);
  struct verity_mount_id ov;
  if (verity_mount_id_fd (fd, &ov, err) < 0)
    return -1;
  if (!ov.is_mount_root)
    return parma_error_make (err, EACCES, "rootfs: `%s` is not a mount point", rootfs);
  struct stack_ctx c = { .policy_sha256 = policy_sha256 };
  cleanup_mnt_table struct libmnt_table *tab = mnt_new_table_from_file ("/proc/self/mountinfo");
  if (tab == NULL)
    return parma_error_make (err, EIO, "parse /proc/self/mountinfo");
  c.tab = tab;
  struct libmnt_fs *fs = NULL;
  if (mountinfo_index (tab, ov.mnt_id, &fs) < 0)
    return parma_error_make (err, EACCES, "rootfs: mount %llu not in mountinfo",
                             (unsigned long long)ov.mnt_id);
  if (strcmp (mnt_fs_get_target (fs) ?: "", rootfs) != 0)
    return parma_error_make (err, EACCES, "rootfs: `%s` is mounted as `%s`", rootfs,
                             mnt_fs_get_target (fs));
  if (strcmp (mnt_fs_get_fstype (fs) ?: "", "overlay") != 0)
    return parma_error_make (err, EACCES, "rootfs: `%s` is %s, not an overlay of verified layers",
                             rootfs, mnt_fs_get_fstype (fs));
  /* A bind of a subdirectory of a good overlay has its type and options:
     the container's / would be some directory of the layers. */
  if (strcmp (mnt_fs_get_root (fs) ?: "", "/") != 0)
    return parma_error_make (err, EACCES,
                             "rootfs: `%s` is a bind of `%s` of an overlay, not the root of one",
                             rootfs, mnt_fs_get_root (fs) ?: "?");
  if (verity_record_list (state_dir, &c.recs, &c.n_recs, err) < 0)
    return -1;
  int ret = check_overlay (&c, fs, &ov, layers, n_layers, allow_unencrypted_scratch, err);
  for (size_t i = 0; i < c.n_recs; i++)
    verity_record_release (&c.recs[i]);
  free (c.recs);
  return ret;
}
