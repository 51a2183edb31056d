/* SPDX-License-Identifier: Apache-2.0 */
/* Safe I/O shared by every room.  Contract for readers of untrusted input:
   they never hold more than `max` bytes, report EFBIG past it, retry EINTR,
   and return a NUL-terminated buffer (the NUL is not counted in *len). */
#ifndef PARMA_COMMON_IO_H
#define PARMA_COMMON_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

int read_all_fd (int fd, size_t max, char **out, size_t *len, parma_error_t *err);
/* Opens `path` relative to dirfd (AT_FDCWD allowed) O_RDONLY|O_CLOEXEC. */
int read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
                  parma_error_t *err);
int write_all_fd (int fd, const void *buf, size_t len, parma_error_t *err);

/* Atomic replace: write `<name>.tmp.<pid>` in dirfd, fsync, rename over
   `name`, fsync the directory.  A SIGKILL at any point leaves the old or the
   new content. */
int write_file_atomic_at (int dirfd, const char *name, const void *buf, size_t len,
                          mode_t mode, parma_error_t *err);

/* Opens `path` beneath dirfd without following any symlink or leaving the
   tree (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS;
   component-by-component O_NOFOLLOW walk where openat2 is missing).
   `flags` as for openat; O_CLOEXEC is always added. */
int safe_openat (int dirfd, const char *path, int flags, mode_t mode, parma_error_t *err);

/* mkdir -p below dirfd with the same no-symlink rule; returns an O_PATH|
   O_DIRECTORY fd on the last component. */
int safe_mkdirat_p (int dirfd, const char *path, mode_t mode, parma_error_t *err);

/* Lowercase hex of `len` bytes; caller frees. */
char *hex_encode (const uint8_t *buf, size_t len);
/* Strict: even length, [0-9a-fA-F] only; returns decoded length or -1. */
int hex_decode (const char *hex, uint8_t **out, size_t *len, parma_error_t *err);

/* Parses a whole decimal integer in [min,max] (one number helper for all
   option parsing: STYLE §7). */
int parse_int64 (const char *s, int64_t min, int64_t max, int64_t *out);

#endif
