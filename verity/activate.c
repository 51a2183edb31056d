/* SPDX-License-Identifier: Apache-2.0 */
/* Verified layer activation.  Two backends:
   - dm-verity: the kernel checks every block read against the tree.
   - memfd-loop (no device-mapper, explicit opt-in): the data area is copied
     into a sealed memfd (private guest memory the host cannot change),
     hashed in full against the root hash, and only then attached read-only
     to a loop device and mounted.  Every later read sees the verified copy,
     which is what dm-verity guarantees, at the cost of memory.
   Both refuse a root hash the policy does not list (the device-mount rule)
   and record the mount in trusted state for the rootfs stack check. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define COPY_CHUNK (4u << 20)

int
verity_parse_root_hex (const char *hex, const struct verity_params *p, uint8_t *root,
                       parma_error_t *err)
{
  cleanup_free uint8_t *raw = NULL;
  size_t len;
  if (hex == NULL || hex_decode (hex, &raw, &len, err) < 0)
    return err && *err ? parma_error_wrap (err, "root hash")
                       : parma_error_make (err, EINVAL, "root hash: missing");
  if (len != verity_digest_size (p->hash_name))
    return parma_error_make (err, EINVAL, "root hash: %zu bytes, %s needs %zu", len, p->hash_name,
                             verity_digest_size (p->hash_name));
  memcpy (root, raw, len);
  return 0;
}

/* The device-mount rule: the root must be one the policy lists. */
static int
check_allowed (const uint8_t *root, size_t len, const struct verity_open_request *req,
               parma_error_t *err)
{
  for (char *const *a = req->allowed_roots; a && *a; a++)
    {
      uint8_t want[VERITY_MAX_DIGEST];
      parma_error_t ignored = NULL;
      if (verity_parse_root_hex (*a, &req->params, want, &ignored) < 0)
        {
          parma_error_release (&ignored);
          continue;
        }
      if (CRYPTO_memcmp (want, root, len) == 0)
        return 0;
    }
  return parma_error_make (err, EACCES, "device-mount rule: root hash %s is not in the policy",
                           req->root_hex);
}

