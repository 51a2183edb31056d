#!/bin/bash
# parma-runc with attestation.backend "tsm" end to end: the runtime's own
# configfs-tsm code reaches a report directory at the configured
# attestation.tsm_dir.  MOCK, loudly: no SEV and no configfs-tsm here, so
# the directory is the FUSE stand-in of tests/snp/tsm-standin.py, answering
# with parma-snp's simulator.  A matching HOST_DATA admits a real runc
# container; a different one denies every state-changing verb; provider
# errors fail closed, busy answers retried a bounded number of times.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
. "$PARMA_SRC/tests/lib/snp_standins.sh"
echo "# MOCK: configfs-tsm is a FUSE stand-in (no SEV, no configfs-tsm here)"
at_init snp-tsm || exit 1
trap 'rt_cleanup; rt_config; tsm_standin_stop' EXIT
if ! tsm_standin_start "$RT/tsm"; then
  skip "configfs-tsm stand-in" "$TSM_WHY"
  done_testing; exit
fi
RUNTIME=$PARMA

SNP_BACKEND=tsm SNP_REPORT_NAME=configfs-tsm SNP_BROKEN_MODE=eio
snp_backend_filter() { echo ".attestation = {backend: \"tsm\", tsm_dir: \"$TSM_MNT\"}"; }
snp_set() { echo "$1" >"$TSM_CTL/mode"; echo "$2" >"$TSM_CTL/host_data"; : >"$TSM_CTL/log"; }
snp_fetches() { grep -c '^outblob$' "$TSM_CTL/log"; }
. "$PARMA_SRC/tests/lib/snp_runtime.sh"

snp_rt_mismatch
check_eq "tsm: every report entry removed" "$(ls -A "$TSM_MNT")" ""

# ---- provider errors: fail closed, named; busy retried, bounded ----
snp_rt_config
snp_rt_fail "EBUSY forever" ebusy:100 "tsm: the provider stayed busy or throttled through 8 attempts"
check_eq "tsm, EBUSY: retries bounded (8)" "$(grep -c ebusy "$TSM_CTL/log")" 8
snp_rt_fail "EIO" eio "read \`outblob\`"
check_eq "tsm, EIO: not retried" "$(grep -c eio "$TSM_CTL/log")" 1
snp_rt_fail "racing writer" race "generation changed"
snp_rt_fail "foreign provider" tdx "provider is \`tdx_guest\`, not sev_guest"
check_eq "tsm: entries removed after the failures" "$(ls -A "$TSM_MNT")" ""
snp_reboot; snp_set eagain:3 "$HASH"
allowed "tsm: EAGAIN three times, then admitted" create -b "$B" c1
check_eq "tsm, EAGAIN: three retries then one report" "$(tr '\n' ' ' <"$TSM_CTL/log")" "eagain eagain eagain outblob "
check_eq "tsm, EAGAIN: pinned" "$(cat "$RT/state/.pinned/policy.sha256")" "$HASH"
snp_rt_config "" ".attestation.tsm_dir = \"$RT/tsm/nonexistent\""
snp_rt_fail "report directory missing" ok "tsm: open .*nonexistent.*is configfs-tsm mounted"
# the real kernel path: no configfs-tsm on this machine
if [ -e /sys/kernel/config/tsm/report ]; then
  skip "tsm, default configfs path absent" "this machine has configfs-tsm"
else
  snp_rt_config "" 'del(.attestation.tsm_dir)'
  snp_rt_fail "default configfs path absent" ok "tsm: open \`/sys/kernel/config/tsm/report\`"
fi

# ---- the configuration key ----
snp_rt_config "" '.attestation.tsm_dir = "tsm"'
rejected "attestation.tsm_dir relative" "attestation.tsm_dir: .* is not an absolute path" 1 create -b "$B" c1
snp_rt_config "" '.attestation = {backend: "sim", tsm_dir: "/x"}'
rejected "attestation.tsm_dir with backend sim" "attestation.tsm_dir: only valid with backend tsm" 1 create -b "$B" c1

snp_rt_real
check_eq "tsm: every report entry removed" "$(ls -A "$TSM_MNT")" ""
done_testing
