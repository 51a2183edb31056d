/* SPDX-License-Identifier: Apache-2.0 */
#include "io.h"
#include "cleanup.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int
read_all_fd (int fd, size_t max, char **out, size_t *len, parma_error_t *err)
{
  /* Room for one byte past `max`, so that a file of exactly `max` bytes is
     told apart from a longer one without trusting fstat. */
  size_t limit;
  if (size_add_overflow (max, 1, &limit))
    limit = max;
  size_t cap = limit < 4096 ? limit : 4096, used = 0;
  cleanup_free char *buf = xmalloc (cap + 1);
  for (;;)
    {
      if (used == cap)
        {
          if (cap >= limit)
            return parma_error_make (err, EFBIG, "input larger than %zu bytes", max);
          cap = cap > limit / 2 ? limit : cap * 2;
          buf = xrealloc (buf, cap + 1);
        }
      ssize_t r = read (fd, buf + used, cap - used);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return parma_error_make (err, errno, "read");
      if (r == 0)
        break;
      used += (size_t) r;
    }
  if (used > max)
    return parma_error_make (err, EFBIG, "input larger than %zu bytes", max);
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

int
read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
              parma_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", path);
  if (read_all_fd (fd, max, out, len, err) < 0)
    return parma_error_wrap (err, "read `%s`", path);
  return 0;
}

int
write_all_fd (int fd, const void *buf, size_t len, parma_error_t *err)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return parma_error_make (err, errno, "write");
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

int
write_file_atomic_at (int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                      parma_error_t *err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp.%d", name, (int) getpid ());
  cleanup_close int fd
      = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return parma_error_make (err, errno, "create `%s`", tmp);
  if (write_all_fd (fd, buf, len, err) < 0 || fchmod (fd, mode) < 0 || fsync (fd) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      if (err && *err)
        return parma_error_wrap (err, "write `%s`", name);
      return parma_error_make (err, saved, "write `%s`", name);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return parma_error_make (err, saved, "rename `%s`", name);
    }
  /* dirfd may be O_PATH, which cannot be fsync'd: reopen it for reading. */
  cleanup_close int syncfd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (syncfd < 0)
    return parma_error_make (err, errno, "open directory of `%s`", name);
  if (fsync (syncfd) < 0 && errno != EINVAL)
    return parma_error_make (err, errno, "fsync directory of `%s`", name);
  return 0;
}

static int
openat2_beneath (int dirfd, const char *path, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  return (int) syscall (SYS_openat2, dirfd, path, &how, sizeof how);
}

/* Fallback for kernels without openat2 (< 5.6): walk each component with
   O_NOFOLLOW and refuse "..". */
static int
walk_beneath (int dirfd, const char *path, int flags, mode_t mode, parma_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int cur = openat (dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return parma_error_make (err, errno, "open directory");
  char *save = NULL;
  char *comp = strtok_r (copy, "/", &save);
  while (comp)
    {
      char *next = strtok_r (NULL, "/", &save);
      if (strcmp (comp, "..") == 0)
        return parma_error_make (err, EXDEV, "`%s`: `..` escapes its root", path);
      if (strcmp (comp, ".") != 0 || next == NULL)
        {
          int f = next ? (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                       : (flags | O_NOFOLLOW | O_CLOEXEC);
          int nfd = openat (cur, comp, f, mode);
          if (nfd < 0)
            return parma_error_make (err, errno == ELOOP ? ELOOP : errno, "open `%s`", path);
          close (cur);
          cur = nfd;
        }
      comp = next;
    }
  int ret = cur;
  cur = -1;
  return ret;
}

int
safe_openat (int dirfd, const char *path, int flags, mode_t mode, parma_error_t *err)
{
  if (path[0] == '/' && dirfd != AT_FDCWD)
    while (*path == '/')
      path++;
  if (*path == '\0')
    path = ".";
  int fd = openat2_beneath (dirfd, path, flags, mode);
  if (fd >= 0)
    return fd;
  if (errno == ENOSYS || errno == EPERM /* seccomp'd */)
    return walk_beneath (dirfd, path, flags, mode, err);
  if (errno == ELOOP)
    return parma_error_make (err, ELOOP, "`%s`: symbolic links are not followed", path);
  if (errno == EXDEV)
    return parma_error_make (err, EXDEV, "`%s`: path escapes its root", path);
  return parma_error_make (err, errno, "open `%s`", path);
}

int
safe_mkdirat_p (int dirfd, const char *path, mode_t mode, parma_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int cur = dirfd == AT_FDCWD ? open (".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                            : fcntl (dirfd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0)
    return parma_error_make (err, errno, "open directory");
  char *save = NULL;
  for (char *comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save))
    {
      if (strcmp (comp, ".") == 0)
        continue;
      if (strcmp (comp, "..") == 0)
        return parma_error_make (err, EXDEV, "`%s`: `..` not allowed", path);
      if (mkdirat (cur, comp, mode) < 0 && errno != EEXIST)
        return parma_error_make (err, errno, "mkdir `%s`", path);
      int nfd = openat (cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (nfd < 0)
        return parma_error_make (err, errno, "open `%s`", path);
      close (cur);
      cur = nfd;
    }
  int ret = cur;
  cur = -1;
  return ret;
}

char *
hex_encode (const uint8_t *buf, size_t len)
{
  static const char digits[] = "0123456789abcdef";
  size_t n;
  if (size_mul_overflow (len, 2, &n))
    abort ();
  char *out = xmalloc (n + 1);
  for (size_t i = 0; i < len; i++)
    {
      out[2 * i] = digits[buf[i] >> 4];
      out[2 * i + 1] = digits[buf[i] & 0xf];
    }
  out[n] = '\0';
  return out;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int
hex_decode (const char *hex, uint8_t **out, size_t *len, parma_error_t *err)
{
  size_t n = strlen (hex);
  if (n % 2)
    return parma_error_make (err, EINVAL, "hex string has odd length %zu", n);
  cleanup_free uint8_t *buf = xmalloc (n / 2 + 1);
  for (size_t i = 0; i < n / 2; i++)
    {
      int hi = hex_value (hex[2 * i]), lo = hex_value (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return parma_error_make (err, EINVAL, "invalid hex digit at offset %zu", 2 * i);
      buf[i] = (uint8_t) (hi << 4 | lo);
    }
  *len = n / 2;
  *out = steal_pointer (&buf);
  return 0;
}

int
parse_int64 (const char *s, int64_t min, int64_t max, int64_t *out)
{
  if (s == NULL || *s == '\0')
    return -1;
  char *end = NULL;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}
