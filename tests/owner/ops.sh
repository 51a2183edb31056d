#!/bin/bash
# Owner control channel, the other operations (issue #11): a signed signal
# the policy does not allow, a signed checkpoint, and a signed policy
# fragment loaded at runtime so that a later create matches it -- each once,
# each audited with its key, each refused when re-targeted, replayed or
# signed by a key without that operation.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/owner/common.bash"
# only SIGTERM for this container: SIGKILL needs the owner
ow_init ops '.containers[0].signals = [15]' || exit 1
trap 'rt_cleanup; rt_config' EXIT
K=$RT/keys
running() { [ "$(rt state "$1" 2>/dev/null | jq -r .status)" = running ]; }

check "create" ow_quiet rt create -b "$B" c1
check "start" ow_quiet rt start c1

# ---- signal ----
ow_refused "kill -9 without a token" "signals" 1 kill c1 KILL
check "owner-challenge c1" ow_challenge "$RT/ch.json" c1
T=$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch.json" --op signal --signal 9 --container c1)
ow_refused "signal token used for another signal (even an allowed one)" \
  "owner: token is for signal 9, not 15" 1 "PARMA_OWNER_TOKEN=$T" kill c1 TERM
ow_refused "signal token used with --all" "owner: token is for signal 9, not 9 --all" 1 \
  "PARMA_OWNER_TOKEN=$T" kill --all c1 KILL
jq '.container = "c9"' "$RT/ch.json" >"$RT/ch-c9.json"
T9=$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch-c9.json" --op signal --signal 9 --container c9)
ow_refused "signal token for another container" "owner: token is for container .c9., not .c1." 1 \
  "PARMA_OWNER_TOKEN=$T9" kill c1 KILL
TA=$(ow_sign --key "$K/alice.key" --key-id alice --challenge "$RT/ch.json" --op signal --signal 9 --container c1)
ow_refused "signal signed by a key without signal" "owner: key \"alice\" may not authorize signal" 1 \
  "PARMA_OWNER_TOKEN=$TA" kill c1 KILL
check "an unbound challenge" ow_challenge "$RT/ch-unbound.json"
TU=$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch-unbound.json" --op signal --signal 9 --container c1 2>/dev/null)
ow_refused "signal on an unbound challenge" "owner: challenge [0-9a-f]+\.\.\. is not bound to a container" 1 \
  "PARMA_OWNER_TOKEN=$TU" kill c1 KILL
check "container still running after the denials" running c1
out=$(env "PARMA_OWNER_TOKEN=$T" "$PARMA" --root "$ROOT" kill c1 KILL 2>&1)
check_eq "signed kill -9 is delivered ($out)" "$?" 0
check "the container stopped" rt_wait_status c1 stopped
check_match "audit: the signal and its key" "$(grep owner-authorized "$RT/audit.log" | tail -n1)" \
  '"id":"c1".*"owner_key":"bob".*signal 9.*"verb":"kill"'
ow_refused "replayed signal token" "already used \(replay\)" 1 "PARMA_OWNER_TOKEN=$T" kill c1 KILL

# ---- checkpoint (stand-in delegate: the decision is under test, not CRIU) ----
CALLS=$RT/calls FAKE=$RT/fake-runc
printf '#!/bin/sh\necho "$* token-in-env=$(env | grep -c PARMA_OWNER_TOKEN)" >>"%s"\nexit 0\n' "$CALLS" >"$FAKE" && chmod 0755 "$FAKE"
ow_config "$FAKE" && : >"$CALLS"
ow_refused "checkpoint without a token" "allow_checkpoint" 1 checkpoint --image-path "$RT/ok/img" c1
check "owner-challenge c1 (checkpoint)" ow_challenge "$RT/ch2.json" c1
TB=$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch2.json" --op checkpoint --container c1)
ow_refused "checkpoint signed by a key without checkpoint" "may not authorize checkpoint" 1 \
  "PARMA_OWNER_TOKEN=$TB" checkpoint --image-path "$RT/ok/img" c1
check_eq "delegate not called" "$(grep -c . "$CALLS")" 0
TC=$(ow_sign --key "$K/carol.key" --key-id carol --challenge "$RT/ch2.json" --op checkpoint --container c1)
env "PARMA_OWNER_TOKEN=$TC" "$PARMA" --root "$ROOT" checkpoint --image-path "$RT/ok/img" c1 >/dev/null 2>&1
check_eq "signed checkpoint reaches the delegate once" "$(grep -c '^.*checkpoint' "$CALLS")" 1
check_match "the delegate's environment has no token" "$(cat "$CALLS")" 'checkpoint .*c1 token-in-env=0$'
: >"$CALLS"
env "PARMA_OWNER_TOKEN=$TC" "$PARMA" --root "$ROOT" state c1 >/dev/null 2>&1
check_match "nor does it for a verb that ignores tokens" "$(cat "$CALLS")" 'state .*token-in-env=0$'
: >"$CALLS"
check_match "audit: checkpoint by carol" "$(grep owner-authorized "$RT/audit.log" | tail -n1)" \
  '"owner_key":"carol".*"verb":"checkpoint"'
ow_refused "replayed checkpoint token" "already used \(replay\)" 1 \
  "PARMA_OWNER_TOKEN=$TC" checkpoint --image-path "$RT/ok/img" c1
check_eq "the replay did not reach the delegate" "$(grep -c checkpoint "$CALLS")" 0

