/* SPDX-License-Identifier: Apache-2.0 */
/* configfs-tsm (linux Documentation/ABI/testing/configfs-tsm-report;
   notes/snp.md A2): mkdir an entry, write privlevel then exactly 64 bytes
   to inblob, read outblob (the raw report, no header) and auxblob (the
   cert table), and compare `generation` before and after: another writer
   to the same entry between our write and read would hand us a report for
   someone else's REPORT_DATA.  The entry is removed on every path. */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/io.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#define TSM_BLOB_MAX (64u << 10)
#define TSM_BUSY_ATTEMPTS 8

static int
write_attr (int dirfd, const char *name, const void *buf, size_t len, parma_error_t *err)
{
  cleanup_close int fd = openat (dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return parma_error_make (err, errno, "tsm: open `%s`", name);
  /* configfs takes a binary attribute in one write, committed on close. */
  if (write_all_fd (fd, buf, len, err) < 0)
    return parma_error_wrap (err, "tsm: write `%s`", name);
  int r = close (fd);
  fd = -1;
  if (r < 0)
    return parma_error_make (err, errno, "tsm: write `%s`", name);
  return 0;
}

static int
read_attr (int dirfd, const char *name, size_t max, char **out, size_t *len, parma_error_t *err)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return parma_error_make (err, errno, "tsm: open `%s`", name);
  if (read_all_fd (fd, max, out, len, err) < 0)
    return parma_error_wrap (err, "tsm: read `%s`", name);
  return 0;
}

/* The report is made when outblob is read; a provider that is busy or
   throttled answers EBUSY or EAGAIN there.  Retry those with the same
   bounded backoff as the ioctl path (1 ms doubling, TSM_BUSY_ATTEMPTS). */
static int
read_outblob (int dirfd, char **out, size_t *len, parma_error_t *err)
{
  long delay_ns = 1000000;
  for (int attempt = 1;; attempt++)
    {
      if (read_attr (dirfd, "outblob", TSM_BLOB_MAX, out, len, err) == 0)
        return 0;
      int e = (*err)->status;
      if ((e != EBUSY && e != EAGAIN) || attempt >= TSM_BUSY_ATTEMPTS)
        {
          if (e == EBUSY || e == EAGAIN)
            return parma_error_wrap (err,
                                     "tsm: the provider stayed busy or throttled through %d "
                                     "attempts",
                                     attempt);
          return -1;
        }
      parma_error_release (err);
      struct timespec ts = { 0, delay_ns };
      nanosleep (&ts, NULL);
      delay_ns *= 2;
    }
}

static int
read_generation (int dirfd, int64_t *gen, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_attr (dirfd, "generation", 64, &buf, &len, err) < 0)
    return -1;
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    buf[--len] = '\0';
  if (parse_int64 (buf, 0, INT64_MAX, gen) < 0)
    return parma_error_make (err, EIO, "tsm: `generation` is not a number: `%s`", buf);
  return 0;
}

static int
check_provider (int dirfd, parma_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_attr (dirfd, "provider", 256, &buf, &len, err) < 0)
    return -1;
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (strcmp (buf, "sev_guest") != 0)
    return parma_error_make (err, ENODEV, "tsm: provider is `%s`, not sev_guest", buf);
  return 0;
}

static int
run_request (int dirfd, const struct snp_source *src, const uint8_t rd[SNP_REPORT_DATA_SIZE],
             uint8_t report[SNP_REPORT_SIZE], uint8_t **certs, size_t *certs_len,
             parma_error_t *err)
{
  if (check_provider (dirfd, err) < 0)
    return -1;
  if (src->vmpl != 0)
    {
      char lvl[16];
      int n = snprintf (lvl, sizeof lvl, "%u", src->vmpl);
      if (write_attr (dirfd, "privlevel", lvl, (size_t)n, err) < 0)
        return -1;
    }
  if (write_attr (dirfd, "inblob", rd, SNP_REPORT_DATA_SIZE, err) < 0)
    return -1;
  int64_t gen_before = 0, gen_after = 0;
  cleanup_free char *out = NULL, *aux = NULL;
  size_t out_len = 0, aux_len = 0;
  if (read_generation (dirfd, &gen_before, err) < 0 || read_outblob (dirfd, &out, &out_len, err) < 0
      || (src->want_certs && read_attr (dirfd, "auxblob", TSM_BLOB_MAX, &aux, &aux_len, err) < 0)
      || read_generation (dirfd, &gen_after, err) < 0)
    return -1;
  if (gen_before != gen_after)
    return parma_error_make (err, EBUSY,
                             "tsm: generation changed %lld -> %lld while reading: another writer "
                             "raced this request",
                             (long long)gen_before, (long long)gen_after);
  if (out_len != SNP_REPORT_SIZE)
    return parma_error_make (err, EIO, "tsm: outblob has %zu bytes, want %u", out_len,
                             SNP_REPORT_SIZE);
  memcpy (report, out, SNP_REPORT_SIZE);
  if (src->want_certs && aux_len > 0)
    {
      *certs = (uint8_t *)steal_pointer (&aux);
      *certs_len = aux_len;
    }
  return 0;
}

int
snp_fetch_tsm (const struct snp_source *src, const uint8_t rd[SNP_REPORT_DATA_SIZE],
               uint8_t report[SNP_REPORT_SIZE], uint8_t **certs, size_t *certs_len,
               parma_error_t *err)
{
  const char *base = src->tsm_path ? src->tsm_path : SNP_DEFAULT_TSM_DIR;
  cleanup_close int basefd = open (base, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (basefd < 0)
    return parma_error_make (err, errno, "tsm: open `%s` (is configfs-tsm mounted?)", base);
  uint8_t rnd[8];
  if (RAND_bytes (rnd, sizeof rnd) != 1)
    return parma_error_make (err, EIO, "tsm: no random bytes for the entry name");
  cleanup_free char *hex = hex_encode (rnd, sizeof rnd);
  cleanup_free char *name = xasprintf ("parma-%ld-%s", (long)getpid (), hex);
  if (mkdirat (basefd, name, 0700) < 0)
    return parma_error_make (err, errno, "tsm: mkdir `%s/%s`", base, name);
  int ret;
  cleanup_close int dirfd = openat (basefd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0)
    ret = parma_error_make (err, errno, "tsm: open `%s/%s`", base, name);
  else
    ret = run_request (dirfd, src, rd, report, certs, certs_len, err);
  if (ret < 0)
    parma_error_wrap (err, "`%s/%s`", base, name);
  if (unlinkat (basefd, name, AT_REMOVEDIR) < 0 && ret == 0)
    return parma_error_make (err, errno, "tsm: rmdir `%s/%s`", base, name);
  return ret;
}
