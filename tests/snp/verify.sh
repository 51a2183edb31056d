#!/bin/bash
# parma-snp show/verify against the real SEV-SNP test vectors
# (shared/testdata/snp/README.md lists the expected values used here).
. "$PARMA_SRC/tests/lib/tap.sh"
T=$PARMA_TESTDATA/snp
W=$PARMA_WORK/snp/verify
rm -rf "$W" && mkdir -p "$W"
AT=1748736000 # 2025-06-01Z: inside every certificate window of the vectors
ROOTS=$T/amd-roots

# refused NAME REGEX CMD...: CMD fails and its stderr matches REGEX.
refused() {
  local name=$1 re=$2; shift 2
  local out
  if out=$("$@" 2>&1); then not_ok "$name" "unexpectedly succeeded: $out"; return; fi
  check_match "$name" "$out" "$re"
}
field() { parma-snp show "$1" | sed -n "s/^$2: //p"; }

# ---- parsing: the README's expected values ---------------------------------
R=$T/aci-sidecar/snp_report.bin
check_eq "aci: version" "$(field "$R" version)" 2
check_eq "aci: guest_svn" "$(field "$R" guest_svn)" 2
check_eq "aci: policy" "$(field "$R" policy)" 0x3001f
check_eq "aci: debug" "$(field "$R" policy.debug)" false
check_eq "aci: smt" "$(field "$R" policy.smt)" true
check_eq "aci: family_id" "$(field "$R" family_id)" 01000000000000000000000000000000
check_eq "aci: image_id" "$(field "$R" image_id)" 02000000000000000000000000000000
for t in current_tcb reported_tcb committed_tcb launch_tcb; do
  check_eq "aci: $t" "$(field "$R" $t)" 0x7308000000000003
done
check_eq "aci: tcb microcode" "$(field "$R" reported_tcb.microcode)" 115
check_eq "aci: tcb snp" "$(field "$R" reported_tcb.snp)" 8
check_eq "aci: fw" "$(field "$R" current_version)" 1.52.4
check_eq "aci: measurement" "$(field "$R" measurement)" \
  51068107cdc7ee3d89c7821b05bca6147eb77b2005ae759050fc049b65a1b0beabc65a9d857acecf23225f5ec76849f5
check_eq "aci: report_data" "$(field "$R" report_data)" \
  ee986ff2bd7e3f22e29f640918627816cf8e23b9d9c312767168eab68c861c710000000000000000000000000000000000000000000000000000000000000000
check_match "aci: id_key_digest" "$(field "$R" id_key_digest)" '^d3ed82823f890b10'
check_match "aci: chip_id" "$(field "$R" chip_id)" '^b12164b45a2a2742'
POLICY_SHA=$(base64 -d "$T/aci-sidecar/uvm_security_policy.base64" | sha256sum | cut -d' ' -f1)
check_eq "aci: host_data = sha256(decoded policy)" "$(field "$R" host_data)" "$POLICY_SHA"
check_eq "aci: host_data value" "$POLICY_SHA" cadd74f71ebb8fbf9782baab649612520f3c416bc5ce9ac768808ddc8d9b031c

R=$T/go-sev-guest/attestation.bin
check_eq "go-sev-guest: policy DEBUG=1" "$(field "$R" policy):$(field "$R" policy.debug)" 0xb0000:true
check_eq "go-sev-guest: tcb" "$(field "$R" current_tcb)" 0x4405000000000002
check_eq "go-sev-guest: fw" "$(field "$R" current_version)" 1.49.3
check_match "go-sev-guest: report_data" "$(field "$R" report_data)" '^0102030405(00){59}$'
check_eq "go-sev-guest: chip_id" "$(field "$R" chip_id)" \
  3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d

R=$T/trustee/test-report.bin
check_eq "trustee: current vs committed" "$(field "$R" current_tcb) $(field "$R" committed_tcb)" \
  "0xce08000000000003 0x7308000000000003"
check_eq "trustee: guest_svn" "$(field "$R" guest_svn)" 4

R=$T/trustee/test-vlek-report.bin
check_eq "vlek: version/vmpl/signer" \
  "$(field "$R" version) $(field "$R" vmpl) $(field "$R" signer_info) $(field "$R" signer_info.signing_key)" \
  "3 1 0x4 vlek"
check_eq "vlek: platform_info, cpuid" \
  "$(field "$R" platform_info) $(field "$R" cpuid_fam_id) $(field "$R" cpuid_mod_id) $(field "$R" product)" \
  "0x27 0x19 0x1 Milan"
check_eq "vlek: tcbs" "$(field "$R" reported_tcb) $(field "$R" current_tcb) $(field "$R" committed_tcb)" \
  "0xd918000000000004 0xdc18000000000004 0xdb18000000000004"

R=$T/trustee/extracted-az-genoa-snp-report.bin
check_eq "genoa: version/svn/product" "$(field "$R" version) $(field "$R" guest_svn) $(field "$R" product)" \
  "3 65547 Genoa"
