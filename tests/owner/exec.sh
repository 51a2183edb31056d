#!/bin/bash
# Owner control channel, break-glass exec (issue #11): a challenge issued
# by the guest inside a simulator report, verified by the owner, an exec of
# `sh -c` that the policy does not list, signed by the owner and relayed by
# the host in the process env.  It runs exactly once; every forgery,
# replay, redirection or edit is denied with its reason and runs nothing.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/owner/common.bash"
ow_init exec || exit 1
trap 'rt_cleanup; rt_config' EXIT

check "create the container" ow_quiet rt create -b "$B" c1
check "start it" rt start c1

# the process the owner approves: not in the policy
jq '.args = ["/bin/sh", "-c", "echo ran >>/tmp/marker"]' "$RT/p.json" >"$RT/dbg.json"
relay() { # TOKEN [JQ]: the host's copy of the owner's process with the token added
  jq --arg t "$1" "${2:-.} | .env += [\"PARMA_OWNER_TOKEN=\" + \$t]" "$RT/dbg.json" >"$RT/ok/relay.json"
}
ow_refused "unlisted sh -c without a token" "command" 255 exec --process "$RT/dbg.json" c1

# ---- the challenge ----
check "owner-challenge c1" ow_challenge "$RT/ch.json" c1
check_match "the simulator announces itself" "$(cat "$RT/ch.json.err")" "SIMULATOR"
CH=$(jq -r .challenge "$RT/ch.json")
check_match "challenge: 32 random bytes" "$CH" '^[0-9a-f]{64}$'
check_eq "challenge recorded in trusted state" "$(ow_outstanding)" 1
check_eq "challenge states the pinned policy" "$(jq -r .policy_sha256 "$RT/ch.json")" "$HASH"
check_eq "challenge states this boot" "$(jq -r .boot "$RT/ch.json")" "$(jq -r .boot_nonce "$RT/state/.pinned/attest.json")"
check_eq "challenge names the container and the entry it was admitted as" \
  "$(jq -r '.container + " " + .policy_entry' "$RT/ch.json")" "c1 $(jq -r '.containers[0].name' "$RT/policy.json")"
INST=$(sha256sum "$(find "$RT/state" -path '*/c1/admission.json')" | cut -d' ' -f1)
check_eq "instance = SHA-256 of c1's admission record (sha256sum)" "$(jq -r .instance "$RT/ch.json")" "$INST"
ARK=$(find "$RT/state/.snp-sim" -name ark.pem | head -n1)
check "owner verifies the report (chain, HOST_DATA, REPORT_DATA)" \
  "$POLICY_BIN" owner verify-challenge "$RT/ch.json" --policy "$RT/policy.json" --simulator-ark "$ARK"
# REPORT_DATA = SHA-512("parma-owner-challenge-v2" || policy || boot || challenge || binding),
# binding = SHA-256(container 0x00 entry 0x00 instance)
bind=$( (printf '%s\0%s\0' c1 "$(jq -r .policy_entry "$RT/ch.json")"; echo -n "$INST" | xxd -r -p) | sha256sum | cut -d' ' -f1)
rd=$( (printf 'parma-owner-challenge-v2'; echo -n "$HASH$(jq -r .boot "$RT/ch.json")$CH$bind" | xxd -r -p) | sha512sum | cut -d' ' -f1)
jq -r .report "$RT/ch.json" | xxd -r -p >"$RT/report.bin"
check_match "report_data binds the challenge (recomputed with sha512sum)" \
  "$("$PARMA_BUILD/parma-snp" show "$RT/report.bin")" "report_data: $rd"
jq -r .chain "$RT/ch.json" >"$RT/chain.pem"
check "parma-snp verify agrees (--host-data, --report-data)" "$PARMA_BUILD/parma-snp" verify "$RT/report.bin" \
  --chain "$RT/chain.pem" --host-data "$HASH" --report-data "$rd" --allow-simulator --simulator-ark "$ARK"
