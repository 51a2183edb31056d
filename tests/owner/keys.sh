#!/bin/bash
# owner_keys in the policy and the owner tooling, offline (issue #11): part
# of the canonical form and hash (spelling-independent), every bad key
# refused with one line naming the field, keygen/sign/inspect with keys
# made by openssl and by parma-policy itself.
. "$PARMA_SRC/tests/lib/tap.sh"
P=$PARMA_BUILD/parma-policy
W=$PARMA_WORK/owner-keys
rm -rf "$W"; mkdir -p "$W"; cd "$W" || exit 1
openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null && openssl pkey -in ed.key -pubout -out ed.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec.key 2>/dev/null && openssl pkey -in ec.key -pubout -out ec.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.key 2>/dev/null && openssl pkey -in p256.key -pubout -out p256.pub
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.key 2>/dev/null && openssl pkey -in rsa.key -pubout -out rsa.pub
ED_DER=$(openssl pkey -pubin -in ed.pub -outform DER | base64 -w0)

base='{"version": 1, "containers": []}'
pol() { # JQ-for-owner_keys -> policy on stdout
  jq -n --rawfile ed ed.pub --rawfile ec ec.pub --rawfile p256 p256.pub --rawfile rsa rsa.pub \
    --arg edder "$ED_DER" "$base | .owner_keys = ($1)"
}
hash() { "$P" hash "$1" | head -n1; }

echo "$base" >none.json
pol '[]' >empty.json
pol '[{id: "a", algorithm: "ed25519", public_key: $ed, operations: ["exec", "signal"]}]' >pem.json
pol '[{id: "a", algorithm: "ed25519", public_key: $edder, operations: ["signal", "exec", "exec"]}]' >der.json
pol '[{id: "a", algorithm: "ed25519", public_key: $ed, operations: ["exec"]}]' >exec-only.json
pol '[{id: "b", algorithm: "ecdsa-p384", public_key: $ec, operations: ["fragment"]},
      {id: "a", algorithm: "ed25519", public_key: $ed, operations: ["exec", "signal"]}]' >two.json
pol '[{id: "a", algorithm: "ed25519", public_key: $ed, operations: ["exec", "signal"]},
      {id: "b", algorithm: "ecdsa-p384", public_key: $ec, operations: ["fragment"]}]' >two-sorted.json

check_eq "owner_keys: [] is the same policy as none" "$(hash empty.json)" "$(hash none.json)"
check "owner_keys change the hash" test "$(hash pem.json)" != "$(hash none.json)"
check_eq "PEM and base64 DER, operation order and duplicates: same hash" "$(hash pem.json)" "$(hash der.json)"
check "other operations: another hash" test "$(hash exec-only.json)" != "$(hash pem.json)"
check_eq "key order in the array does not matter (sorted by id)" "$(hash two.json)" "$(hash two-sorted.json)"
canon=$("$P" compile two.json)
check_eq "canonical form: keys sorted by id" "$(echo "$canon" | jq -c '[.owner_keys[].id]')" '["a","b"]'
check_eq "canonical form: operations sorted" "$(echo "$canon" | jq -c '.owner_keys[0].operations')" '["exec","signal"]'
check_eq "canonical form: key as one-line base64 DER" "$(echo "$canon" | jq -r '.owner_keys[0].public_key')" "$ED_DER"
echo "$canon" >canon.json
check_eq "the canonical form hashes the same" "$(hash canon.json)" "$(hash two.json)"
check "compile accepts owner_keys" "$P" compile two.json
check_match "diff names the changed operations" "$("$P" diff pem.json exec-only.json)" \
  '^~ owner_keys\[0\]\.operations: \["exec","signal"\] -> \["exec"\]$'

bad() { # NAME JQ LINE-RE
  pol "$2" >bad.json
  local out rc; out=$("$P" lint bad.json 2>&1); rc=$?
  check_eq "$1: lint fails" "$rc" 1
  check_match "$1: one line naming the field" "$out" "^parma-policy: bad.json: $3$"
  check_fails "$1: compile fails too" "$P" compile bad.json
}
bad "algorithm unknown" '[{id: "a", algorithm: "rsa", public_key: $rsa, operations: ["exec"]}]' \
  'owner_keys\[0\]\.algorithm: must be "ed25519" or "ecdsa-p384"'
bad "RSA key" '[{id: "a", algorithm: "ed25519", public_key: $rsa, operations: ["exec"]}]' \
  'owner_keys\[0\]\.public_key: not an ed25519 key .*'
bad "P-256 is not P-384" '[{id: "a", algorithm: "ecdsa-p384", public_key: $p256, operations: ["exec"]}]' \
  'owner_keys\[0\]\.public_key: not an ecdsa-p384 key .*'
bad "algorithm does not match the key" '[{id: "a", algorithm: "ecdsa-p384", public_key: $ed, operations: ["exec"]}]' \
  'owner_keys\[0\]\.public_key: not an ecdsa-p384 key .*'
bad "garbage key" '[{id: "a", algorithm: "ed25519", public_key: "AAAA", operations: ["exec"]}]' \
  'owner_keys\[0\]\.public_key: not a PEM or base64 DER public key'
