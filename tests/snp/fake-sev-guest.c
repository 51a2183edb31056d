/* MOCK, loudly: an LD_PRELOAD stand-in for /dev/sev-guest (this machine has
   no SEV and no CUSE).  ioctl() on a file whose name ends in
   "/fake-sev-guest" answers SNP_GET_REPORT and SNP_GET_EXT_REPORT with
   reports from parma-snp's simulator; every other fd goes to the real
   ioctl.  The request is checked the way the kernel does (msg_version,
   reserved bytes, page-aligned certs_len).  Built and used by
   tests/lib/snp_standins.sh.  Environment (read at load, then LD_PRELOAD
   is dropped so children such as the delegate run unshimmed):
     FAKE_SEV_SIM        the simulator's chain directory (parma-snp --sim-dir)
     FAKE_SEV_LOG        one line per ioctl answered
     FAKE_SEV_CERTS      GHCB cert table served by SNP_GET_EXT_REPORT
     FAKE_SEV_HOST_DATA  HOST_DATA of the reports (hex; default 77...)
     FAKE_SEV_MODE       ok | busy:N (vmm BUSY N times) | eagain:N | ebusy:N
                         (that errno N times) | fwerr (status INVALID_PARAM)
                         | vmpck (ENOTCONN) | eio (EIO, no vmm error) */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/sev-guest.h>

static char sim_dir[4096], log_path[4096], certs_path[4096], mode[64], host_data[65];
static int calls;

__attribute__ ((constructor)) static void
init (void)
{
  snprintf (sim_dir, sizeof sim_dir, "%s", getenv ("FAKE_SEV_SIM") ?: "");
  snprintf (log_path, sizeof log_path, "%s", getenv ("FAKE_SEV_LOG") ?: "/dev/null");
  snprintf (certs_path, sizeof certs_path, "%s", getenv ("FAKE_SEV_CERTS") ?: "");
  snprintf (mode, sizeof mode, "%s", getenv ("FAKE_SEV_MODE") ?: "ok");
  snprintf (host_data, sizeof host_data, "%s",
            getenv ("FAKE_SEV_HOST_DATA")
                ?: "7777777777777777777777777777777777777777777777777777777777777777");
  unsetenv ("LD_PRELOAD"); /* children (the simulator, the delegate) run unshimmed */
}

static void
logf_ (const char *fmt, ...)
{
  FILE *f = fopen (log_path, "a");
  if (!f)
    return;
  va_list ap;
  va_start (ap, fmt);
  vfprintf (f, fmt, ap);
  va_end (ap);
  fputc ('\n', f);
  fclose (f);
}

static int
is_standin (int fd)
{
  char link[64], target[4096];
  snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink (link, target, sizeof target - 1);
  if (n < 0)
    return 0;
  target[n] = 0;
  return n >= 15 && strcmp (target + n - 15, "/fake-sev-guest") == 0;
}

static int
fail (struct snp_guest_request_ioctl *g, int e, uint32_t vmm, uint32_t fw)
{
  g->exitinfo2 = (uint64_t)vmm << 32 | fw;
  errno = e;
  return -1;
}

static int
make_report (const struct snp_report_req *req, uint8_t *resp)
{
  char hex[129], cmd[8192];
  for (int i = 0; i < 64; i++)
    sprintf (hex + 2 * i, "%02x", req->user_data[i]);
  snprintf (cmd, sizeof cmd,
            "parma-snp report --backend sim --sim-dir '%s' --report-data %s --vmpl %u "
            "--sim-host-data %s 2>/dev/null",
            sim_dir, hex, req->vmpl, host_data);
  FILE *p = popen (cmd, "r");
  if (!p)
    return -1;
  static char out[4096];
  size_t n = fread (out, 1, sizeof out - 1, p);
  pclose (p);
  if (n < 2 * 0x4A0)
    return -1;
  memset (resp, 0, 4000);
  uint32_t status = strcmp (mode, "fwerr") == 0 ? 0x16 : 0, size = 0x4A0;
  memcpy (resp, &status, 4);
  memcpy (resp + 4, &size, 4);
  for (int i = 0; i < 0x4A0; i++)
    sscanf (out + 2 * i, "%2hhx", resp + 0x20 + i);
  return 0;
}

/* "busy:N", "eagain:N", "ebusy:N": fail the first N ioctls of this process. */
static int
transient_failure (struct snp_guest_request_ioctl *g)
{
  int n = 0;
  if (sscanf (mode, "busy:%d", &n) == 1 && calls <= n)
    {
      logf_ ("busy");
      return fail (g, EIO, SNP_GUEST_VMM_ERR_BUSY, 0);
    }
  if (sscanf (mode, "eagain:%d", &n) == 1 && calls <= n)
    {
      logf_ ("eagain");
      return fail (g, EAGAIN, 0, 0);
    }
  if (sscanf (mode, "ebusy:%d", &n) == 1 && calls <= n)
    {
      logf_ ("ebusy");
      return fail (g, EBUSY, 0, 0);
    }
  return 0;
}

int
ioctl (int fd, unsigned long cmd, ...)
{
  va_list ap;
  va_start (ap, cmd);
  void *arg = va_arg (ap, void *);
  va_end (ap);
  if (!is_standin (fd))
    {
      int (*real) (int, unsigned long, ...)
          = (int (*) (int, unsigned long, ...))dlsym (RTLD_NEXT, "ioctl");
      if (real == NULL)
        {
          errno = ENOTTY;
          return -1;
        }
      return real (fd, cmd, arg);
    }
  struct snp_guest_request_ioctl *g = arg;
  calls++;
  if (cmd != SNP_GET_REPORT && cmd != SNP_GET_EXT_REPORT)
    return fail (g, ENOTTY, 0, 0);
  if (g->msg_version != 1)
    return fail (g, EINVAL, 0, 0);
  struct snp_report_req *req = (struct snp_report_req *)(uintptr_t)g->req_data;
  for (size_t i = 0; i < sizeof req->rsvd; i++)
    if (req->rsvd[i])
      return fail (g, EINVAL, 0, 0);
  if (transient_failure (g) < 0)
    return -1;
  if (strcmp (mode, "vmpck") == 0)
    return fail (g, ENOTCONN, 0, 0);
  if (strcmp (mode, "eio") == 0)
    {
      logf_ ("eio");
      return fail (g, EIO, 0, 0);
    }
  if (cmd == SNP_GET_EXT_REPORT)
    {
      struct snp_ext_report_req *ext = (struct snp_ext_report_req *)req;
      FILE *f = fopen (certs_path, "rb");
      static uint8_t table[16384];
      size_t n = f ? fread (table, 1, sizeof table, f) : 0;
      if (f)
        fclose (f);
      uint32_t need = (uint32_t)((n + 4095) / 4096 * 4096);
      if (ext->certs_len % 4096)
        return fail (g, EINVAL, 0, 0);
      if (ext->certs_len < need)
        {
          logf_ ("ext certs_len=%u too small, need %u", ext->certs_len, need);
          ext->certs_len = need;
          return fail (g, EIO, SNP_GUEST_VMM_ERR_INVALID_LEN, 0);
        }
      memcpy ((void *)(uintptr_t)ext->certs_address, table, n);
      logf_ ("ext certs_len=%u ok", ext->certs_len);
    }
  else
    logf_ ("report ok");
  if (make_report (req, (uint8_t *)(uintptr_t)g->resp_data) < 0)
    return fail (g, EIO, 0, 0);
  g->exitinfo2 = 0;
  return 0;
}
