/* SPDX-License-Identifier: Apache-2.0 */
/* The rootfs check for `create`: the container's rootfs must be an overlay
   verity_mount_rootfs built (rootfs.c) from exactly the policy's verified
   layers, in order, still unused and with its scratch blank.  The host
   controls the paths, the mounts and their timing, so:
   - the rootfs is reopened without symlinks and identified by its mount
     id (the never-reused 64-bit one where the kernel has it) and device:
     a bind, a copy, a replacement or a subdirectory is another mount, and
     an overlay the host built, however it spelled its lowerdirs, matches
     no record;
   - a memfd-loop layer's device must still read the sealed, verified copy
     (LOOP_CHANGE_FD can swap the file under a read-only loop device);
   - a rootfs serves one container: its scratch is shared with whatever
     ran on it before, so the first create claims it for good. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

static void
mnt_table_unref_p (struct libmnt_table **t)
{
  mnt_unref_table (*t);
  *t = NULL;
}
#define cleanup_mnt_table __attribute__ ((cleanup (mnt_table_unref_p)))

static bool
same_mount (const struct verity_mount_id *a, const struct verity_mount_id *b)
{
  return a->mnt_id == b->mnt_id && a->mnt_id_unique == b->mnt_id_unique
         && a->dev_major == b->dev_major && a->dev_minor == b->dev_minor;
}

static struct libmnt_fs *
find_mount_id (struct libmnt_table *tab, uint64_t id)
{
  struct libmnt_iter *it = mnt_new_iter (MNT_ITER_FORWARD);
  struct libmnt_fs *fs = NULL, *found = NULL;
  while (it && found == NULL && mnt_table_next_fs (tab, it, &fs) == 0)
    if ((uint64_t)mnt_fs_get_id (fs) == id)
      found = fs;
  mnt_free_iter (it);
  return found;
}

/* mountinfo's entry for mount `id`: type, source and root, as libmount
   reads them (what an operator sees in findmnt). */
static int
mountinfo_matches (uint64_t id, const char *fstype, const char *source, parma_error_t *err)
{
  cleanup_mnt_table struct libmnt_table *tab = mnt_new_table_from_file ("/proc/self/mountinfo");
  if (tab == NULL)
    return parma_error_make (err, EIO, "parse /proc/self/mountinfo");
  struct libmnt_fs *fs = find_mount_id (tab, id);
  if (fs == NULL)
    return parma_error_make (err, EACCES, "mount %llu is not in mountinfo", (unsigned long long)id);
  if (strcmp (mnt_fs_get_fstype (fs) ?: "", fstype) != 0
      || (source && strcmp (mnt_fs_get_source (fs) ?: "", source) != 0)
      || strcmp (mnt_fs_get_root (fs) ?: "", "/") != 0)
    return parma_error_make (err, EACCES, "mount %llu is %s on %s (root %s), not its record",
                             (unsigned long long)id, mnt_fs_get_fstype (fs) ?: "?",
                             mnt_fs_get_source (fs) ?: "?", mnt_fs_get_root (fs) ?: "?");
  return 0;
}

/* A memfd-loop layer still reads the verified copy; a dm-verity layer's
   device still has the table it was activated with, and no other pending
   (DM_TABLE_LOAD + resume under the mount would swap in another root hash
   or a linear map of unverified blocks).  Any other backend, or a
   dm-verity record without its table, is refused. */
static int
layer_device_check (const struct verity_record *r, parma_error_t *err)
{
  if (strcmp (r->backend, "memfd-loop") == 0)
    return verity_loop_check (r->device, r->dev_major, r->dev_minor, r->backing_ino, r->backing_dev,
                              err);
  if (strcmp (r->backend, "dm-verity") != 0)
    return parma_error_make (err, EACCES, "unknown backend `%s`", r->backend);
  if (r->dm_name == NULL || r->dm_table == NULL)
    return parma_error_make (err, EACCES,
                             "its record has no dm-verity table to check the device against");
  /* The mount reads the dm device itself. */
  if (r->dm_major != r->dev_major || r->dm_minor != r->dev_minor)
    return parma_error_make (err, EACCES, "the mounted device is not its dm-verity device");
  return verity_dm_check (r->dm_name, r->dm_major, r->dm_minor, r->dm_table, err);
}

