#!/bin/bash
# The policy and its HOST_DATA binding (simulator backend): a wrong hash or
# no policy fails every state-changing verb closed with expected/found
# hashes; whitespace does not change the hash; the io.parma.policy
# annotation delivers a policy; a second, different policy is refused once
# one is pinned; audit mode lets a denial through and logs it; the
# open-door policy admits and warns; a missing or world-writable
# configuration is refused.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
at_init binding || exit 1
RUNTIME=$PARMA
trap 'rt_cleanup; rt_config' EXIT
CONF=$PARMA_SYSCONFDIR/parma-runc/config.json
# a new boot: the tmpfs state is gone (but the simulator's test chain is
# kept: making its RSA keys costs seconds)
reboot() { find "$RT/state" -mindepth 1 -maxdepth 1 ! -name .snp-sim -exec rm -rf {} + 2>/dev/null; }

# ---- HOST_DATA differs from the policy hash ----
OTHER=$(printf '%064d' 7)
reboot; at_config "$FAKE" ".attestation.sim_host_data = \"$OTHER\""; reboot
for args in "create -b $B c1" "run -d -b $B c1" "exec c1 /bin/echo probe" "kill c1 KILL" \
  "start c1" "delete c1" "pause c1" "update --pids-limit 5 c1"; do
  set -- $args
  want=1; [ "$1" = exec ] && want=255
  denied "wrong HOST_DATA: $1" "policy: expected HOST_DATA $OTHER, found policy $HASH" $want "$@"
done

# ---- no policy at all ----
at_config "$FAKE" 'del(.policy)'; reboot
denied "no policy: create" "policy: expected HOST_DATA $HASH, found no policy" 1 create -b "$B" c1
denied "no policy: kill" "found no policy" 1 kill c1 KILL
at_config "$FAKE" ".policy = \"$RT/missing.json\""; reboot
denied "policy file missing" "policy .*missing.json" 1 create -b "$B" c1

# ---- same policy, other whitespace: same hash, admitted ----
jq . "$RT/policy.json" >"$RT/policy-pretty.json"
at_config "$FAKE" ".policy = \"$RT/policy-pretty.json\""; reboot
allowed "pretty-printed policy (same canonical hash)" create -b "$B" c1
check_eq "pinned hash" "$(cat "$RT/state/.pinned/policy.sha256")" "$HASH"
check_eq "pinned policy is canonical" "$(sha256sum <"$RT/state/.pinned/policy.json" | cut -d' ' -f1)" "$HASH"
check_match "attestation cached once" "$(jq -r .simulated "$RT/state/.pinned/attest.json")" "true"

# ---- a second, different policy once one is pinned ----
jq '.containers[0].command = ["/bin/true"]' "$RT/policy.json" >"$RT/policy2.json"
mutate ".annotations = {\"io.parma.policy\": $(jq -c . "$RT/policy2.json" | jq -Rs .)}"
denied "different policy by annotation after pinning" "a different policy is pinned" 1 create -b "$M" c2
mutate ".annotations = {\"io.parma.policy\": $(base64 -w0 "$RT/policy2.json" | jq -Rs 'rtrimstr("\n")')}"
denied "different policy (base64) after pinning" "a different policy is pinned" 1 create -b "$M" c2

# ---- the annotation delivers the policy on a fresh boot ----
at_config "$FAKE" 'del(.policy)'; reboot
mutate ".annotations = {\"io.parma.policy\": $(base64 -w0 "$RT/policy.json" | jq -Rs 'rtrimstr("\n")')}"
allowed "policy delivered by annotation (base64)" create -b "$M" c3
check_eq "annotation policy pinned" "$(cat "$RT/state/.pinned/policy.sha256")" "$HASH"
reboot
mutate ".annotations = {\"io.parma.policy\": $(jq -c . "$RT/policy2.json" | jq -Rs .)}"
denied "annotation policy with the wrong hash" "expected HOST_DATA $HASH, found policy" 1 create -b "$M" c3

# ---- audit mode ----
at_config "$FAKE" '.mode = "audit"'; reboot
mutate '.process.env += ["LD_PRELOAD=/x"]'
: >"$CALLS"
out=$("$PARMA" --root "$ROOT" create -b "$M" c4 2>&1 >/dev/null)
check_eq "audit mode: the denied create goes through" "$(grep -c create "$CALLS")" "1"
check_match "audit mode: stderr says what would be denied" "$out" "audit mode, would deny: create c4: env_rules"
check_match "audit mode: log line" "$(tail -n1 "$RT/audit.log")" '"decision":"allow-audit".*"failed_rules":\["env_rules"\].*"mode":"audit"'

# ---- open door ----
"$PARMA_BUILD/parma-policy" gen --open-door -o "$RT/od.json"
at_config "$FAKE" ".policy = \"$RT/od.json\" | .attestation.sim_host_data = \"$("$PARMA_BUILD/parma-policy" hash "$RT/od.json" | head -n1)\""; reboot
: >"$CALLS"
out=$("$PARMA" --root "$ROOT" create -b "$M" c5 2>&1 >/dev/null)
check_eq "open door admits a mutated bundle" "$(grep -c create "$CALLS")" "1"
check_match "open door warns on stderr" "$out" "open-door policy admits everything"
check_match "open door warns in the audit log" "$(tail -n1 "$RT/audit.log")" '"warning":"open-door policy: admits everything"'
check_match "simulator announced in the audit log" "$(tail -n1 "$RT/audit.log")" 'SEV-SNP SIMULATOR'

# ---- the configuration file itself ----
at_config; reboot
mv "$CONF" "$RT/conf.moved"
rejected "configuration missing" "configuration .*No such file" 1 create -b "$B" c6
mv "$RT/conf.moved" "$CONF"
chmod 0666 "$CONF"
rejected "configuration world-writable" "writable by group or others" 1 create -b "$B" c6
chmod 0644 "$CONF"
done_testing
