/* SPDX-License-Identifier: Apache-2.0 */
/* OCI layer tar -> reproducible squashfs image, by tar2sqfs
   (squashfs-tools-ng).  Why tar2sqfs and not mkfs.erofs 1.5: it reads the
   archive itself, so the image depends only on the archive's bytes (no
   unpacking into a host directory whose umask, mtimes, ownership, xattr
   support and readdir order would leak in, no root needed), and its
   superblock carries no build time.  parma-verity(8) has the measurements.

   OCI whiteouts (".wh.NAME" files) mean "NAME is deleted in this layer";
   overlayfs spells that as a 0:0 character device named NAME.  The archive
   is rewritten on the way to tar2sqfs: each ".wh.NAME" entry becomes such a
   device (path in a pax header, so long names work), and a directory with
   a ".wh..wh..opq" marker gets the xattr trusted.overlay.opaque=y on its
   own entry (a first pass finds them, since the marker may come after the
   directory and tar2sqfs refuses a second entry for it).  Overlayfs
   ignores opaque on a layer's root directory, as Docker's does. */
#include "verity/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLK 512
#define META_MAX (1u << 20) /* pax / GNU long-name payloads */

struct tar_in
{
  int fd;
};

static int
read_block (int fd, uint8_t *b, bool *eof, parma_error_t *err)
{
  size_t got = 0;
  while (got < BLK)
    {
      ssize_t r = read (fd, b + got, BLK - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return parma_error_make (err, errno, "read layer");
      if (r == 0)
        {
          if (got == 0 && eof)
            {
              *eof = true;
              return 0;
            }
          return parma_error_make (err, EIO, "layer: truncated tar block");
        }
      got += (size_t)r;
    }
  if (eof)
    *eof = false;
  return 0;
}

/* Size field: octal, or base-256 with the high bit set (GNU). */
static int
header_size (const uint8_t *h, uint64_t *size, parma_error_t *err)
{
  const uint8_t *f = h + 124;
  uint64_t v = 0;
  if (f[0] & 0x80)
    {
      for (int i = 1; i < 12; i++)
        {
          if (v >> 56)
            return parma_error_make (err, EINVAL, "layer: tar size overflow");
          v = (v << 8) | f[i];
        }
    }
  else
    for (int i = 0; i < 12 && f[i] && f[i] != ' '; i++)
      {
        if (f[i] < '0' || f[i] > '7' || (v >> 60))
          return parma_error_make (err, EINVAL, "layer: bad tar size field");
        v = v * 8 + (uint64_t)(f[i] - '0');
      }
  *size = v;
  return 0;
}

static void
set_checksum (uint8_t *h)
{
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < BLK; i++)
    sum += h[i];
  snprintf ((char *)h + 148, 8, "%06o", sum);
  h[155] = ' ';
}

/* pax "path" record out of an extended header payload, NULL if none. */
static char *
pax_path (const uint8_t *d, size_t len)
{
  size_t at = 0;
  while (at < len)
    {
      size_t reclen = 0, i = at;
      while (i < len && d[i] >= '0' && d[i] <= '9')
        reclen = reclen * 10 + (size_t)(d[i++] - '0');
      if (i >= len || d[i] != ' ' || reclen == 0 || at + reclen > len)
        return NULL;
      const char *kv = (const char *)d + i + 1;
      size_t kvlen = at + reclen - (i + 1);
      if (kvlen > 5 && memcmp (kv, "path=", 5) == 0 && kv[kvlen - 1] == '\n')
        return xstrndup (kv + 5, kvlen - 6);
      at += reclen;
    }
  return NULL;
}

static int
copy_data (int in, int out, uint64_t size, uint8_t *keep, size_t keep_max, parma_error_t *err)
{
  uint8_t b[BLK];
  for (uint64_t off = 0; off < size; off += BLK)
    {
      if (read_block (in, b, NULL, err) < 0)
        return -1;
      if (keep && off < keep_max)
        memcpy (keep + off, b, size - off < BLK ? (size_t)(size - off) : BLK);
      if (out >= 0 && write_all_fd (out, b, BLK, err) < 0)
        return -1;
    }
  return 0;
}