bad "truncated PEM" '[{id: "a", algorithm: "ed25519", public_key: ($ed | .[0:60]), operations: ["exec"]}]' \
  'owner_keys\[0\]\.public_key: not a PEM or base64 DER public key'
bad "unknown operation" '[{id: "a", algorithm: "ed25519", public_key: $ed, operations: ["exec", "delete"]}]' \
  'owner_keys\[0\]\.operations\[1\]: must be exec, signal, fragment or checkpoint'
bad "no operation" '[{id: "a", algorithm: "ed25519", public_key: $ed, operations: []}]' \
  'owner_keys\[0\]\.operations: must be a non-empty array .*'
bad "duplicate id" '[{id: "a", algorithm: "ed25519", public_key: $ed, operations: ["exec"]},
                     {id: "a", algorithm: "ecdsa-p384", public_key: $ec, operations: ["signal"]}]' \
  'owner_keys: id "a" appears twice'
bad "bad id" '[{id: "a b", algorithm: "ed25519", public_key: $ed, operations: ["exec"]}]' \
  'owner_keys\[0\]\.id: required, 1-64 of \[A-Za-z0-9\._-\]'
bad "unknown field" '[{id: "a", algorithm: "ed25519", public_key: $ed, operations: ["exec"], ops: 1}]' \
  'owner_keys\[0\]\.ops: unknown key'
bad "not an array" '{id: "a"}' 'owner_keys: must be an array of objects'

# ---- tooling: keygen, sign, inspect ----
check "keygen ecdsa-p384" sh -c "'$P' owner keygen gen --algorithm ecdsa-p384 --id ops --operations signal,checkpoint >entry.json"
check "keygen wrote a private key readable only by root" test "$(stat -c %a gen.key)" = 600
check_eq "keygen's key is a P-384 key (openssl)" "$(openssl pkey -in gen.key -noout -text 2>/dev/null | grep -c 'NIST CURVE: P-384')" 1
jq -n --slurpfile e entry.json "$base | .owner_keys = \$e" >gen-policy.json
check "keygen's entry is a valid owner_keys entry" "$P" compile gen-policy.json
check_fails "keygen refuses to overwrite a key" "$P" owner keygen gen
boot=$(printf '%064x' 7) ch=$(openssl rand -hex 32)
jq -n --arg b "$boot" --arg c "$ch" --arg h "$(hash gen-policy.json)" '{challenge: $c, boot: $b, policy_sha256: $h}' >ch.json
tok=$("$P" owner sign --key gen.key --key-id ops --challenge ch.json --op checkpoint --container web)
check_match "ECDSA token" "$tok" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
out=$("$P" owner inspect "$tok" --policy gen-policy.json)
check_match "inspect --policy: valid signature" "$out" "signature: valid"
check_match "inspect shows the challenge" "$out" "\"challenge\": \"$ch\""
check_match "inspect reads stdin" "$(echo "$tok" | "$P" owner inspect -)" '"container": "web"'
echo '{"cwd": "/", "args": ["/bin/true"]}' >proc.json
t1=$("$P" owner sign --key gen.key --key-id ops --challenge ch.json --op exec --container web --process proc.json)
check_match "inspect without --policy shows an exec token" "$("$P" owner inspect "$t1")" '"process_sha256"'
out=$("$P" owner inspect "$t1" --policy gen-policy.json 2>&1)
check_match "inspect --policy: the key may not authorize exec" "$out" 'owner: key "ops" may not authorize exec$'
t2=$("$P" owner sign --key ed.key --key-id ops --challenge ch.json --op checkpoint --container web)
out=$("$P" owner inspect "$t2" --policy gen-policy.json 2>&1)
check_match "inspect --policy: another key's signature is bad" "$out" 'owner: bad signature for key "ops"'
check_fails "inspect: a truncated token" "$P" owner inspect "${tok%%.*}"
check_fails "sign: --op exec needs --process" "$P" owner sign --key gen.key --key-id ops --challenge ch.json --op exec --container web
check_fails "sign: unknown op" "$P" owner sign --key gen.key --key-id ops --challenge ch.json --op delete --container web
jq --arg i "$(printf '%064x' 9)" '.container = "web" | .policy_entry = "web" | .instance = $i' ch.json >chb.json
tb=$("$P" owner sign --key gen.key --key-id ops --challenge chb.json --op checkpoint)
check_match "sign: the container comes from a bound challenge" "$("$P" owner inspect "$tb")" '"container": "web"'
check_fails "sign: --container other than the challenge's" "$P" owner sign --key gen.key --key-id ops --challenge chb.json --op checkpoint --container db
check_fails "sign: a fragment on a bound challenge" "$P" owner sign --key gen.key --key-id ops --challenge chb.json --op fragment --fragment proc.json
jq 'del(.instance)' chb.json >chb-bad.json
check_fails "sign: a bound challenge without its instance" "$P" owner sign --key gen.key --key-id ops --challenge chb-bad.json --op checkpoint
out=$("$P" owner sign --key gen.key --key-id ops --challenge ch.json --op checkpoint --container web 2>&1 >/dev/null)
check_match "sign warns about an unbound challenge for checkpoint" "$out" "not bound to a container"
check_fails "sign: a challenge file without a challenge" sh -c "echo '{}' | '$P' owner sign --key gen.key --key-id ops --challenge - --op checkpoint --container web"

done_testing
