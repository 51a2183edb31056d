/* SPDX-License-Identifier: Apache-2.0 */
/* Mount identity, no-symlink opens, loop devices and filesystem detection
   for the verified layer mounts. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Linux 6.8: a 64-bit mount id that is never reused; the old id (the one
   /proc/self/mountinfo shows) can be.  Debian 12's headers predate it. */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U
#endif

static uint64_t
statx_mnt_id (const struct statx *st)
{
  return st->stx_mnt_id;
}

int
verity_mount_id_fd (int fd, struct verity_mount_id *id, parma_error_t *err)
{
  struct statx st;
  memset (id, 0, sizeof *id);
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &st) < 0)
    return parma_error_make (err, errno, "statx");
  if (!(st.stx_mask & STATX_MNT_ID))
    return parma_error_make (err, ENOSYS, "statx: kernel reports no mount id");
  id->mnt_id = statx_mnt_id (&st);
  id->dev_major = st.stx_dev_major;
  id->dev_minor = st.stx_dev_minor;
  id->is_mount_root = (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                      && (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_UNIQUE, &st) == 0
      && (st.stx_mask & STATX_MNT_ID_UNIQUE))
    id->mnt_id_unique = statx_mnt_id (&st);
  return 0;
}

/* Absolute, no empty, "." or ".." component, no trailing slash: the form
   the kernel shows in mountinfo and overlay options, so strings compare. */
static bool
path_is_canonical (const char *p)
{
  if (p[0] != '/' || (p[1] != '\0' && p[strlen (p) - 1] == '/'))
    return false;
  for (const char *c = p + 1; *c;)
    {
      size_t n = strcspn (c, "/");
      if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
        return false;
      c += n;
      if (*c == '/')
        c++;
    }
  return true;
}

void
verity_unmount_fd (int *mnt_fd)
{
  if (*mnt_fd < 0)
    return;
  cleanup_free char *self = xasprintf ("/proc/self/fd/%d", *mnt_fd);
  umount2 (self, MNT_DETACH);
  close (*mnt_fd);
  *mnt_fd = -1;
}

int
verity_open_dir_nofollow (const char *path, parma_error_t *err)
{
  if (!path_is_canonical (path))
    return parma_error_make (err, EINVAL, "`%s`: not a canonical absolute path", path);
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return parma_error_make (err, errno, "open /");
  if (path[1] == '\0')
    {
      int fd = root;
      root = -1;
      return fd;
    }
  int fd = safe_openat (root, path + 1, O_PATH | O_DIRECTORY, 0, err);
  if (fd < 0)
    return parma_error_wrap (err, "`%s` (symlinks are not followed)", path);
  return fd;
}

/* Filesystem by magic: erofs (0xE0F5E1E2 at 1024), squashfs ("hsqs" at 0),
   ext2/3/4 (0xEF53 at 1080).  Anything else is refused: the kernel would
   otherwise probe every filesystem type on an attacker's bytes. */
int
verity_detect_fstype (int fd, const char **fstype, parma_error_t *err)
{
  uint8_t head[2048];
  if (verity_pread_full (fd, head, sizeof head, 0, err) < 0)
    return parma_error_wrap (err, "image shorter than 2 KiB");
  if (head[1024] == 0xe2 && head[1025] == 0xe1 && head[1026] == 0xf5 && head[1027] == 0xe0)
    *fstype = "erofs";
  else if (memcmp (head, "hsqs", 4) == 0)
    *fstype = "squashfs";
  else if (head[1080] == 0x53 && head[1081] == 0xef)
    *fstype = "ext4";
  else
    return parma_error_make (err, EINVAL, "image: not erofs, squashfs or ext4");
  return 0;
}

/* Attaches backing_fd read-only (autoclear) to a free loop device; returns
   the open loop fd and its path. */
int
verity_loop_attach (int backing_fd, const char *label, char **dev_path, parma_error_t *err)
{
  cleanup_close int ctl = open ("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    return parma_error_make (err, errno, "open /dev/loop-control");
  /* Another process may take the free device between GET_FREE and
     CONFIGURE: retry a few times on EBUSY. */
  for (int attempt = 0; attempt < 16; attempt++)
    {
      int n = ioctl (ctl, LOOP_CTL_GET_FREE);
      if (n < 0)
        return parma_error_make (err, errno, "LOOP_CTL_GET_FREE");
      cleanup_free char *path = xasprintf ("/dev/loop%d", n);
      cleanup_close int loop = open (path, O_RDONLY | O_CLOEXEC);
      if (loop < 0)
        return parma_error_make (err, errno, "open `%s`", path);
      struct loop_config cfg;
      memset (&cfg, 0, sizeof cfg);
      cfg.fd = (uint32_t)backing_fd;
      cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
      snprintf ((char *)cfg.info.lo_file_name, sizeof cfg.info.lo_file_name, "%s", label);
      int r = ioctl (loop, LOOP_CONFIGURE, &cfg);
      if (r < 0 && (errno == EINVAL || errno == ENOTTY))
        {
          /* Kernels before 5.8: two steps. */
          r = ioctl (loop, LOOP_SET_FD, backing_fd);
          if (r == 0 && ioctl (loop, LOOP_SET_STATUS64, &cfg.info) < 0)
            {
              int saved = errno;
              ioctl (loop, LOOP_CLR_FD, 0);
              return parma_error_make (err, saved, "LOOP_SET_STATUS64 `%s`", path);
            }
        }
      if (r < 0 && errno == EBUSY)
        continue;
      if (r < 0)
        return parma_error_make (err, errno, "LOOP_CONFIGURE `%s`", path);
      *dev_path = steal_pointer (&path);
      int ret = loop;
      loop = -1;
      return ret;
    }
  return parma_error_make (err, EBUSY, "no free loop device");
}

int
verity_loop_check (const char *dev, uint32_t major, uint32_t minor, uint64_t ino, uint64_t bdev,
                   parma_error_t *err)
{
  cleanup_close int fd = open (dev, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", dev);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return parma_error_make (err, errno, "stat `%s`", dev);
  if (!S_ISBLK (st.st_mode) || major (st.st_rdev) != major || minor (st.st_rdev) != minor)
    return parma_error_make (err, EACCES, "`%s` is not the mounted device %u:%u", dev, major,
                             minor);
  struct loop_info64 info;
  if (ioctl (fd, LOOP_GET_STATUS64, &info) < 0)
    return parma_error_make (err, errno, "LOOP_GET_STATUS64 `%s`", dev);
  /* An offset or size limit (LOOP_SET_STATUS64 works on a bound device)
     would show another window of the copy. */
  if (info.lo_inode != ino || info.lo_device != bdev || info.lo_offset != 0
      || info.lo_sizelimit != 0 || !(info.lo_flags & LO_FLAGS_READ_ONLY))
    return parma_error_make (err, EACCES, "`%s` is no longer backed by the verified copy", dev);
  return 0;
}
