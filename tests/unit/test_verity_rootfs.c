/* SPDX-License-Identifier: Apache-2.0 */
/* The rootfs records (<state>/rootfs/<name>.json), and the refusals
   verity_mount_rootfs, verity_unmount_rootfs and verity_check_rootfs make
   before any mount exists.  The mounts themselves are exercised in
   tests/verity/layers.sh (they need root, loop devices and overlayfs). */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "tap.h"
#include "verity/internal.h"
#include "verity/verity.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *workdir, *state;

#define R1 "1111111111111111111111111111111111111111111111111111111111111111"
#define R2 "2222222222222222222222222222222222222222222222222222222222222222"

static int
setup (void)
{
  workdir = xstrdup ("/tmp/parma-unit-verity-rootfs-XXXXXX");
  if (mkdtemp (workdir) == NULL)
    return -1;
  state = xasprintf ("%s/state", workdir);
  return mkdir (state, 0700);
}

static int
write_text (const char *rel, const char *text)
{
  cleanup_free char *path = xasprintf ("%s/%s", state, rel);
  FILE *f = fopen (path, "we");
  if (f == NULL)
    return -1;
  int ok = fputs (text, f) >= 0;
  return fclose (f) == 0 && ok ? 0 : -1;
}

/* <state>/<rel>, kept until the next call (tests only). */
static const char *
xs_path (const char *rel)
{
  static char *path;
  free (path);
  path = xasprintf ("%s/%s", state, rel);
  return path;
}

static bool
exists (const char *rel)
{
  cleanup_free char *path = xasprintf ("%s/%s", state, rel);
  struct stat st;
  return lstat (path, &st) == 0;
}

/* A record as verity_mount_rootfs writes it: two layers, base first. */
static void
sample_record (struct verity_rootfs_record *r, struct verity_record layers[2])
{
  memset (layers, 0, 2 * sizeof *layers);
  layers[0] = (struct verity_record){ .name = (char *)"base",
                                      .root_hash = (char *)R1,
                                      .device = (char *)"/dev/loop3",
                                      .backend = (char *)"memfd-loop",
                                      .dev_major = 7,
                                      .dev_minor = 3,
                                      .backing_ino = 1234,
                                      .backing_dev = 1ull << 33 };
  layers[1] = (struct verity_record){ .name = (char *)"top",
                                      .root_hash = (char *)R2,
                                      .device = (char *)"/run/state/layers/top.dev",
                                      .backend = (char *)"dm-verity",
                                      .dev_major = 253,
                                      .dev_minor = 0 };
  *r = (struct verity_rootfs_record){
    .name = (char *)"rf",
    .target = (char *)"/run/c/rootfs",
    .policy_sha256 = (char *)"ab12",
    .overlay = { .mnt_id = 77, .mnt_id_unique = (1ull << 40) + 5, .dev_major = 0, .dev_minor = 61 },
    .scratch = { .mnt_id = 76, .mnt_id_unique = (1ull << 40) + 4, .dev_major = 0, .dev_minor = 60 },
    .layers = layers,
    .n_layers = 2,
  };
}

static int
same_layer (const struct verity_record *a, const struct verity_record *b)
{
  TAP_CHECK_STR (a->name, b->name);
  TAP_CHECK_STR (a->root_hash, b->root_hash);
  TAP_CHECK_STR (a->device, b->device);
  TAP_CHECK_STR (a->backend, b->backend);
  TAP_CHECK (a->dev_major == b->dev_major && a->dev_minor == b->dev_minor);
  TAP_CHECK (a->backing_ino == b->backing_ino && a->backing_dev == b->backing_dev);
  return 0;
}