/* Writes a pax header carrying `path`, then a ustar char-device 0:0 entry. */
static int
emit_whiteout (int out, const uint8_t *orig, const char *path, parma_error_t *err)
{
  cleanup_free char *rec = NULL;
  size_t body = strlen (path) + strlen (" path=\n");
  size_t digits = 1, total;
  for (;;)
    {
      total = body + digits;
      size_t d = 1;
      for (size_t t = total; t >= 10; t /= 10)
        d++;
      if (d == digits)
        break;
      digits = d;
    }
  rec = xasprintf ("%zu path=%s\n", total, path);
  uint8_t h[BLK];
  memset (h, 0, BLK);
  snprintf ((char *)h, 100, "PaxHeader");
  memcpy (h + 100, "0000644", 8);
  memcpy (h + 108, "0000000", 8);
  memcpy (h + 116, "0000000", 8);
  snprintf ((char *)h + 124, 12, "%011o", (unsigned)(strlen (rec) & 077777777777));
  memcpy (h + 136, orig + 136, 12); /* mtime */
  h[156] = 'x';
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  set_checksum (h);
  if (write_all_fd (out, h, BLK, err) < 0)
    return -1;
  size_t rlen = strlen (rec), padded = (rlen + BLK - 1) / BLK * BLK;
  cleanup_free uint8_t *data = xzalloc (padded);
  memcpy (data, rec, rlen);
  if (write_all_fd (out, data, padded, err) < 0)
    return -1;
  memset (h, 0, BLK);
  snprintf ((char *)h, 100, "whiteout");
  memcpy (h + 100, "0000000", 8);
  memcpy (h + 108, "0000000", 8);
  memcpy (h + 116, "0000000", 8);
  memcpy (h + 124, "00000000000", 12);
  memcpy (h + 136, orig + 136, 12);
  h[156] = '3';
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memcpy (h + 329, "0000000", 8);
  memcpy (h + 337, "0000000", 8);
  set_checksum (h);
  return write_all_fd (out, h, BLK, err);
}

/* Writes to out, or nothing in the collecting pass (out < 0). */
static int
emit (int out, const void *buf, size_t len, parma_error_t *err)
{
  return out < 0 ? 0 : write_all_fd (out, buf, len, err);
}

/* One pax record "<len> key=value\n" (the length counts itself). */
static char *
pax_record (const char *key, const char *value)
{
  size_t body = strlen (key) + strlen (value) + 3, digits = 1, total;
  for (;;)
    {
      total = body + digits;
      size_t d = 1;
      for (size_t t = total; t >= 10; t /= 10)
        d++;
      if (d == digits)
        break;
      digits = d;
    }
  return xasprintf ("%zu %s=%s\n", total, key, value);
}

/* "./a/b/" and "/a/b" -> "a/b"; "." and "./" -> "". */
static char *
normalize_path (const char *p, size_t len)
{
  while (len >= 2 && p[0] == '.' && p[1] == '/')
    p += 2, len -= 2;
  while (len && p[0] == '/')
    p++, len--;
  if (len == 1 && p[0] == '.')
    len = 0;
  while (len && p[len - 1] == '/')
    len--;
  return xstrndup (p, len);
}

struct opaque_set
{
  char **dirs; /* normalized paths of directories marked opaque */
  size_t n;
};

static bool
opaque_has (const struct opaque_set *o, const char *dir)
{
  for (size_t i = 0; i < o->n; i++)
    if (strcmp (o->dirs[i], dir) == 0)
      return true;
  return false;
}

static bool
opaque_has_path (const struct opaque_set *o, const char *path)
{
  if (o->n == 0)
    return false;
  cleanup_free char *norm = normalize_path (path, strlen (path));
  return opaque_has (o, norm);
}

