#!/bin/bash
# go-sev-guest's validate rules that parma-snp verify adds as switches:
# --min-guest-svn, --family-id, --image-id, on the real Azure ACI report
# (GUEST_SVN 2, FAMILY_ID 01.., IMAGE_ID 02..) at the pinned time.  Each
# passes with the report's own value and fails naming the check otherwise.
. "$PARMA_SRC/tests/lib/tap.sh"
TD=$PARMA_TESTDATA/snp/aci-sidecar
v() { parma-snp verify "$TD/snp_report.bin" --chain "$TD/uvm_host_amd_certificate.pem" --at 1748736000 "$@" 2>&1; }
FAM=01$(printf '00%.0s' {1..15}) IMG=02$(printf '00%.0s' {1..15}) OTHER=$(printf '03%.0s' {1..16})
check "min-guest-svn 2 (the report's)" v --min-guest-svn 2
out=$(v --min-guest-svn 3); rc=$?
check_match "min-guest-svn 3: refused, named" "$rc $out" "^1 .*verify: guest-svn: report GUEST_SVN 2 is below the minimum 3"
check "family-id (the report's)" v --family-id "$FAM"
out=$(v --family-id "$OTHER")
check_match "family-id other: refused, named" "$out" "verify: family_id: report has $FAM, expected $OTHER"
check "image-id (the report's)" v --image-id "$IMG"
out=$(v --image-id "$OTHER")
check_match "image-id other: refused, named" "$out" "verify: image_id: report has $IMG, expected $OTHER"
out=$(v --family-id "$OTHER" --image-id "$OTHER" --min-guest-svn 9)
check_eq "three rules failed: three lines" "$(echo "$out" | grep -c '^verify: ')" 3
out=$(v --family-id 0102)
check_match "family-id of the wrong length: refused" "$out" "family-id"
out=$(v --min-guest-svn -1)
check_match "min-guest-svn negative: refused" "$out" "min-guest-svn: .-1. is not"
check "all of them together, and every default check" v --min-guest-svn 1 --family-id "$FAM" --image-id "$IMG" \
  --host-data "$(base64 -d "$TD/uvm_security_policy.base64" | sha256sum | cut -d' ' -f1)"
done_testing