check_eq "genoa: tcb, fw" "$(field "$R" reported_tcb) $(field "$R" current_version)" "0x541700000000000a 1.55.40"
check_eq "azure json = extracted genoa" "$(parma-snp show "$T/trustee/az-evidence-genoa.json" | grep -v ^input_format)" \
  "$(parma-snp show "$R" | grep -v ^input_format)"
check_eq "azure HCL = extracted milan" "$(parma-snp show "$T/trustee/az-hcl-report.bin" | grep -v ^input_format)" \
  "$(parma-snp show "$T/trustee/extracted-az-milan-snp-report.bin" | grep -v ^input_format)"
check_eq "HCL format named" "$(field "$T/trustee/az-hcl-report.bin" input_format)" azure-hcl
R=$T/virtee-sev/report_milan.hex
check_eq "virtee hex: policy, tcb" "$(field "$R" input_format) $(field "$R" policy) $(field "$R" reported_tcb)" \
  "hex 0x30000 0x7308000000000003"
json=$(parma-snp show --json "$T/aci-sidecar/snp_report.bin")
check_eq "show --json host_data" "$(printf '%s' "$json" | jq -r .host_data)" "$POLICY_SHA"
check_eq "show --json version, debug" "$(printf '%s' "$json" | jq -r '"\(.version) \(."policy.debug")"')" "2 false"

# ---- the six real reports verify at the pinned time --------------------------
check "verify aci (with --host-data)" parma-snp verify "$T/aci-sidecar/snp_report.bin" \
  --chain "$T/aci-sidecar/uvm_host_amd_certificate.pem" --at $AT --host-data "$POLICY_SHA" --vmpl 0 \
  --product Milan --min-tcb bl=3,tee=0,snp=8,ucode=115
check "verify go-sev-guest (--allow-debug)" parma-snp verify "$T/go-sev-guest/attestation.bin" \
  --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/go-sev-guest/vcek.testcer" --at $AT --allow-debug
check "verify trustee (--allow-provisional-tcb)" parma-snp verify "$T/trustee/test-report.bin" \
  --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/trustee/test-vcek.der" --at $AT --allow-provisional-tcb
check "verify trustee VLEK" parma-snp verify "$T/trustee/test-vlek-report.bin" \
  --chain "$ROOTS/ask_ark_milan_vlek.pem" --vcek "$T/trustee/test-vlek.der" --at $AT --allow-provisional-tcb --vmpl 1
check "verify azure HCL (VCEK+ASK+ARK bundle)" parma-snp verify "$T/trustee/az-hcl-report.bin" \
  --chain "$T/trustee/az-vcek.pem" --at $AT --allow-provisional-tcb
check "verify azure genoa JSON" parma-snp verify "$T/trustee/az-evidence-genoa.json" \
  --chain "$ROOTS/ask_ark_genoa.pem" --vcek "$T/trustee/az-vcek-genoa.pem" --at $AT --product Genoa
check "verify virtee hex" parma-snp verify "$T/virtee-sev/report_milan.hex" \
  --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT
check "verify chain in reverse order (ARK first)" sh -c "
  awk '/BEGIN/{n++} {print > \"$W/part\" n}' '$ROOTS/ask_ark_milan.pem' && cat '$W/part2' '$W/part1' > '$W/ark_ask.pem' &&
  parma-snp verify '$T/virtee-sev/report_milan.hex' --chain '$W/ark_ask.pem' --vcek '$T/virtee-sev/vcek_milan.der' --at $AT"

check "verify azure: the same VCEK in --chain and --vcek is fine" sh -c "
  awk '/BEGIN/{n++} n==1' '$T/trustee/az-vcek.pem' > '$W/az-vcek-only.pem' &&
  parma-snp verify '$T/trustee/az-hcl-report.bin' --chain '$T/trustee/az-vcek.pem' --vcek '$W/az-vcek-only.pem' --at $AT --allow-provisional-tcb"

# ---- negatives: each refused with its reason ---------------------------------
refused "VLEK with the VCEK ASK" '^verify: chain: VCEK/VLEK: unable to get local issuer certificate' \
  parma-snp verify "$T/trustee/test-vlek-report.bin" --chain "$ROOTS/ask_ark_milan.pem" \
  --vcek "$T/trustee/test-vlek.der" --at $AT --allow-provisional-tcb
R=$T/virtee-sev/report_milan.hex
xxd -r -p "$R" > "$W/milan.bin"
for off in 0x010 0x050 0x090 0x0c0 0x110 0x140 0x160 0x1a5; do
  cp "$W/milan.bin" "$W/flip.bin"
  printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j $((off)) -N1 "$W/milan.bin") ^ 0x10 )))" |
    dd of="$W/flip.bin" bs=1 seek=$((off)) conv=notrunc status=none
  refused "bit flip at $off -> signature" '^verify: signature: ECDSA-P384 signature does not verify with the VCEK' \
    parma-snp verify "$W/flip.bin" --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT
done
refused "another report's VCEK" 'verify: signature: .*verify: hwid:' \
  parma-snp verify "$R" --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/trustee/test-vcek.der" --at $AT