/* An opaque directory: its header, preceded by one pax header holding the
   original pax records (but path), its path and the overlay opaque xattr.
   tar2sqfs refuses a second entry for a directory, so the xattr has to ride
   on the first one. */
static int
emit_opaque_dir (int out, const uint8_t *meta, size_t meta_len, const uint8_t *h, const char *path,
                 parma_error_t *err)
{
  struct strbuf pax = { 0 };
  for (size_t at = 0; at < meta_len;)
    {
      const uint8_t *mh = meta + at;
      uint64_t size = 0;
      if (header_size (mh, &size, err) < 0)
        {
          strbuf_release (&pax);
          return -1;
        }
      size_t padded = (size_t)((size + BLK - 1) / BLK * BLK);
      const uint8_t *d = mh + BLK;
      for (size_t r = 0; mh[156] == 'x' && r < size;)
        {
          size_t reclen = 0, i = r;
          while (i < size && d[i] >= '0' && d[i] <= '9')
            reclen = reclen * 10 + (size_t)(d[i++] - '0');
          if (i >= size || d[i] != ' ' || reclen == 0 || r + reclen > size)
            break;
          if (!(reclen - (i + 1 - r) > 5 && memcmp (d + i + 1, "path=", 5) == 0))
            strbuf_append (&pax, (const char *)d + r, reclen);
          r += reclen;
        }
      at += BLK + padded;
    }
  cleanup_free char *rp = pax_record ("path", path[0] ? path : ".");
  cleanup_free char *rx = pax_record ("SCHILY.xattr.trusted.overlay.opaque", "y");
  strbuf_puts (&pax, rp);
  strbuf_puts (&pax, rx);
  uint8_t ph[BLK];
  memset (ph, 0, BLK);
  snprintf ((char *)ph, 100, "PaxHeader");
  memcpy (ph + 100, "0000644", 8);
  memcpy (ph + 108, "0000000", 8);
  memcpy (ph + 116, "0000000", 8);
  snprintf ((char *)ph + 124, 12, "%011o", (unsigned)(pax.len & 077777777777));
  memcpy (ph + 136, h + 136, 12);
  ph[156] = 'x';
  memcpy (ph + 257, "ustar", 6);
  memcpy (ph + 263, "00", 2);
  set_checksum (ph);
  size_t padded = (pax.len + BLK - 1) / BLK * BLK;
  cleanup_free uint8_t *data = xzalloc (padded ? padded : 1);
  memcpy (data, pax.buf, pax.len);
  strbuf_release (&pax);
  if (emit (out, ph, BLK, err) < 0 || emit (out, data, padded, err) < 0)
    return -1;
  return emit (out, h, BLK, err);
}

/* Name of a ustar header: prefix "/" name. */
static char *
ustar_name (const uint8_t *h)
{
  cleanup_free char *name = xstrndup ((const char *)h, 100);
  cleanup_free char *prefix = xstrndup ((const char *)h + 345, 155);
  if (memcmp (h + 257, "ustar", 5) == 0 && prefix[0])
    return xasprintf ("%s/%s", prefix, name);
  return steal_pointer (&name);
}

/* Copies the archive from `in` to `out`, turning whiteouts into overlay
   whiteouts.  With out < 0 it only collects the opaque directories into
   *opq (first pass); with out >= 0 it marks them (second pass). */
