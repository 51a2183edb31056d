#!/bin/bash
# parma-runc with attestation.backend "sev-guest" end to end: the runtime's
# own ioctl code reaches a stand-in device at the configured
# attestation.device.  MOCK, loudly: no SEV and no CUSE here, so the device
# is the LD_PRELOAD stand-in of tests/snp/fake-sev-guest.c, preloaded into
# parma-runc only (through a wrapper; the delegate runs unshimmed) and
# answering with parma-snp's simulator.  A matching HOST_DATA admits a real
# runc container; a different one denies every state-changing verb; kernel
# errors fail closed, busy answers retried a bounded number of times.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
. "$PARMA_SRC/tests/lib/snp_standins.sh"
echo "# MOCK: /dev/sev-guest is an LD_PRELOAD ioctl stand-in (no SEV, no CUSE here)"
at_init snp-sevguest || exit 1
trap 'rt_cleanup; rt_config' EXIT
if ! sev_shim_build "$RT/sev"; then
  not_ok "build the ioctl stand-in" "$(cat "$RT/sev/cc.log")"
  done_testing; exit
fi
# parma-runc with the stand-in preloaded; mode and HOST_DATA from files
CTL=$RT/sev/ctl; mkdir -p "$CTL"
cat >"$RT/sev/parma-runc" <<SH
#!/bin/sh
LD_PRELOAD=$SEV_DIR/shim.so ASAN_OPTIONS=verify_asan_link_order=0\${ASAN_OPTIONS:+:\$ASAN_OPTIONS} \\
FAKE_SEV_SIM=$SNP_SIM FAKE_SEV_LOG=$SEV_LOG \\
FAKE_SEV_CERTS=$SEV_DIR/certs.bin FAKE_SEV_MODE=\$(cat $CTL/mode) \\
FAKE_SEV_HOST_DATA=\$(cat $CTL/host_data) exec $PARMA "\$@"
SH
chmod 0755 "$RT/sev/parma-runc"
PARMA=$RT/sev/parma-runc RUNTIME=$RT/sev/parma-runc

SNP_BACKEND=sev-guest SNP_REPORT_NAME=sev-guest SNP_BROKEN_MODE=vmpck
snp_backend_filter() { echo ".attestation = {backend: \"sev-guest\", device: \"$SEV_DEV\"}"; }
snp_set() { echo "$1" >"$CTL/mode"; echo "$2" >"$CTL/host_data"; : >"$SEV_LOG"; }
snp_fetches() { grep -c 'ok$' "$SEV_LOG"; }
. "$PARMA_SRC/tests/lib/snp_runtime.sh"

snp_rt_mismatch

# ---- kernel errors: fail closed, named; busy retried, bounded ----
snp_rt_config
snp_rt_fail "host busy forever" busy:100 "SNP_GET_REPORT on .*: sev-guest: the host is busy or throttling"
check_eq "sev-guest, busy: retries bounded (8)" "$(grep -c busy "$SEV_LOG")" 8
snp_rt_fail "EBUSY forever" ebusy:100 "host is busy or throttling.*errno 16"
snp_rt_fail "firmware INVALID_PARAM" fwerr "firmware: invalid parameter"
snp_rt_fail "VMPCK disabled" vmpck "VMPCK is disabled"
snp_rt_fail "EIO" eio "failed in the firmware or host"
check_eq "sev-guest, EIO: not retried" "$(grep -c eio "$SEV_LOG")" 1
snp_reboot; snp_set eagain:3 "$HASH"
allowed "sev-guest: EAGAIN three times, then admitted" create -b "$B" c1
check_eq "sev-guest, EAGAIN: three retries then one report" "$(tr '\n' ' ' <"$SEV_LOG")" "eagain eagain eagain report ok "
check_eq "sev-guest, EAGAIN: pinned" "$(cat "$RT/state/.pinned/policy.sha256")" "$HASH"
snp_rt_config "" ".attestation.device = \"$RT/sev/nonexistent\""
snp_rt_fail "device missing" ok "open .*nonexistent.*No such file"
# the real kernel path: no SEV guest device on this machine at all
if [ -e /dev/sev-guest ]; then
  skip "sev-guest, default /dev/sev-guest absent" "this machine has /dev/sev-guest"
else
  snp_rt_config "" 'del(.attestation.device)'
  snp_rt_fail "default /dev/sev-guest absent" ok "open \`/dev/sev-guest\`"
fi
# a file that is no device: the ioctl is unknown (parma-runc without the shim)
snp_rt_config
PARMA=$PARMA_BUILD/parma-runc
snp_rt_fail "not a device" ok "not an SEV guest device"
PARMA=$RT/sev/parma-runc

# ---- the configuration key ----
snp_rt_config "" '.attestation.device = "dev/sev-guest"'
rejected "attestation.device relative" "attestation.device: .* is not an absolute path" 1 create -b "$B" c1
snp_rt_config "" '.attestation = {backend: "tsm", device: "/dev/sev-guest"}'
rejected "attestation.device with backend tsm" "attestation.device: only valid with backend sev-guest" 1 create -b "$B" c1

snp_rt_real
done_testing