static int
test_roundtrip (void)
{
  parma_error_t err = NULL;
  struct verity_record layers[2];
  struct verity_rootfs_record w, r;
  sample_record (&w, layers);
  TAP_CHECK (verity_rootfs_record_write (state, &w, &err) == 0);
  TAP_CHECK (verity_rootfs_record_read (state, "rf", &r, &err) == 0);
  TAP_CHECK_STR (r.name, "rf");
  TAP_CHECK_STR (r.target, w.target);
  TAP_CHECK_STR (r.policy_sha256, w.policy_sha256);
  TAP_CHECK (memcmp (&r.overlay, &w.overlay, sizeof w.overlay) == 0);
  TAP_CHECK (memcmp (&r.scratch, &w.scratch, sizeof w.scratch) == 0);
  TAP_CHECK (r.n_layers == 2);
  for (size_t i = 0; i < 2; i++)
    TAP_CHECK (same_layer (&r.layers[i], &layers[i]) == 0);
  verity_rootfs_record_release (&r);
  /* parma-verity's own rootfs carries no policy. */
  w.name = (char *)"nopolicy";
  w.policy_sha256 = NULL;
  TAP_CHECK (verity_rootfs_record_write (state, &w, &err) == 0);
  TAP_CHECK (verity_rootfs_record_read (state, "nopolicy", &r, &err) == 0);
  TAP_CHECK (r.policy_sha256 == NULL);
  verity_rootfs_record_release (&r);
  /* Listed (a dot-file is not a record), and the layers are in use. */
  TAP_CHECK (write_text ("rootfs/.rf.json.tmp", "garbage") == 0);
  struct verity_rootfs_record *recs = NULL;
  size_t n = 0;
  TAP_CHECK (verity_rootfs_record_list (state, &recs, &n, &err) == 0 && n == 2);
  verity_rootfs_record_list_release (recs, n);
  cleanup_free char *user = NULL;
  TAP_CHECK (verity_layer_in_use (state, "top", &user, &err) == 0 && user != NULL);
  TAP_CHECK (strcmp (user, "rf") == 0 || strcmp (user, "nopolicy") == 0);
  cleanup_free char *none = NULL;
  TAP_CHECK (verity_layer_in_use (state, "other", &none, &err) == 0 && none == NULL);
  /* Remove leaves the claim: it is the name's tombstone. */
  TAP_CHECK (write_text ("rootfs/rf.claim", "root id") == 0);
  TAP_CHECK (verity_rootfs_record_remove (state, "rf", &err) == 0);
  TAP_CHECK (verity_rootfs_record_remove (state, "nopolicy", &err) == 0);
  TAP_CHECK (!exists ("rootfs/rf.json") && exists ("rootfs/rf.claim"));
  TAP_CHECK (unlink (xs_path ("rootfs/rf.claim")) == 0);
  TAP_CHECK (verity_rootfs_record_list (state, &recs, &n, &err) == 0 && n == 0);
  TAP_CHECK (verity_rootfs_record_read (state, "rf", &r, &err) < 0 && err->status == ENOENT);
  parma_error_release (&err);
  /* No rootfs directory at all: nothing in use. */
  cleanup_free char *empty = xasprintf ("%s/empty", workdir);
  TAP_CHECK (mkdir (empty, 0700) == 0);
  TAP_CHECK (verity_rootfs_record_list (empty, &recs, &n, &err) == 0 && n == 0);
  free (user);
  user = NULL;
  TAP_CHECK (verity_layer_in_use (empty, "base", &user, &err) == 0 && user == NULL);
  return 0;
}

/* A record filed under another name (renamed or copied by the host) is
   refused, and so is any listing that meets it: fail closed. */