jq --arg c "$(printf '%064d' 1)" '.challenge = $c' "$RT/ch.json" >"$RT/ch-forged.json"
check_fails "verify-challenge refuses a challenge the report does not bind" \
  "$POLICY_BIN" owner verify-challenge "$RT/ch-forged.json" --policy "$RT/policy.json" --simulator-ark "$ARK"
check_fails "verify-challenge refuses another policy" \
  "$POLICY_BIN" owner verify-challenge "$RT/ch.json" --policy "$RT/base.json" --simulator-ark "$ARK"
out=$("$POLICY_BIN" owner verify-challenge "$RT/ch.json" --policy "$RT/policy.json" --simulator-ark "$ARK" 2>/dev/null)
check_match "verify-challenge shows the owner which workload" "$out" "container: c1.*policy_entry: "
for f in '.container = "c2"' '.policy_entry = "other"' ".instance = \"$(printf '%064d' 2)\"" 'del(.container, .instance, .policy_entry)'; do
  jq "$f" "$RT/ch.json" >"$RT/ch-edit.json"
  check_fails "verify-challenge refuses an edited binding ($f)" \
    "$POLICY_BIN" owner verify-challenge "$RT/ch-edit.json" --policy "$RT/policy.json" --simulator-ark "$ARK"
done

K=$RT/keys
sign_exec() { ow_sign --key "$K/alice.key" --key-id alice --challenge "$RT/ch.json" --op exec "$@"; }
TOK=$(sign_exec --container c1 --process "$RT/dbg.json" --policy "$RT/policy.json" --simulator-ark "$ARK")
check_fails "sign --policy signs nothing for a challenge its report does not bind" \
  ow_sign --key "$K/alice.key" --key-id alice --challenge "$RT/ch-forged.json" --op exec --container c1 \
  --process "$RT/dbg.json" --policy "$RT/policy.json" --simulator-ark "$ARK"
check_match "token: payload.signature in base64url" "$TOK" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
check_match "inspect shows what was signed" "$("$POLICY_BIN" owner inspect "$TOK" --policy "$RT/policy.json")" '"op": "exec"'

# ---- negatives: each denied, nothing run, the challenge still usable ----
x() { ow_refused "$1" "$2" 255 exec --process "$RT/ok/relay.json" c1; }
check_fails "sign refuses --container other than the challenge's" \
  sign_exec --container c2 --process "$RT/dbg.json"
