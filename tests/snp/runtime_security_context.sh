#!/bin/bash
# The security context (policy switch allow_security_context) with real
# runc: every admitted container gets the report, the certificate chain and
# the policy read-only at /parma-security-context, named by
# $PARMA_SECURITY_CONTEXT_DIR; the copies are byte for byte the trusted
# ones under the state dir; the report binds the policy (host_data) and
# verifies with the chain; writes fail; without the switch nothing is
# mounted; the matcher decides on the host's mounts only.  Attestation by
# the simulator backend here (sev-guest and tsm: see the end).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
. "$PARMA_SRC/tests/lib/snp_standins.sh"
at_init snp-secctx || exit 1
trap 'rt_cleanup; rt_config; tsm_standin_stop' EXIT
RUNTIME=$PARMA AT_REAL=1
reboot() { find "$RT/state" -mindepth 1 -maxdepth 1 ! -name .snp-sim -exec rm -rf {} + 2>/dev/null; }
SC=/parma-security-context
FILES="report.bin boot-nonce cert-chain.pem policy.json security-policy-base64"

# A workload that shows what it sees.  The host also sets the variable
# itself: parma's value must win.
S=$RT/ok/s
make_bundle "$S" /bin/sh /sc.sh >/dev/null
cat >"$S/rootfs/sc.sh" <<'SH'
d=${PARMA_SECURITY_CONTEXT_DIR:-none}; echo "env=$d"
if [ -f /parma-security-context/report.bin ]; then echo present; else echo absent; exit 0; fi
cd /parma-security-context || exit 1
sha256sum report.bin boot-nonce cert-chain.pem policy.json security-policy-base64
echo "report=$(od -An -tx1 -v report.bin | tr -d " \n")"
echo "nonce=$(cat boot-nonce)"
{ echo x >report.bin; } 2>/dev/null && echo write-ok || echo write-refused
{ echo x >new; } 2>/dev/null && echo create-ok || echo create-refused
cat cert-chain.pem
SH
jq '.process.env += ["PARMA_SECURITY_CONTEXT_DIR=/host-chosen"]' "$S/config.json" >"$S/c" && mv "$S/c" "$S/config.json"
cp "$S/config.json" "$RT/s-config.orig"

policy_with() { # SWITCH(true|false) OUT [extra bundle]
  "$PARMA_BUILD/parma-policy" gen --bundle "$S" -o "$2.tmp" || return 1
  jq --argjson on "$1" '.allow_security_context = $on' "$2.tmp" >"$2" && rm "$2.tmp"
  HASH=$("$PARMA_BUILD/parma-policy" hash "$2" | head -n1)
  at_config /usr/sbin/runc ".policy = \"$2\" | .attestation.sim_host_data = \"$HASH\""
  reboot
}
see() { rt run -b "$S" "$1" </dev/null 2>"$RT/$1.err"; }
field() { sed -n "s/^$1=//p" "$RT/out"; }

# ---- with the switch ----
policy_with true "$RT/sc-policy.json"
see sc1 >"$RT/out"; rc=$?
check_eq "switch on: the workload ran ($(head -c 300 "$RT/sc1.err"))" "$rc" 0
check_eq "switch on: directory present" "$(sed -n 2p "$RT/out")" present
check_eq "switch on: \$PARMA_SECURITY_CONTEXT_DIR names it (the host's value replaced)" "$(field env)" "$SC"
T=$RT/state/.pinned/security-context
for f in $FILES; do
  check_eq "switch on: $f inside = trusted copy" \
    "$(grep " $f\$" "$RT/out" | cut -d' ' -f1)" "$(sha256sum <"$T/$f" | cut -d' ' -f1)"
done
check_eq "switch on: policy.json is the canonical policy (its SHA-256 is the hash)" \
  "$(sha256sum <"$T/policy.json" | cut -d' ' -f1)" "$HASH"
check_eq "switch on: security-policy-base64 decodes to it" \
  "$(base64 -d <"$T/security-policy-base64" | sha256sum | cut -d' ' -f1)" "$HASH"
field report >"$RT/report.hex"
check_eq "switch on: the report copy's host_data is the policy hash" \
  "$(parma-snp show "$RT/report.hex" | sed -n 's/^host_data: //p')" "$HASH"
