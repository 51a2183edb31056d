/* SPDX-License-Identifier: Apache-2.0 */
/* The container rootfs, built by us: an overlay whose lower layers are
   the verified layer mounts (verity_open) and whose upper layer is a fresh
   tmpfs (guest memory, which SEV-SNP encrypts).

   Why we build it rather than check one the host built: an overlay keeps
   the lowerdir *strings* it was given, and mountinfo shows them as typed,
   so a host that binds a decoy over a verified mount point, builds the
   overlay and then removes the decoy leaves an overlay that reads the
   decoy while every path in mountinfo leads to the verified mount.  No
   check after the fact can tell.  So each layer is opened here without
   following symlinks, proved to be the recorded verified mount, and handed
   to overlayfs as /proc/self/fd/N: the kernel takes that exact mount (and
   clones it privately), whatever happens to the path afterwards.

   Nor is the overlay ever put where the host can reach it: a rootfs at a
   host path could be written through that path after create, covered in
   part by a mount over one of its directories (runc's rbind carries it
   into the container), propagated into, or swapped under runc between the
   decision and runc's open.  It is built detached (fsmount), its mount id
   read, and attached at <state_dir>/rootfs/<name>.root, below a private
   mount (no propagation in or out).  The caller's target directory is only
   the name the bundle's root.path uses for it: at create the check finds
   the record by that path and hands runc the private one (stack.c). */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRATCH_MAX (UINT64_C (1) << 50) /* 1 PiB */

struct rootfs_build
{
  const struct verity_rootfs_request *req;
  struct verity_rootfs_record rec;
  int *layer_fds; /* O_PATH, base first */
  size_t n;
  int scratch_dir;   /* O_PATH on <state>/rootfs/<name>.d */
  int root_dir;      /* O_PATH on <state>/rootfs/<name>.root */
  int scratch_mount; /* the tmpfs (fsmount fd), -1 until mounted */
  int overlay_mount; /* fsmount fd, -1 until made */
  bool attached;
};

static char *
scratch_name (const char *name)
{
  return xasprintf ("%s.d", name);
}

char *
verity_rootfs_root_path (const char *state_dir, const char *name)
{
  return xasprintf ("%s/rootfs/%s.root", state_dir, name);
}

/* Unmounts whatever is stacked on <state>/rootfs/<sub> (only parma mounts
   there: a killed call's, or the one being removed) and removes it. */
