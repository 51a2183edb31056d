#!/bin/bash
# `parma-policy gen --pod` without containerd: how a Pod manifest's fields
# become policy entries (as containerd 1.6's CRI plugin and the kubelet
# build the OCI config), and the manifests it refuses, naming the field.
# The pod actually running under such a policy is tests/cri/cri.sh.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"

PY=${PARMA_CRI_PYTHON:-/usr/bin/python3}
POLICY=$PARMA_BUILD/parma-policy
if ! command -v jq >/dev/null || [ ! -x "$PY" ] || [ ! -x "$POLICY" ]; then
  skip "gen --pod" "needs jq, python3 and parma-policy"
  done_testing; exit 0
fi
W=$PARMA_WORK/cri-gen-pod.$$
trap 'rm -rf "$W"' EXIT
rm -rf "$W"; mkdir -p "$W/layout"
IMAGE=localhost/parma-busybox:gen
PAUSE=localhost/parma-pause:gen
"$PY" "$PARMA_SRC/tests/cri/oci_image.py" "$(rootfs_dir)" "$W/images.tar" "$IMAGE" \
  --image "$PAUSE" /bin/sleep 1000000 && tar -xf "$W/images.tar" -C "$W/layout" ||
  echo "# building the OCI layout failed"

# gen_pod JQ-EDIT [ARGS...]: gen --pod of the base manifest edited by JQ-EDIT
# (--any-rootfs); the policy on stdout, the error on stderr.
gen_pod() {
  local edit=$1; shift
  jq "$edit" >"$W/pod.json" <<'EOF'
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "web", "namespace": "shop"},
 "spec": {"hostNetwork": true,
   "containers": [{"name": "app", "image": "localhost/parma-busybox:gen",
                   "command": ["/bin/sh", "-c"], "args": ["sleep 1000000"]}]}}
EOF
  "$POLICY" gen --pod "$W/pod.json" --pause-image "$PAUSE=$W/layout" \
    --image "$IMAGE=$W/layout" --any-rootfs -o - "$@"
}
app() { jq -c ".containers[1] | $1"; }     # a field of the app's entry
sandbox() { jq -c ".containers[0] | $1"; }

# ---- mapping -------------------------------------------------------------------
t=${EPOCHREALTIME/./}
base=$(gen_pod . 2>&1)
check_eq "two entries: web/sandbox (the pause image's Cmd), web/app ($(( (${EPOCHREALTIME/./} - t) / 1000 )) ms)" \
  "$(jq -c '[.containers[] | [.name, .command]]' <<<"$base" 2>&1)" \
  '[["web/sandbox",["/bin/sleep","1000000"]],["web/app",["/bin/sh","-c","sleep 1000000"]]]'
check_eq "--any-rootfs: no layers pinned" "$(jq -c '[.containers[].layers]' <<<"$base" 2>&1)" '[[],[]]'
check_eq "the sandbox: containerd's pause spec (read-only root, own ipc/pid/mount, no new privileges)" \
  "$(sandbox '[.root_readonly, .namespaces, .no_new_privileges, .user]' <<<"$base" 2>&1)" \
  '[true,["ipc","mount","pid"],true,{"additional_gids":[],"gid":0,"uid":0,"umask":"0022"}]'
check_eq "the sandbox's annotations: type sandbox, its own id, the pod's name and namespace" \
  "$(sandbox '[.annotations[] | .value] | .[0:4]' <<<"$base" 2>&1)" \
  '["sandbox","$(sandbox-id)","web","shop"]'
check_eq "the app joins the sandbox's ipc, uts and network namespaces" \
  "$(app .namespaces <<<"$base" 2>&1)" \
  '["ipc:$(sandbox-ns)","mount","network:$(sandbox-ns)","pid","uts:$(sandbox-ns)"]'
check_eq "the app's /etc files and /dev/shm come from the pod's sandbox directory" \
  "$(app '[.mounts[] | select(.source | startswith("sandbox://")) | "\(.destination)=\(.source)"]' <<<"$base" 2>&1)" \
  '["/etc/hostname=sandbox:///hostname","/etc/hosts=sandbox:///hosts","/etc/resolv.conf=sandbox:///resolv.conf","/dev/shm=sandbox:///shm"]'