/* The rootfs record keeps only the memfd-loop fields of its layers; a
   dm-verity layer's table is in the layer's own record, which stays while
   the rootfs is recorded (verity_close refuses a layer in use).  It must
   still describe the same layer and device. */
static int
rootfs_layer_device_check (const char *state_dir, const struct verity_record *kept,
                           parma_error_t *err)
{
  if (strcmp (kept->backend, "dm-verity") != 0)
    return layer_device_check (kept, err);
  struct verity_record r;
  if (verity_record_read (state_dir, kept->name, &r, err) < 0)
    {
      if (err && *err)
        (*err)->status = EACCES;
      return -1;
    }
  int ret = 0;
  if (strcmp (r.backend, kept->backend) != 0 || strcmp (r.device, kept->device) != 0
      || strcasecmp (r.root_hash, kept->root_hash) != 0 || r.dev_major != kept->dev_major
      || r.dev_minor != kept->dev_minor)
    ret = parma_error_make (err, EACCES, "its record no longer matches the rootfs's");
  if (ret == 0)
    ret = layer_device_check (&r, err);
  verity_record_release (&r);
  return ret;
}

int
verity_layer_mount_open (const struct verity_record *r, parma_error_t *err)
{
  cleanup_close int fd = verity_open_dir_nofollow (r->mount_point, err);
  if (fd < 0)
    return parma_error_make (err, EACCES, "`%s` cannot be reopened", r->mount_point);
  struct verity_mount_id id;
  if (verity_mount_id_fd (fd, &id, err) < 0)
    return -1;
  struct verity_mount_id want = { .mnt_id = r->mnt_id,
                                  .mnt_id_unique = r->mnt_id_unique,
                                  .dev_major = r->dev_major,
                                  .dev_minor = r->dev_minor };
  if (!id.is_mount_root || !same_mount (&id, &want))
    return parma_error_make (
        err, EACCES, "`%s` is no longer the verified mount (replaced or covered)", r->mount_point);
  /* A bind remount can clear the per-mount read-only flag (remount,bind,rw)
     without changing the mount's identity. */
  struct statvfs sv;
  if (fstatvfs (fd, &sv) < 0)
    return parma_error_make (err, errno, "statvfs `%s`", r->mount_point);
  if (!(sv.f_flag & ST_RDONLY))
    return parma_error_make (err, EACCES, "`%s` is no longer mounted read-only", r->mount_point);
  if (mountinfo_matches (id.mnt_id, r->fstype, r->device, err) < 0
      || layer_device_check (r, err) < 0)
    return parma_error_wrap (err, "`%s`", r->mount_point);
  int ret = fd;
  fd = -1;
  return ret;
}

/* At create the scratch layer must be blank: a file in upperdir shadows
   the verified layers (a host could plant /bin/sh there), and an overlay
   xattr on its root (opaque, redirect) hides or redirects them. */
int
verity_scratch_check_blank (int fd, const char *upper, parma_error_t *err)
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

/* The rootfs record whose overlay is the mount at `rootfs`. */
/* Nothing mounted on or below the overlay, and no propagation peers or
   master (it sits below a private mount: a tag means someone changed it). */
static int
overlay_alone (uint64_t id, const char *path, parma_error_t *err)
{
  cleanup_mnt_table struct libmnt_table *tab = mnt_new_table_from_file ("/proc/self/mountinfo");
  if (tab == NULL)
    return parma_error_make (err, EIO, "parse /proc/self/mountinfo");
  struct libmnt_fs *fs = find_mount_id (tab, id);
  if (fs == NULL || strcmp (mnt_fs_get_fstype (fs) ?: "", "overlay") != 0
      || strcmp (mnt_fs_get_root (fs) ?: "", "/") != 0)
    return parma_error_make (err, EACCES, "`%s` is not the root of its overlay", path);
  const char *tags = mnt_fs_get_optional_fields (fs);
  if (tags && (strstr (tags, "shared:") || strstr (tags, "master:")))
    return parma_error_make (err, EACCES, "`%s` propagates mounts (%s)", path, tags);
  struct libmnt_iter *it = mnt_new_iter (MNT_ITER_FORWARD);
  struct libmnt_fs *child = NULL, *found = NULL;
  while (it && found == NULL && mnt_table_next_fs (tab, it, &child) == 0)
    if ((uint64_t)mnt_fs_get_parent_id (child) == id && mnt_fs_get_id (child) != (int)id)
      found = child;
  mnt_free_iter (it);
  if (found)
    return parma_error_make (err, EACCES, "something is mounted on `%s` inside the rootfs",
                             mnt_fs_get_target (found) ?: "?");
  return 0;
}

