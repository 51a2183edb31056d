# Helpers for the client integration tests (tests/clients/*.sh): containerd
# and podman driving a runc-compatible runtime.  Source after tap.sh and
# rootfs.sh.
#
#   clients_runtime              sets RUNTIME (PARMA_CLIENT_RUNTIME, default
#                                $PARMA_BUILD/parma-runc) and RUNTIME_IS_PARMA
#   clients_require CMD...       emits one SKIP line and exits 0 when a client
#                                is missing (contrib/deps/clients.txt has them)
#   clients_parma_config DIR [TAG]  writes $PARMA_SYSCONFDIR/parma-runc/config.json
#                                for a run whose scratch files live under DIR;
#                                the policy is CLIENTS_POLICY (default: the
#                                open-door one), the state dir DIR/parma-state[-TAG]
#   oci_image_tar ROOTFS OUT NAME  builds an OCI image layout of ROOTFS as the
#                                tarball OUT, tagged NAME (no registry)
#   wait_until SECONDS CMD...    polls CMD every 50 ms; non-zero on timeout
#   pid_exited PID               true once PID is gone or a zombie
#   clients_umount_under DIR     unmounts everything mounted below DIR
#   clients_rm_cgroup NAME       removes the (empty) cgroup NAME, depth first,
#                                in every hierarchy
#   clients_kill_matching STR    SIGKILLs the processes whose command line
#                                contains STR (a path private to this run)
#   clients_enforcement          true when denial tests should run (see below)
#   clients_audit_missing LOG VERB...  prints the VERBs with no entry in
#                                parma-runc's audit log LOG (JSON lines)
: "${PARMA_BUILD:?}" "${PARMA_WORK:?}" "${PARMA_SRC:?}"

clients_runtime() {
  RUNTIME=${PARMA_CLIENT_RUNTIME:-$PARMA_BUILD/parma-runc}
  RUNTIME_IS_PARMA=0
  case "$(basename "$RUNTIME")" in parma-runc*) RUNTIME_IS_PARMA=1 ;; esac
}

