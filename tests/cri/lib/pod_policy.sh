# A pod under an enforced policy written by `parma-policy gen --pod`, sourced
# by cri.sh after its open-door pods are gone (needs its cri, pod_config,
# create_container, execsync, stop_remove_pod, bundle helpers; PARMA_ENFORCEMENT=1,
# parma-runc only).
#
# The policy comes from a Pod manifest ($W/pod.json, JSON) and the very OCI
# layout that was imported into containerd, with --any-rootfs (containerd's
# overlayfs snapshotter does not mount dm-verity layers, so pinned layers
# would admit nothing here; that gen computes them is checked apart).
# parma-runc is switched to it (fresh state dir, sim_host_data = its hash).
# Then, as a kubelet would send it (CRI messages built from the manifest):
#   the pod "web" runs: its sandbox and its container "app" are admitted by
#   the entries web/sandbox and web/app (the app joins the sandbox's
#   namespaces: $(sandbox-ns) verified by parma-runc), an ExecSync the
#   policy lists works;
# and refused, with parma's reason in the CRI error:
#   1. the container with its command changed (StartContainer);
#   2. an ExecSync the policy does not list;
#   3. a privileged container (its pod must be privileged too, so CRI
#      refuses at RunPodSandbox: the pause container is elevated);
# and, calling parma-runc directly with the app's (or the sandbox's) own
# config.json altered, that the pod facts are parma's, not the request's:
#   4. a sandbox-id that parma-runc never admitted, a pod name that is not
#      the sandbox's, a symbolic link as the pod's hosts file, a second
#      sandbox claiming the pod's id;
#   5. namespace paths of a process that is not the sandbox's init (the
#      app's own init; containerd).
# Also: gen --pod's layers equal gen --oci-layout's, parma-policy check
# offline of the app's bundle, and the cost of the pod checks (# lines).
POD_CASES=("the container with its command changed" "an exec the policy does not list"
  "a privileged container" "a sandbox parma-runc never admitted"
  "namespaces of a process that is not the sandbox's init")
DENIED='denied: (create|run|exec|start) [0-9a-f]{64}: '
FORGED='parma-runc: denied: create forged-[a-z0-9]+: '
APP_CMD='trap "exit 0" TERM; echo $(GREETING) from app; sleep 1000000 & wait'

write_manifest() { # OUT
  jq -n --arg cmd "$APP_CMD" --arg data "$W/data" --arg img "$IMAGE" '{
    apiVersion: "v1", kind: "Pod",
    metadata: {name: "web", namespace: "parma-test", annotations: {"io.parma.test": "pod-web"}},
    spec: {hostNetwork: true, runtimeClassName: "parma", automountServiceAccountToken: false,
      containers: [{name: "app", image: $img, command: ["/bin/sh", "-c"], args: [$cmd],
        env: [{name: "GREETING", value: "hello"}], workingDir: "/tmp",
        volumeMounts: [{name: "data", mountPath: "/data", readOnly: true}],
        readinessProbe: {exec: {command: ["/bin/cat", "/etc/hostname"]}}}],
      volumes: [{name: "data", hostPath: {path: $data}}]}}' >"$1"
}

# What a kubelet sends for container "app" of the manifest: the command and
# args (with $(GREETING) expanded), env, workingDir, the hostPath volume,
# and the default masked/read-only paths.  ARGS-JSON and EXTRA (more
# security_context fields) vary it; ATTEMPT is the restart count (a kubelet
# re-creating "app" after a change).
kube_ctr_config() { # ARGS-JSON [ATTEMPT [SECURITY-CONTEXT-EXTRA]]
  jq -n --argjson args "$1" --arg data "$W/data" --arg img "$IMAGE" --argjson extra "{${3:-}}" \
        --argjson attempt "${2:-0}" '{
    metadata: {name: "app", attempt: $attempt}, image: {image: $img},
    command: ["/bin/sh", "-c"], args: $args,
    envs: [{key: "GREETING", value: "hello"}], working_dir: "/tmp",
    mounts: [{container_path: "/data", host_path: $data, readonly: true}],
    log_path: "app.log",
    annotations: {"io.kubernetes.container.name": "app"},
    linux: {security_context: ({
      namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"},
      masked_paths: ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/proc/scsi", "/sys/firmware"],
      readonly_paths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    } + $extra)}}'
}