/* The record the bundle's rootfs path names, and its overlay still
   mounted, alone, at the private path (rootfs.c). */
static int
find_rootfs (const char *state_dir, const char *rootfs, struct verity_rootfs_record *out,
             char **private_path, parma_error_t *err)
{
  struct verity_rootfs_record *recs = NULL;
  size_t n = 0;
  if (verity_rootfs_record_list (state_dir, &recs, &n, err) < 0)
    return -1;
  int found = -1;
  for (size_t i = 0; i < n && found < 0; i++)
    if (strcmp (recs[i].target, rootfs) == 0)
      found = (int)i;
  if (found >= 0)
    {
      *out = recs[found];
      memset (&recs[found], 0, sizeof recs[found]);
    }
  verity_rootfs_record_list_release (recs, n);
  if (found < 0)
    return parma_error_make (err, EACCES,
                             "rootfs: `%s` names no rootfs built by `parma-runc mount-rootfs` "
                             "from verified layers",
                             rootfs);
  *private_path = verity_rootfs_root_path (state_dir, out->name);
  cleanup_close int fd = verity_open_dir_nofollow (*private_path, err);
  struct verity_mount_id id;
  int ret = fd < 0 || verity_mount_id_fd (fd, &id, err) < 0 ? -1 : 0;
  if (ret == 0 && (!id.is_mount_root || !same_mount (&id, &out->overlay)))
    ret = parma_error_make (err, EACCES, "its overlay is no longer mounted at `%s`", *private_path);
  if (ret == 0)
    ret = overlay_alone (id.mnt_id, *private_path, err);
  if (ret < 0)
    {
      if (*err)
        (*err)->status = EACCES;
      parma_error_wrap (err, "rootfs `%s` (for `%s`)", out->name, rootfs);
      verity_rootfs_record_release (out);
      free (*private_path);
      *private_path = NULL;
    }
  return ret;
}

/* The record's layers are the policy's, base first, and every layer
   device still reads its verified blocks. */
static int
check_layers (const char *state_dir, const struct verity_rootfs_record *r, char *const *layers,
              size_t n, parma_error_t *err)
{
  if (r->n_layers != n)
    return parma_error_make (err, EACCES,
                             "rootfs: `%s` has %zu verified layers, the policy lists %zu",
                             r->target, r->n_layers, n);
  for (size_t i = 0; i < n; i++)
    if (strcasecmp (r->layers[i].root_hash, layers[i]) != 0)
      return parma_error_make (err, EACCES,
                               "rootfs: layer %zu (base first) has root hash %s, the policy "
                               "wants %s",
                               i, r->layers[i].root_hash, layers[i]);
  for (size_t i = 0; i < n; i++)
    if (rootfs_layer_device_check (state_dir, &r->layers[i], err) < 0)
      return parma_error_wrap (err, "rootfs: layer `%s`", r->layers[i].name);
  return 0;
}

static int
check_scratch (const char *state_dir, const struct verity_rootfs_record *r, parma_error_t *err)
{
  cleanup_free char *upper = xasprintf ("%s/rootfs/%s.d/upper", state_dir, r->name);
  cleanup_free char *scratch = xasprintf ("%s/rootfs/%s.d", state_dir, r->name);
  cleanup_close int sfd = verity_open_dir_nofollow (scratch, err);
  struct verity_mount_id id;
  if (sfd < 0 || verity_mount_id_fd (sfd, &id, err) < 0)
    return parma_error_wrap (err, "scratch");
  /* The device too: where the kernel has no unique mount id, a tmpfs the
     host mounts after unmounting ours may reuse its id, but not its device
     (our tmpfs lives on as the overlay's upper layer). */
  if (!id.is_mount_root || !same_mount (&id, &r->scratch))
    return parma_error_make (err, EACCES, "scratch: `%s` is no longer the rootfs's tmpfs", scratch);
  cleanup_close int ufd = verity_open_dir_nofollow (upper, err);
  if (ufd < 0)
    return parma_error_wrap (err, "scratch");
  return verity_scratch_check_blank (ufd, upper, err);
}

