# parma-runc's configuration for tests/cri/cri.sh, written with the runtime
# tests' writer (rt_config in tests/lib/runtime.sh) into
# $PARMA_SYSCONFDIR/parma-runc/config.json.  Sourced by cri.sh (needs W).
#   cri_parma_config   state and audit log under $W/parma; allowed_dirs adds
#                      $W (the shim's --log/--pid-file live in containerd's
#                      state dir there, --root is $W/runc-root); the policy
#                      is PARMA_CRI_POLICY or else the open-door one, and
#                      sim_host_data its hash, as the host would have set it.
. "$PARMA_SRC/tests/lib/runtime.sh"

cri_parma_config() {
  local policy=${PARMA_CRI_POLICY:-} hostdata filter
  RT=$W/parma
  mkdir -p "$RT"
  if [ -z "$policy" ]; then
    policy=$RT/policy-open-door.json
    "$PARMA_BUILD/parma-policy" gen --open-door -o "$policy" || return 1
  fi
  hostdata=$("$PARMA_BUILD/parma-policy" hash "$policy" | head -1) || return 1
  filter=$(jq -rn --arg w "$W" --arg p "$policy" --arg hd "$hostdata" \
    '".allowed_dirs += [\($w | tojson)] | .policy = \($p | tojson) | .attestation.sim_host_data = \($hd | tojson)"')
  rt_config /usr/sbin/runc "$filter"
}