# ---- fragment: a container the policy does not list, loaded at runtime ----
ow_config || exit 1
rt_cleanup
B2=$RT/ok/b2
make_bundle "$B2" sleep 601 >/dev/null
jq '.root.readonly = false' "$B2/config.json" >"$B2/c.json" && mv "$B2/c.json" "$B2/config.json"
"$POLICY_BIN" gen --bundle "$B2" -o "$RT/b2-policy.json"
jq '{containers: .containers}' "$RT/b2-policy.json" >"$RT/frag.json"
ow_refused "create of an unlisted container" "command" 1 create -b "$B2" c3
check "owner-challenge (fragment)" ow_challenge "$RT/ch3.json"
FT=$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch3.json" --op fragment --fragment "$RT/frag.json")
FX=$(ow_sign --key "$K/alice.key" --key-id alice --challenge "$RT/ch3.json" --op fragment --fragment "$RT/frag.json")
F=(owner-fragment "$RT/ok/frag.json")
cp "$RT/frag.json" "$RT/ok/frag.json"
OW_PREFIX="owner-fragment: denied: " ow_refused "fragment signed by a key without fragment" \
  "may not authorize fragment" 1 "PARMA_OWNER_TOKEN=$FX" "${F[@]}"
jq '.containers[0].command = ["/bin/sh"]' "$RT/frag.json" >"$RT/ok/frag.json"
OW_PREFIX="owner-fragment: denied: " ow_refused "host edits the fragment after signing" \
  "owner: the fragment differs" 1 "PARMA_OWNER_TOKEN=$FT" "${F[@]}"
echo '{"containers": 5}' >"$RT/bad-frag.json"; cp "$RT/bad-frag.json" "$RT/ok/frag.json"
FB=$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch3.json" --op fragment --fragment "$RT/bad-frag.json")
OW_PREFIX="owner-fragment: denied: " ow_refused "a signed but malformed fragment (challenge kept)" \
  "owner fragment: must be" 1 "PARMA_OWNER_TOKEN=$FB" "${F[@]}"
OW_PREFIX="owner-fragment: denied: " ow_refused "no token" "no PARMA_OWNER_TOKEN" 1 "${F[@]}"
check_fails "still not admitted" ow_quiet rt create -b "$B2" c3
cp "$RT/frag.json" "$RT/ok/frag.json"
out=$(env "PARMA_OWNER_TOKEN=$FT" "$PARMA" owner-fragment "$RT/ok/frag.json" 2>&1)
check_eq "signed fragment loads ($out)" "$?" 0
check_match "it says what it added" "$out" "1 container\(s\) added as entries 1\.\.1"
check_eq "fragment persisted in trusted state" "$(ls "$RT/state/.owner/fragments" | grep -c '^0000-.*\.json$')" 1
check_eq "the pinned policy hash is unchanged" "$(cat "$RT/state/.pinned/policy.sha256")" "$HASH"
check_match "audit: the fragment and its key" "$(grep '"owner-fragment"' "$RT/audit.log" | grep owner-authorized)" \
  '"owner_key":"bob".*fragment_sha256'
check "a later create matches the fragment" ow_quiet rt create -b "$B2" c3
check_match "admitted by the fragment's entry" "$(grep '"verb":"create"' "$RT/audit.log" | tail -n1)" \
  '"container":"1:b2".*"decision":"allow"'
OW_PREFIX="owner-fragment: denied: " ow_refused "replayed fragment token" "already used \(replay\)" 1 \
  "PARMA_OWNER_TOKEN=$FT" "${F[@]}"
check "the original container entry still admits" ow_quiet rt create -b "$B" c4
check "a challenge bound to c4" ow_challenge "$RT/ch4.json" c4
check_fails "sign refuses a fragment on a challenge bound to a container" ow_sign --key "$K/bob.key" \
  --key-id bob --challenge "$RT/ch4.json" --op fragment --fragment "$RT/frag.json"
jq 'del(.container, .instance, .policy_entry)' "$RT/ch4.json" >"$RT/ch4-stripped.json"
FS=$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch4-stripped.json" --op fragment --fragment "$RT/frag.json")
OW_PREFIX="owner-fragment: denied: " ow_refused "fragment on a challenge bound to a container" \
  "owner: challenge [0-9a-f]+\.\.\. was issued for container .c4., not for a fragment" 1 \
  "PARMA_OWNER_TOKEN=$FS" "${F[@]}"

# ---- the verbs are parma's own: not in runc's help, documented in parma-runc(8) ----
check_eq "runc's --help layout does not list them" "$("$PARMA" --help | grep -c owner)" 0
check_match "help owner-challenge" "$("$PARMA" help owner-challenge)" "single-use owner challenge"
check_fails "owner-challenge takes at most one argument" "$PARMA" owner-challenge c1 extra
check_fails "owner-challenge refuses a bad container id" "$PARMA" owner-challenge ../x

# ---- the host may ask for challenges, not fill guest memory with them ----
n=$(ls "$RT/state/.owner/challenges" | grep -c json)
for i in $(seq $((64 - n))); do "$PARMA" owner-challenge >/dev/null 2>&1 || break; done
check_eq "64 outstanding challenges" "$(ls "$RT/state/.owner/challenges" | grep -c json)" 64
out=$("$PARMA" owner-challenge 2>&1 >/dev/null)
check_match "the 65th is refused" "$out" "owner: 64 challenges are outstanding"

# ---- a policy without owner_keys has no owner channel ----
jq 'del(.owner_keys)' "$RT/policy.json" >"$RT/plain.json" && cp "$RT/plain.json" "$RT/policy.json"
find "$RT/state" -mindepth 1 -maxdepth 1 ! -name .snp-sim -exec rm -rf {} +
ow_config || exit 1
out=$("$PARMA" owner-challenge 2>&1 >/dev/null)
check_match "no owner_keys: no challenge" "$out" "owner: the policy has no owner_keys"
check_eq "and no owner state" "$(ls "$RT/state/.owner/challenges" 2>/dev/null | wc -l)" 0

done_testing
