#!/bin/bash
# The /dev/sev-guest code path of libsnp (open, SNP_GET_REPORT and
# SNP_GET_EXT_REPORT request building, busy retry, certificate-buffer
# growth, response parsing, error naming) against a stand-in device.
# MOCK, loudly: this machine has no SEV and no CUSE (/dev/cuse), so an
# LD_PRELOAD shim answers the ioctls on one stand-in path only, with reports
# from parma-snp's simulator.  The shim checks the request the way the
# kernel does (msg_version, reserved bytes, page-aligned certs_len).
. "$PARMA_SRC/tests/lib/tap.sh"
W=$PARMA_WORK/snp/sevguest
SIM=$PARMA_WORK/snp-sim-cache
rm -rf "$W" && mkdir -p "$W"
echo "# MOCK: /dev/sev-guest is an LD_PRELOAD ioctl stand-in (no SEV, no CUSE here)"

cat > "$W/shim.c" <<'C'
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/sev-guest.h>

static char sim_dir[4096], log_path[4096], certs_path[4096], mode[64];
static int calls;

__attribute__ ((constructor)) static void
init (void)
{
  snprintf (sim_dir, sizeof sim_dir, "%s", getenv ("FAKE_SEV_SIM") ?: "");
  snprintf (log_path, sizeof log_path, "%s", getenv ("FAKE_SEV_LOG") ?: "/dev/null");
  snprintf (certs_path, sizeof certs_path, "%s", getenv ("FAKE_SEV_CERTS") ?: "");
  snprintf (mode, sizeof mode, "%s", getenv ("FAKE_SEV_MODE") ?: "ok");
  unsetenv ("LD_PRELOAD"); /* children (the simulator) run unshimmed */
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
  g->exitinfo2 = (uint64_t) vmm << 32 | fw;
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
            sim_dir, hex, req->vmpl,
            "7777777777777777777777777777777777777777777777777777777777777777");
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

int
ioctl (int fd, unsigned long cmd, ...)
{
  va_list ap;
  va_start (ap, cmd);
  struct snp_guest_request_ioctl *g = va_arg (ap, struct snp_guest_request_ioctl *);
  va_end (ap);
  if (!is_standin (fd))
    {
      errno = ENOTTY;
      return -1;
    }
  calls++;
  if (cmd != SNP_GET_REPORT && cmd != SNP_GET_EXT_REPORT)
    return fail (g, ENOTTY, 0, 0);
  if (g->msg_version != 1)
    return fail (g, EINVAL, 0, 0);
  struct snp_report_req *req = (struct snp_report_req *) (uintptr_t) g->req_data;
  for (size_t i = 0; i < sizeof req->rsvd; i++)
    if (req->rsvd[i])
      return fail (g, EINVAL, 0, 0);
  int busy = 0;
  if (sscanf (mode, "busy:%d", &busy) == 1 && calls <= busy)
    {
      logf_ ("busy");
      return fail (g, EIO, SNP_GUEST_VMM_ERR_BUSY, 0);
    }
  if (strcmp (mode, "vmpck") == 0)
    return fail (g, ENOTCONN, 0, 0);
  if (cmd == SNP_GET_EXT_REPORT)
    {
      struct snp_ext_report_req *ext = (struct snp_ext_report_req *) req;
      FILE *f = fopen (certs_path, "rb");
      static uint8_t table[16384];
      size_t n = f ? fread (table, 1, sizeof table, f) : 0;
      if (f)
        fclose (f);
      uint32_t need = (uint32_t) ((n + 4095) / 4096 * 4096);
      if (ext->certs_len % 4096)
        return fail (g, EINVAL, 0, 0);
      if (ext->certs_len < need)
        {
          logf_ ("ext certs_len=%u too small, need %u", ext->certs_len, need);
          ext->certs_len = need;
          return fail (g, EIO, SNP_GUEST_VMM_ERR_INVALID_LEN, 0);
        }
      memcpy ((void *) (uintptr_t) ext->certs_address, table, n);
      logf_ ("ext certs_len=%u ok", ext->certs_len);
    }
  else
    logf_ ("report ok");
  if (make_report (req, (uint8_t *) (uintptr_t) g->resp_data) < 0)
    return fail (g, EIO, 0, 0);
  g->exitinfo2 = 0;
  return 0;
}
C
if ! cc -shared -fPIC -O1 -o "$W/shim.so" "$W/shim.c" 2>"$W/cc.log"; then
  not_ok "build the ioctl stand-in" "$(cat "$W/cc.log")"
  done_testing; exit
