#!/bin/bash
# The /dev/sev-guest code path of libsnp (open, SNP_GET_REPORT and
# SNP_GET_EXT_REPORT request building, busy retry, certificate-buffer
# growth, response parsing, error naming) against a stand-in device.
# MOCK, loudly: this machine has no SEV and no CUSE (/dev/cuse), so an
# LD_PRELOAD shim (tests/snp/fake-sev-guest.c) answers the ioctls on one
# stand-in path only, with reports from parma-snp's simulator.  The shim
# checks the request the way the kernel does (msg_version, reserved bytes,
# page-aligned certs_len).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/snp_standins.sh"
W=$PARMA_WORK/snp/sevguest
rm -rf "$W" && mkdir -p "$W"
echo "# MOCK: /dev/sev-guest is an LD_PRELOAD ioctl stand-in (no SEV, no CUSE here)"

if ! sev_shim_build "$W"; then
  not_ok "build the ioctl stand-in" "$(cat "$W/cc.log")"
  done_testing; exit
fi
DEV=$SEV_DEV SIM=$SNP_SIM
shim() { local m=$1; shift; sev_shim "$m" "$(printf '77%.0s' {1..32})" "$@"; }
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
check "sev-guest: EAGAIN three times, then served" \
  shim eagain:3 parma-snp report --device "$DEV" --report-data "$RD" --out "$W/r4.bin"
check_eq "sev-guest: three EAGAIN answers retried" "$(grep -c eagain "$W/log")" 3
out=$(shim ebusy:100 parma-snp report --device "$DEV" 2>&1)
check_match "sev-guest: EBUSY forever gives up, named" "$out" 'host is busy or throttling.*errno 16'
check_eq "sev-guest: EBUSY retries bounded" "$(grep -c ebusy "$W/log")" 8
out=$(shim eio parma-snp report --device "$DEV" 2>&1)
check_match "sev-guest: plain EIO not retried, named" "$out" 'failed in the firmware or host'
check_eq "sev-guest: EIO tried once" "$(grep -c eio "$W/log")" 1
out=$(shim fwerr parma-snp report --device "$DEV" 2>&1)
check_match "sev-guest: firmware INVALID_PARAM named" "$out" 'firmware: invalid parameter'
out=$(shim vmpck parma-snp report --device "$DEV" 2>&1)
check_match "sev-guest: disabled VMPCK named" "$out" 'VMPCK is disabled'
out=$(parma-snp report --device "$W/nonexistent" 2>&1)
check_match "sev-guest: missing device named" "$out" "open .*nonexistent.*No such file"
out=$(parma-snp report --device "$W/certs.bin" 2>&1)
check_match "sev-guest: not a device (no shim)" "$out" 'not an SEV guest device'
done_testing