check_eq "switch on: it is the pinned report" "$(field report)" "$(jq -r .report "$RT/state/.pinned/attest.json")"
sed -n '/BEGIN CERT/,$p' "$RT/out" >"$RT/chain.pem"
check_eq "switch on: chain has VCEK, ASK, ARK" "$(grep -c 'BEGIN CERTIFICATE' "$RT/chain.pem")" 3
RD=$( (printf 'parma-policy-v1'; echo "$HASH$(field nonce)" | xxd -r -p) | sha512sum | cut -d' ' -f1)
check "switch on: a relying party verifies the copies (chain, host_data, report_data)" \
  parma-snp verify "$RT/report.hex" --chain "$RT/chain.pem" --allow-simulator \
  --simulator-ark "$RT/state/.snp-sim/Genoa/ark.pem" --host-data "$HASH" --report-data "$RD"
check_eq "switch on: writing a file refused" "$(grep -c '^write-refused$' "$RT/out")" 1
check_eq "switch on: creating a file refused" "$(grep -c '^create-refused$' "$RT/out")" 1
check_eq "switch on: trusted copy unchanged by the attempts" \
  "$(grep ' report.bin$' "$RT/out" | cut -d' ' -f1)" "$(sha256sum <"$T/report.bin" | cut -d' ' -f1)"
check_eq "trusted state: .pinned root-only, the directory root's and read-only to others" \
  "$(stat -c '%a %U' "$RT/state/.pinned" "$T" | tr '\n' ' ')$(stat -c '%a' "$T"/* | sort -u | tr '\n' ' ')" \
  "700 root 755 root 644 "
# the seal: parma's mount is in the sealed config only, last, read-only
sealed=$(ls -d "$RT"/state/*/sc1/bundle-*/ 2>/dev/null | head -n1)
check_eq "sealed config: the security context mount appended last" \
  "$(jq -c '.mounts[-1]' "$sealed/config.json")" \
  "{\"destination\":\"$SC\",\"options\":[\"bind\",\"ro\",\"nosuid\",\"nodev\",\"noexec\"],\"source\":\"$T\",\"type\":\"bind\"}"
check_eq "sealed config: the host's mounts before it, unchanged" \
  "$(jq -cS '.mounts[:-1]' "$sealed/config.json")" "$(jq -cS '.mounts' "$RT/s-config.orig")"
check_eq "caller's config.json untouched" "$(cat "$S/config.json")" "$(cat "$RT/s-config.orig")"
check_eq "admission record digests the sealed config" \
  "$(jq -r .config_sha256 "$RT"/state/*/sc1/admission.json)" "$(sha256sum <"$sealed/config.json" | cut -d' ' -f1)"
check "the policy still matches the host's bundle offline" \
  "$PARMA_BUILD/parma-policy" check "$RT/sc-policy.json" --bundle "$S"
rt delete sc1 >/dev/null 2>&1
# runc made the mount point in the bundle's rootfs: not parma's to keep
rmdir "$S/rootfs$SC"

# ---- a host mount where the security context goes: refused ----
mutate ".root.path = \"$S/rootfs\" | .process = $(jq -c .process "$S/config.json") | .mounts += [{destination: \"$SC\", type: \"bind\", source: \"$RT/outside\", options: [\"rbind\", \"ro\"]}]"
"$PARMA_BUILD/parma-policy" gen --bundle "$M" -o "$RT/m-policy.json"
jq -s '.[0] * {containers: (.[0].containers + .[1].containers)}' "$RT/sc-policy.json" "$RT/m-policy.json" >"$RT/both.json"
HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/both.json" | head -n1)
at_config /usr/sbin/runc ".policy = \"$RT/both.json\" | .attestation.sim_host_data = \"$HASH\""; reboot
"$PARMA" list >/dev/null 2>&1 # the boot's first call pins
rejected "a host mount at $SC" "security context: mounts\\[[0-9]+\\] already uses \`$SC\`" 1 create -b "$M" sc2
# Also spelled otherwise ("/./", "//", "x/..", a trailing "/"): the same place.
mutate ".root.path = \"$S/rootfs\" | .process = $(jq -c .process "$S/config.json") | .mounts += [{destination: \"/tmp/..//parma-security-context/./\", type: \"bind\", source: \"$RT/outside\", options: [\"rbind\", \"ro\"]}]"
"$PARMA_BUILD/parma-policy" gen --bundle "$M" -o "$RT/m2-policy.json"
jq '.allow_security_context = true' "$RT/m2-policy.json" >"$RT/m2.json"
HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/m2.json" | head -n1)
at_config /usr/sbin/runc ".policy = \"$RT/m2.json\" | .attestation.sim_host_data = \"$HASH\""; reboot
"$PARMA" list >/dev/null 2>&1
rejected "a host mount at $SC spelled /tmp/..//parma-security-context/./" \
  "security context: mounts\\[[0-9]+\\] already uses" 1 create -b "$M" sc2b