# parma-runc create of a copy of config.json CFG altered by JQ-FILTER
# (root.path = the busybox rootfs), as container ID: the denial on stderr.
forged_create() { # CFG JQ-FILTER ID
  local d=$W/forged.$3
  mkdir -p "$d"
  jq --arg rf "$RF" "$2 | .root.path = \$rf" "$1" >"$d/config.json" || return 1
  "$PARMA_BUILD/parma-runc" --root "$W/runc-root/k8s.io" create --bundle "$d" "$3" 2>&1 >/dev/null
}

if [ "$ENFORCING" != 1 ]; then
  skip "a pod under a gen --pod policy" "PARMA_ENFORCEMENT=1 runs it (parma-runc only)"
  for c in "${POD_CASES[@]}"; do skip "denied through CRI: $c" "PARMA_ENFORCEMENT=1 (parma-runc only)"; done
else
  mkdir -p "$W/layout"
  tar -xf "$W/images.tar" -C "$W/layout"
  write_manifest "$W/pod.json"
  t=${EPOCHREALTIME/./}
  out=$("$PARMA_BUILD/parma-policy" gen --pod "$W/pod.json" --pause-image "$PAUSE=$W/layout" \
        --image "$IMAGE=$W/layout" --exec 'app=["/bin/sh", "-c", "echo $GREETING; id -u; pwd"]' \
        -o "$W/policy-pod-layers.json" 2>&1)
  check_eq "gen --pod: a policy from the manifest and the local images ($(ms_since "$t") ms)" "$out" ""
  check_eq "gen --pod: the sandbox and the container, with the layer root hashes of gen --oci-layout" \
    "$(jq -c '[.containers[] | [.name, .layers]]' "$W/policy-pod-layers.json" 2>&1)" \
    "$("$PARMA_BUILD/parma-policy" gen --oci-layout "$W/layout" -o - | jq -c '.containers[0].layers as $l
       | [["web/sandbox", $l], ["web/app", $l]]' 2>&1)"
  check_eq "gen --pod: the command as containerd builds it (\$(GREETING) expanded as a kubelet does)" \
    "$(jq -c '.containers[1].command' "$W/policy-pod-layers.json" 2>&1)" \
    "$(jq -cn --arg c "${APP_CMD/\$(GREETING)/hello}" '["/bin/sh", "-c", $c]')"
  printf 'apiVersion: v1\nkind: Pod\n' >"$W/pod.yaml"
  out=$("$PARMA_BUILD/parma-policy" gen --pod "$W/pod.yaml" --pause-image "$PAUSE=$W/layout" 2>&1); rc=$?
  check_match "gen --pod of a YAML manifest: refused, saying how to convert it" "rc=$rc $out" \
    'rc=1 .*YAML is not read; convert it first: kubectl create --dry-run=client -o json'
  "$PARMA_BUILD/parma-policy" gen --pod "$W/pod.json" --pause-image "$PAUSE=$W/layout" \
    --image "$IMAGE=$W/layout" --exec 'app=["/bin/sh", "-c", "echo $GREETING; id -u; pwd"]' \
    --any-rootfs -o "$W/policy-pod.json"
  out=$(rt_config /usr/sbin/runc "$(jq -rn --arg w "$W" --arg p "$W/policy-pod.json" --arg rt "$RT" \
      --arg hd "$("$PARMA_BUILD/parma-policy" hash "$W/policy-pod.json" | head -1)" \
      '".allowed_dirs += [\($w | tojson)] | .policy = \($p | tojson)
        | .attestation.sim_host_data = \($hd | tojson) | .state_dir = \(($rt + "/state-pod") | tojson)"')" 2>&1)
  check_eq "parma-runc switched to the gen --pod policy (not open door)" \
    "$out$(jq -r '.open_door' "$W/policy-pod.json")" "false"

  # ---- the pod runs -------------------------------------------------------------
  t=${EPOCHREALTIME/./}
  out=$(cri call RunPodSandbox "{\"config\": $(pod_config web), \"runtime_handler\": \"parma\"}" 2>&1)
  sb=$(jq -r '.pod_sandbox_id // empty' <<<"$out" 2>/dev/null)
  [ -n "$sb" ] && ok "RunPodSandbox: the policy admits the pod's sandbox ($(ms_since "$t") ms)" ||
    not_ok "RunPodSandbox: the policy admits the pod's sandbox" "$out"
  out=$(create_container "$sb" web "$(kube_ctr_config "$(jq -cn --arg c "${APP_CMD/\$(GREETING)/hello}" '[$c]')")" 2>&1)
  app=$(jq -r '.container_id // empty' <<<"$out" 2>/dev/null)
  t=${EPOCHREALTIME/./}
  out=$(cri call StartContainer "{\"container_id\": \"$app\"}" 2>&1)
  check_eq "StartContainer: the policy admits the app container (it joins the sandbox's namespaces)" \
    "$out" "{}"
  echo "# StartContainer under the gen --pod policy took $(ms_since "$t") ms"
  check "audit log: sandbox and app admitted by the entries web/sandbox and web/app" \
    jq -se --arg sb "$sb" --arg app "$app" '
      any(.[]; .verb == "create" and .id == $sb and .decision == "allow" and .container == "0:web/sandbox")
      and any(.[]; .verb == "create" and .id == $app and .decision == "allow" and .container == "1:web/app")' \
    "$RT/audit.log"
  spec=$(cat "$(bundle "$app")/config.json" 2>&1)
  check_match "the app's config.json joins the sandbox's namespaces by /proc/<pause pid>/ns" \
    "$(jq -r '[.linux.namespaces[] | select(.path) | "\(.type):\(.path)"] | join(" ")' <<<"$spec" 2>&1)" \
    '^ipc:/proc/([0-9]+)/ns/ipc uts:/proc/\1/ns/uts network:/proc/\1/ns/net$'
  t=${EPOCHREALTIME/./}
  out=$(execsync "$app" 10 /bin/sh -c 'echo $GREETING; id -u; pwd' 2>&1)
  echo "# ExecSync under the gen --pod policy took $(ms_since "$t") ms"
  check_eq "ExecSync of the exec the policy lists" "$(jq -c '{exit_code: (.exit_code // 0), stdout}' <<<"$out" 2>&1)" \
    '{"exit_code":0,"stdout":"hello\n0\n/tmp\n"}'
  out=$(execsync "$app" 10 /bin/cat /etc/hostname 2>&1)
  check_eq "ExecSync of the readiness probe's command (from the manifest)" \
    "$(jq -r '.exit_code // 0' <<<"$out" 2>&1)" 0

  out=$("$PARMA_BUILD/parma-policy" check "$W/policy-pod.json" --bundle "$(bundle "$app")" 2>&1)
  check_eq "parma-policy check, offline, of the app's bundle: admitted, pod facts noted as unverified" \
    "$(head -c 200 <<<"$out")" 'allowed: create: containers[1] "web/app"