/* The first create claims the rootfs for good: its scratch keeps what ran
   there, and the claim file stays after unmount-rootfs as a tombstone, so
   the name (and with it the private path runc was given) never serves
   another overlay.  A retried create needs a fresh rootfs. */
static int
claim (const char *state_dir, const struct verity_rootfs_record *r, const char *claimant,
       parma_error_t *err)
{
  cleanup_close int dir = verity_rootfs_dir (state_dir, false, err);
  if (dir < 0)
    return -1;
  cleanup_free char *file = xasprintf ("%s.claim", r->name);
  int fd = openat (dir, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0)
    {
      int ret = write_all_fd (fd, claimant, strlen (claimant), err);
      if (ret == 0 && fsync (fd) < 0)
        ret = parma_error_make (err, errno, "claim rootfs `%s`", r->name);
      close (fd);
      if (ret < 0)
        unlinkat (dir, file, 0);
      return ret;
    }
  if (errno != EEXIST)
    return parma_error_make (err, errno, "claim rootfs `%s`", r->name);
  cleanup_free char *held = NULL;
  size_t len = 0;
  if (read_file_at (dir, file, 4096, &held, &len, err) < 0)
    return parma_error_wrap (err, "claim of rootfs `%s`", r->name);
  return parma_error_make (err, EACCES,
                           "rootfs: `%s` already served a container (%s): mount a fresh rootfs",
                           r->target, held);
}

/* After the claim: the target still names the same rootfs, built from the
   same layers, mounted as the same overlay.  Between the checks and the
   claim the host may have unmounted it and built another under the name;
   from the claim on it cannot (the tombstone). */
static int
same_after_claim (const char *state_dir, const char *rootfs, const struct verity_rootfs_record *r,
                  parma_error_t *err)
{
  struct verity_rootfs_record now;
  cleanup_free char *path = NULL;
  if (find_rootfs (state_dir, rootfs, &now, &path, err) < 0)
    return -1;
  bool same = strcmp (now.name, r->name) == 0 && same_mount (&now.overlay, &r->overlay)
              && now.n_layers == r->n_layers;
  for (size_t i = 0; same && i < r->n_layers; i++)
    same = strcmp (now.layers[i].root_hash, r->layers[i].root_hash) == 0;
  verity_rootfs_record_release (&now);
  if (!same)
    return parma_error_make (err, EACCES, "rootfs: `%s` changed while it was being claimed",
                             rootfs);
  return 0;
}

int
verity_check_rootfs (const char *state_dir, const char *rootfs, char *const *layers,
                     size_t n_layers, char **mounted_at, parma_error_t *err)
{
  return verity_check_rootfs_pinned (state_dir, rootfs, layers, n_layers, NULL, NULL, mounted_at,
                                     err);
}

int
verity_check_rootfs_pinned (const char *state_dir, const char *rootfs, char *const *layers,
                            size_t n_layers, const char *policy_sha256, const char *claimant,
                            char **mounted_at, parma_error_t *err)
{
  if (mounted_at)
    *mounted_at = NULL;
  if (n_layers == 0)
    return parma_error_make (err, EACCES, "rootfs: the policy lists no layers");
  struct verity_rootfs_record r;
  cleanup_free char *private_path = NULL;
  if (find_rootfs (state_dir, rootfs, &r, &private_path, err) < 0)
    return -1;
  int ret = 0;
  if (policy_sha256
      && (r.policy_sha256 == NULL || strlen (r.policy_sha256) != strlen (policy_sha256)
          || CRYPTO_memcmp (r.policy_sha256, policy_sha256, strlen (policy_sha256)) != 0))
    ret = parma_error_make (err, EACCES,
                            "rootfs: `%s` was not built by parma-runc mount-rootfs under the "
                            "pinned policy",
                            rootfs);
  if (ret == 0)
    ret = check_layers (state_dir, &r, layers, n_layers, err);
  if (ret == 0)
    ret = check_scratch (state_dir, &r, err);
  if (ret == 0 && claimant)
    ret = claim (state_dir, &r, claimant, err);
  if (ret == 0 && claimant)
    ret = same_after_claim (state_dir, rootfs, &r, err);
  verity_rootfs_record_release (&r);
  if (ret == 0 && mounted_at)
    *mounted_at = steal_pointer (&private_path);
  return ret;
}
