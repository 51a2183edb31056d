/* SPDX-License-Identifier: Apache-2.0 */
/* Is a recorded mount still mounted somewhere, although not where its
   record says (covered by another mount, or moved)?  Removing the record
   of such a mount would leave it mounted and unrecorded, holding its
   device, so verity_close and verity_unmount_rootfs refuse then. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <libmount.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* statmount(2), Linux 6.8: looks a mount up by its never-reused id.
   Debian 12's headers predate it; the syscall number is the same on every
   architecture. */
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#define STATMOUNT_SB_BASIC 0x1u
#define STATMOUNT_MNT_BASIC 0x2u

struct statmount_req /* struct mnt_id_req, MNT_ID_REQ_SIZE_VER0 */
{
  uint32_t size, spare;
  uint64_t mnt_id, param;
};

/* The leading fields of struct statmount (include/uapi/linux/mount.h). */
struct statmount_head
{
  uint32_t size, mnt_opts;
  uint64_t mask;
  uint32_t sb_dev_major, sb_dev_minor;
  uint64_t sb_magic;
  uint32_t sb_flags, fs_type;
  uint64_t mnt_id, mnt_parent_id;
  uint32_t mnt_id_old, mnt_parent_id_old;
};

/* 1: the mount with unique id `id` exists and is `want`; 0: it is gone
   (its old id may belong to another mount by now); -1: no statmount. */
static int
unique_mount_present (const struct verity_mount_id *want)
{
  struct statmount_req req = { .size = sizeof req,
                               .mnt_id = want->mnt_id_unique,
                               .param = STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC };
  size_t len = 4096; /* struct statmount is 512 bytes, no strings asked */
  cleanup_free struct statmount_head *sm = xzalloc (len);
  if (syscall (SYS_statmount, &req, sm, len, 0) < 0)
    return errno == ENOENT ? 0 : -1;
  return (sm->mask & STATMOUNT_SB_BASIC) && (sm->mask & STATMOUNT_MNT_BASIC)
         && sm->mnt_id_old == want->mnt_id && sm->sb_dev_major == want->dev_major
         && sm->sb_dev_minor == want->dev_minor;
}

char *
verity_mount_elsewhere (const struct verity_mount_id *want, const char *fstype, const char *source)
{
  int present = want->mnt_id_unique ? unique_mount_present (want) : -1;
  if (present == 0)
    return NULL;
  struct libmnt_table *tab = mnt_new_table_from_file ("/proc/self/mountinfo");
  struct libmnt_iter *it = tab ? mnt_new_iter (MNT_ITER_FORWARD) : NULL;
  struct libmnt_fs *fs = NULL;
  char *where = NULL;
  dev_t dev = makedev (want->dev_major, want->dev_minor);
  while (it && where == NULL && mnt_table_next_fs (tab, it, &fs) == 0)
    if ((uint64_t)mnt_fs_get_id (fs) == want->mnt_id && mnt_fs_get_devno (fs) == dev
        && (fstype == NULL || strcmp (mnt_fs_get_fstype (fs) ?: "", fstype) == 0)
        && (source == NULL || strcmp (mnt_fs_get_source (fs) ?: "", source) == 0))
      where = xstrdup (mnt_fs_get_target (fs) ?: "?");
  /* Unreadable mountinfo, or statmount found it where mountinfo (another
     namespace's view, a race) did not: still there, place unknown. */
  if (where == NULL && (it == NULL || present == 1))
    where = xstrdup ("?");
  mnt_free_iter (it);
  mnt_unref_table (tab);
  return where;
}