note: pod facts taken from the request, unverified offline (parma-runc verifies them: parma-runc(8), Kubernetes pods)'

  # 1. the container with its command changed
  out=$(create_container "$sb" web "$(kube_ctr_config '["echo changed; sleep 1000000"]' 1)" 2>&1)
  id=$(jq -r '.container_id // empty' <<<"$out" 2>/dev/null)
  out=$(cri call StartContainer "{\"container_id\": \"$id\"}" 2>&1)
  check_match "denied through CRI: ${POD_CASES[0]}" "$out" \
    "cri: StartContainer: .*${DENIED}command: policy \\[\"/bin/sh\",\"-c\",\"trap .*\"\\] vs request \\[\"/bin/sh\",\"-c\",\"echo changed; sleep 1000000\"\\]"
  echo "# ${out:0:400}"
  cri call RemoveContainer "{\"container_id\": \"$id\"}" >/dev/null 2>&1

  # 2. an exec the policy does not list
  out=$(execsync "$app" 10 /bin/cat /proc/1/environ 2>&1); rc=$?
  check_match "denied through CRI: ${POD_CASES[1]}" "rc=$rc $out" \
    "rc=1 cri: ExecSync: .*${DENIED}command: policy \\[.*\\] vs request \\[\"/bin/cat\",\"/proc/1/environ\"\\]"
  echo "# ${out:0:400}"

  # 3. a privileged container: CRI allows one only in a privileged pod
  out=$(cri call RunPodSandbox "{\"config\": $(pod_config web true 1), \"runtime_handler\": \"parma\"}" 2>&1)
  sb2=$(jq -r '.pod_sandbox_id // empty' <<<"$out" 2>/dev/null)
  if [ -n "$sb2" ]; then
    out=$(create_container "$sb2" web "$(kube_ctr_config "$(jq -cn --arg c "${APP_CMD/\$(GREETING)/hello}" '[$c]')" \
          2 '"privileged": true')" true 1 2>&1)
    id=$(jq -r '.container_id // empty' <<<"$out" 2>/dev/null)
    [ -n "$id" ] && out=$(cri call StartContainer "{\"container_id\": \"$id\"}" 2>&1)
    stop_remove_pod "$sb2" >/dev/null 2>&1
  fi
  check_match "denied through CRI: ${POD_CASES[2]}" "$out" \
    "cri: (RunPodSandbox|StartContainer): .*${DENIED}.*allow_elevated: the request is elevated"
  echo "# ${out:0:400}"

  # 4., 5.: the pod facts are parma's own, not the request's
  cfg=$(bundle "$app")/config.json
  out=$(forged_create "$cfg" '.annotations["io.kubernetes.cri.sandbox-id"] = ("0" * 64)' forged-sb)
  check_match "denied: ${POD_CASES[3]}" "$out" \
    "${FORGED}.*; pod: io.kubernetes.cri.sandbox-id 0{64}: parma-runc never admitted a container"
  echo "# ${out:0:400}"
  out=$(forged_create "$cfg" '.annotations["io.kubernetes.cri.sandbox-name"] = "db"' forged-name)
  check_match "denied: a container naming another pod than its sandbox's" "$out" \
    "${FORGED}.*; pod: io.kubernetes.cri.sandbox-name \`db\` is not that of sandbox $sb \(\`web\`\)"
  # the engine plants a symbolic link as the pod's hosts file: runc would
  # follow it and mount the target (here parma's own state) into the app
  hosts=$(jq -r '.mounts[] | select(.destination == "/etc/hosts") | .source' "$cfg")
  mv "$hosts" "$hosts.real" && ln -s "$RT/state-pod/.pinned/policy.json" "$hosts"
  out=$(forged_create "$cfg" . forged-link)
  rm -f "$hosts"; mv "$hosts.real" "$hosts"
  check_match "denied: a symbolic link as a file of the pod's sandbox directory" "$out" \
    "${FORGED}.*; pod: mounts\[[0-9]+\]: source \`$hosts\` in the pod's sandbox directory: .*symbolic links are not followed"
  echo "# ${out:0:60}...${out: -200}"
  out=$(forged_create "$(bundle "$sb")/config.json" . forged-sandbox)
  check_match "denied: a second sandbox claiming the pod's sandbox id" "$out" \
    "${FORGED}.*; pod: a sandbox's io.kubernetes.cri.sandbox-id must be its own id"
  apid=$(/usr/sbin/runc --root "$W/runc-root/k8s.io" state "$app" | jq -r .pid)
  out=$(forged_create "$cfg" "(.linux.namespaces[] | select(.path) | .path) |= sub(\"/proc/[0-9]+/\"; \"/proc/$apid/\")" forged-ns)
  check_match "denied: ${POD_CASES[4]} (the app's own init: pid 1, but not the sandbox's root)" "$out" \
    "${FORGED}namespaces: .*; pod: process $apid is not the sandbox's init"
  echo "# ${out:0:400}"
  out=$(forged_create "$cfg" "(.linux.namespaces[] | select(.path) | .path) |= sub(\"/proc/[0-9]+/\"; \"/proc/$CPID/\")" forged-ns2)
  check_match "denied: namespaces of a process outside any pod (containerd itself)" "$out" \
    "${FORGED}namespaces: .*; pod: process $CPID is not the init process of a pid namespace"

  # cost of the pod checks: a denied create with them (sealed sandbox config
  # read, /proc checks) and without (no CRI annotations), 10 calls each
  t=${EPOCHREALTIME/./}
  for i in 1 2 3 4 5 6 7 8 9 10; do forged_create "$cfg" "(.linux.namespaces[] | select(.path) | .path) |= sub(\"/proc/[0-9]+/\"; \"/proc/$apid/\")" forged-ns >/dev/null; done
  t1=$(( (${EPOCHREALTIME/./} - t) / 10 ))
  t=${EPOCHREALTIME/./}
  for i in 1 2 3 4 5 6 7 8 9 10; do forged_create "$cfg" 'del(.annotations)' forged-plain >/dev/null; done
  echo "# a denied create: $t1 us with the pod checks, $(( (${EPOCHREALTIME/./} - t) / 10 )) us without (mean of 10)"

  [ -n "$sb" ] && check "the admitted pod stops and goes away" stop_remove_pod "$sb"
fi
