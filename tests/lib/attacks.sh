# Plumbing for the adversarial suite (tests/attacks/*.sh).  Source after
# tap.sh, rootfs.sh and runtime.sh.
#
#   at_init NAME        rt_init NAME; a legitimate bundle $B (sleep 30), an
#                       exec process $RT/p.json (/bin/echo probe), the policy
#                       $RT/policy.json = parma-policy gen --bundle $B --exec
#                       $RT/p.json, its hash $HASH, the stand-in delegate
#                       $FAKE (records argv in $CALLS), and a config using
#                       both (at_config [DELEGATE] [JQ-FILTER] rewrites it)
#   at_snapshot         listing of the state dir, + `runc list` when AT_REAL
#                       is set (for "nothing changed")
#   denied NAME RULE-RE EXIT ARGS...
#                       parma-runc --root $ROOT ARGS... must exit EXIT, say
#                       "parma-runc: denied: ... RULE-RE" on stderr, never
#                       call the delegate, and change no state
#   mutate JQ           bundle $M = $B with config.json edited by JQ
: "${PARMA_BUILD:?}"

at_config() {
  local delegate=${1:-$FAKE} filter=${2:-.}
  rt_config "$delegate" ".policy = \"$RT/policy.json\" | .attestation.sim_host_data = \"$HASH\" | $filter"
}

at_init() {
  rt_init "attacks-$1"
  CALLS=$RT/calls
  FAKE=$RT/fake-runc
  printf '#!/bin/sh\necho "$*" >>"%s"\nexit 0\n' "$CALLS" >"$FAKE"
  chmod 0755 "$FAKE"
  B=$RT/ok/b
  make_bundle "$B" sleep 30 >/dev/null
  jq -n '{cwd: "/", args: ["/bin/echo", "probe"], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
          user: {uid: 0, gid: 0}, noNewPrivileges: true}' >"$RT/p.json"
  # the exec process inherits the container's env and caps, as runc's would
  jq --slurpfile c "$B/config.json" '.env = $c[0].process.env | .capabilities = $c[0].process.capabilities | .user = $c[0].process.user | .noNewPrivileges = $c[0].process.noNewPrivileges' "$RT/p.json" >"$RT/p2.json" && mv "$RT/p2.json" "$RT/p.json"
  "$PARMA_BUILD/parma-policy" gen --bundle "$B" --exec "$RT/p.json" -o "$RT/policy.json" || return 1
  HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/policy.json" | head -n1)
  at_config
  cd "$RT" || return 1
}

at_snapshot() {
  # the per---root lock directories (a lock file and a "root" note, made
  # before the decision so that concurrent calls serialize) are not state
  (cd "$RT/state" 2>/dev/null && find . -path ./.snp-sim -prune -o -print | grep -v '\.lock$' |
    grep -Ev '^\.$|^\./[0-9a-f]{64}(/root)?$' | sort)
  # real runc's view only when it is the delegate (a runc call costs)
  [ -n "${AT_REAL:-}" ] && /usr/sbin/runc --root "$ROOT" list -q 2>/dev/null
  return 0
}

mutate() {
  M=$RT/ok/m
  rm -rf "$M"; mkdir -p "$M"
  ln -s "$B/rootfs" "$M/rootfs-link"
  # the legitimate rootfs, by absolute path: no copy per case
  jq --arg r "$B/rootfs" ".root.path = \$r | $1" "$B/config.json" >"$M/config.json"
}

# refused PREFIX-RE LABEL NAME RE EXIT ARGS...: the call must exit EXIT with
# a stderr line matching PREFIX-RE.*RE, never run the delegate, change no state
refused() {
  local prefix=$1 label=$2 name=$3 re=$4 want=$5; shift 5
  local before after out rc
  before=$(at_snapshot)
  : >"$CALLS"
  out=$("$PARMA" --root "$ROOT" "$@" 2>&1 >/dev/null)
  rc=$?
  after=$(at_snapshot)
  check_eq "$name: exit $want" "$rc" "$want"
  check_match "$name: $label" "$out" "$prefix.*$re"
  check_eq "$name: delegate not run, state unchanged" "$(cat "$CALLS")|$after" "|$before"
}

denied() { refused "parma-runc: denied: " "rule named" "$@"; }

# allowed NAME ARGS...: parma-runc admits and runs the delegate
allowed() {
  local name=$1; shift
  : >"$CALLS"
  local out; out=$("$PARMA" --root "$ROOT" "$@" 2>&1 >/dev/null)
  check_eq "$name: allowed ($out)" "$(grep -c . "$CALLS")" "1"
}

# rejected NAME RE EXIT ARGS...: like denied, for what the strict reader
# refuses before any rule runs (the line is "parma-runc: <verb> <id>: ...")
rejected() { refused "^parma-runc: " "reason" "$@"; }