check_eq "the app: containerd's 14 default capabilities, primary gid as additional gid" \
  "$(app '[(.capabilities | [.bounding, .effective, .permitted] | map(length)), .user.additional_gids]' <<<"$base" 2>&1)" \
  '[[14,14,14],[0]]'
check_eq "the app's annotations: the verified pod's id and uid (templates), its name and namespace" \
  "$(app '[.annotations[] | select(.key | test("sandbox-(id|uid|name|namespace)")) | .value]' <<<"$base" 2>&1)" \
  '["$(sandbox-id)","web","shop","$(sandbox-uid)"]'

out=$(gen_pod '.spec.containers[0] |= (del(.command) | .args = ["echo", "$(A)-$$(A)-$(B)"]
  | .env = [{name: "A", value: "x"}, {name: "PATH", value: "/bin"}])' 2>&1)
check_eq "args only: the image Entrypoint (none) + args, \$(A) expanded, \$\$ kept literal, unknown left" \
  "$(app .command <<<"$out" 2>&1)" '["echo","x-$$(A)-$$(B)"]'   # the policy spells a literal "$" as "$$"
check_eq "env: the container's PATH replaces the image's, in place; HOSTNAME, service links optional" \
  "$(app '[.env_rules[] | if .required then .pattern else .pattern[0:10] end]' <<<"$out" 2>&1)" \
  '["PATH=/bin","A=x","HOSTNAME=[","KUBERNETES"]'
out=$(gen_pod '.spec.containers[0] |= (del(.command) | del(.args))' 2>&1)
check_eq "neither command nor args: the image's Cmd" "$(app .command <<<"$out" 2>&1)" '["/bin/sh"]'
out=$(gen_pod '.spec.securityContext = {runAsUser: 1000, runAsGroup: 100, supplementalGroups: [5, 7]}
  | .spec.containers[0].securityContext = {runAsUser: 1001, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: {drop: ["ALL"], add: ["NET_BIND_SERVICE"]}}' 2>&1)
check_eq "securityContext: runAsUser (container over pod), runAsGroup, supplementalGroups" \
  "$(app .user <<<"$out" 2>&1)" '{"additional_gids":[5,7,100],"gid":100,"uid":1001,"umask":"0022"}'
check_eq "securityContext: drop ALL + add NET_BIND_SERVICE; no_new_privileges; read-only root" \
  "$(app '[.capabilities.bounding, .no_new_privileges, .root_readonly]' <<<"$out" 2>&1)" \
  '[["CAP_NET_BIND_SERVICE"],true,true]'
check_eq "readOnlyRootFilesystem: the /etc files from the sandbox are mounted read-only" \
  "$(app '[.mounts[] | select(.source | startswith("sandbox://"))
     | "\(.destination):\(if (.options | index("ro")) then "ro" else "rw" end)"]' <<<"$out" 2>&1)" \
  '["/etc/hostname:ro","/etc/hosts:ro","/etc/resolv.conf:ro","/dev/shm:rw"]'
check_eq "the sandbox runs as the pod's runAsUser/runAsGroup with its supplementalGroups" \
  "$(sandbox .user <<<"$out" 2>&1)" '{"additional_gids":[5,7],"gid":100,"uid":1000,"umask":"0022"}'
out=$(gen_pod '.spec.shareProcessNamespace = true' 2>&1)
check_eq "shareProcessNamespace: the app joins the sandbox's pid namespace too" \
  "$(app '[.namespaces[] | select(startswith("pid"))]' <<<"$out" 2>&1)" '["pid:$(sandbox-ns)"]'
out=$(gen_pod '.spec.volumes = [{name: "cache", emptyDir: {}}, {name: "cfg", configMap: {name: "c"}},
  {name: "host", hostPath: {path: "/srv/x"}}]
  | .spec.containers[0].volumeMounts = [{name: "cache", mountPath: "/cache"},
      {name: "cfg", mountPath: "/cfg", readOnly: true},
      {name: "host", mountPath: "/x", mountPropagation: "HostToContainer"}]' 2>&1)