# linux.maskedPaths come after the mounts in runc (/dev/null or an empty
# tmpfs over the path) and the matcher lets the host add masks: one at or
# under the directory would blank parma's report for the workload.
for mp in "$SC/report.bin" "$SC" "//parma-security-context/./boot-nonce"; do
  mutate ".root.path = \"$S/rootfs\" | .process = $(jq -c .process "$S/config.json")"
  "$PARMA_BUILD/parma-policy" gen --bundle "$M" -o "$RT/mask-policy.json"
  jq '.allow_security_context = true' "$RT/mask-policy.json" >"$RT/mask.json"
  jq --arg p "$mp" '.linux.maskedPaths += [$p]' "$M/config.json" >"$M/c" && mv "$M/c" "$M/config.json"
  HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/mask.json" | head -n1)
  at_config /usr/sbin/runc ".policy = \"$RT/mask.json\" | .attestation.sim_host_data = \"$HASH\""; reboot
  "$PARMA" list >/dev/null 2>&1
  rejected "a host maskedPaths entry $mp" \
    "security context: linux.maskedPaths\\[[0-9]+\\] .* covers \`$SC\`" 1 create -b "$M" sc2m
done

# ---- without the switch ----
policy_with false "$RT/nosc-policy.json"
see sc3 >"$RT/out"; rc=$?
check_eq "switch off: the workload ran ($(head -c 300 "$RT/sc3.err"))" "$rc" 0
check_eq "switch off: no security context" "$(sed -n 2p "$RT/out")" absent
check_eq "switch off: nothing mounted there (runc made no mount point)" "$(ls -d "$S/rootfs$SC" 2>/dev/null)" ""
check_eq "switch off: the host's variable is left as admitted" "$(field env)" /host-chosen
check_eq "switch off: nothing written in trusted state" "$(ls -A "$RT/state/.pinned" | grep -c security-context)" 0
rt delete sc3 >/dev/null 2>&1

# ---- the chain through the real backends' code (stand-ins) ----
if sev_shim_build "$RT/sev"; then
  policy_with true "$RT/sc-policy.json"
  at_config /usr/sbin/runc ".policy = \"$RT/sc-policy.json\" | .attestation = {backend: \"sev-guest\", device: \"$SEV_DEV\"}"; reboot
  sev_shim ok "$HASH" "$PARMA" --root "$ROOT" run -b "$S" sc4 </dev/null >"$RT/out" 2>"$RT/sc4.err"; rc=$?
  check_eq "sev-guest: the workload ran ($(head -c 300 "$RT/sc4.err"))" "$rc" 0
  check_eq "sev-guest: SNP_GET_EXT_REPORT asked for the chain" "$(tr '\n' ';' <"$SEV_LOG")" \
    "ext certs_len=4096 too small, need 8192;ext certs_len=8192 ok;"
  sed -n '/BEGIN CERT/,$p' "$RT/out" >"$RT/chain.pem"; field report >"$RT/report.hex"
  check "sev-guest: the copies verify" parma-snp verify "$RT/report.hex" --chain "$RT/chain.pem" \
    --allow-simulator --simulator-ark "$SNP_SIM/Genoa/ark.pem" --host-data "$HASH"
  rt delete sc4 >/dev/null 2>&1; rmdir "$S/rootfs$SC"
else
  not_ok "build the ioctl stand-in" "$(cat "$RT/sev/cc.log")"
fi
if tsm_standin_start "$RT/tsm"; then
  echo "$HASH" >"$TSM_CTL/host_data"
  at_config /usr/sbin/runc ".policy = \"$RT/sc-policy.json\" | .attestation = {backend: \"tsm\", tsm_dir: \"$TSM_MNT\"}"; reboot
  see sc5 >"$RT/out"; rc=$?
  check_eq "tsm: the workload ran ($(tr "\n" " " <"$RT/sc5.err" | tail -c 400))" "$rc" 0
  sed -n '/BEGIN CERT/,$p' "$RT/out" >"$RT/chain.pem"; field report >"$RT/report.hex"
  check "tsm: the copies (auxblob chain) verify" parma-snp verify "$RT/report.hex" --chain "$RT/chain.pem" \
    --allow-simulator --simulator-ark "$SNP_SIM/Genoa/ark.pem" --host-data "$HASH"
  rt delete sc5 >/dev/null 2>&1; rmdir "$S/rootfs$SC"
else
  skip "tsm: security context through the stand-in" "$TSM_WHY"
fi
done_testing
