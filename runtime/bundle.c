/* SPDX-License-Identifier: Apache-2.0 */
/* The caller's bundle is read exactly once: config.json through a
   no-symlink open beneath the bundle directory, parsed by the strict OCI
   reader, and the root filesystem opened without following any symlink.
   What the delegate later reads is our canonical re-emission (the sealed
   copy), with root.path absolute, so nothing the caller can still change
   after the decision is read again (DESIGN §2, no TOCTOU). */
#include "runtime/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/io.h"
#include "common/oci.h"
#include "common/xalloc.h"

void
parma_bundle_release (struct parma_bundle *b)
{
  free (b->dir);
  oci_config_free (b->config);
  free (b->sealed);
  *b = (struct parma_bundle){ 0 };
}

/* The absolute path the kernel has for an open fd: every component was
   checked when the fd was opened, and no symlink is left in it. */
static int
fd_path (int fd, char **out, parma_error_t *err)
{
  cleanup_free char *proc = xasprintf ("/proc/self/fd/%d", fd);
  size_t cap = 256;
  for (;;)
    {
      cleanup_free char *buf = xmalloc (cap);
      ssize_t n = readlink (proc, buf, cap);
      if (n < 0)
        return parma_error_make (err, errno, "readlink `%s`", proc);
      if ((size_t)n < cap)
        {
          buf[n] = '\0';
          if (buf[0] != '/')
            return parma_error_make (err, EINVAL, "`%s` is not a path", buf);
          *out = steal_pointer (&buf);
          return 0;
        }
      if (cap >= (1u << 16))
        return parma_error_make (err, ENAMETOOLONG, "readlink `%s`", proc);
      cap *= 2;
    }
}

int
parma_read_document (const char *path, char **buf, size_t *len, parma_error_t *err)
{
  cleanup_close int fd = -1;
  if (strcmp (path, "-") == 0)
    return read_all_fd (0, OCI_MAX_DOCUMENT, buf, len, err) < 0
               ? parma_error_wrap (err, "standard input")
               : 0;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return parma_error_make (err, errno, "open `%s`", path);
  if (read_all_fd (fd, OCI_MAX_DOCUMENT, buf, len, err) < 0)
    return parma_error_wrap (err, "read `%s`", path);
  return 0;
}

bool
parma_mount_is_bind (const struct oci_mount *m)
{
  if (m->type && strcmp (m->type, "bind") == 0)
    return true;
  for (char **o = m->options; o && *o; o++)
    if (strcmp (*o, "bind") == 0 || strcmp (*o, "rbind") == 0)
      return true;
  return false;
}

/* runc resolves a relative rootfs and relative bind sources against the
   bundle (it chdirs there).  The sealed bundle lives elsewhere, so both are
   made absolute here, against the caller's bundle, never the cwd. */
static int
absolutize (struct parma_bundle *b, int bfd, parma_error_t *err)
{
  struct oci_config *c = b->config;
  if (c->root == NULL || c->root->path == NULL || c->root->path[0] == '\0')
    return parma_error_make (err, EINVAL, "root.path: missing");
  cleanup_close int rootdir = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootdir < 0)
    return parma_error_make (err, errno, "open /");
  const char *p = c->root->path;
  cleanup_close int rfd
      = safe_openat (p[0] == '/' ? rootdir : bfd, p, O_PATH | O_DIRECTORY, 0, err);
  if (rfd < 0)
    return parma_error_wrap (err, "root.path");
  char *abs = NULL;
  if (fd_path (rfd, &abs, err) < 0)
    return parma_error_wrap (err, "root.path");
  free (c->root->path);
  c->root->path = abs;
  b->rootfs = abs;
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      struct oci_mount *m = &c->mounts[i];
      if (m->source == NULL || m->source[0] == '/' || !parma_mount_is_bind (m))
        continue;
      char *joined = xasprintf ("%s/%s", b->dir, m->source);
      free (m->source);
      m->source = joined;
    }
  return 0;
}

int
parma_bundle_load (const char *path, struct parma_bundle *b, parma_error_t *err)
{
  *b = (struct parma_bundle){ 0 };
  const char *shown = path ? path : ".";
  cleanup_close int bfd = open (shown, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (bfd < 0)
    return parma_error_make (err, errno, "bundle `%s`", shown);
  if (fd_path (bfd, &b->dir, err) < 0)
    return -1;
  cleanup_close int cfd = safe_openat (bfd, "config.json", O_RDONLY | O_NOCTTY, 0, err);
  if (cfd < 0)
    return parma_error_wrap (err, "bundle `%s`", b->dir);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_all_fd (cfd, OCI_MAX_DOCUMENT, &buf, &len, err) < 0)
    return parma_error_wrap (err, "`%s/config.json`", b->dir);
  struct oci_read_options ro = { .allow_unknown = false };
  if (oci_config_parse (buf, len, &ro, &b->config, err) < 0)
    return parma_error_wrap (err, "`%s/config.json`", b->dir);
  if (absolutize (b, bfd, err) < 0)
    return parma_error_wrap (err, "`%s/config.json`", b->dir);
  if (oci_config_write (b->config, &b->sealed, &b->sealed_len, err) < 0)
    return parma_error_wrap (err, "seal `%s/config.json`", b->dir);
  return 0;
}
