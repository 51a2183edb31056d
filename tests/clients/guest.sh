#!/bin/bash
# contrib/guest: the guest configuration example and host-data.sh, which
# turns `parma-policy hash --base64 POLICY` into QEMU's
# `-object sev-snp-guest,...,host-data=<base64>` argument.  The digest checks
# use the real parma-policy from the build directory (skipped until built).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"

G=$PARMA_SRC/contrib/guest
HD=$G/host-data.sh
W=$PARMA_WORK/clients/guest.$$
trap 'rm -rf "$W"' EXIT
rm -rf "$W"; mkdir -p "$W"

# ---- the guest configuration example ----
conf=$G/config.json
check "guest config.json is valid JSON" jq -e . "$conf"
check_eq "guest config keys are the documented ones" \
  "$(jq -r 'keys - ["delegate","state_dir","mode","policy","attestation","allowed_dirs","audit_log"] | length' "$conf" 2>&1)" 0
check_eq "guest config uses the real secure processor, not the simulator" \
  "$(jq -r '.attestation.backend + " " + (.attestation | has("sim_host_data") | tostring)' "$conf" 2>&1)" "sev-guest false"
check_eq "guest config enforces" "$(jq -r .mode "$conf" 2>&1)" enforce
check_match "guest delegate and state dir are absolute" \
  "$(jq -r '.delegate + " " + .state_dir' "$conf" 2>&1)" '^/[^ ]+ /run/[^ ]+$'

# ---- host-data.sh: argument errors (one line, non-zero, nothing printed on stdout) ----
one_line_error() { # WANT-REGEX CMD...: fails unless CMD exits non-zero with one stderr line matching
  local want=$1 out err rc; shift
  out=$("$@" 2>"$W/err"); rc=$?; err=$(cat "$W/err")
  [ "$rc" != 0 ] && [ -z "$out" ] && [ "$(wc -l <"$W/err")" = 1 ] && [[ "$err" =~ $want ]] ||
    { echo "rc=$rc stdout=[$out] stderr=[$err]"; return 1; }
}
check "host-data.sh without a policy: usage" one_line_error '^host-data.sh: usage: ' "$HD"
check "host-data.sh with a missing policy" one_line_error 'policy: .*/nope.json: no such file' "$HD" "$W/nope.json"
echo '{}' >"$W/any.json"
check "host-data.sh rejects a bad --id" one_line_error '^host-data.sh: --id: a,b: ' "$HD" --id a,b "$W/any.json"
check "host-data.sh refuses host-data in --object-options" \
  one_line_error 'must not set id or host-data' "$HD" --object-options host-data=AAAA "$W/any.json"
check "host-data.sh without parma-policy" \
  one_line_error 'parma-policy: not found' env PARMA_POLICY="$W/no-such-parma-policy" "$HD" "$W/any.json"
check_match "host-data.sh --help documents the QEMU use" "$("$HD" --help 2>&1)" '-object "\$\(host-data.sh policy.json\)"'

# ---- host-data.sh with the real parma-policy ----
PP=$PARMA_BUILD/parma-policy
if [ ! -x "$PP" ]; then
  for t in "prints the sev-snp-guest object" "host-data is the policy hash in base64" \
    "reformatting the policy keeps host-data" "another policy gives another host-data" \
    "--id and --object-options"; do
    skip "$t" "parma-policy is not built"
  done
  done_testing; exit
fi
export PARMA_POLICY=$PP
make_bundle "$W/b1" /bin/echo one
make_bundle "$W/b2" /bin/echo two
"$PP" gen --bundle "$W/b1" -o "$W/p1.json" || echo "# parma-policy gen --bundle b1 failed"
"$PP" gen --bundle "$W/b2" -o "$W/p2.json" || echo "# parma-policy gen --bundle b2 failed"
out=$("$HD" "$W/p1.json" 2>&1)
check_match "prints the sev-snp-guest object" "$out" \
  '^sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on,host-data=[A-Za-z0-9+/]{43}=$'
hex=$("$PP" hash "$W/p1.json" | head -1)
check_eq "host-data is the policy hash in base64" \
  "$(printf '%s' "${out##*host-data=}" | base64 -d | od -An -v -tx1 | tr -d ' \n')" "$hex"
jq -S . "$W/p1.json" >"$W/p1-pretty.json"
check_eq "reformatting the policy keeps host-data" "$("$HD" "$W/p1-pretty.json" 2>&1)" "$out"
out2=$("$HD" "$W/p2.json" 2>&1)
if [ "${out2##*host-data=}" != "${out##*host-data=}" ] && [[ "$out2" == *host-data=* ]]; then
  ok "another policy gives another host-data"
else
  not_ok "another policy gives another host-data" "$out / $out2"
fi
check_match "--id and --object-options" "$("$HD" --id snp1 --object-options cbitpos=47,reduced-phys-bits=1 "$W/p1.json" 2>&1)" \
  '^sev-snp-guest,id=snp1,cbitpos=47,reduced-phys-bits=1,host-data=[A-Za-z0-9+/]{43}=$'
done_testing
