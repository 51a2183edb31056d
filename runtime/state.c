/* SPDX-License-Identifier: Apache-2.0 */
/* parma's trusted state directory (layout in state.h). */
#include "runtime/state.h"
#include "runtime/crashpoint.h"
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
#include "common/oci.h"
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
  json_t *pid = json_object_get (j, "creator_pid");
  json_t *start = json_object_get (j, "creator_start");
  if (json_is_integer (pid) && json_is_integer (start) && json_integer_value (pid) > 0
      && json_integer_value (start) >= 0)
    {
      st->creator_pid = (long)json_integer_value (pid);
      st->creator_start = (unsigned long long)json_integer_value (start);
    }
  st->admitted = digest != NULL;
  st->config_sha256 = digest ? xstrdup (digest) : NULL;
  st->policy_entry = entry ? xstrdup (entry) : NULL;
  st->sealed_bundle = bundle ? xstrdup (bundle) : NULL;
  json_decref (j);
  return 0;
}

/* Start time of process `pid` in clock ticks since boot (field 22 of
   /proc/<pid>/stat, after the parenthesised command name); it survives
   execve and tells a live process from a later one reusing its pid.
   0 found, 1 no such process, < 0 unreadable. */
static int
process_start_time (long pid, unsigned long long *out)
{
  cleanup_free char *path = xasprintf ("/proc/%ld/stat", pid);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  parma_error_t err = NULL;
  if (read_file_at (AT_FDCWD, path, 4096, &buf, &len, &err) < 0)
    {
      bool gone = err->status == ENOENT || err->status == ESRCH;
      parma_error_release (&err);
      return gone ? 1 : -1;
    }
  const char *p = strrchr (buf, ')');
  if (p == NULL)
    return -1;
  /* fields 3 (state) .. 22 (starttime) follow, one space before each */
  for (int field = 3; field <= 22; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return -1;
      p++;
    }
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull (p, &end, 10);
  if (errno != 0 || end == p)
    return -1;
  *out = v;
  return 0;
}

bool
parma_delegate_knows (const struct parma_globals *g, const char *id)
{
  cleanup_free char *dir = xasprintf ("%s/%s", g->root, id);
  struct stat sb;
  return lstat (dir, &sb) == 0 || errno != ENOENT;
}

/* The process that wrote the record (now the delegate it exec'd) still
   runs: its create or restore may not have made <root>/<id> yet. */
static bool
creator_runs (const struct parma_state *st)
{
  if (st->creator_pid <= 0)
    return false;
  unsigned long long start = 0;
  int r = process_start_time (st->creator_pid, &start);
  return r < 0 || (r == 0 && start == st->creator_start);
}

bool
parma_state_is_stale (const struct parma_globals *g, const struct parma_state *st)
{
  if (st->id_fd < 0 || parma_delegate_knows (g, st->id))
    return false;
  return !st->admitted || !creator_runs (st);
}

static int remove_record (struct parma_state *st, parma_error_t *err);

/* Under the id's lock: a record the delegate no longer knows and nobody
   is still writing is what a killed or failed call left; drop it. */
int
parma_state_drop_stale (const struct parma_globals *g, struct parma_state *st, parma_error_t *err)
{
  if (!parma_state_is_stale (g, st))
    return 0;
  if (remove_record (st, err) < 0)
    return -1;
  close (st->id_fd);
  st->id_fd = -1;
  free (st->config_sha256);
  free (st->policy_entry);
  free (st->sealed_bundle);
  st->config_sha256 = st->policy_entry = st->sealed_bundle = NULL;
  st->admitted = false;
  st->creator_pid = 0;
  parma_step ("stale-record-removed");
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
  parma_step ("state-locked");
  st->id_path = xasprintf ("%s/%s/%s", g->config->state_dir, key, id);
  st->id_fd = open_dir_in (st->root_fd, id, false, err);
  if (st->id_fd < 0 && err && *err)
    return -1;
  if (st->id_fd >= 0
      && (read_admission (st, err) < 0
          || (mode == STATE_CREATE && parma_state_drop_stale (g, st, err) < 0)))
    return -1;
  if (st->id_fd < 0 && mode == STATE_CREATE)
    st->id_fd = open_dir_in (st->root_fd, id, true, err);
  return st->id_fd < 0 && mode == STATE_CREATE ? -1 : 0;
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
  parma_step ("sealed-bundle-dir");
  if (write_file_atomic_at (bfd, "config.json", buf, len, 0600, err) < 0)
    return parma_error_wrap (err, "seal `%s/%s`", st->id_path, name);
  parma_step ("sealed-config");
  *bundle = xasprintf ("%s/%s", st->id_path, name);
  return 0;
}

/* This process's start time: the record's creator, recognised later even
   after the execve into the delegate. */
static unsigned long long
own_start_time (void)
{
  unsigned long long start = 0;
  if (process_start_time ((long)getpid (), &start) != 0)
    start = 0;
  return start;
}

int
parma_state_admit (struct parma_state *st, const struct parma_globals *g, const char *verb,
                   const char *caller_bundle, const char *sealed_bundle, const char *config,
                   size_t config_len, parma_error_t *err)
{
  cleanup_free char *digest = parma_sha256_hex (config, config_len);
  cleanup_free char *now = parma_time_rfc3339 ();
  json_t *j = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:I}", "id", st->id,
                         "root", g->root, "verb", verb, "bundle", caller_bundle, "sealed_bundle",
                         sealed_bundle, "config_sha256", digest, "time", now, "policy_entry",
                         parma_decided_entry (), "creator_pid", (json_int_t)getpid (),
                         "creator_start", (json_int_t)own_start_time ());
  if (j == NULL)
    return parma_error_make (err, EINVAL, "admission record: not valid UTF-8");
  cleanup_free char *text = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (j);
  if (text == NULL)
    return parma_error_make (err, ENOMEM, "admission record");
  if (parma_state_write (st, "admission.json", text, strlen (text), NULL, err) < 0)
    return -1;
  parma_step ("admitted");
  return 0;
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

static int
remove_record (struct parma_state *st, parma_error_t *err)
{
  /* The record goes first: past this unlink the id is not admitted, and
     what is left of <id>/ is removed here or, after a kill, by the next
     create or delete of the id. */
  if (unlinkat (st->id_fd, "admission.json", 0) < 0 && errno != ENOENT)
    return parma_error_make (err, errno, "remove `%s/admission.json`", st->id_path);
  parma_step ("record-unlinked");
  if (remove_tree_at (st->root_fd, st->id, err) < 0)
    return parma_error_wrap (err, "remove state `%s`", st->id_path);
  return 0;
}

int
parma_state_remove (struct parma_state *st, parma_error_t *err)
{
  if (st->id_fd < 0)
    return 0;
  if (remove_record (st, err) < 0)
    return -1;
  parma_step ("state-removed");
  return 0;
}

int
parma_state_read_sealed_config (const struct parma_globals *g, const char *id, char **buf,
                                size_t *len, parma_error_t *err)
{
  struct parma_state st;
  int r = parma_state_open (g, id, STATE_LOOKUP, &st, err);
  if (r == 0 && (!st.admitted || st.sealed_bundle == NULL))
    r = 1;
  if (r == 0)
    {
      cleanup_free char *path = xasprintf ("%s/config.json", st.sealed_bundle);
      r = read_file_at (AT_FDCWD, path, OCI_MAX_DOCUMENT, buf, len, err);
    }
  parma_state_close (&st);
  return r;
}
