/* SPDX-License-Identifier: Apache-2.0 */
/* parma's trusted state directory (layout in state.h). */
#include "runtime/state.h"
#include "runtime/enforce.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "runtime/runtime.h"

#define ADMISSION_MAX (64u << 10)

char *
parma_sha256_hex (const void *buf, size_t len)
{
  uint8_t md[PARMA_SHA256_LEN];
  parma_sha256 (buf, len, md);
  return hex_encode (md, sizeof md);
}

char *
parma_time_rfc3339 (void)
{
  time_t now = time (NULL);
  struct tm tm;
  gmtime_r (&now, &tm);
  char buf[32];
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return xstrdup (buf);
}

/* Anyone else who could write in the state directory could already have
   planted a record: refuse rather than repair.  Merely readable is
   tightened to 0700. */
static int
check_state_dir (int fd, const char *dir, parma_error_t *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return parma_error_make (err, errno, "state directory `%s`", dir);
  if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return parma_error_make (err, EPERM,
                             "state directory `%s`: must be owned by root and writable by root "
                             "only (uid %u, mode %04o)",
                             dir, (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777));
  if ((st.st_mode & 077) && fchmod (fd, 0700) < 0)
    return parma_error_make (err, errno, "state directory `%s`", dir);
  return 0;
}