static int
test_names_another_rootfs (void)
{
  parma_error_t err = NULL;
  struct verity_record layers[2];
  struct verity_rootfs_record w, r;
  sample_record (&w, layers);
  w.name = (char *)"a";
  TAP_CHECK (verity_rootfs_record_write (state, &w, &err) == 0);
  cleanup_free char *from = xasprintf ("%s/rootfs/a.json", state);
  cleanup_free char *to = xasprintf ("%s/rootfs/b.json", state);
  TAP_CHECK (rename (from, to) == 0);
  TAP_CHECK (verity_rootfs_record_read (state, "b", &r, &err) < 0 && err->status == EINVAL);
  TAP_CHECK (strstr (err->msg, "names another rootfs") != NULL);
  parma_error_release (&err);
  struct verity_rootfs_record *recs = NULL;
  size_t n = 0;
  TAP_CHECK (verity_rootfs_record_list (state, &recs, &n, &err) < 0);
  parma_error_release (&err);
  cleanup_free char *user = NULL;
  TAP_CHECK (verity_layer_in_use (state, "base", &user, &err) < 0);
  parma_error_release (&err);
  /* A record that is a symlink to a valid one is not followed. */
  TAP_CHECK (rename (to, from) == 0);
  cleanup_free char *link = xasprintf ("%s/rootfs/c.json", state);
  TAP_CHECK (symlink ("a.json", link) == 0);
  TAP_CHECK (verity_rootfs_record_read (state, "c", &r, &err) < 0);
  parma_error_release (&err);
  /* Names are checked before any path is built. */
  TAP_CHECK (verity_rootfs_record_read (state, "../rootfs/a", &r, &err) < 0
             && err->status == EINVAL);
  parma_error_release (&err);
  TAP_CHECK (unlink (link) == 0);
  TAP_CHECK (verity_rootfs_record_remove (state, "a", &err) == 0);
  return 0;
}