for v in legacy new; do
  refused "edited VCEK ($v) -> chain" 'verify: chain: VCEK/VLEK: certificate signature failure' \
    parma-snp verify "$T/trustee/test-report.bin" --chain "$ROOTS/ask_ark_milan.pem" \
    --vcek "$T/trustee/test-vcek-invalid-$v.der" --at $AT --allow-provisional-tcb
done
refused "DEBUG=1 without --allow-debug" '^verify: debug: guest policy 0xb0000 allows debugging' \
  parma-snp verify "$T/go-sev-guest/attestation.bin" --chain "$ROOTS/ask_ark_milan.pem" \
  --vcek "$T/go-sev-guest/vcek.testcer" --at $AT
refused "current != committed TCB" '^verify: provisional-tcb: committed TCB 0x7308000000000003 .* current TCB 0xce08000000000003' \
  parma-snp verify "$T/trustee/test-report.bin" --chain "$ROOTS/ask_ark_milan.pem" \
  --vcek "$T/trustee/test-vcek.der" --at $AT
refused "VMPL mismatch" '^verify: vmpl: report VMPL 1, expected 0' \
  parma-snp verify "$T/trustee/test-vlek-report.bin" --chain "$ROOTS/ask_ark_milan_vlek.pem" \
  --vcek "$T/trustee/test-vlek.der" --at $AT --allow-provisional-tcb --vmpl 0
refused "Genoa ASK for a Milan VCEK" '^verify: chain: VCEK/VLEK: unable to get local issuer certificate' \
  parma-snp verify "$R" --chain "$ROOTS/ask_ark_genoa.pem" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT
refused "VLEK expired at the current time" '^verify: chain: VCEK/VLEK: certificate has expired' \
  parma-snp verify "$T/trustee/test-vlek-report.bin" --chain "$ROOTS/ask_ark_milan_vlek.pem" \
  --vcek "$T/trustee/test-vlek.der" --allow-provisional-tcb
refused "VLEK report with a VCEK" '^verify: signer: the report is signed by the VLEK but the certificate is CN=SEV-VCEK' \
  parma-snp verify "$T/trustee/test-vlek-report.bin" --chain "$ROOTS/ask_ark_milan.pem" \
  --vcek "$T/trustee/test-vcek.der" --at $AT --allow-provisional-tcb
refused "wrong host_data" '^verify: host_data: report has cadd74f7.*expected 00' \
  parma-snp verify "$T/aci-sidecar/snp_report.bin" --chain "$T/aci-sidecar/uvm_host_amd_certificate.pem" \
  --at $AT --host-data "$(printf '00%.0s' {1..32})"
refused "wrong measurement" '^verify: measurement: ' \
  parma-snp verify "$R" --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT \
  --measurement "$(printf '11%.0s' {1..48})"
refused "wrong report_data" '^verify: report_data: ' \
  parma-snp verify "$R" --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT \
  --report-data "$(printf '11%.0s' {1..64})"
refused "minimum TCB not met" '^verify: min-tcb: current TCB 0x7308000000000003 is below' \
  parma-snp verify "$R" --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT \
  --min-tcb bl=3,tee=0,snp=8,ucode=200
refused "wrong --product" '^verify: product: the ARK says Milan but --product says Genoa' \
  parma-snp verify "$R" --chain "$ROOTS/ask_ark_milan.pem" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT --product Genoa
refused "chain without the ARK" '^verify: chain: --chain must hold the ASK and the ARK' \
  parma-snp verify "$R" --chain "$W/part1" --vcek "$T/virtee-sev/vcek_milan.der" --at $AT
head -c 1000 "$W/milan.bin" > "$W/short.bin"
refused "truncated report" 'report: 1000 bytes, an SNP report has 1184' parma-snp show "$W/short.bin"
{ cat "$W/milan.bin"; printf 'x'; } > "$W/long.bin"
refused "oversized report" 'report: 1185 bytes, an SNP report has 1184' parma-snp show "$W/long.bin"
cp "$W/milan.bin" "$W/v9.bin"; printf '\x09' | dd of="$W/v9.bin" bs=1 conv=notrunc status=none
refused "unknown version" 'report: unknown version 9' parma-snp show "$W/v9.bin"
cp "$W/milan.bin" "$W/mbz.bin"; printf '\x01' | dd of="$W/mbz.bin" bs=1 seek=$((0x340)) conv=notrunc status=none
refused "MBZ signature area byte set" 'must be zero' parma-snp show "$W/mbz.bin"
refused "truncated HCL" 'Azure HCL report truncated' sh -c "head -c 1000 '$T/trustee/az-hcl-report.bin' > '$W/hcl.bin' && parma-snp show '$W/hcl.bin'"
refused "verify without --chain" '--chain PEM is required' parma-snp verify "$R"
refused "bad --host-data length" '--host-data: 2 bytes of hex, want 32' parma-snp verify "$R" --chain "$ROOTS/ask_ark_milan.pem" --host-data abcd

done_testing
