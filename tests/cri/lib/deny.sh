# Denials through CRI, sourced by cri.sh while pod p1 ($SB) and its running
# container c1 ($CID) exist: parma-runc must refuse each request, and its
# reason ("parma-runc: denied: <verb> <id>: <rule>: <why>", which the shim
# reads from --log) must reach the CRI caller in the gRPC error.
# They need policy enforcement in parma-runc (PARMA_ENFORCEMENT=1) and a
# policy that admits exactly cri.sh's pods (PARMA_CRI_POLICY): the sandboxes
# of p1 and p4 (the pause image, /bin/sleep 1000000, CRI annotations that
# name the pod), container c1 ($CMD, env PARMA_TEST=1, cwd /tmp, /data a
# read-only bind mount), container c2 (sh -c "echo bye >&2; exit 7"), and
# the exec processes cri.sh runs in c1: its `execsync` and `cri exec` lines
# (sh -c ..., readlink, /bin/tty).  Under
# enforcement /no/such/binary and /no/such/entrypoint are expected to be
# denied (cri.sh accepts either runc's error or parma's denial there), and
# the privileged pod of cri.sh is replaced by case 3 below.
DENY_CASES=("a container whose command the policy does not list"
  "an exec the policy does not list"
  "a privileged container")
DENIED='denied: (create|run|exec|start) [0-9a-f]{64}: '

if [ "$ENFORCING" != 1 ]; then
  for c in "${DENY_CASES[@]}"; do skip "denied through CRI: $c" "enforcement not yet in parma-runc"; done
elif [ -z "${PARMA_CRI_POLICY:-}" ]; then
  for c in "${DENY_CASES[@]}"; do
    not_ok "denied through CRI: $c" "PARMA_ENFORCEMENT=1 needs PARMA_CRI_POLICY (a policy admitting cri.sh's pod)"
  done
else
  # 1. the image and everything else as admitted, only the command changed
  out=$(create_container "$SB" p1 "$(ctr_config changed '["/bin/sh", "-c", "echo changed; sleep 1000000"]')" 2>&1)
  id=$(jq -r '.container_id // empty' <<<"$out" 2>/dev/null)
  out=$(cri call StartContainer "{\"container_id\": \"$id\"}" 2>&1)
  check_match "denied through CRI: ${DENY_CASES[0]}" "$out" "cri: StartContainer: .*$DENIED"
  cri call RemoveContainer "{\"container_id\": \"$id\"}" >/dev/null 2>&1

  # 2. an exec into the admitted container that exec_processes does not list
  out=$(execsync "$CID" 10 /bin/cat /etc/passwd 2>&1)
  check_match "denied through CRI: ${DENY_CASES[1]}" "$out" "cri: ExecSync: .*$DENIED"

  # 3. a privileged pod: refused at the sandbox or at its container
  out=$(cri call RunPodSandbox "{\"config\": $(pod_config p2 true), \"runtime_handler\": \"parma\"}" 2>&1)
  sb2=$(jq -r '.pod_sandbox_id // empty' <<<"$out" 2>/dev/null)
  if [ -n "$sb2" ]; then
    out=$(create_container "$sb2" p2 "$(ctr_config priv "$CMD" '"privileged": true')" true 2>&1)
    id=$(jq -r '.container_id // empty' <<<"$out" 2>/dev/null)
    [ -n "$id" ] && out=$(cri call StartContainer "{\"container_id\": \"$id\"}" 2>&1)
    stop_remove_pod "$sb2" >/dev/null 2>&1
  fi
  check_match "denied through CRI: ${DENY_CASES[2]}" "$out" "cri: (RunPodSandbox|StartContainer): .*$DENIED"
fi
