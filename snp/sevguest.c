/* SPDX-License-Identifier: Apache-2.0 */
/* /dev/sev-guest: SNP_GET_REPORT and SNP_GET_EXT_REPORT (linux
   include/uapi/linux/sev-guest.h; notes/snp.md A2).  Request building and
   response parsing are pure functions so unit tests run them without a
   device; only snp_fetch_sev_guest() touches the kernel. */
#include "snp/internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

/* <linux/sev-guest.h> lacks <linux/ioctl.h>: <sys/ioctl.h> must come first. */
#include <sys/ioctl.h>
#include <linux/sev-guest.h>

_Static_assert(sizeof (struct snp_report_req) == 96, "snp_report_req layout");
_Static_assert(sizeof (struct snp_guest_request_ioctl) == 32, "snp_guest_request_ioctl layout");

/* GHCB cert-table GUIDs, RFC 4122 byte order. */
const uint8_t snp_guid_vcek[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                    0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
const uint8_t snp_guid_vlek[16] = { 0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                    0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 };
const uint8_t snp_guid_ask[16] = { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                   0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };
const uint8_t snp_guid_ark[16] = { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                   0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae };

#define RESP_HEADER 0x20u /* status, report_size, 24 reserved bytes */
#define FW_STATUS_INVALID_PARAM 0x16u
#define CERTS_MAX (16u << 10) /* SEV_FW_BLOB_MAX_SIZE */
#define BUSY_ATTEMPTS 8

void
snp_guest_build_report_req (const uint8_t report_data[SNP_REPORT_DATA_SIZE], uint32_t vmpl,
                            uint8_t req[96])
{
  memset (req, 0, 96);
  memcpy (req, report_data, SNP_REPORT_DATA_SIZE);
  snp_put32 (req + 64, vmpl); /* rsvd[28] stays zero: the firmware checks it */
}

int
snp_guest_parse_report_resp (const uint8_t *resp, size_t len, uint8_t report[SNP_REPORT_SIZE],
                             parma_error_t *err)
{
  if (len < RESP_HEADER)
    return parma_error_make (err, EIO, "sev-guest: response of %zu bytes has no header", len);
  uint32_t status = snp_get32 (resp), size = snp_get32 (resp + 4);
  if (status == FW_STATUS_INVALID_PARAM)
    return parma_error_make (err, EINVAL, "sev-guest: firmware: invalid parameter (status 0x16)");
  if (status != 0)
    return parma_error_make (err, EIO, "sev-guest: firmware status 0x%x", status);
  if (size != SNP_REPORT_SIZE || (size_t)size + RESP_HEADER > len)
    return parma_error_make (err, EIO, "sev-guest: firmware report_size %u, want %u", size,
                             SNP_REPORT_SIZE);
  memcpy (report, resp + RESP_HEADER, SNP_REPORT_SIZE);
  return 0;
}

bool
snp_guest_error_is_busy (int errnum, uint64_t exitinfo2)
{
  uint32_t vmm = (uint32_t)(exitinfo2 >> 32);
  /* Kernels before 6.5 hand the host's BUSY back as EIO + vmm_error 2;
     later ones retry inside and answer EAGAIN or EBUSY when throttled. */
  return errnum == EAGAIN || errnum == EBUSY || vmm == SNP_GUEST_VMM_ERR_BUSY;
}

char *
snp_guest_describe_error (int errnum, uint64_t exitinfo2)
{
  uint32_t fw = (uint32_t)exitinfo2, vmm = (uint32_t)(exitinfo2 >> 32);
  const char *what;
  if (vmm == SNP_GUEST_VMM_ERR_BUSY)
    return xasprintf ("the host is busy or throttling guest requests (errno %d, fw_error 0x%x, "
                      "vmm_error 0x%x)",
                      errnum, fw, vmm);
  switch (errnum)
    {
    case ENOTTY:
      what = "not an SEV guest device (the ioctl is unknown here)";
      break;
    case EINVAL:
      what = "the kernel or firmware refused the request as invalid";
      break;
    case EIO:
      what = vmm == SNP_GUEST_VMM_ERR_INVALID_LEN
                 ? "the certificate buffer is too small"
                 : "the guest request failed in the firmware or host";
      break;
    case EAGAIN:
    case EBUSY:
      what = "the host is busy or throttling guest requests";
      break;
    case ETIMEDOUT:
      what = "the host throttled the request past the kernel's own retry limit";
      break;
    case ENODEV:
    case ENXIO:
      what = "no SEV-SNP guest device behind this path (is the sev-guest driver loaded?)";
      break;
    case ENOTCONN:
      what = "the VMPCK is disabled after an earlier failure; reboot the guest";
      break;
    default:
      what = strerror (errnum);
      break;
    }
  return xasprintf ("%s (errno %d, fw_error 0x%x, vmm_error 0x%x)", what, errnum, fw, vmm);
}

/* Issues one guest request, retrying busy/throttled answers with a bounded
   exponential backoff (1 ms doubling, at most BUSY_ATTEMPTS tries, ~0.25 s). */
static int
guest_ioctl (int fd, unsigned long cmd, struct snp_guest_request_ioctl *g, parma_error_t *err)
{
  long delay_ns = 1000000;
  for (int attempt = 1;; attempt++)
    {
      g->exitinfo2 = 0;
      if (ioctl (fd, cmd, g) == 0)
        return 0;
      int e = errno;
      if (e == EINTR)
        continue;
      if (!snp_guest_error_is_busy (e, g->exitinfo2) || attempt >= BUSY_ATTEMPTS)
        {
          cleanup_free char *why = snp_guest_describe_error (e, g->exitinfo2);
          return parma_error_make (err, e, "sev-guest: %s", why);
        }
      struct timespec ts = { 0, delay_ns };
      nanosleep (&ts, NULL);
      delay_ns *= 2;
    }
}

int
snp_fetch_sev_guest (const struct snp_source *src, const uint8_t rd[SNP_REPORT_DATA_SIZE],
                     uint8_t report[SNP_REPORT_SIZE], uint8_t **certs, size_t *certs_len,
                     parma_error_t *err)
{
  const char *path = src->device_path ? src->device_path : SNP_DEFAULT_DEVICE;
  cleanup_close int fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return parma_error_make (err, errno, "sev-guest: open `%s`", path);
  struct snp_ext_report_req ext;
  memset (&ext, 0, sizeof ext);
  snp_guest_build_report_req (rd, src->vmpl, (uint8_t *)&ext.data);
  cleanup_free uint8_t *resp = xzalloc (sizeof (struct snp_report_resp));
  struct snp_guest_request_ioctl g
      = { .msg_version = 1, .req_data = (uintptr_t)&ext.data, .resp_data = (uintptr_t)resp };
  if (!src->want_certs)
    {
      if (guest_ioctl (fd, SNP_GET_REPORT, &g, err) < 0)
        return parma_error_wrap (err, "SNP_GET_REPORT on `%s`", path);
    }
  else
    {
      /* certs_len must be page-aligned; on "too small" the kernel writes the
         needed length back once, so retry with it (bounded by CERTS_MAX). */
      size_t len = 4096;
      cleanup_free uint8_t *buf = NULL;
      for (int tries = 0;; tries++)
        {
          free (buf);
          buf = xzalloc (len);
          ext.certs_address = (uintptr_t)buf;
          ext.certs_len = (uint32_t)len;
          g.req_data = (uintptr_t)&ext;
          if (guest_ioctl (fd, SNP_GET_EXT_REPORT, &g, err) == 0)
            break;
          bool grow = (*err)->status == EIO
                      && (uint32_t)(g.exitinfo2 >> 32) == SNP_GUEST_VMM_ERR_INVALID_LEN
                      && ext.certs_len > len && ext.certs_len <= CERTS_MAX && tries < 2;
          if (!grow)
            return parma_error_wrap (err, "SNP_GET_EXT_REPORT on `%s`", path);
          parma_error_release (err);
          len = ext.certs_len;
        }
      *certs = steal_pointer (&buf);
      *certs_len = len;
    }
  return snp_guest_parse_report_resp (resp, sizeof (struct snp_report_resp), report, err);
}