static int
filter_whiteouts (int in, int out, struct opaque_set *opq, parma_error_t *err)
{
  uint8_t h[BLK];
  cleanup_free uint8_t *meta = NULL; /* pending pax/GNU header blocks */
  size_t meta_len = 0;
  cleanup_free char *long_path = NULL;
  for (;;)
    {
      bool eof;
      if (read_block (in, h, &eof, err) < 0)
        return -1;
      if (eof)
        return 0;
      static const uint8_t zero[BLK];
      if (memcmp (h, zero, BLK) == 0)
        {
          /* End of archive: pass the rest through. */
          if (emit (out, h, BLK, err) < 0)
            return -1;
          while (read_block (in, h, &eof, err) == 0 && !eof)
            if (emit (out, h, BLK, err) < 0)
              return -1;
          return err && *err ? -1 : 0;
        }
      uint64_t size = 0;
      if (header_size (h, &size, err) < 0)
        return -1;
      char type = (char)h[156];
      if (type == 'x' || type == 'L' || type == 'K')
        {
          if (size > META_MAX || meta_len > 4 * META_MAX)
            return parma_error_make (err, EFBIG, "layer: extended headers too large");
          size_t padded = (size_t)((size + BLK - 1) / BLK * BLK);
          meta = xrealloc (meta, meta_len + BLK + padded);
          memcpy (meta + meta_len, h, BLK);
          uint8_t *payload = meta + meta_len + BLK;
          if (copy_data (in, -1, size, payload, padded, err) < 0)
            return -1;
          /* 'K' (GNU long link target) does not name the entry. */
          if (type == 'x')
            {
              char *pp = pax_path (payload, (size_t)size);
              if (pp)
                {
                  free (long_path);
                  long_path = pp;
                }
            }
          else if (type == 'L')
            {
              free (long_path);
              long_path = xstrndup ((const char *)payload, (size_t)size);
            }
          meta_len += BLK + padded;
          continue;
        }
      cleanup_free char *path = long_path ? steal_pointer (&long_path) : ustar_name (h);
      const char *slash = strrchr (path, '/');
      const char *base = slash ? slash + 1 : path;
      if (strncmp (base, ".wh.", 4) == 0)
        {
          if (copy_data (in, -1, size, NULL, 0, err) < 0)
            return -1;
          if (strcmp (base, ".wh..wh..opq") == 0)
            {
              /* The marker itself goes; its directory gets the xattr. */
              if (out < 0)
                {
                  opq->dirs = xreallocarray (opq->dirs, opq->n + 1, sizeof *opq->dirs);
                  opq->dirs[opq->n++] = normalize_path (path, (size_t)(base - path));
                }
            }
          else
            {
              cleanup_free char *target = xasprintf ("%.*s%s", (int)(base - path), path, base + 4);
              if (out >= 0 && emit_whiteout (out, h, target, err) < 0)
                return -1;
            }
        }
      else if (type == '5' && out >= 0 && opaque_has_path (opq, path))
        {
          cleanup_free char *norm = normalize_path (path, strlen (path));
          if (emit_opaque_dir (out, meta, meta_len, h, norm, err) < 0
              || (size && copy_data (in, out, size, NULL, 0, err) < 0))
            return -1;
        }
      else
        {
          if ((meta_len && emit (out, meta, meta_len, err) < 0) || emit (out, h, BLK, err) < 0)
            return -1;
          /* Data blocks follow whatever the type; tar2sqfs reads the same
             stream, so both agree on where the next header is. */
          if (size && copy_data (in, out, size, NULL, 0, err) < 0)
            return -1;
        }
      meta_len = 0;
    }
}

static pid_t
spawn (char *const argv[], int in, int out, parma_error_t *err)
{
  pid_t pid = fork ();
  if (pid < 0)
    return parma_error_make (err, errno, "fork");
  if (pid == 0)
    {
      if (dup2 (in, 0) < 0 || (out >= 0 && dup2 (out, 1) < 0))
        _exit (127);
      execvp (argv[0], argv);
      _exit (127);
    }
  return pid;
}

static int
wait_ok (pid_t pid, const char *what, parma_error_t *err)
{
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return parma_error_make (err, errno, "wait %s", what);
  if (!WIFEXITED (st) || WEXITSTATUS (st) != 0)
    return parma_error_make (err, EIO, "%s failed (status %d)", what,
                             WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st));
  return 0;
}

