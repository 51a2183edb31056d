# Shared set-up of the owner control channel suite (tests/owner/*.sh);
# sourced after tap.sh, rootfs.sh and runtime.sh (not a test itself).
#
#   ow_init NAME [JQ]
#                    rt_init owner-NAME; a bundle $B (sleep 600, which outlives a slow ASan run; writable
#                    rootfs so an exec can leave a marker in /tmp), the
#                    listed exec process $RT/p.json (/bin/echo probe), four
#                    keys made with openssl in $RT/keys: alice (ed25519:
#                    exec), bob (ecdsa-p384: signal, fragment), carol
#                    (ed25519: checkpoint), mallory (not in the policy);
#                    the policy $RT/policy.json (gen --bundle + owner_keys),
#                    edited by JQ, its $HASH, and a config with real runc as
#                    delegate (the first call of the "boot" pins it)
#   ow_quiet CMD...  CMD with stdio off a pipe (runc create keeps it)
#   ow_challenge F [ID]
#                    parma-runc --root $ROOT owner-challenge [ID] > F
#                    (ID: bound to that container as admitted now)
#   ow_sign ARGS...  parma-policy owner sign ARGS... (prints the token)
#   ow_outstanding   number of outstanding challenges in trusted state
#   ow_refused NAME RE EXIT [ENV=V] ARGS...
#                    parma-runc --root $ROOT ARGS... must exit EXIT with
#                    "parma-runc: denied: ...RE" on stderr, leave the marker
#                    and the outstanding challenges as they were
#                    (OW_PREFIX replaces "denied: " for what the strict
#                    reader rejects before any rule runs)
: "${PARMA_BUILD:?}"
POLICY_BIN=$PARMA_BUILD/parma-policy

ow_keys() {
  local k=$RT/keys
  mkdir -p "$k"
  openssl genpkey -algorithm ed25519 -out "$k/alice.key" 2>/dev/null &&
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$k/bob.key" 2>/dev/null &&
    openssl genpkey -algorithm ed25519 -out "$k/carol.key" 2>/dev/null &&
    openssl genpkey -algorithm ed25519 -out "$k/mallory.key" 2>/dev/null || return 1
  for n in alice bob carol mallory; do
    openssl pkey -in "$k/$n.key" -pubout -out "$k/$n.pub" || return 1
  done
}

# owner_keys entries: alice as PEM, bob as base64 DER (both spellings)
ow_owner_keys() {
  local k=$RT/keys
  jq -n --rawfile a "$k/alice.pub" --arg b "$(openssl pkey -pubin -in "$k/bob.pub" -outform DER | base64 -w0)" \
    --rawfile c "$k/carol.pub" '[
      {id: "alice", algorithm: "ed25519", public_key: $a, operations: ["exec"]},
      {id: "bob", algorithm: "ecdsa-p384", public_key: $b, operations: ["signal", "fragment"]},
      {id: "carol", algorithm: "ed25519", public_key: $c, operations: ["checkpoint"]}]'
}

ow_config() {
  HASH=$("$POLICY_BIN" hash "$RT/policy.json" | head -n1) || return 1
  rt_config "${1:-/usr/sbin/runc}" ".policy = \"$RT/policy.json\" | .attestation.sim_host_data = \"$HASH\""
}

ow_init() {
  rt_init "owner-$1"
  RUNTIME=$PARMA
  B=$RT/ok/b
  make_bundle "$B" sleep 600 >/dev/null
  jq '.root.readonly = false' "$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
  jq --slurpfile c "$B/config.json" -n '{cwd: "/", args: ["/bin/echo", "probe"],
      env: $c[0].process.env, capabilities: $c[0].process.capabilities,
      user: $c[0].process.user, noNewPrivileges: $c[0].process.noNewPrivileges}' >"$RT/p.json"
  "$POLICY_BIN" gen --bundle "$B" --exec "$RT/p.json" -o "$RT/base.json" || return 1
  ow_keys || return 1
  jq --argjson k "$(ow_owner_keys)" ".owner_keys = \$k | ${2:-.}" "$RT/base.json" >"$RT/policy.json" || return 1
  ow_config || return 1
  MARKER=$B/rootfs/tmp/marker
  cd "$RT" || return 1
}

# runc's container keeps inherited stdio open: never hand it a pipe
ow_quiet() { "$@" </dev/null >/dev/null 2>"$RT/quiet.err" || { cat "$RT/quiet.err"; return 1; }; }
ow_challenge() { "$PARMA" --root "$ROOT" owner-challenge "${@:2}" >"$1" 2>"$1.err"; }
ow_sign() { "$POLICY_BIN" owner sign "$@"; }
ow_outstanding() { ls "$RT/state/.owner/challenges" 2>/dev/null | grep -c '\.json$'; }
ow_marks() { [ -f "$MARKER" ] && grep -c . "$MARKER" || echo 0; }

ow_refused() {
  local name=$1 re=$2 want=$3; shift 3
  local envs=()
  while [[ "$1" == *=* && "$1" != -* ]]; do envs+=("$1"); shift; done
  local before_m before_c out rc
  before_m=$(ow_marks); before_c=$(ow_outstanding)
  out=$(env "${envs[@]}" "$PARMA" --root "$ROOT" "$@" 2>&1 >/dev/null)
  rc=$?
  check_eq "$name: exit $want" "$rc" "$want"
  check_match "$name: reason" "$out" "^parma-runc: ${OW_PREFIX-denied: }.*$re"
  check_eq "$name: nothing ran, challenge not spent" "$(ow_marks)|$(ow_outstanding)" "$before_m|$before_c"
}
