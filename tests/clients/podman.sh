#!/bin/bash
# podman 4.3 (+ conmon) driving the runtime under test through --runtime:
# RUNTIME=${PARMA_CLIENT_RUNTIME:-$PARMA_BUILD/parma-runc}, reached through a
# symlink named `runc` so that podman passes --log-format=json --log (it does
# so only for runtimes named crun, runc, kata, runsc, krun or youki).
# Storage, tmp and events are private to the run (containers.conf from
# contrib/podman plus test paths); the image is an OCI layout built here
# from the busybox rootfs and loaded with `podman load` (no registry).
# Denied runs need enforcement in parma-runc (features: policyEnforcement,
# or PARMA_ENFORCEMENT=1).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/clients.sh"

clients_runtime
clients_require podman conmon script jq /usr/sbin/runc "$RUNTIME"

W=$PARMA_WORK/clients/podman.$$
# podman's cleanup process refuses a runroot longer than 50 characters (and
# `run --rm` then waits 20 s for it): keep the runroot short, and tmp_dir
# (conmon's attach and exit sockets live there) too.
RUNROOT=/tmp/parma-podman.$$
IMAGE=localhost/parma-busybox:test
OUTSIDE=/var/tmp/parma-clients-podman.$$   # not under the allowed_dirs of the test config
PODMAN=(timeout 30 podman --runtime "$W/bin/runc")
started=0

