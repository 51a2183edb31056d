# Plumbing for the parma-runc integration tests (tests/runtime/*.sh).
# Source after tap.sh and rootfs.sh.
#
#   rt_init NAME          work dir $RT/ (= $PARMA_WORK/runtime/NAME, fresh),
#                         ROOT=$RT/ok/root (the --root every test uses),
#                         PARMA=$PARMA_BUILD/parma-runc, and
#                         RUNTIME=${PARMA_RUNTIME:-$PARMA}: the binary under
#                         test, so allow cases also run on plain runc
#   rt_config [DELEGATE] [JQ-FILTER]
#                         writes $PARMA_SYSCONFDIR/parma-runc/config.json:
#                         delegate (default /usr/sbin/runc), state_dir
#                         $RT/state, audit_log $RT/audit.log, allowed_dirs
#                         ["/run", "$RT/ok"], policy $RT/open-door.json
#                         (parma-policy gen --open-door) with matching
#                         attestation.sim_host_data; JQ-FILTER edits the object
#   rt_is_parma           true when RUNTIME is parma-runc
#   rt CMD...             "$RUNTIME" --root "$ROOT" CMD...
#   rt_cleanup            delete --force of every container under $ROOT
#   rt_wait_status ID ST  polls `state` until status is ST (2 s)
: "${PARMA_BUILD:?}" "${PARMA_WORK:?}" "${PARMA_SYSCONFDIR:?}"

rt_init() {
  RT=$PARMA_WORK/runtime/$1
  PARMA=$PARMA_BUILD/parma-runc
  RUNTIME=${PARMA_RUNTIME:-$PARMA}
  if [ -d "$RT/ok/root" ]; then
    for id in $(/usr/sbin/runc --root "$RT/ok/root" list -q 2>/dev/null); do
      /usr/sbin/runc --root "$RT/ok/root" delete --force "$id" >/dev/null 2>&1
    done
  fi
  rm -rf "$RT"
  mkdir -p "$RT/ok" "$RT/outside"
  ROOT=$RT/ok/root
}

rt_config() {
  local delegate=${1:-/usr/sbin/runc} filter=${2:-.}
  local conf=$PARMA_SYSCONFDIR/parma-runc/config.json
  mkdir -p "$(dirname "$conf")"
  chmod 0755 "$PARMA_SYSCONFDIR" "$(dirname "$conf")"
  # Without a policy every state-changing verb fails closed: by default the
  # open-door policy, bound to the simulator's HOST_DATA (the attack suite
  # replaces both through JQ-FILTER).
  [ -f "$RT/open-door.json" ] || "$PARMA_BUILD/parma-policy" gen --open-door -o "$RT/open-door.json" || return 1
  local hd; hd=$("$PARMA_BUILD/parma-policy" hash "$RT/open-door.json" | head -n1) || return 1
  jq -n --arg d "$delegate" --arg rt "$RT" --arg hd "$hd" '{
      delegate: $d,
      state_dir: ($rt + "/state"),
      mode: "enforce",
      policy: ($rt + "/open-door.json"),
      attestation: {backend: "sim", sim_host_data: $hd},
      allowed_dirs: ["/run", ($rt + "/ok")],
      audit_log: ($rt + "/audit.log")
    }' | jq "$filter" >"$conf.tmp" || return 1
  chmod 0644 "$conf.tmp" && mv "$conf.tmp" "$conf"
  # "boot": the first call pins the policy and announces the simulator and
  # the open-door policy on stderr, once; the tests' own calls come later
  "$PARMA_BUILD/parma-runc" list >/dev/null 2>&1
  return 0
}

rt_is_parma() {
  case "$(basename "$RUNTIME")" in parma-runc*) return 0 ;; esac
  return 1
}

rt() { "$RUNTIME" --root "$ROOT" "$@"; }

rt_cleanup() {
  local id
  for id in $(/usr/sbin/runc --root "$ROOT" list -q 2>/dev/null); do
    /usr/sbin/runc --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done
}

rt_wait_status() {
  local id=$1 want=$2 i
  for i in $(seq 40); do
    [ "$(rt state "$id" 2>/dev/null | jq -r .status)" = "$want" ] && return 0
    sleep 0.05
  done
  return 1
}