jq '.container = "c2"' "$RT/ch.json" >"$RT/ch-c2.json"
relay "$(sign_exec --container c2 --process "$RT/dbg.json" --challenge "$RT/ch-c2.json")"
x "token for another container" "owner: token is for container .c2., not .c1."
jq '.args = ["/bin/sh", "-c", "echo other >>/tmp/marker"]' "$RT/p.json" >"$RT/other.json"
relay "$(sign_exec --container c1 --process "$RT/other.json")"
x "token for another command" "owner: the process differs"
relay "$TOK" '.env += ["LD_PRELOAD=/x"]'
x "host edits the relayed process (env)" "owner: the process differs"
relay "$TOK" '.user.uid = 1000'
x "host edits the relayed process (user)" "owner: the process differs"
relay "$TOK" '.args[2] = "echo ran >>/tmp/marker; id"'
x "host edits the relayed process (args)" "owner: the process differs"
relay "$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch.json" --op exec --container c1 --process "$RT/dbg.json")"
x "key without the exec operation" "owner: key \"bob\" may not authorize exec"
relay "$(ow_sign --key "$K/mallory.key" --key-id alice --challenge "$RT/ch.json" --op exec --container c1 --process "$RT/dbg.json")"
x "signed by a key not in the policy" "owner: bad signature for key \"alice\""
relay "$(ow_sign --key "$K/mallory.key" --key-id mallory --challenge "$RT/ch.json" --op exec --container c1 --process "$RT/dbg.json")"
x "unknown key id" "owner: key \"mallory\" is not in the policy"
relay "$(sign_exec --container c1 --process "$RT/dbg.json" --expires $(( $(date +%s) - 5 )))"
x "expired token" "owner: token expired"
relay "$(sign_exec --container c1 --process "$RT/dbg.json" --challenge "$RT/ch-forged.json")"
x "a challenge the guest never issued" "owner: challenge [0-9a-f]+\.\.\. was never issued by this guest"
relay "$(ow_sign --key "$K/bob.key" --key-id bob --challenge "$RT/ch.json" --op signal --signal 9 --container c1)"
x "a signal token used for exec" "owner: token authorizes signal, not exec"
# truncated and re-encoded spellings of the genuine token
relay "${TOK%?????}"
x "truncated token (signature cut)" "owner: (bad signature|token: signature)"
relay "${TOK%%.*}"
x "truncated token (no signature)" "owner: token: not PAYLOAD.SIGNATURE"
relay "${TOK:0:40}"
x "truncated token (payload cut)" "owner: token"
pl=${TOK%%.*} sig=${TOK#*.}
std=$(printf '%s' "$pl" | tr '_-' '/+'); while [ $(( ${#std} % 4 )) != 0 ]; do std="$std="; done
relay "$std.$sig"
x "re-encoded token (padded standard base64)" "owner: token: payload is not unpadded base64url"
pad=$(printf '%s' "$pl" | tr '_-' '/+'); while [ $(( ${#pad} % 4 )) != 0 ]; do pad="$pad="; done
json=$(printf '%s' "$pad" | base64 -d | jq .)
re=$(printf '%s' "$json" | base64 -w0 | tr '/+' '_-' | tr -d '=')
relay "$re.$sig"
x "re-encoded token (payload JSON re-formatted)" "owner: token: payload is not in canonical form"
jq --arg t "$TOK" '.env += ["PARMA_OWNER_TOKEN=" + $t, "PARMA_OWNER_TOKEN=" + $t]' "$RT/dbg.json" >"$RT/ok/relay.json"
OW_PREFIX="exec c1: " ow_refused "two tokens" "more than one PARMA_OWNER_TOKEN" 255 \
  exec --process "$RT/ok/relay.json" c1
check_eq "after every denial the challenge is still outstanding" "$(ow_outstanding)" 1

relay "$TOK"
ow_refused "the genuine token with --console-socket (a terminal the host holds)" \
  "allow_stdio_access" 255 exec --console-socket "$RT/ok/console.sock" --process "$RT/ok/relay.json" c1
ow_refused "the genuine token with --preserve-fds" "preserve_fds" 255 \
  exec --preserve-fds 1 --process "$RT/ok/relay.json" c1
jq '.env += ["PARMA_OWNER_TOKEN=x.y"]' "$RT/p.json" >"$RT/ok/listed.json"
ow_refused "a bad token is not rescued by the policy (listed process)" "owner: token" 255 \
  exec --process "$RT/ok/listed.json" c1

# ---- the genuine token: runs exactly once ----
relay "$TOK"
out=$("$PARMA" --root "$ROOT" exec --process "$RT/ok/relay.json" c1 2>&1)
check_eq "signed exec of sh -c runs (exit 0: $out)" "$?" 0
check_eq "it ran exactly once" "$(ow_marks)" 1
check_eq "the challenge is consumed" "$(ow_outstanding)" 0
check "the challenge is recorded as used" test -f "$RT/state/.owner/used/$CH"
sealed=$(find "$RT/state" -name 'process-*.json')
check_match "the delegate ran a sealed process" "$sealed" 'process-[0-9]+\.json'
check_eq "the delegate never saw the token (sealed process)" \
  "$(cat $sealed /dev/null | grep -c PARMA_OWNER_TOKEN)" 0
check_eq "the sealed process is the one the owner signed" \
  "$(cat $sealed | jq -c .args | grep -c 'echo ran >>/tmp/marker')" "$(echo "$sealed" | grep -c .)"
check_match "audit log: the key that authorized it" "$(grep owner-authorized "$RT/audit.log")" \
  '"decision":"owner-authorized".*"id":"c1".*"owner_key":"alice".*process_sha256'
x "replay of the same token" "owner: challenge [0-9a-f]+\.\.\. was already used \(replay\)"
relay "$(sign_exec --container c1 --process "$RT/dbg.json")"
x "a new token on the spent challenge" "already used \(replay\)"
check_eq "still exactly once" "$(ow_marks)" 1

# ---- concurrent relays of one token: exactly one runs ----
check "challenge for the race" ow_challenge "$RT/ch-race.json" c1
relay "$(ow_sign --key "$K/alice.key" --key-id alice --challenge "$RT/ch-race.json" --op exec --container c1 --process "$RT/dbg.json")"
for i in 1 2 3 4; do
  "$PARMA" --root "$ROOT" exec --process "$RT/ok/relay.json" c1 >/dev/null 2>"$RT/race.$i" &
done
wait
check_eq "four concurrent relays of one token: it ran once more" "$(ow_marks)" 2
check_eq "three of them were told it was a replay" "$(cat "$RT"/race.* | grep -c 'already used (replay)')" 3

# ---- the --env form (exec ID ARGS) carries the token the same way ----
check "second challenge" ow_challenge "$RT/ch2.json" c1
TOK2=$(ow_sign --key "$K/alice.key" --key-id alice --challenge "$RT/ch2.json" --op exec --container c1 --process "$RT/other.json")
ow_refused "--env token, other command than signed" "owner: the process differs" 255 \
  exec --env "PARMA_OWNER_TOKEN=$TOK2" c1 /bin/sh -c 'echo ran >>/tmp/marker'

# ---- exec needs a challenge bound to its container instance ----
check "an unbound challenge" ow_challenge "$RT/ch-unbound.json"
check_eq "it names no container" "$(jq -r .container "$RT/ch-unbound.json")" null
relay "$(sign_exec --container c1 --process "$RT/dbg.json" --challenge "$RT/ch-unbound.json" 2>/dev/null)"
x "exec on an unbound challenge" "owner: challenge [0-9a-f]+\.\.\. is not bound to a container"
out=$("$PARMA" --root "$ROOT" owner-challenge nosuch 2>&1 >/dev/null)
check_match "no challenge for a container never admitted" "$out" "denied: owner: parma-runc never admitted container .nosuch."
# The host deletes c1 after the owner approved, creates another c1 the
# policy admits, and relays the token: another instance, refused.  The
# challenge stays outstanding (denied tokens spend nothing) but can never be
# spent: no admission record of c1 will hash to its instance again.
check "challenge bound to this c1" ow_challenge "$RT/ch-inst.json" c1
relay "$(sign_exec --container c1 --process "$RT/dbg.json" --challenge "$RT/ch-inst.json")"
check "host deletes c1" rt delete --force c1
check "host creates another c1 (admitted)" ow_quiet rt create -b "$B" c1
check "and starts it" rt start c1
check "the new c1 has another instance" test "$(sha256sum "$(find "$RT/state" -path '*/c1/admission.json')" | cut -d' ' -f1)" != "$(jq -r .instance "$RT/ch-inst.json")"
x "relay to a re-created c1" "owner: container c1 is not the instance the challenge was issued for"
check_eq "nothing ran in the new c1 (two marks, both from the race)" "$(ow_marks)" 2

# ---- another boot: the tmpfs state is gone, the old token is worthless ----
TOK3=$(ow_sign --key "$K/alice.key" --key-id alice --challenge "$RT/ch2.json" --op exec --container c1 --process "$RT/dbg.json")
rt_cleanup
find "$RT/state" -mindepth 1 -maxdepth 1 ! -name .snp-sim -exec rm -rf {} +
rm -f "$MARKER"
check "new boot: create again" ow_quiet rt create -b "$B" c1
check "new boot: start" rt start c1
check "new boot: a challenge" ow_challenge "$RT/ch3.json"
check "new boot: another boot nonce" test "$(jq -r .boot "$RT/ch3.json")" != "$(jq -r .boot "$RT/ch2.json")"
relay "$TOK3"
x "a token whose challenge came from another boot" "owner: challenge is from another boot"
check_eq "nothing ran in the new boot" "$(ow_marks)" 0

done_testing
