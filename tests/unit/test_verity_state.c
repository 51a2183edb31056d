/* SPDX-License-Identifier: Apache-2.0 */
/* Layer records, names, and the refusals verity_open makes before it
   touches any device. */
#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"
#include "tap.h"
#include "verity/internal.h"
#include "verity/verity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *workdir;

static int
setup (void)
{
  workdir = xstrdup ("/tmp/parma-unit-verity-state-XXXXXX");
  return mkdtemp (workdir) ? 0 : -1;
}

static int
test_names (void)
{
  parma_error_t err = NULL;
  TAP_CHECK (verity_valid_name ("layer-1.base_x", &err) == 0);
  static const char *bad[]
      = { "",
          ".hidden",
          "a/b",
          "..",
          "a b",
          "x\n",
          "0123456789012345678901234567890123456789012345678901234567890123456789" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      TAP_CHECK (verity_valid_name (bad[i], &err) < 0 && err->status == EINVAL);
      parma_error_release (&err);
    }
  return 0;
}

static int
test_record_roundtrip (void)
{
  cleanup_free char *state = xasprintf ("%s/state", workdir);
  struct verity_record r = {
    .name = (char *)"base",
    .root_hash = (char *)"ab",
    .mount_point = (char *)"/run/x",
    .device = (char *)"/dev/loop3",
    .source = (char *)"/host/img",
    .fstype = (char *)"squashfs",
    .backend = (char *)"memfd-loop",
    .mnt_id = 42,
    .mnt_id_unique = 1ull << 40,
    .dev_major = 7,
    .dev_minor = 3,
  };
  parma_error_t err = NULL;
  TAP_CHECK (verity_record_write (state, &r, &err) == 0);
  cleanup_free char *path = xasprintf ("%s/layers", state);
  struct stat st;
  TAP_CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0700);
  struct verity_record got;
  TAP_CHECK (verity_record_read (state, "base", &got, &err) == 0);
  TAP_CHECK_STR (got.mount_point, "/run/x");
  TAP_CHECK (got.dm_name == NULL && got.mnt_id == 42 && got.mnt_id_unique == 1ull << 40
             && got.dev_minor == 3);
  TAP_CHECK (got.policy_sha256 == NULL); /* parma-verity open writes none */
  verity_record_release (&got);
  /* The runtime's activation records the pinned policy. */
  r.name = (char *)"pinned";
  r.policy_sha256 = (char *)"70802d1afa25aeafb3ec457c11db6ff50adaf8bdd97492af1a03a335ddf0b8f2";
  TAP_CHECK (verity_record_write (state, &r, &err) == 0);
  TAP_CHECK (verity_record_read (state, "pinned", &got, &err) == 0);
  TAP_CHECK_STR (got.policy_sha256, r.policy_sha256);
  verity_record_release (&got);
  TAP_CHECK (verity_record_remove (state, "pinned", &err) == 0);
  struct verity_record *all = NULL;
  size_t n = 0;
  TAP_CHECK (verity_record_list (state, &all, &n, &err) == 0 && n == 1);
  verity_record_release (&all[0]);
  free (all);
  /* A record with a duplicate key is not believed. */
  cleanup_free char *file = xasprintf ("%s/layers/dup.json", state);
  const char *dup = "{\"name\":\"dup\",\"name\":\"dup\"}";
  cleanup_close int dfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  TAP_CHECK (write_file_atomic_at (dfd, "dup.json", dup, strlen (dup), 0600, &err) == 0);
  TAP_CHECK (verity_record_read (state, "dup", &got, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (verity_record_list (state, &all, &n, &err) < 0);
  parma_error_release (&err);
  unlink (file);
  TAP_CHECK (verity_record_read (state, "../x", &got, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (verity_record_remove (state, "base", &err) == 0);
  TAP_CHECK (verity_record_read (state, "base", &got, &err) < 0);
  parma_error_release (&err);
  rmdir (path);
  rmdir (state);
  return 0;
}

static int
test_open_refusals (void)
{
  cleanup_free char *data = xasprintf ("%s/data.img", workdir);
  cleanup_close int fd = open (data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  TAP_CHECK (fd >= 0 && ftruncate (fd, 8192) == 0);
  char *allowed[]
      = { (char *)"1111111111111111111111111111111111111111111111111111111111111111", NULL };
  struct verity_open_request req = {
    .name = "l",
    .data_path = data,
    .root_hex = "2222222222222222222222222222222222222222222222222222222222222222",
    .allowed_roots = allowed,
    .mount_point = workdir,
    .state_dir = workdir,
    .backend = VERITY_BACKEND_MEMFD,
  };
  verity_params_init (&req.params);
  req.params.no_superblock = true;
  parma_error_t err = NULL;
  /* The device-mount rule comes first. */
  TAP_CHECK (verity_open (&req, &err) < 0 && err->status == EACCES);
  TAP_CHECK (strstr (err->msg, "device-mount rule") != NULL);
  parma_error_release (&err);
  /* Allowed root but wrong content: EFAULT, nothing mounted or recorded. */
  allowed[0] = (char *)req.root_hex;
  if (geteuid () == 0 && access ("/dev/loop-control", F_OK) == 0)
    {
      TAP_CHECK (verity_open (&req, &err) < 0 && err->status == EFAULT);
      parma_error_release (&err);
      cleanup_free char *rec = xasprintf ("%s/layers/l.json", workdir);
      TAP_CHECK (access (rec, F_OK) < 0);
    }
  /* AUTO without device-mapper and without the fallback allowed. */
  req.backend = VERITY_BACKEND_AUTO;
  if (!verity_dm_available ())
    {
      TAP_CHECK (verity_open (&req, &err) < 0 && err->status == ENODEV);
      parma_error_release (&err);
    }
  /* A FIFO as the image would block the copy: refused up front. */
  cleanup_free char *fifo = xasprintf ("%s/fifo", workdir);
  TAP_CHECK (mkfifo (fifo, 0600) == 0);
  req.backend = VERITY_BACKEND_MEMFD;
  req.data_path = fifo;
  TAP_CHECK (verity_open (&req, &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  unlink (fifo);
  req.data_path = data;
  req.root_hex = "22";
  TAP_CHECK (verity_open (&req, &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  req.name = "../evil";
  TAP_CHECK (verity_open (&req, &err) < 0 && err->status == EINVAL);
  parma_error_release (&err);
  unlink (data);
  return 0;
}

static int
test_check_rootfs_refusals (void)
{
  parma_error_t err = NULL;
  char *layers[] = { (char *)"11", NULL };
  /* No rootfs record names the path (a plain directory, a mount, the
     same spelled otherwise): refused, and nothing is handed out. */
  static const char *const unnamed[] = { NULL, "/proc", "/proc/../proc" };
  for (size_t i = 0; i < sizeof unnamed / sizeof unnamed[0]; i++)
    {
      char *mounted_at = (char *)"untouched";
      TAP_CHECK (verity_check_rootfs (workdir, unnamed[i] ? unnamed[i] : workdir, layers, 1,
                                      &mounted_at, &err)
                     < 0
                 && err->status == EACCES);
      TAP_CHECK (strstr (err->msg, "names no rootfs built by") != NULL);
      TAP_CHECK (mounted_at == NULL);
      parma_error_release (&err);
    }
  TAP_CHECK (verity_check_rootfs (workdir, "/proc", layers, 0, NULL, &err) < 0);
  parma_error_release (&err);
  return 0;
}

static int
teardown (void)
{
  cleanup_free char *layers = xasprintf ("%s/layers", workdir);
  rmdir (layers);
  return rmdir (workdir) == 0 ? 0 : -1;
}

TAP_MAIN ({ "setup", setup }, { "layer names", test_names },
          { "record write/read/list/remove", test_record_roundtrip },
          { "open refusals before any device", test_open_refusals },
          { "check-rootfs refusals", test_check_rootfs_refusals }, { "teardown", teardown })
