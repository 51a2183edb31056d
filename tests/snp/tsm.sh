#!/bin/bash
# The configfs-tsm code path of libsnp against a FUSE stand-in that behaves
# like /sys/kernel/config/tsm/report (tests/snp/tsm-standin.py: mkdir an
# entry; provider, generation, privlevel, inblob, outblob, auxblob; rmdir).
# MOCK, loudly: the stand-in answers with reports from parma-snp's
# simulator, so the real mkdir/write/read/rmdir, busy retry and generation
# logic runs on a machine without SEV or configfs-tsm.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/snp_standins.sh"
W=$PARMA_WORK/snp/tsm
rm -rf "$W" && mkdir -p "$W"
echo "# MOCK: configfs-tsm is a FUSE stand-in (no SEV, no configfs-tsm here)"
trap tsm_standin_stop EXIT

if ! tsm_standin_start "$W"; then
  skip "configfs-tsm stand-in" "$TSM_WHY"
  done_testing; exit
fi
MNT=$TSM_MNT SIM=$SNP_SIM
mode() { echo "$1" >"$TSM_CTL/mode"; : >"$TSM_CTL/log"; }
RD=$(printf 'c3%.0s' {1..64})
check "tsm: report through the stand-in" \
  parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" --out "$W/r.bin" --certs "$W/chain.pem"
check_eq "tsm: report_data round trip" "$(parma-snp show "$W/r.bin" | sed -n 's/^report_data: //p')" "$RD"
check_eq "tsm: a v5 report" "$(parma-snp show "$W/r.bin" | sed -n 's/^version: //p')" 5
check_eq "tsm: auxblob gave VCEK, ASK, ARK" "$(grep -c 'BEGIN CERTIFICATE' "$W/chain.pem")" 3
check "tsm: report verifies with the auxblob chain" parma-snp verify "$W/r.bin" --chain "$W/chain.pem" \
  --allow-simulator --simulator-ark "$SIM/Genoa/ark.pem" --report-data "$RD" --host-data "$(printf '5a%.0s' {1..32})"
check_eq "tsm: entry removed afterwards" "$(ls -A "$MNT")" ""
check "tsm: privlevel 2 requested" \
  parma-snp report --backend tsm --tsm-dir "$MNT" --vmpl 2 --report-data "$RD" --out "$W/r2.bin"
check_eq "tsm: report VMPL 2" "$(parma-snp show "$W/r2.bin" | sed -n 's/^vmpl: //p')" 2

mode race
out=$(parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" 2>&1); rc=$?
check_match "tsm: racing writer detected by generation" "$rc $out" '^1 .*generation changed 1 -> 2'
check_eq "tsm: entry removed after the failure" "$(ls -A "$MNT")" ""
mode tdx
out=$(parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" 2>&1)
check_match "tsm: foreign provider refused" "$out" 'provider is `tdx_guest`, not sev_guest'
mode ebusy:3
check "tsm: EBUSY three times, then served" \
  parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" --out "$W/r3.bin"
check_eq "tsm: three EBUSY reads retried" "$(grep -c ebusy "$TSM_CTL/log")" 3
mode eagain:100
out=$(parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" 2>&1)
check_match "tsm: EAGAIN forever gives up, named" "$out" 'stayed busy or throttled through 8 attempts'
check_eq "tsm: EAGAIN retries bounded" "$(grep -c eagain "$TSM_CTL/log")" 8
check_eq "tsm: entry removed after giving up" "$(ls -A "$MNT")" ""
mode eio
out=$(parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" 2>&1)
check_match "tsm: EIO not retried, named" "$out" 'read `outblob`.*Input/output error'
check_eq "tsm: EIO read once" "$(grep -c eio "$TSM_CTL/log")" 1
mode ok
out=$(parma-snp report --backend tsm --tsm-dir "$W/nonexistent" 2>&1)
check_match "tsm: missing configfs named" "$out" 'is configfs-tsm mounted'
done_testing