fi
: > "$W/fake-sev-guest"
DEV=$W/fake-sev-guest
parma-snp report --backend sim --sim-dir "$SIM" >/dev/null 2>&1 # make the chain once
# The GHCB cert table the host would serve: VCEK, ASK, ARK (DER).
/usr/bin/python3 - "$SIM/Genoa" "$W/certs.bin" <<'PY'
import base64, sys
d, out = sys.argv[1], sys.argv[2]
guids = {"vcek": "63da758d-e664-4564-adc5-f4b93be8accd", "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
         "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae"}
ders = []
for k in ("vcek", "ask", "ark"):
    body = [l for l in open(f"{d}/{k}.pem").read().splitlines() if l and not l.startswith("-----")]
    ders.append((k, base64.b64decode("".join(body))))
off, head, body = 24 * 4, b"", b""
for k, der in ders:
    head += bytes.fromhex(guids[k].replace("-", "")) + (off + len(body)).to_bytes(4, "little") + len(der).to_bytes(4, "little")
    body += der
open(out, "wb").write(head + bytes(24) + body)
PY

shim() { # MODE CMD...
  local m=$1; shift
  : > "$W/log"
  LD_PRELOAD=$W/shim.so ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
    FAKE_SEV_SIM=$SIM FAKE_SEV_LOG=$W/log FAKE_SEV_CERTS=$W/certs.bin FAKE_SEV_MODE=$m "$@"
}
RD=$(printf '9e%.0s' {1..64})
check "sev-guest: SNP_GET_REPORT through the stand-in" \
  shim ok parma-snp report --device "$DEV" --report-data "$RD" --vmpl 1 --out "$W/r.bin"
check_eq "sev-guest: report_data and vmpl round trip" \
  "$(parma-snp show "$W/r.bin" | sed -n 's/^report_data: //p; s/^vmpl: //p' | tr '\n' ' ')" "1 $RD "
check_eq "sev-guest: one ioctl" "$(cat "$W/log")" "report ok"
check "sev-guest: SNP_GET_EXT_REPORT with certificates" \
  shim ok parma-snp report --device "$DEV" --report-data "$RD" --out "$W/r2.bin" --certs "$W/chain.pem"
check_eq "sev-guest: certs buffer grown once as the kernel asks" "$(tr '\n' ';' < "$W/log")" \
  "ext certs_len=4096 too small, need 8192;ext certs_len=8192 ok;"
check "sev-guest: report verifies with the served chain" parma-snp verify "$W/r2.bin" --chain "$W/chain.pem" \
  --allow-simulator --simulator-ark "$SIM/Genoa/ark.pem" --report-data "$RD" --vmpl 0 \
  --host-data "$(printf '77%.0s' {1..32})"
check "sev-guest: busy three times, then served" \
  shim busy:3 parma-snp report --device "$DEV" --report-data "$RD" --out "$W/r3.bin"
check_eq "sev-guest: three busy answers retried" "$(grep -c busy "$W/log")" 3
out=$(shim busy:100 parma-snp report --device "$DEV" 2>&1)
check_match "sev-guest: busy forever gives up, named" "$out" 'host is busy or throttling.*vmm_error 0x2'
check_eq "sev-guest: bounded retries" "$(grep -c busy "$W/log")" 8
out=$(shim fwerr parma-snp report --device "$DEV" 2>&1)
check_match "sev-guest: firmware INVALID_PARAM named" "$out" 'firmware: invalid parameter'
out=$(shim vmpck parma-snp report --device "$DEV" 2>&1)
check_match "sev-guest: disabled VMPCK named" "$out" 'VMPCK is disabled'
out=$(parma-snp report --device "$W/nonexistent" 2>&1)
check_match "sev-guest: missing device named" "$out" "open .*nonexistent.*No such file"
out=$(parma-snp report --device "$W/certs.bin" 2>&1)
check_match "sev-guest: not a device (no shim)" "$out" 'not an SEV guest device'
done_testing