cleanup() {
  local ids id
  if [ "$started" = 1 ]; then
    ids=$("${PODMAN[@]}" ps -a -q --no-trunc 2>/dev/null)
    "${PODMAN[@]}" rm -a -f -t 0 >/dev/null 2>&1
    for id in $ids; do clients_rm_cgroup "libpod_parent/libpod-$id"; done
  fi
  clients_kill_matching "$W/"
  clients_kill_matching "$RUNROOT/"
  # CLIENTS_KEEP=DIR keeps the logs of this run for debugging
  [ -n "${CLIENTS_KEEP:-}" ] && mkdir -p "$CLIENTS_KEEP" && cp "$W/audit.log" "$W/events.log" "$W/config.toml" "$W/containers.conf" "$CLIENTS_KEEP/" 2>/dev/null
  clients_umount_under "$W"
  clients_umount_under "$RUNROOT"
  rm -rf "$W" "$RUNROOT" "$OUTSIDE"
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP   # so that a timeout still cleans up
rm -rf "$W" "$RUNROOT"; mkdir -p "$W/bin" "$W/tmp" "$RUNROOT/tmp"
ln -s "$RUNTIME" "$W/bin/runc"
[ "$RUNTIME_IS_PARMA" = 1 ] && { clients_parma_config "$W" || echo "# writing the parma-runc config failed"; }

# contrib/podman/containers.conf with its runtime path pointed at RUNTIME,
# plus what this machine needs (no systemd/journald, low hard rlimits, no
# network side effects) and private tmp and events paths.
{
  printf '[containers]\nnetns = "none"\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n\n'
  sed "s|^parma = .*|parma = [\"$RUNTIME\"]|" "$PARMA_SRC/contrib/podman/containers.conf" |
    awk -v w="$W" -v r="$RUNROOT" '{ print }
      $0 == "[engine]" { print "cgroup_manager = \"cgroupfs\""; print "events_logger = \"file\""
                         print "events_logfile_path = \"" w "/events.log\""; print "tmp_dir = \"" r "/tmp\"" }'
} >"$W/containers.conf"
cat >"$W/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$RUNROOT"
graphroot = "$W/root"
EOF
export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf TMPDIR=$W/tmp
started=1

check_eq "podman uses the runtime under test" \
  "$("${PODMAN[@]}" info --format '{{.Host.OCIRuntime.Path}}' 2>&1)" "$W/bin/runc"
oci_image_tar "$(rootfs_dir)" "$W/busybox-oci.tar" "$IMAGE" || echo "# building the OCI layout failed"
check "podman load of the OCI layout" "${PODMAN[@]}" load -q -i "$W/busybox-oci.tar"
check_eq "image is listed" "$("${PODMAN[@]}" images --format '{{.Repository}}:{{.Tag}}' 2>&1)" "$IMAGE"

t0=${EPOCHREALTIME/./}
out=$("${PODMAN[@]}" run --rm "$IMAGE" /bin/echo hello 2>&1)
check_eq "podman run prints the output" "$out" hello
echo "# podman run --rm took $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
"${PODMAN[@]}" run --rm "$IMAGE" /bin/sh -c 'exit 3' >/dev/null 2>&1
check_eq "podman run passes exit code 3" "$?" 3
out=$("${PODMAN[@]}" run --rm "$IMAGE" /no/such/bin 2>&1); rc=$?
check_eq "a missing binary gives 127" "$rc" 127
check_match "runc's error reaches podman's output" "$out" 'no such file or directory'
out=$(echo piped | "${PODMAN[@]}" run --rm -i "$IMAGE" /bin/sh -c 'read x; echo got $x; exit 7' 2>&1); rc=$?
check_eq "podman run -i: stdin reaches the container" "$out" "got piped"
check_eq "podman run -i passes exit code 7" "$rc" 7
out=$(timeout 30 script -qec "podman --runtime $W/bin/runc run --rm -t $IMAGE /bin/tty" /dev/null </dev/null 2>&1 | tr -d '\r\0')
check_match "podman run -t gets a pty" "$out" '^/dev/pts/[0-9]+$'

# --preserve-fds: conmon passes fd 3 on to create, and it must reach the container
echo preserved >"$W/fd3.txt"
out=$("${PODMAN[@]}" run --rm --preserve-fds 1 "$IMAGE" /bin/cat /proc/self/fd/3 2>&1 3<"$W/fd3.txt")
check_eq "podman run --preserve-fds 1" "$out" preserved

# --rootfs from another cwd: the runtime must resolve the root against the
# bundle, not against podman's working directory (podman writes into the
# directory, hence a private copy)
cp -a "$(rootfs_dir)" "$W/rootfs-copy"
out=$(cd / && "${PODMAN[@]}" run --rm --rootfs "$W/rootfs-copy" /bin/sh -c 'cat /etc/passwd | head -1' 2>&1)
check_eq "podman run --rootfs DIR" "$out" "root:x:0:0:root:/root:/bin/sh"

# ---- a detached container: exec, pause/unpause, kill, stop, rm ----
state_of() { "${PODMAN[@]}" inspect --format '{{.State.Status}}' "$1" 2>&1; }
state_in() { [[ "$(state_of "$1")" =~ $2 ]]; }
check "podman run -d" "${PODMAN[@]}" run -q -d --name s1 "$IMAGE" /bin/sleep 1000
check_eq "container is running" "$(state_of s1)" running
id=$("${PODMAN[@]}" inspect --format '{{.ID}}' s1 2>/dev/null)
check "the runtime got --log-format=json --log (it is called runc)" \
  test -e "$RUNROOT/overlay-containers/$id/userdata/oci-log"
out=$("${PODMAN[@]}" exec s1 /bin/echo exec-ok 2>&1)
check_eq "podman exec prints the output" "$out" exec-ok
"${PODMAN[@]}" exec s1 /bin/sh -c 'exit 5' >/dev/null 2>&1
check_eq "podman exec passes exit code 5" "$?" 5
out=$(echo in | "${PODMAN[@]}" exec -i s1 /bin/sh -c 'read x; echo $x; cat /proc/1/cmdline | tr "\0" " "' 2>&1)
check_eq "podman exec -i joins the container" "$out" "in
/bin/sleep 1000 "
out=$(timeout 30 script -qec "podman --runtime $W/bin/runc exec -t s1 /bin/tty" /dev/null </dev/null 2>&1 | tr -d '\r\0')
check_match "podman exec -t gets a pty" "$out" '^/dev/pts/[0-9]+$'
check "podman pause" "${PODMAN[@]}" pause s1
check_eq "container is paused" "$(state_of s1)" paused
check "podman unpause" "${PODMAN[@]}" unpause s1
check_eq "container is running again" "$(state_of s1)" running
# restart = kill, delete --force, then create and start the same id again
check "podman restart" "${PODMAN[@]}" restart -t 0 s1
check_eq "container is running after the restart" "$(state_of s1)" running
check "podman kill -s KILL" "${PODMAN[@]}" kill -s KILL s1
wait_until 10 state_in s1 '^(exited|stopped)$'
check_match "container exited after the kill" "$(state_of s1)" '^(exited|stopped)$'
check_eq "SIGKILL gives exit code 137" "$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' s1 2>&1)" 137
check "podman rm" "${PODMAN[@]}" rm s1

# stop sends TERM (handled here) and waits; the exit code comes back.
"${PODMAN[@]}" run -q -d --name s2 "$IMAGE" /bin/sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1
t0=${EPOCHREALTIME/./}
check "podman stop" "${PODMAN[@]}" stop -t 10 s2
check_match "stop returned once TERM was handled (not after the timeout)" \
  "$(( (${EPOCHREALTIME/./} - t0) / 1000 ))" '^[0-9]{1,4}$'
check_eq "the handled TERM gives exit code 42" "$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' s2 2>&1)" 42
check "podman rm (stopped)" "${PODMAN[@]}" rm s2
# rm -f of a running container: kill, then delete --force
"${PODMAN[@]}" run -q -d --name s3 "$IMAGE" /bin/sleep 1000 >/dev/null 2>&1
check "podman rm -f -t 0 (running)" "${PODMAN[@]}" rm -f -t 0 s3
check_eq "no container left" "$("${PODMAN[@]}" ps -a -q 2>&1)" ""

# ---- contrib's runtime name: podman without --runtime ----
check_eq "containers.conf makes parma the default runtime" \
  "$(timeout 30 podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}' 2>&1)" "parma $RUNTIME"
id=$(timeout 30 podman run -q -d "$IMAGE" /bin/sleep 1000 2>&1)
check "the runtime named parma got --log too (runtime_supports_json)" \
  test -e "$RUNROOT/overlay-containers/$id/userdata/oci-log"
out=$(timeout 30 podman exec "$id" /bin/echo via-parma-name 2>&1)
check_eq "podman exec through the runtime named parma" "$out" via-parma-name
check "podman rm -f through the runtime named parma" timeout 30 podman rm -f -t 0 "$id"

# ---- a refusal that needs no policy: --root outside allowed_dirs ----
if [ "$RUNTIME_IS_PARMA" = 1 ]; then
  mkdir -p "$OUTSIDE"
  # through the contrib runtime name "parma" (the binary's own name)
  out=$(timeout 30 podman --runtime-flag "root=$OUTSIDE" run --rm "$IMAGE" /bin/echo hi 2>&1); rc=$?
  check_match "a refused create shows parma's reason in podman's error" "$out" \
    'Error: OCI runtime error: .*parma-runc: denied: create [0-9a-f]{64}: allowed_dirs: --root'
  check_eq "a refused create fails with 126 (OCI runtime error)" "$rc" 126
  # through the `runc` symlink: the deny line must still name parma-runc
  out=$("${PODMAN[@]}" --runtime-flag "root=$OUTSIDE" run --rm "$IMAGE" /bin/echo hi 2>&1)
  check_match "called as runc, the deny line still names parma-runc" "$out" \
    ': parma-runc: denied: create [0-9a-f]{64}: allowed_dirs: --root'
  check_eq "nothing was created under the refused root" "$(ls -A "$OUTSIDE" 2>&1)" ""
fi

# ---- denials (need enforcement in parma-runc) ----
# A policy generated from the image admits its own command only: another
# command must be refused, and the reason must reach podman's error output.
if clients_enforcement; then
  "$PARMA_BUILD/parma-policy" gen --oci-layout "$W/busybox-oci" -o "$W/policy-image.json" ||
    echo "# parma-policy gen --oci-layout failed"
  CLIENTS_POLICY=$W/policy-image.json clients_parma_config "$W" image
  out=$(timeout 30 podman run --rm "$IMAGE" /bin/echo not-in-policy 2>&1); rc=$?   # runtime "parma"
  check_match "a denied run shows parma's reason in podman's error" "$out" 'parma-runc: denied: create [0-9a-f]{64}: '
  check_match "the reason names the command the policy does not allow" "$out" \
    'command: policy \["/bin/sh"\] vs request \["/bin/echo","not-in-policy"\]'
  check_match "a denied run fails with 126 (OCI runtime error)" "$rc" '^126$'
  clients_parma_config "$W"
else
  skip "a denied run shows parma's reason in podman's error" "parma-runc features does not report policyEnforcement (PARMA_ENFORCEMENT=1 forces)"
fi

if [ "$RUNTIME_IS_PARMA" = 1 ]; then
  check_eq "parma-runc decided every verb the client used (create start exec pause resume kill delete)" \
    "$(clients_audit_missing "$W/audit.log" create start exec pause resume kill delete)" ""
fi
done_testing
