/* SPDX-License-Identifier: Apache-2.0 */
#include "common/cleanup.h"
#include "common/error.h"
#include "common/io.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
make_tmpdir (void)
{
  char *t = xstrdup ("/tmp/parma-unit-XXXXXX");
  if (mkdtemp (t) == NULL)
    abort ();
  return t;
}

static int
test_error_wrap_and_format (void)
{
  parma_error_t err = NULL;
  TAP_CHECK (parma_error_make (&err, ENOENT, "open `%s`", "x") < 0);
  parma_error_wrap (&err, "load config");
  cleanup_free char *s = parma_error_format (err);
  TAP_CHECK_STR (s, "load config: open `x`: No such file or directory");
  parma_error_release (&err);
  TAP_CHECK (err == NULL);
  return 0;
}

static int
test_read_cap_enforced (void)
{
  cleanup_free char *dir = make_tmpdir ();
  cleanup_free char *path = xasprintf ("%s/f", dir);
  cleanup_close int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  parma_error_t err = NULL;
  char big[10000];
  memset (big, 'a', sizeof big);
  TAP_CHECK (write_file_atomic_at (dfd, "f", big, sizeof big, 0600, &err) == 0);
  char *out = NULL;
  size_t len = 0;
  TAP_CHECK (read_file_at (AT_FDCWD, path, 9999, &out, &len, &err) < 0);
  TAP_CHECK (err->status == EFBIG);
  parma_error_release (&err);
  TAP_CHECK (read_file_at (AT_FDCWD, path, 10000, &out, &len, &err) == 0);
  TAP_CHECK (len == sizeof big && out[len] == '\0');
  free (out);
  unlink (path);
  rmdir (dir);
  return 0;
}

static int
test_safe_openat_refuses_symlink_and_escape (void)
{
  cleanup_free char *dir = make_tmpdir ();
  cleanup_close int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  parma_error_t err = NULL;
  TAP_CHECK (symlinkat ("/etc", dfd, "link") == 0);
  TAP_CHECK (safe_openat (dfd, "link/passwd", O_RDONLY, 0, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (safe_openat (dfd, "../etc/passwd", O_RDONLY, 0, &err) < 0);
  parma_error_release (&err);
  int sub = safe_mkdirat_p (dfd, "a/b/c", 0700, &err);
  TAP_CHECK (sub >= 0);
  close (sub);
  int fd = safe_openat (dfd, "a/b/c", O_RDONLY | O_DIRECTORY, 0, &err);
  TAP_CHECK (fd >= 0);
  close (fd);
  cleanup_free char *cmd = xasprintf ("rm -rf %s", dir);
  TAP_CHECK (system (cmd) == 0);
  return 0;
}

static int
test_hex_roundtrip_and_strict (void)
{
  parma_error_t err = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  TAP_CHECK (hex_decode ("00FfA1", &buf, &len, &err) == 0 && len == 3);
  cleanup_free char *s = hex_encode (buf, len);
  free (buf);
  TAP_CHECK_STR (s, "00ffa1");
  TAP_CHECK (hex_decode ("abc", &buf, &len, &err) < 0);
  parma_error_release (&err);
  TAP_CHECK (hex_decode ("zz", &buf, &len, &err) < 0);
  parma_error_release (&err);
  return 0;
}

static int
test_parse_int64_whole_only (void)
{
  int64_t v;
  TAP_CHECK (parse_int64 ("42", 0, 100, &v) == 0 && v == 42);
  TAP_CHECK (parse_int64 ("42x", 0, 100, &v) < 0);
  TAP_CHECK (parse_int64 ("101", 0, 100, &v) < 0);
  TAP_CHECK (parse_int64 ("", 0, 100, &v) < 0);
  return 0;
}

static int
test_strbuf_json_escapes (void)
{
  cleanup_strbuf struct strbuf sb = { 0 };
  strbuf_json_string (&sb, "a\"b\\\n\x01", 6);
  TAP_CHECK_STR (sb.buf, "\"a\\\"b\\\\\\n\\u0001\"");
  return 0;
}

TAP_MAIN ({ "error wrap and format", test_error_wrap_and_format },
          { "read cap enforced", test_read_cap_enforced },
          { "safe_openat refuses symlink and escape", test_safe_openat_refuses_symlink_and_escape },
          { "hex roundtrip and strict", test_hex_roundtrip_and_strict },
          { "parse_int64 whole only", test_parse_int64_whole_only },
          { "strbuf json escapes", test_strbuf_json_escapes })