static int
test_malformed (void)
{
  static const char *const bad[] = {
    "",
    "not json",
    "[]",
    "{}",
    "{\"name\":\"bad\"}",
    /* every field but one, or one of the wrong type or sign */
    "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":1,\"mnt_id_unique\":2,\"dev_major\":0,"
    "\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
    "\"layers\":[]}",
    "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":-1,\"mnt_id_unique\":2,\"dev_major\":0,"
    "\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
    "\"scratch_dev_minor\":5,\"layers\":[]}",
    "{\"name\":\"bad\",\"target\":7,\"mnt_id\":1,\"mnt_id_unique\":2,\"dev_major\":0,"
    "\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
    "\"scratch_dev_minor\":5,\"layers\":[]}",
    "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":\"1\",\"mnt_id_unique\":2,\"dev_major\":0,"
    "\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
    "\"scratch_dev_minor\":5,\"layers\":[]}",
    "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":1,\"mnt_id_unique\":2,\"dev_major\":0,"
    "\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
    "\"scratch_dev_minor\":5,\"layers\":{}}",
    /* a layer without its root hash, and one that is not an object */
    "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":1,\"mnt_id_unique\":2,\"dev_major\":0,"
    "\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
    "\"scratch_dev_minor\":5,\"layers\":[{\"name\":\"l\",\"device\":\"/dev/loop0\","
    "\"backend\":\"memfd-loop\",\"dev_major\":7,\"dev_minor\":0,\"backing_ino\":1,"
    "\"backing_dev\":2}]}",
    "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":1,\"mnt_id_unique\":2,\"dev_major\":0,"
    "\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
    "\"scratch_dev_minor\":5,\"layers\":[\"l\"]}",
    /* a key given twice: which one would count? */
    "{\"name\":\"bad\",\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":1,\"mnt_id_unique\":2,"
    "\"dev_major\":0,\"dev_minor\":1,\"scratch_mnt_id\":3,\"scratch_mnt_id_unique\":4,"
    "\"scratch_dev_major\":0,\"scratch_dev_minor\":5,\"layers\":[]}",
    /* truncated */
    "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":1,",
  };
  /* The same record, complete, is read: the cases above fail for their
     one defect. */
  TAP_CHECK (write_text ("rootfs/bad.json",
                         "{\"name\":\"bad\",\"target\":\"/t\",\"mnt_id\":1,\"mnt_id_unique\":2,"
                         "\"dev_major\":0,\"dev_minor\":1,\"scratch_mnt_id\":3,"
                         "\"scratch_mnt_id_unique\":4,\"scratch_dev_major\":0,"
                         "\"scratch_dev_minor\":5,\"layers\":[]}")
             == 0);
  parma_error_t err = NULL;
  struct verity_rootfs_record r;
  TAP_CHECK (verity_rootfs_record_read (state, "bad", &r, &err) == 0 && r.n_layers == 0);
  verity_rootfs_record_release (&r);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      TAP_CHECK (write_text ("rootfs/bad.json", bad[i]) == 0);
      if (verity_rootfs_record_read (state, "bad", &r, &err) == 0)
        {
          fprintf (stderr, "# malformed record %zu accepted\n", i);
          return -1;
        }
      TAP_CHECK (err->status == EINVAL);
      parma_error_release (&err);
    }
  /* Larger than any record: refused by size, not parsed. */
  size_t big = (256u << 10) + 2;
  cleanup_free char *huge = xmalloc (big + 1);
  memset (huge, ' ', big);
  huge[0] = '{';
  huge[big - 1] = '}';
  huge[big] = '\0';
  TAP_CHECK (write_text ("rootfs/bad.json", huge) == 0);
  TAP_CHECK (verity_rootfs_record_read (state, "bad", &r, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (verity_rootfs_record_remove (state, "bad", &err) == 0);
  return 0;
}

static int
test_check_rootfs_refusals (void)
{
  parma_error_t err = NULL;
  char *layers[] = { (char *)R1, NULL };
  /* No record names the path: whatever it is, it is refused before
     anything is opened (the record is found by the bundle's string). */
  static const char *const unnamed[] = {
    NULL,                        /* the work dir: a plain directory */
    "/proc",                     /* a mount */
    "/proc/../proc", "proc",     /* spelled otherwise, relative */
    "/proc/", "/nonexistent-parma-rootfs",
  };
  for (size_t i = 0; i < sizeof unnamed / sizeof unnamed[0]; i++)
    {
      const char *rootfs = unnamed[i] ? unnamed[i] : workdir;
      char *mounted_at = (char *)"untouched";
      int ret = verity_check_rootfs (state, rootfs, layers, 1, &mounted_at, &err);
      cleanup_free char *msg = ret < 0 ? parma_error_format (err) : NULL;
      if (ret == 0 || err->status != EACCES || mounted_at != NULL
          || strstr (msg, "names no rootfs built by `parma-runc mount-rootfs`") == NULL)
        {
          fprintf (stderr, "# %s: %s\n", rootfs, msg ? msg : "accepted");
          return -1;
        }
      parma_error_release (&err);
    }
  /* A policy that lists no layers, pinned or not. */
  TAP_CHECK (verity_check_rootfs (state, "/proc", layers, 0, NULL, &err) < 0 && err->status == EACCES);
  parma_error_release (&err);
  TAP_CHECK (verity_check_rootfs_pinned (state, "/proc", layers, 0, "ab", "root id", NULL, &err) < 0);
  parma_error_release (&err);
  /* A forged record for target /proc whose overlay is /proc's mount:
     the check looks only at the private path <state>/rootfs/forged.root,
     which is not there, then not a mount, then a symlink to /proc. */
  cleanup_close int fd = verity_open_dir_nofollow ("/proc", &err);
  TAP_CHECK (fd >= 0);
  struct verity_record lrec[2];
  struct verity_rootfs_record w;
  sample_record (&w, lrec);
  w.name = (char *)"forged";
  w.target = (char *)"/proc";
  w.n_layers = 1;
  TAP_CHECK (verity_mount_id_fd (fd, &w.overlay, &err) == 0);
  TAP_CHECK (verity_rootfs_record_write (state, &w, &err) == 0);
  cleanup_free char *private_path = verity_rootfs_root_path (state, "forged");
  cleanup_free char *want = xasprintf ("%s/rootfs/forged.root", state);
  TAP_CHECK_STR (private_path, want);
  static const char *const why[] = { "(symlinks are not followed)", "is no longer mounted at",
                                     "(symlinks are not followed)" };
  for (size_t i = 0; i < 3; i++)
    {
      if (i == 1)
        TAP_CHECK (mkdir (private_path, 0700) == 0);
      if (i == 2)
        TAP_CHECK (rmdir (private_path) == 0 && symlink ("/proc", private_path) == 0);
      char *mounted_at = (char *)"untouched";
      TAP_CHECK (verity_check_rootfs (state, "/proc", layers, 1, &mounted_at, &err) < 0
                 && err->status == EACCES && mounted_at == NULL);
      cleanup_free char *msg = parma_error_format (err);
      if (strstr (msg, "rootfs `forged` (for `/proc`)") == NULL || strstr (msg, why[i]) == NULL)
        {
          fprintf (stderr, "# case %zu: %s\n", i, msg);
          return -1;
        }
      parma_error_release (&err);
    }
  /* Pinned: refused the same way, and nothing is claimed. */
  TAP_CHECK (verity_check_rootfs_pinned (state, "/proc", layers, 1, "ab12", "x", NULL, &err) < 0
             && err->status == EACCES);
  parma_error_release (&err);
  TAP_CHECK (!exists ("rootfs/forged.claim"));
  /* A target is matched as a string: another spelling names no rootfs. */
  TAP_CHECK (verity_check_rootfs (state, "/proc/", layers, 1, NULL, &err) < 0);
  TAP_CHECK (strstr (err->msg, "names no rootfs built by") != NULL);
  parma_error_release (&err);
  TAP_CHECK (unlink (private_path) == 0);
  TAP_CHECK (verity_rootfs_record_remove (state, "forged", &err) == 0);
  return 0;
}

/* Refusals before anything is mounted: nothing is left behind. */
static int
test_mount_refusals (void)
{
  parma_error_t err = NULL;
  cleanup_free char *target = xasprintf ("%s/target", workdir);
  TAP_CHECK (mkdir (target, 0755) == 0);
  char *names[] = { (char *)"lay", NULL };
  char *none[] = { NULL };
  struct verity_rootfs_request ok
      = { .name = "rr", .state_dir = state, .layer_names = names, .target = target };
  struct verity_rootfs_request req = ok;
  req.name = NULL;
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  req = ok;
  req.name = "../rr";
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  req = ok;
  req.target = "relative/target";
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0);
  parma_error_release (&err);
  cleanup_free char *link = xasprintf ("%s/target-link", workdir);
  TAP_CHECK (symlink ("target", link) == 0);
  req.target = link;
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0);
  parma_error_release (&err);
  req = ok;
  req.layer_names = none;
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  /* A layer never opened. */
  req = ok;
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0);
  parma_error_release (&err);
  /* A layer whose record is `parma-verity open`'s (no policy) under a
     pinned request; then one whose mount point is not its mount. */
  struct verity_record lay = { .name = (char *)"lay",
                               .root_hash = (char *)R1,
                               .mount_point = target,
                               .device = (char *)"/dev/loop9",
                               .source = (char *)"/host/img",
                               .fstype = (char *)"squashfs",
                               .backend = (char *)"memfd-loop",
                               .mnt_id = 999999,
                               .mnt_id_unique = 1ull << 50 };
  TAP_CHECK (verity_record_write (state, &lay, &err) == 0);
  req.policy_sha256 = "ab12";
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0 && err->status == EACCES);
  TAP_CHECK (strstr (err->msg, "not activated by parma-runc mount-layer") != NULL);
  parma_error_release (&err);
  req = ok;
  TAP_CHECK (verity_mount_rootfs (&req, &err) < 0 && err->status == EACCES);
  cleanup_free char *msg = parma_error_format (err);
  TAP_CHECK (strstr (msg, "no longer the verified mount") != NULL);
  parma_error_release (&err);
  TAP_CHECK (!exists ("rootfs/rr.json") && !exists ("rootfs/rr.d") && !exists ("rootfs/rr.root"));
  TAP_CHECK (verity_record_remove (state, "lay", &err) == 0);
  /* Unmounting what was never mounted. */
  TAP_CHECK (verity_unmount_rootfs (state, "rr", &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (verity_unmount_rootfs (state, "../rr", &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  /* What a killed mount-rootfs leaves, with no record: its directories
     are removed (a claim stays: the tombstone); then the name is unknown
     again. */
  TAP_CHECK (mkdir (xs_path ("rootfs/ghost.d"), 0700) == 0);
  TAP_CHECK (mkdir (xs_path ("rootfs/ghost.root"), 0700) == 0);
  TAP_CHECK (write_text ("rootfs/ghost.claim", "root id") == 0);
  TAP_CHECK (verity_unmount_rootfs (state, "ghost", &err) == 0);
  TAP_CHECK (!exists ("rootfs/ghost.d") && !exists ("rootfs/ghost.root")
             && exists ("rootfs/ghost.claim"));
  TAP_CHECK (verity_unmount_rootfs (state, "ghost", &err) < 0 && err->status == ENOENT);
  parma_error_release (&err);
  /* Only the private directory left (killed after the scratch went). */
  TAP_CHECK (mkdir (xs_path ("rootfs/ghost.root"), 0700) == 0);
  TAP_CHECK (verity_unmount_rootfs (state, "ghost", &err) == 0 && !exists ("rootfs/ghost.root"));
  TAP_CHECK (unlink (link) == 0);
  return 0;
}

/* A layer that a rootfs record names cannot be closed: EBUSY, before the
   layer's mount or record is touched. */
static int
test_close_layer_in_use (void)
{
  parma_error_t err = NULL;
  cleanup_free char *mp = xasprintf ("%s/mp", workdir);
  TAP_CHECK (mkdir (mp, 0755) == 0);
  struct verity_record base = { .name = (char *)"base",
                                .root_hash = (char *)R1,
                                .mount_point = mp,
                                .device = (char *)"/dev/loop9",
                                .source = (char *)"/host/img",
                                .fstype = (char *)"squashfs",
                                .backend = (char *)"memfd-loop" };
  TAP_CHECK (verity_record_write (state, &base, &err) == 0);
  struct verity_record layers[2];
  struct verity_rootfs_record w;
  sample_record (&w, layers);
  TAP_CHECK (verity_rootfs_record_write (state, &w, &err) == 0);
  TAP_CHECK (verity_close (state, "base", &err) < 0 && err->status == EBUSY);
  TAP_CHECK (strstr (err->msg, "under rootfs `rf`") != NULL);
  parma_error_release (&err);
  TAP_CHECK (exists ("layers/base.json"));
  /* Once the rootfs record is gone the layer closes (nothing is mounted
     at its path: only the record goes). */
  TAP_CHECK (verity_rootfs_record_remove (state, "rf", &err) == 0);
  TAP_CHECK (verity_close (state, "base", &err) == 0);
  TAP_CHECK (!exists ("layers/base.json"));
  return 0;
}

static int
remove_one (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  return remove (path);
}

static int
teardown (void)
{
  return nftw (workdir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

TAP_MAIN ({ "setup", setup }, { "record write/read/list/in-use/remove", test_roundtrip },
          { "record naming another rootfs refused", test_names_another_rootfs },
          { "malformed records refused", test_malformed },
          { "check-rootfs refusals: no record, no private overlay", test_check_rootfs_refusals },
          { "mount-rootfs refusals before any mount", test_mount_refusals },
          { "close of a layer under a rootfs: EBUSY", test_close_layer_in_use },
          { "teardown", teardown })