/* The state directory is ours: created 0700, checked by check_state_dir. */
int
parma_state_dir_open (const char *dir, parma_error_t *err)
{
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return parma_error_make (err, errno, "open /");
  cleanup_close int pfd = safe_mkdirat_p (rootfd, dir + 1, 0700, err);
  if (pfd < 0)
    return parma_error_wrap (err, "state directory");
  cleanup_close int fd = openat (pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return parma_error_make (err, errno, "state directory `%s`", dir);
  if (check_state_dir (fd, dir, err) < 0)
    return -1;
  int ret = fd;
  fd = -1;
  return ret;
}

static int
open_dir_in (int dirfd, const char *name, bool create, parma_error_t *err)
{
  if (create && mkdirat (dirfd, name, 0700) < 0 && errno != EEXIST)
    return parma_error_make (err, errno, "mkdir `%s`", name);
  int fd = openat (dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (create || errno != ENOENT))
    return parma_error_make (err, errno, "open `%s`", name);
  return fd;
}

static int
read_admission (struct parma_state *st, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  cleanup_close int fd = openat (st->id_fd, "admission.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return parma_error_make (err, errno, "open `%s/admission.json`", st->id_path);
    }
  if (read_all_fd (fd, ADMISSION_MAX, &buf, &len, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *j = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (j == NULL)
    return parma_error_make (err, EIO, "`%s/admission.json`: %s", st->id_path, jerr.text);
  const char *digest = json_string_value (json_object_get (j, "config_sha256"));
  const char *entry = json_string_value (json_object_get (j, "policy_entry"));
  const char *bundle = json_string_value (json_object_get (j, "sealed_bundle"));
  st->admitted = digest != NULL;
  st->config_sha256 = digest ? xstrdup (digest) : NULL;
  st->policy_entry = entry ? xstrdup (entry) : NULL;
  st->sealed_bundle = bundle ? xstrdup (bundle) : NULL;
  json_decref (j);
  return 0;
}

static int
lookup (const struct parma_globals *g, const char *key, struct parma_state *st, parma_error_t *err)
{
  cleanup_close int sfd = open (g->config->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (sfd < 0)
    return errno == ENOENT
               ? 0
               : parma_error_make (err, errno, "state directory `%s`", g->config->state_dir);
  if (check_state_dir (sfd, g->config->state_dir, err) < 0)
    return -1;
  st->root_fd = open_dir_in (sfd, key, false, err);
  if (st->root_fd < 0)
    return st->root_fd == -1 && err && *err ? -1 : 0;
  st->id_path = xasprintf ("%s/%s/%s", g->config->state_dir, key, st->id);
  st->id_fd = open_dir_in (st->root_fd, st->id, false, err);
  if (st->id_fd < 0)
    return err && *err ? -1 : 0;
  return read_admission (st, err);
}

int
parma_state_open (const struct parma_globals *g, const char *id, enum parma_state_mode mode,
                  struct parma_state *st, parma_error_t *err)
{
  *st = (struct parma_state){ .root_fd = -1, .lock_fd = -1, .id_fd = -1, .id = id };
  cleanup_free char *key = parma_sha256_hex (g->root, strlen (g->root));
  if (mode == STATE_LOOKUP)
    return lookup (g, key, st, err);
  cleanup_close int sfd = parma_state_dir_open (g->config->state_dir, err);
  if (sfd < 0)
    return -1;
  st->root_fd = open_dir_in (sfd, key, true, err);
  if (st->root_fd < 0)
    return parma_error_wrap (err, "state directory `%s`", g->config->state_dir);
  /* A note for people reading the state directory. */
  struct stat sb;
  if (fstatat (st->root_fd, "root", &sb, AT_SYMLINK_NOFOLLOW) < 0
      && write_file_atomic_at (st->root_fd, "root", g->root, strlen (g->root), 0600, err) < 0)
    return -1;
  cleanup_free char *lock = xasprintf ("%s.lock", id);
  st->lock_fd = openat (st->root_fd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (st->lock_fd < 0)
    return parma_error_make (err, errno, "open lock `%s/%s/%s`", g->config->state_dir, key, lock);
  while (flock (st->lock_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return parma_error_make (err, errno, "lock `%s`", lock);
  st->id_path = xasprintf ("%s/%s/%s", g->config->state_dir, key, id);
  st->id_fd = open_dir_in (st->root_fd, id, mode == STATE_CREATE, err);
  if (st->id_fd < 0)
    return err && *err ? -1 : 0;
  return read_admission (st, err);
}

void
parma_state_close (struct parma_state *st)
{
  if (st->id_fd >= 0)
    close (st->id_fd);
  if (st->lock_fd >= 0)
    close (st->lock_fd);
  if (st->root_fd >= 0)
    close (st->root_fd);
  free (st->id_path);
  free (st->config_sha256);
  free (st->policy_entry);
  free (st->sealed_bundle);
  *st = (struct parma_state){ .root_fd = -1, .lock_fd = -1, .id_fd = -1 };
}

/* <id>/ is made only when something is sealed, after decide() admitted
   it: a denied call leaves no trace but its lock file. */
static int
ensure_id_dir (struct parma_state *st, parma_error_t *err)
{
  if (st->id_fd >= 0)
    return 0;
  st->id_fd = open_dir_in (st->root_fd, st->id, true, err);
  return st->id_fd < 0 ? -1 : 0;
}

int
parma_state_write (struct parma_state *st, const char *name, const char *buf, size_t len,
                   char **path, parma_error_t *err)
{
  if (ensure_id_dir (st, err) < 0)
    return -1;
  if (write_file_atomic_at (st->id_fd, name, buf, len, 0600, err) < 0)
    return parma_error_wrap (err, "seal `%s/%s`", st->id_path, name);
  if (path)
    *path = xasprintf ("%s/%s", st->id_path, name);
  return 0;
}

/* Each admission seals into a directory of its own, never reused: two
   creates of one id racing past the lock (it ends at execve, before the
   delegate has read anything) each run the file they sealed, and the
   delegate's state (`bundle`) says which admission it ran. */
int
parma_state_seal_config (struct parma_state *st, const char *buf, size_t len, char **bundle,
                         parma_error_t *err)
{
  if (ensure_id_dir (st, err) < 0)
    return -1;
  uint8_t nonce[8];
  if (getrandom (nonce, sizeof nonce, 0) != (ssize_t) sizeof nonce)
    return parma_error_make (err, errno, "getrandom");
  cleanup_free char *hex = hex_encode (nonce, sizeof nonce);
  cleanup_free char *name = xasprintf ("bundle-%s", hex);
  cleanup_close int bfd = open_dir_in (st->id_fd, name, true, err);
  if (bfd < 0)
    return parma_error_wrap (err, "seal `%s`", st->id_path);
  if (write_file_atomic_at (bfd, "config.json", buf, len, 0600, err) < 0)
    return parma_error_wrap (err, "seal `%s/%s`", st->id_path, name);
  *bundle = xasprintf ("%s/%s", st->id_path, name);
  return 0;
}

int
parma_state_admit (struct parma_state *st, const struct parma_globals *g, const char *verb,
                   const char *caller_bundle, const char *sealed_bundle, const char *config,
                   size_t config_len, parma_error_t *err)
{
  cleanup_free char *digest = parma_sha256_hex (config, config_len);
  cleanup_free char *now = parma_time_rfc3339 ();
  json_t *j = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "id", st->id, "root", g->root,
                         "verb", verb, "bundle", caller_bundle, "sealed_bundle", sealed_bundle,
                         "config_sha256", digest, "time", now, "policy_entry",
                         parma_decided_entry ());
  if (j == NULL)
    return parma_error_make (err, EINVAL, "admission record: not valid UTF-8");
  cleanup_free char *text = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (j);
  if (text == NULL)
    return parma_error_make (err, ENOMEM, "admission record");
  return parma_state_write (st, "admission.json", text, strlen (text), NULL, err);
}

/* rm -r of a directory that only parma writes; never follows symlinks. */
static int
remove_tree_at (int parent, const char *name, parma_error_t *err)
{
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      if (errno == ENOTDIR || errno == ELOOP)
        return unlinkat (parent, name, 0) < 0 && errno != ENOENT
                   ? parma_error_make (err, errno, "remove `%s`", name)
                   : 0;
      return parma_error_make (err, errno, "open `%s`", name);
    }
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      int e = errno;
      close (fd);
      return parma_error_make (err, e, "read `%s`", name);
    }
  int ret = 0;
  struct dirent *de;
  while (ret == 0 && (de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (de->d_type == DT_DIR)
        ret = remove_tree_at (dirfd (d), de->d_name, err);
      else if (unlinkat (dirfd (d), de->d_name, 0) < 0 && errno != ENOENT)
        ret = parma_error_make (err, errno, "remove `%s/%s`", name, de->d_name);
    }
  closedir (d);
  if (ret == 0 && unlinkat (parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    ret = parma_error_make (err, errno, "remove `%s`", name);
  return ret;
}

int
parma_state_remove (struct parma_state *st, parma_error_t *err)
{
  if (remove_tree_at (st->root_fd, st->id, err) < 0)
    return parma_error_wrap (err, "remove state `%s`", st->id_path);
  return 0;
}