clients_require() {
  local c missing=""
  for c in "$@"; do
    case "$c" in
      /*) [ -x "$c" ] || missing="$missing $c" ;;
      *) command -v "$c" >/dev/null 2>&1 || missing="$missing $c" ;;
    esac
  done
  [ -z "$missing" ] && return 0
  skip "client tests" "missing:$missing (contrib/install-deps.sh installs contrib/deps/clients.txt)"
  done_testing
  exit 0
}

# Denials need policy enforcement in parma-runc: on when `parma-runc
# features` reports "policyEnforcement": true, or forced by
# PARMA_ENFORCEMENT=1 (=0 forces off).
clients_enforcement() {
  [ "$RUNTIME_IS_PARMA" = 1 ] || return 1
  case "${PARMA_ENFORCEMENT:-}" in 1) return 0 ;; 0) return 1 ;; esac
  "$RUNTIME" features 2>/dev/null | grep -Eq 'policyEnforcement\\?": *true'
}

wait_until() {
  local secs=$1; shift
  local end=$((${EPOCHREALTIME/./} + secs * 1000000))
  until "$@" >/dev/null 2>&1; do
    [ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
    sleep 0.05
  done
}

pid_exited() {
  local st
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
  [ -z "$st" ] || [ "$st" = Z ]
}

# The parma-runc configuration for a client test, written with the runtime
# tests' rt_config (tests/lib/runtime.sh) and edited for the clients: state
# and audit log under DIR, allowed_dirs /run, /tmp and DIR (the shim's
# bundles, runc roots, console sockets and podman's runroot), the sim
# backend with sim_host_data = the policy's hash, as the host would have set
# it at launch.  The policy: CLIENTS_POLICY, else the open-door policy of
# parma-policy (admits everything, the runtime warns); without parma-policy,
# no policy and a fixed dummy host data.
clients_parma_config() {
  local dir=$1 state=$1/parma-state${2:+-$2} policy=${CLIENTS_POLICY:-} hostdata filter
  mkdir -p "$state"
  if [ -z "$policy" ] && [ -x "$PARMA_BUILD/parma-policy" ]; then
    policy=$dir/policy-open-door.json
    "$PARMA_BUILD/parma-policy" gen --open-door -o "$policy" || return 1
  fi
  if [ -n "$policy" ]; then
    hostdata=$("$PARMA_BUILD/parma-policy" hash "$policy" | head -1) || return 1
  else
    hostdata=$(printf 'parma-clients-test' | sha256sum | cut -d' ' -f1)
  fi
  filter=$(jq -rn --arg state "$state" --arg policy "$policy" --arg hd "$hostdata" \
    --arg dir "$dir" --arg audit "$dir/audit.log" '
    ".state_dir = \($state | tojson) | .audit_log = \($audit | tojson)"
    + " | .mode = \"enforce\" | .attestation = {backend: \"sim\", sim_host_data: \($hd | tojson)}"
    + " | .allowed_dirs = \(["/run", "/tmp", $dir] | unique | tojson)"
    + (if $policy == "" then "" else " | .policy = \($policy | tojson)" end)') || return 1
  (
    . "$PARMA_SRC/tests/lib/runtime.sh"
    RT=$dir rt_config /usr/sbin/runc "$filter"
  )
}

# A one-layer OCI image (gzip layer, amd64) in an image-layout tarball, the
# form `ctr image import` and `podman load` read.  NAME goes into both the
# containerd annotation and org.opencontainers.image.ref.name.  The layout
# directory is kept next to OUT (OUT minus .tar) for parma-policy gen.
oci_image_tar() {
  local rootfs=$1 out=$2 name=$3
  local lay=${out%.tar} tmp=${out%.tar}.build
  rm -rf "$lay" "$tmp"; mkdir -p "$lay/blobs/sha256" "$tmp"
  tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 \
    -C "$rootfs" -cf "$tmp/layer.tar" . || return 1
  gzip -n -c "$tmp/layer.tar" >"$tmp/layer.tar.gz" || return 1
  local diffid ldig lsize cdig csize mdig msize
  diffid=$(sha256sum <"$tmp/layer.tar" | cut -d' ' -f1)
  ldig=$(sha256sum <"$tmp/layer.tar.gz" | cut -d' ' -f1)
  lsize=$(stat -c %s "$tmp/layer.tar.gz")
  mv "$tmp/layer.tar.gz" "$lay/blobs/sha256/$ldig"
  jq -cn --arg d "sha256:$diffid" '{architecture: "amd64", os: "linux",
      config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               Cmd: ["/bin/sh"], WorkingDir: "/"},
      rootfs: {type: "layers", diff_ids: [$d]}}' >"$tmp/config.json"
  cdig=$(sha256sum <"$tmp/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$tmp/config.json")
  mv "$tmp/config.json" "$lay/blobs/sha256/$cdig"
  jq -cn --arg c "sha256:$cdig" --argjson cs "$csize" --arg l "sha256:$ldig" --argjson ls "$lsize" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' \
    >"$tmp/manifest.json"
  mdig=$(sha256sum <"$tmp/manifest.json" | cut -d' ' -f1); msize=$(stat -c %s "$tmp/manifest.json")
  mv "$tmp/manifest.json" "$lay/blobs/sha256/$mdig"
  jq -cn --arg m "sha256:$mdig" --argjson ms "$msize" --arg n "$name" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: $m, size: $ms,
      annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $n}}]}' \
    >"$lay/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
  rm -rf "$tmp"
  tar -C "$lay" -cf "$out" oci-layout index.json blobs
}

clients_umount_under() {
  local dir m
  dir=$(realpath -m "$1")
  # Deepest first; a mount stacked twice is unmounted twice.
  for _ in 1 2 3; do
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts |
      sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  done
}

clients_rm_cgroup() {
  local name=$1 h
  [ -n "$name" ] || return 0
  for h in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name"; do
    [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}

clients_kill_matching() {
  local needle=$1 p cmd
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    [[ "$cmd" == *"$needle"* ]] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  return 0
}

clients_audit_missing() {
  local log=$1 v; shift
  for v in "$@"; do
    jq -se --arg v "$v" 'any(.[]; .verb == $v)' "$log" >/dev/null 2>&1 || echo "$v"
  done
  return 0
}