check_eq "volumes: emptyDir and configMap by the kubelet's directory, hostPath by its path" \
  "$(app '[.mounts[] | select(.destination == "/cache" or .destination == "/cfg" or .destination == "/x")
     | [.source, .source_strategy, .options]]' <<<"$out" 2>&1)" \
  "$(jq -cn '[["/var/lib/kubelet/pods/[0-9a-f-]+/volumes/kubernetes\\.io~empty-dir/cache","re",["rbind","rprivate","rw"]],
    ["/var/lib/kubelet/pods/[0-9a-f-]+/volumes/kubernetes\\.io~configmap/cfg","re",["rbind","ro","rprivate"]],
    ["/srv/x","string",["rbind","rslave","rw"]]]')"
out=$(gen_pod '.spec.containers[0].livenessProbe = {exec: {command: ["/bin/true"]}}' \
  --exec 'app=["/bin/sh", "-c", "echo hi"]' --exec 'other=["/bin/false"]' 2>&1)
check_eq "exec processes: the exec probe and --exec of this container" \
  "$(app '[.exec_processes[].command]' <<<"$out" 2>&1)" '[["/bin/true"],["/bin/sh","-c","echo hi"]]'
out=$(gen_pod '.metadata.annotations = {"io.parma.team": "a.b", "other/x": "y"}' 2>&1)
check_eq "the pod's io.parma.* annotations (containerd's pod_annotations) on both entries, escaped" \
  "$(jq -c '[.containers[].annotations[] | select(.key | startswith("io\\.parma")) | .value]' <<<"$out" 2>&1)" \
  '["a\\.b","a\\.b"]'
check_eq "the same manifest, the same policy hash" \
  "$(gen_pod . | "$POLICY" hash - 2>&1 | head -1)" "$(gen_pod . | "$POLICY" hash - 2>&1 | head -1)"
gen_pod . >"$W/p.json"
lint=$("$POLICY" lint "$W/p.json" 2>&1)
echo "# lint: ${lint//$'\n'/ | }"
check_eq "parma-policy lint: no unsatisfiable placeholder" "$(grep -c placeholder <<<"$lint")" 0

# ---- refused, naming the field ---------------------------------------------------
refused() { # NAME JQ-EDIT REGEX [ARGS...]
  local name=$1 edit=$2 re=$3 out rc; shift 3
  out=$(gen_pod "$edit" "$@" 2>&1 >/dev/null); rc=$?
  check_match "refused: $name" "rc=$rc $out" "rc=1 .*$re"
}
refused "a pod network (hostNetwork false)" '.spec.hostNetwork = false' 'spec.hostNetwork: must be true'
refused "hostPID" '.spec.hostPID = true' 'spec.hostPID/hostIPC: not supported'
refused "a privileged container" '.spec.containers[0].securityContext = {privileged: true}' \
  'securityContext: privileged.* not supported'
refused "capabilities add ALL" '.spec.containers[0].securityContext = {capabilities: {add: ["ALL"]}}' \
  'capabilities.add: ALL is not supported'
refused "env valueFrom" '.spec.containers[0].env = [{name: "X", valueFrom: {fieldRef: {fieldPath: "x"}}}]' \
  'env\[0\].valueFrom: not supported'
refused "subPath" '.spec.volumes = [{name: "v", emptyDir: {}}]
  | .spec.containers[0].volumeMounts = [{name: "v", mountPath: "/v", subPath: "s"}]' 'subPath is not supported'
refused "an image without --image" '.spec.containers[0].image = "nginx:1"' 'image nginx:1: no --image nginx:1=DIR'
refused "a Deployment" '.kind = "Deployment"' 'kind: must be "Pod"'
refused "a seccomp profile" '.spec.securityContext = {seccompProfile: {type: "RuntimeDefault"}}' \
  'sysctls and seccompProfile are not supported'
printf 'apiVersion: v1\nkind: Pod\n' >"$W/pod.yaml"
out=$("$POLICY" gen --pod "$W/pod.yaml" --pause-image "$PAUSE=$W/layout" 2>&1); rc=$?
check_match "refused: a YAML manifest, saying how to convert it" "rc=$rc $out" \
  "rc=1 .*YAML is not read; convert it first: kubectl create --dry-run=client -o json -f POD.yaml > POD.json, or python3 -c"
out=$("$POLICY" gen --pod "$W/pod.json" 2>&1); rc=$?
check_match "refused: no --pause-image" "rc=$rc $out" 'rc=1 .*gen --pod MANIFEST.json --pause-image NAME=DIR'
done_testing