static int
clear_dir (int dir, const char *state_dir, const char *sub, parma_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/rootfs/%s", state_dir, sub);
  for (int i = 0; i < 64 && umount2 (path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; i++)
    ;
  if (unlinkat (dir, sub, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return parma_error_make (err, errno, "clear `%s`", path);
  return 0;
}

/* <state>/rootfs as a private mount: nothing mounted below it propagates
   out to the host's peers, nothing the host mounts elsewhere propagates in
   (the state dir's parent may well be shared, as systemd makes /). */
static int
make_private (int dir, const char *state_dir, parma_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/rootfs", state_dir);
  struct verity_mount_id id;
  if (verity_mount_id_fd (dir, &id, err) < 0)
    return -1;
  if (!id.is_mount_root && mount (path, path, NULL, MS_BIND, NULL) < 0)
    return parma_error_make (err, errno, "bind `%s` onto itself", path);
  if (mount (NULL, path, NULL, MS_PRIVATE, NULL) < 0)
    return parma_error_make (err, errno, "make `%s` a private mount", path);
  return 0;
}

/* No other rootfs is known by this target: create finds records by it. */
static int
target_unused (const struct rootfs_build *b, parma_error_t *err)
{
  struct verity_rootfs_record *recs = NULL;
  size_t n = 0;
  if (verity_rootfs_record_list (b->req->state_dir, &recs, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    if (strcmp (recs[i].target, b->req->target) == 0)
      ret = parma_error_make (err, EEXIST, "target `%s` already names rootfs `%s`", b->req->target,
                              recs[i].name);
  verity_rootfs_record_list_release (recs, n);
  return ret;
}

/* Every named layer: recorded, under the pinned policy, and its mount
   point still the verified mount. */
static int
open_layers (struct rootfs_build *b, parma_error_t *err)
{
  const struct verity_rootfs_request *req = b->req;
  for (b->n = 0; req->layer_names[b->n]; b->n++)
    ;
  if (b->n == 0)
    return parma_error_make (err, EINVAL, "layers: at least one layer is required");
  /* overlayfs stacks at most 500 lower layers */
  if (b->n > 500)
    return parma_error_make (err, EINVAL, "layers: %zu layers, overlayfs takes at most 500", b->n);
  b->layer_fds = xcalloc (b->n, sizeof *b->layer_fds);
  b->rec.layers = xcalloc (b->n + 1, sizeof *b->rec.layers);
  for (size_t i = 0; i < b->n; i++)
    b->layer_fds[i] = -1;
  for (size_t i = 0; i < b->n; i++)
    {
      const char *name = req->layer_names[i];
      for (size_t k = 0; k < i; k++)
        if (strcmp (req->layer_names[k], name) == 0)
          return parma_error_make (err, EINVAL, "layers: `%s` is named twice", name);
      struct verity_record *r = &b->rec.layers[i];
      if (verity_record_read (req->state_dir, name, r, err) < 0)
        return -1;
      b->rec.n_layers = i + 1;
      if (req->policy_sha256
          && (r->policy_sha256 == NULL || strcmp (r->policy_sha256, req->policy_sha256) != 0))
        return parma_error_make (err, EACCES,
                                 "layer `%s` was not activated by parma-runc mount-layer under "
                                 "the pinned policy",
                                 name);
      b->layer_fds[i] = verity_layer_mount_open (r, err);
      if (b->layer_fds[i] < 0)
        return parma_error_wrap (err, "layer `%s`", name);
    }
  return 0;
}

static int
ask_policy (struct rootfs_build *b, parma_error_t *err)
{
  if (b->req->allow_stack == NULL)
    return 0;
  cleanup_free char **roots = xcalloc (b->n + 1, sizeof *roots);
  for (size_t i = 0; i < b->n; i++)
    roots[i] = b->rec.layers[i].root_hash;
  return b->req->allow_stack (b->req->allow_ctx, roots, b->n, err);
}

/* <state>/rootfs/<name>.d (the scratch) and <name>.root (the overlay),
   empty and not mount points, below the private <state>/rootfs.  What a
   killed mount-rootfs left (no record was written) is cleared first. */
static int
make_rootfs_dirs (struct rootfs_build *b, parma_error_t *err)
{
  cleanup_close int dir = verity_rootfs_dir (b->req->state_dir, true, err);
  if (dir < 0 || make_private (dir, b->req->state_dir, err) < 0)
    return -1;
  /* The bind made <state>/rootfs a new mount: reopen below it. */
  close (dir);
  dir = verity_rootfs_dir (b->req->state_dir, false, err);
  if (dir < 0)
    return -1;
  cleanup_free char *file = xasprintf ("%s.json", b->req->name);
  if (faccessat (dir, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return parma_error_make (err, EEXIST, "rootfs `%s` is already mounted", b->req->name);
  /* The tombstone of a name that served a container (stack.c, claim). */
  cleanup_free char *claim = xasprintf ("%s.claim", b->req->name);
  if (faccessat (dir, claim, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return parma_error_make (
        err, EEXIST, "rootfs name `%s` already served a container: use a new name", b->req->name);
  if (target_unused (b, err) < 0)
    return -1;
  cleanup_free char *sname = scratch_name (b->req->name);
  cleanup_free char *rname = xasprintf ("%s.root", b->req->name);
  if (clear_dir (dir, b->req->state_dir, sname, err) < 0
      || clear_dir (dir, b->req->state_dir, rname, err) < 0)
    return -1;
  if (mkdirat (dir, sname, 0700) < 0 || mkdirat (dir, rname, 0700) < 0)
    return parma_error_make (err, errno, "mkdir in `%s/rootfs`", b->req->state_dir);
  b->scratch_dir = safe_openat (dir, sname, O_PATH | O_DIRECTORY, 0, err);
  if (b->scratch_dir < 0)
    return -1;
  b->root_dir = safe_openat (dir, rname, O_PATH | O_DIRECTORY, 0, err);
  return b->root_dir < 0 ? -1 : 0;
}

/* The scratch tmpfs with upper/ (owner and mode of the top layer's root,
   which the overlay's root then shows) and work/. */
static int
mount_scratch (struct rootfs_build *b, int *upper, int *work, parma_error_t *err)
{
  cleanup_close int fs = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    return parma_error_make (err, errno, "fsopen tmpfs (Linux >= 5.2 is required)");
  cleanup_free char *size = xasprintf ("%llu", (unsigned long long)b->req->scratch_bytes);
  if ((b->req->scratch_bytes && fsconfig (fs, FSCONFIG_SET_STRING, "size", size, 0) < 0)
      || fsconfig (fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0
      || fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return parma_error_make (err, errno, "scratch tmpfs (size %s)", size);
  b->scratch_mount = fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (b->scratch_mount < 0)
    return parma_error_make (err, errno, "fsmount scratch tmpfs");
  if (verity_mount_id_fd (b->scratch_mount, &b->rec.scratch, err) < 0)
    return -1;
  if (move_mount (b->scratch_mount, "", b->scratch_dir, "",
                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    return parma_error_make (err, errno, "move_mount scratch tmpfs");
  struct stat top;
  if (fstat (b->layer_fds[b->n - 1], &top) < 0)
    return parma_error_make (err, errno, "stat the top layer's root");
  if (mkdirat (b->scratch_mount, "upper", top.st_mode & 07777) < 0
      || fchmodat (b->scratch_mount, "upper", top.st_mode & 07777, 0) < 0
      || fchownat (b->scratch_mount, "upper", top.st_uid, top.st_gid, AT_SYMLINK_NOFOLLOW) < 0
      || mkdirat (b->scratch_mount, "work", 0700) < 0)
    return parma_error_make (err, errno, "scratch: upper and work directories");
  *upper = openat (b->scratch_mount, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  *work = openat (b->scratch_mount, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*upper < 0 || *work < 0)
    return parma_error_make (err, errno, "scratch: open upper and work");
  return 0;
}

/* lowerdir lists the top layer first; the request is base first. */
static char *
lowerdir_option (const struct rootfs_build *b)
{
  struct strbuf sb = { 0 };
  for (size_t i = b->n; i-- > 0;)
    strbuf_appendf (&sb, "%s/proc/self/fd/%d", i + 1 == b->n ? "" : ":", b->layer_fds[i]);
  return strbuf_steal (&sb);
}

/* index, metacopy and nfs_export off: nothing in the upper layer may
   point at or stand for lower files except ordinary copy-up. */
static int
make_overlay (struct rootfs_build *b, int upper, int work, parma_error_t *err)
{
  cleanup_close int fs = fsopen ("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return parma_error_make (err, errno, "fsopen overlay");
  cleanup_free char *lower = lowerdir_option (b);
  cleanup_free char *up = xasprintf ("/proc/self/fd/%d", upper);
  cleanup_free char *wk = xasprintf ("/proc/self/fd/%d", work);
  /* findmnt shows the source: say whose overlay this is. */
  if (fsconfig (fs, FSCONFIG_SET_STRING, "source", "parma-rootfs", 0) < 0
      || fsconfig (fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0
      || fsconfig (fs, FSCONFIG_SET_STRING, "upperdir", up, 0) < 0
      || fsconfig (fs, FSCONFIG_SET_STRING, "workdir", wk, 0) < 0
      || fsconfig (fs, FSCONFIG_SET_STRING, "index", "off", 0) < 0
      || fsconfig (fs, FSCONFIG_SET_STRING, "metacopy", "off", 0) < 0
      || fsconfig (fs, FSCONFIG_SET_STRING, "nfs_export", "off", 0) < 0
      || fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return parma_error_make (err, errno, "overlay of %zu verified layers", b->n);
  b->overlay_mount = fsmount (fs, FSMOUNT_CLOEXEC, 0);
  if (b->overlay_mount < 0)
    return parma_error_make (err, errno, "fsmount overlay");
  return verity_mount_id_fd (b->overlay_mount, &b->rec.overlay, err);
}

static int
attach_overlay (struct rootfs_build *b, parma_error_t *err)
{
  if (move_mount (b->overlay_mount, "", b->root_dir, "",
                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    return parma_error_make (err, errno, "move_mount overlay onto `%s/rootfs/%s.root`",
                             b->req->state_dir, b->req->name);
  b->attached = true;
  return 0;
}

/* Undoes a partial build: nothing of it may stay mounted or recorded. */
static void
rootfs_build_release (struct rootfs_build *b, bool failed)
{
  if (failed && b->attached)
    verity_unmount_fd (&b->overlay_mount);
  if (failed)
    verity_unmount_fd (&b->scratch_mount);
  if (b->overlay_mount >= 0)
    close (b->overlay_mount);
  if (b->scratch_mount >= 0)
    close (b->scratch_mount);
  if (failed && b->scratch_dir >= 0)
    {
      cleanup_free char *sname = scratch_name (b->req->name);
      cleanup_free char *rname = xasprintf ("%s.root", b->req->name);
      parma_error_t ignored = NULL;
      cleanup_close int dir = verity_rootfs_dir (b->req->state_dir, false, &ignored);
      parma_error_release (&ignored);
      if (dir >= 0)
        unlinkat (dir, sname, AT_REMOVEDIR);
      if (dir >= 0 && b->root_dir >= 0)
        unlinkat (dir, rname, AT_REMOVEDIR);
    }
  if (b->scratch_dir >= 0)
    close (b->scratch_dir);
  if (b->root_dir >= 0)
    close (b->root_dir);
  for (size_t i = 0; b->layer_fds && i < b->n; i++)
    if (b->layer_fds[i] >= 0)
      close (b->layer_fds[i]);
  free (b->layer_fds);
  b->rec.name = b->rec.target = b->rec.policy_sha256 = NULL; /* the request's */
  verity_rootfs_record_release (&b->rec);
}

int
verity_mount_rootfs (const struct verity_rootfs_request *req, parma_error_t *err)
{
  if (req->name == NULL || req->target == NULL || req->state_dir == NULL
      || req->layer_names == NULL)
    return parma_error_make (err, EINVAL,
                             "mount rootfs: name, target, state dir and layers are required");
  if (verity_valid_name (req->name, err) < 0)
    return -1;
  /* tmpfs rounds size= up to pages: a value near 2^64 would wrap to 0,
     which tmpfs reads as "no limit". */
  if (req->scratch_bytes > SCRATCH_MAX)
    return parma_error_make (err, EINVAL, "scratch size: %llu bytes, at most %llu",
                             (unsigned long long)req->scratch_bytes,
                             (unsigned long long)SCRATCH_MAX);
  struct rootfs_build b
      = { .req = req, .scratch_dir = -1, .root_dir = -1, .scratch_mount = -1, .overlay_mount = -1 };
  b.rec.name = (char *)req->name;
  b.rec.target = (char *)req->target;
  b.rec.policy_sha256 = (char *)req->policy_sha256;
  int upper = -1, work = -1;
  /* The target (the name the bundle will use) is checked first, so a bad
     one costs no mount. */
  int ret = verity_open_dir_nofollow (req->target, err);
  if (ret < 0)
    return parma_error_wrap (err, "target");
  close (ret);
  ret = open_layers (&b, err);
  if (ret == 0)
    ret = ask_policy (&b, err);
  if (ret == 0)
    ret = make_rootfs_dirs (&b, err);
  if (ret == 0)
    ret = mount_scratch (&b, &upper, &work, err);
  if (ret == 0)
    ret = make_overlay (&b, upper, work, err);
  if (ret == 0)
    ret = attach_overlay (&b, err);
  if (ret == 0)
    ret = verity_rootfs_record_write (req->state_dir, &b.rec, err);
  if (upper >= 0)
    close (upper);
  if (work >= 0)
    close (work);
  rootfs_build_release (&b, ret < 0);
  return ret;
}

/* The last rootfs gone (tombstones aside), make_private's bind goes too:
   nothing of parma's stays mounted (a later mount-rootfs makes it again). */
static void
drop_private_if_empty (int dir, const char *state_dir)
{
  int rfd = openat (dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = rfd < 0 ? NULL : fdopendir (rfd);
  if (d == NULL)
    {
      if (rfd >= 0)
        close (rfd);
      return;
    }
  /* Tombstones stay in the directory itself, below the bind. */
  bool empty = true;
  struct dirent *de;
  while (empty && (de = readdir (d)) != NULL)
    {
      size_t len = strlen (de->d_name);
      empty = strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
              || (len > 6 && strcmp (de->d_name + len - 6, ".claim") == 0);
    }
  closedir (d);
  struct verity_mount_id id;
  parma_error_t ignored = NULL;
  if (empty && verity_mount_id_fd (dir, &id, &ignored) == 0 && id.is_mount_root)
    {
      cleanup_free char *path = xasprintf ("%s/rootfs", state_dir);
      umount2 (path, MNT_DETACH | UMOUNT_NOFOLLOW);
    }
  parma_error_release (&ignored);
}

/* Everything under <state>/rootfs for `name` is parma's (the host never
   mounts there), so it is all taken down, whatever identity it has now. */
int
verity_unmount_rootfs (const char *state_dir, const char *name, parma_error_t *err)
{
  if (verity_valid_name (name, err) < 0)
    return -1;
  struct verity_rootfs_record r;
  parma_error_t missing = NULL;
  bool recorded = verity_rootfs_record_read (state_dir, name, &r, &missing) == 0;
  cleanup_close int dir = verity_rootfs_dir (state_dir, false, err);
  if (dir < 0)
    {
      if (recorded)
        verity_rootfs_record_release (&r);
      parma_error_release (&missing);
      return -1;
    }
  cleanup_free char *sname = scratch_name (name);
  cleanup_free char *rname = xasprintf ("%s.root", name);
  /* A killed mount-rootfs leaves its directories and no record. */
  bool leftovers = faccessat (dir, sname, F_OK, AT_SYMLINK_NOFOLLOW) == 0
                   || faccessat (dir, rname, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  if (!recorded && !leftovers)
    {
      *err = missing;
      return -1;
    }
  parma_error_release (&missing);
  int ret = clear_dir (dir, state_dir, rname, err);
  if (ret == 0)
    ret = clear_dir (dir, state_dir, sname, err);
  if (ret == 0)
    ret = verity_rootfs_record_remove (state_dir, name, err);
  if (ret == 0)
    drop_private_if_empty (dir, state_dir);
  if (recorded)
    verity_rootfs_record_release (&r);
  return ret;
}

/* A layer under a mounted rootfs stays: its record is what the create
   check re-verifies the rootfs's devices against. */
int
verity_layer_in_use (const char *state_dir, const char *layer, char **rootfs, parma_error_t *err)
{
  struct verity_rootfs_record *recs = NULL;
  size_t n = 0;
  *rootfs = NULL;
  if (verity_rootfs_record_list (state_dir, &recs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && *rootfs == NULL; i++)
    for (size_t k = 0; k < recs[i].n_layers && *rootfs == NULL; k++)
      if (strcmp (recs[i].layers[k].name, layer) == 0)
        *rootfs = xstrdup (recs[i].name);
  verity_rootfs_record_list_release (recs, n);
  return 0;
}