/* A plain tar stream of `in` from its start: `in` itself, or the output
   of `gzip -dc` (*gz gets its pid, to be waited for). */
static int
plain_stream (int in, pid_t *gz, parma_error_t *err)
{
  *gz = -1;
  uint8_t magic[2] = { 0, 0 };
  if (pread (in, magic, 2, 0) < 0 || lseek (in, 0, SEEK_SET) < 0)
    return parma_error_make (err, errno, "read layer");
  if (!(magic[0] == 0x1f && magic[1] == 0x8b))
    return in;
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return parma_error_make (err, errno, "pipe");
  char *const gz_argv[] = { (char *)"gzip", (char *)"-dc", NULL };
  *gz = spawn (gz_argv, in, p[1], err);
  close (p[1]);
  if (*gz < 0)
    {
      close (p[0]);
      return -1;
    }
  return p[0];
}

/* Runs one filter pass (out < 0: collect) over a fresh stream of `in`. */
static int
filter_pass (int in, int out, struct opaque_set *opq, parma_error_t *err)
{
  pid_t gz;
  int src = plain_stream (in, &gz, err);
  if (src < 0)
    return -1;
  int ret = filter_whiteouts (src, out, opq, err);
  if (gz > 0)
    {
      close (src); /* before waiting, or a gzip still writing would block */
      parma_error_t e = NULL;
      if (wait_ok (gz, "gzip -dc", &e) < 0 && ret == 0)
        {
          *err = steal_pointer (&e);
          ret = -1;
        }
      parma_error_release (&e);
    }
  return ret;
}

static void
opaque_set_release (struct opaque_set *o)
{
  for (size_t i = 0; i < o->n; i++)
    free (o->dirs[i]);
  free (o->dirs);
}

int
verity_mkimage (const char *layer_tar, const char *out_img, const char *tar2sqfs,
                parma_error_t *err)
{
  cleanup_close int in = open (layer_tar, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return parma_error_make (err, errno, "open `%s`", layer_tar);
  /* First pass: which directories are opaque (the marker may come after
     the directory's own entry). */
  struct opaque_set opq = { NULL, 0 };
  void (*old) (int) = signal (SIGPIPE, SIG_IGN);
  int ret = filter_pass (in, -1, &opq, err);
  if (ret == 0)
    {
      int p[2];
      if (pipe2 (p, O_CLOEXEC) < 0)
        ret = parma_error_make (err, errno, "pipe");
      else
        {
          /* Fixed options, so any machine gives the same bytes: gzip,
             128 KiB blocks, no skipped records, defaults for implicit
             directories. */
          char *const sq_argv[] = { (char *)(tar2sqfs ? tar2sqfs : "tar2sqfs"),
                                    (char *)"--quiet",
                                    (char *)"--force",
                                    (char *)"--no-skip",
                                    (char *)"--compressor",
                                    (char *)"gzip",
                                    (char *)"--block-size",
                                    (char *)"131072",
                                    (char *)"--defaults",
                                    (char *)"uid=0,gid=0,mode=0755,mtime=0",
                                    (char *)out_img,
                                    NULL };
          pid_t sq = spawn (sq_argv, p[0], -1, err);
          close (p[0]);
          if (sq < 0)
            ret = -1;
          else
            {
              /* A tar2sqfs that dies early must not kill us (SIGPIPE). */
              ret = filter_pass (in, p[1], &opq, err);
              close (p[1]);
              p[1] = -1;
              parma_error_t e = NULL;
              if (wait_ok (sq, "tar2sqfs", &e) < 0 && ret == 0)
                {
                  *err = steal_pointer (&e);
                  ret = -1;
                }
              parma_error_release (&e);
            }
          if (p[1] >= 0)
            close (p[1]);
        }
    }
  signal (SIGPIPE, old);
  opaque_set_release (&opq);
  if (ret < 0)
    {
      unlink (out_img);
      return parma_error_wrap (err, "mkimage `%s`", layer_tar);
    }
  return 0;
}