/* Copies the data area of `src` into a new sealed memfd. */
static int
private_copy (int src, const struct verity_params *p, const char *name, parma_error_t *err)
{
  cleanup_free char *label = xasprintf ("parma-verity:%s", name);
  cleanup_close int mfd = memfd_create (label, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return parma_error_make (err, errno, "memfd_create");
  uint64_t total = p->data_blocks * (uint64_t)p->data_block_size;
  if (ftruncate (mfd, (off_t)total) < 0)
    return parma_error_make (err, errno, "memfd: reserve %llu bytes", (unsigned long long)total);
  cleanup_free uint8_t *buf = xmalloc (COPY_CHUNK);
  for (uint64_t off = 0; off < total;)
    {
      size_t n = total - off < COPY_CHUNK ? (size_t)(total - off) : COPY_CHUNK;
      if (verity_pread_full (src, buf, n, off, err) < 0
          || verity_pwrite_full (mfd, buf, n, off, err) < 0)
        return parma_error_wrap (err, "copy image");
      off += n;
    }
  /* From here on nobody, us included, can change the copy. */
  if (fcntl (mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
    return parma_error_make (err, errno, "memfd: seal");
  int ret = mfd;
  mfd = -1;
  return ret;
}

static int
check_request (const struct verity_open_request *req, parma_error_t *err)
{
  if (req->name == NULL || verity_valid_name (req->name, err) < 0)
    return req->name ? -1 : parma_error_make (err, EINVAL, "name: missing");
  if (req->data_path == NULL || req->mount_point == NULL || req->state_dir == NULL)
    return parma_error_make (err, EINVAL, "open: data, mount point and state dir are required");
  return verity_params_check (&req->params, err);
}

/* Mounts dev read-only on the directory target_fd (opened without
   symlinks) and returns the new mount's identity and an O_PATH fd on its
   root (*mnt_fd, for rollback).  The new mount API builds the mount
   detached, so its id is read from the mount itself before it is attached:
   nothing a racing process does to the path can make us record another
   mount.  Kernels without it (< 5.2): mount(2) through /proc/self/fd. */
static int
mount_layer (const char *dev, int target_fd, const char *fstype, struct verity_mount_id *id,
             int *mnt_fd, parma_error_t *err)
{
  /* ext4: never replay a journal the host may have left dirty (the device
     is read-only and its bytes are the verified ones). */
  bool ext4 = strcmp (fstype, "ext4") == 0;
  cleanup_close int fs = fsopen (fstype, FSOPEN_CLOEXEC);
  if (fs >= 0)
    {
      if (fsconfig (fs, FSCONFIG_SET_STRING, "source", dev, 0) < 0
          || fsconfig (fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0
          || (ext4 && fsconfig (fs, FSCONFIG_SET_FLAG, "noload", NULL, 0) < 0)
          || fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return parma_error_make (err, errno, "mount %s `%s`", fstype, dev);
      cleanup_close int mfd
          = fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
      if (mfd < 0)
        return parma_error_make (err, errno, "fsmount %s `%s`", fstype, dev);
      if (verity_mount_id_fd (mfd, id, err) < 0)
        return -1;
      if (move_mount (mfd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
          < 0)
        return parma_error_make (err, errno, "move_mount %s `%s`", fstype, dev);
      *mnt_fd = mfd;
      mfd = -1;
      return 0;
    }
  if (errno != ENOSYS)
    return parma_error_make (err, errno, "fsopen %s", fstype);
  cleanup_free char *target = xasprintf ("/proc/self/fd/%d", target_fd);
  if (mount (dev, target, fstype, MS_RDONLY | MS_NODEV | MS_NOSUID, ext4 ? "noload" : NULL) < 0)
    return parma_error_make (err, errno, "mount %s `%s`", fstype, dev);
  *mnt_fd = open (target, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*mnt_fd < 0 || verity_mount_id_fd (*mnt_fd, id, err) < 0)
    {
      umount2 (target, MNT_DETACH);
      return *mnt_fd < 0 ? parma_error_make (err, errno, "open new mount") : -1;
    }
  return 0;
}

/* Records the layer, after checking that its path (reopened without
   symlinks) leads to exactly the mount we made. */
static int
record_mount (const struct verity_open_request *req, const struct verity_mount_id *made,
              const char *device, const char *fstype, const char *backend,
              const struct stat *backing, const char *dm_table, dev_t dm_dev, parma_error_t *err)
{
  cleanup_close int fd = verity_open_dir_nofollow (req->mount_point, err);
  if (fd < 0)
    return -1;
  struct verity_mount_id id;
  if (verity_mount_id_fd (fd, &id, err) < 0)
    return -1;
  if (!id.is_mount_root || id.mnt_id != made->mnt_id || id.mnt_id_unique != made->mnt_id_unique)
    return parma_error_make (err, EIO, "`%s`: not our mount after mounting (raced)",
                             req->mount_point);
  cleanup_free char *root_hex = xstrdup (req->root_hex);
  for (char *c = root_hex; *c; c++)
    *c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
  struct verity_record r = {
    .name = (char *)req->name,
    .root_hash = root_hex,
    .mount_point = (char *)req->mount_point,
    .device = (char *)device,
    .source = (char *)req->data_path,
    .fstype = (char *)fstype,
    .backend = (char *)backend,
    .dm_name = strcmp (backend, "dm-verity") == 0 ? (char *)req->name : NULL,
    .dm_table = (char *)dm_table,
    .dm_major = dm_table ? major (dm_dev) : 0,
    .dm_minor = dm_table ? minor (dm_dev) : 0,
    .policy_sha256 = (char *)req->policy_sha256,
    .mnt_id = made->mnt_id,
    .mnt_id_unique = made->mnt_id_unique,
    .dev_major = made->dev_major,
    .dev_minor = made->dev_minor,
    .backing_ino = backing ? (uint64_t)backing->st_ino : 0,
    /* in the kernel's encoding of loop_info64.lo_device (new_encode_dev) */
    .backing_dev = backing ? ((uint64_t)(minor (backing->st_dev) & 0xff)
                              | ((uint64_t)major (backing->st_dev) << 8)
                              | ((uint64_t)(minor (backing->st_dev) & ~0xffu) << 12))
                           : 0,
  };
  return verity_record_write (req->state_dir, &r, err);
}

static int
open_memfd_loop (const struct verity_open_request *req, const struct verity_params *p,
                 const uint8_t *root, size_t root_len, int data_fd, int target_fd,
                 parma_error_t *err)
{
  parma_warn ("layer `%s`: no dm-verity, using the memfd-loop fallback: the image is copied "
              "into private memory and verified in full before it is mounted",
              req->name);
  cleanup_close int mfd = private_copy (data_fd, p, req->name, err);
  if (mfd < 0)
    return -1;
  uint8_t got[VERITY_MAX_DIGEST];
  size_t got_len;
  if (verity_root_hash_fd (mfd, p, got, &got_len, err) < 0)
    return parma_error_wrap (err, "layer `%s`", req->name);
  if (got_len != root_len || CRYPTO_memcmp (got, root, root_len) != 0)
    return parma_error_make (err, EFAULT,
                             "layer `%s`: root hash mismatch: the image is not the "
                             "one the policy names",
                             req->name);
  const char *fstype;
  if (verity_detect_fstype (mfd, &fstype, err) < 0)
    return parma_error_wrap (err, "layer `%s`", req->name);
  /* The loop device gets a read-only open of the sealed copy. */
  cleanup_free char *self = xasprintf ("/proc/self/fd/%d", mfd);
  cleanup_close int ro = open (self, O_RDONLY | O_CLOEXEC);
  if (ro < 0)
    return parma_error_make (err, errno, "reopen memfd read-only");
  cleanup_free char *dev = NULL;
  cleanup_free char *label = xasprintf ("parma-verity:%s", req->name);
  cleanup_close int loop = verity_loop_attach (ro, label, &dev, err);
  if (loop < 0)
    return -1;
  struct verity_mount_id made;
  int mnt_fd = -1;
  if (mount_layer (dev, target_fd, fstype, &made, &mnt_fd, err) < 0)
    {
      ioctl (loop, LOOP_CLR_FD, 0);
      return -1;
    }
  /* The mount went by the path /dev/loopN: it must be the device we
     attached (not a node the host put at that path meanwhile). */
  struct stat lst;
  if (fstat (loop, &lst) < 0 || !S_ISBLK (lst.st_mode) || major (lst.st_rdev) != made.dev_major
      || minor (lst.st_rdev) != made.dev_minor)
    {
      verity_unmount_fd (&mnt_fd);
      return parma_error_make (err, EIO, "layer `%s`: `%s` is not the loop device attached",
                               req->name, dev);
    }
  /* The mount holds the loop device now; autoclear frees it at umount. */
  struct stat backing;
  if (fstat (mfd, &backing) < 0)
    {
      verity_unmount_fd (&mnt_fd);
      return parma_error_make (err, errno, "stat memfd");
    }
  if (record_mount (req, &made, dev, fstype, "memfd-loop", &backing, NULL, 0, err) < 0)
    {
      verity_unmount_fd (&mnt_fd);
      return -1;
    }
  close (mnt_fd);
  return 0;
}

static int
open_dm (const struct verity_open_request *req, const struct verity_params *p, int data_fd,
         int hash_fd, int target_fd, parma_error_t *err)
{
  /* dm-verity needs block devices: read-only loops over the host's files.
     The kernel verifies every block against the root, so no copy. */
  cleanup_free char *data_dev = NULL, *hash_dev = NULL;
  cleanup_close int dloop = verity_loop_attach (data_fd, req->name, &data_dev, err);
  if (dloop < 0)
    return -1;
  cleanup_close int hloop = -1;
  if (hash_fd != data_fd)
    {
      hloop = verity_loop_attach (hash_fd, req->name, &hash_dev, err);
      if (hloop < 0)
        return -1;
    }
  dev_t dev;
  cleanup_free char *root_lc = xstrdup (req->root_hex);
  for (char *c = root_lc; *c; c++)
    *c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
  /* The table the kernel must report from now on: the devices by the
     numbers of the loops we hold (a node swapped at /dev/loopN before the
     load shows up as other numbers). */
  struct stat dst, hst;
  if (fstat (dloop, &dst) < 0 || fstat (hloop >= 0 ? hloop : dloop, &hst) < 0)
    return parma_error_make (err, errno, "stat loop device");
  cleanup_free char *live = verity_dm_live_table (dst.st_rdev, hst.st_rdev, p, root_lc, err);
  if (live == NULL)
    return -1;
  if (verity_dm_create (req->name, data_dev, hash_dev ? hash_dev : data_dev, p, root_lc, &dev, err)
      < 0)
    return -1;
  if (verity_dm_check (req->name, major (dev), minor (dev), live, err) < 0)
    {
      parma_error_t ignored = NULL;
      verity_dm_remove (req->name, &ignored);
      parma_error_release (&ignored);
      return parma_error_wrap (err, "layer `%s`", req->name);
    }
  /* No udev in the guest: our own node in the (trusted) state dir. */
  cleanup_free char *node = xasprintf ("%s/layers/%s.dev", req->state_dir, req->name);
  cleanup_free char *node_name = xasprintf ("%s.dev", req->name);
  cleanup_close int dir = verity_layers_dir (req->state_dir, true, err);
  if (dir >= 0)
    unlinkat (dir, node_name, 0);
  if (dir < 0 || mknodat (dir, node_name, S_IFBLK | 0600, dev) < 0)
    {
      int saved = errno;
      parma_error_t ignored = NULL;
      verity_dm_remove (req->name, &ignored);
      parma_error_release (&ignored);
      return dir < 0 ? -1 : parma_error_make (err, saved, "mknod `%s`", node);
    }
  const char *fstype;
  struct verity_mount_id made;
  int mnt_fd = -1;
  cleanup_close int nfd = open (node, O_RDONLY | O_CLOEXEC);
  if (nfd < 0 || verity_detect_fstype (nfd, &fstype, err) < 0
      || mount_layer (node, target_fd, fstype, &made, &mnt_fd, err) < 0
      || record_mount (req, &made, node, fstype, "dm-verity", NULL, live, dev, err) < 0)
    {
      if (err && *err == NULL)
        parma_error_make (err, errno, "open `%s`", node);
      verity_unmount_fd (&mnt_fd);
      parma_error_t ignored = NULL;
      verity_dm_remove (req->name, &ignored);
      parma_error_release (&ignored);
      unlink (node);
      return -1;
    }
  close (mnt_fd);
  return 0;
}

/* A host-named image: a regular file or a block device, never a FIFO or
   socket that would block or feed us a stream (O_NONBLOCK for the open). */
static int
open_image (const char *path, parma_error_t *err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", path);
  struct stat st;
  if (fstat (fd, &st) < 0 || !(S_ISREG (st.st_mode) || S_ISBLK (st.st_mode))
      || fcntl (fd, F_SETFL, 0) < 0)
    {
      close (fd);
      return parma_error_make (err, EINVAL, "`%s`: not a regular file or block device", path);
    }
  return fd;
}

int
verity_open (const struct verity_open_request *req, parma_error_t *err)
{
  if (check_request (req, err) < 0)
    return -1;
  struct verity_params p = req->params;
  uint8_t root[VERITY_MAX_DIGEST];
  if (verity_parse_root_hex (req->root_hex, &p, root, err) < 0)
    return -1;
  size_t root_len = verity_digest_size (p.hash_name);
  if (check_allowed (root, root_len, req, err) < 0)
    return -1;
  bool dm = verity_dm_available ();
  bool use_dm;
  switch (req->backend)
    {
    case VERITY_BACKEND_DM:
      if (!dm)
        return parma_error_make (err, ENODEV,
                                 "device-mapper not available ("
                                 "/dev/mapper/control)");
      use_dm = true;
      break;
    case VERITY_BACKEND_MEMFD:
      use_dm = false;
      break;
    case VERITY_BACKEND_AUTO:
    default:
      if (!dm && !req->allow_fallback)
        return parma_error_make (err, ENODEV,
                                 "device-mapper not available and the memfd-loop "
                                 "fallback was not allowed");
      use_dm = dm;
      break;
    }
  /* One record per name: a second open would orphan the first mount. */
  struct verity_record existing;
  parma_error_t none = NULL;
  if (verity_record_read (req->state_dir, req->name, &existing, &none) == 0)
    {
      verity_record_release (&existing);
      return parma_error_make (err, EEXIST, "layer `%s` is already open", req->name);
    }
  parma_error_release (&none);
  cleanup_close int target = verity_open_dir_nofollow (req->mount_point, err);
  if (target < 0)
    return parma_error_wrap (err, "mount point");
  cleanup_close int data_fd = open_image (req->data_path, err);
  if (data_fd < 0)
    return -1;
  const char *hash_path = req->hash_path ? req->hash_path : req->data_path;
  cleanup_close int hash_fd = open_image (hash_path, err);
  if (hash_fd < 0)
    return -1;
  if (verity_resolve_data_blocks (data_fd, &p, err) < 0)
    return parma_error_wrap (err, "`%s`", req->data_path);
  /* Never trust the host's superblock: it must agree with the policy. */
  if (!p.no_superblock && verity_superblock_check (hash_fd, &p, err) < 0)
    return parma_error_wrap (err, "`%s`", hash_path);
  /* The appended layout is one device for data and tree, as veritysetup
     (and hcsshim's table) has it. */
  bool appended = req->hash_path == NULL || strcmp (req->hash_path, req->data_path) == 0;
  if (use_dm)
    return open_dm (req, &p, data_fd, appended ? data_fd : hash_fd, target, err);
  return open_memfd_loop (req, &p, root, root_len, data_fd, target, err);
}

int
verity_close (const char *state_dir, const char *name, parma_error_t *err)
{
  struct verity_record r;
  if (verity_record_read (state_dir, name, &r, err) < 0)
    return -1;
  cleanup_free char *user = NULL;
  if (verity_layer_in_use (state_dir, name, &user, err) < 0 || user)
    {
      verity_record_release (&r);
      return user ? parma_error_make (err, EBUSY, "layer `%s` is under rootfs `%s`: unmount that first",
                                      name, user)
                  : -1;
    }
  int ret = 0;
  /* Unmount only if the mount at that path is still ours. */
  parma_error_t ignored = NULL;
  int fd = verity_open_dir_nofollow (r.mount_point, &ignored);
  parma_error_release (&ignored);
  struct verity_mount_id id;
  struct verity_mount_id want = { .mnt_id = r.mnt_id, .mnt_id_unique = r.mnt_id_unique,
                                  .dev_major = r.dev_major, .dev_minor = r.dev_minor };
  bool ours = fd >= 0 && verity_mount_id_fd (fd, &id, &ignored) == 0 && id.is_mount_root
              && id.mnt_id == r.mnt_id && id.mnt_id_unique == r.mnt_id_unique
              && id.dev_major == r.dev_major && id.dev_minor == r.dev_minor;
  parma_error_release (&ignored);
  if (fd >= 0)
    close (fd); /* an open fd on the mount would make umount EBUSY */
  /* Removing the record of a layer mount that is only covered would leave
     it mounted, unrecorded, holding its device. */
  cleanup_free char *where = ours ? NULL : verity_mount_elsewhere (&want, r.fstype, r.device);
  if (where)
    ret = parma_error_make (err, EBUSY,
                            "layer `%s`: its verified mount is still mounted at `%s`, not on top "
                            "of `%s` (covered or moved): unmount what covers it first",
                            name, where, r.mount_point);
  if (ret == 0 && ours && umount2 (r.mount_point, UMOUNT_NOFOLLOW) < 0)
    ret = parma_error_make (err, errno, "umount `%s`", r.mount_point);
  if (ret == 0 && r.dm_name)
    {
      if (verity_dm_remove (r.dm_name, err) < 0)
        ret = -1;
      cleanup_free char *node = xasprintf ("%s/layers/%s.dev", state_dir, name);
      unlink (node);
    }
  if (ret == 0)
    ret = verity_record_remove (state_dir, name, err);
  verity_record_release (&r);
  return ret;
}
