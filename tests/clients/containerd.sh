#!/bin/bash
# containerd 1.6 (ctr + runc v2 shim) driving the runtime under test:
# RUNTIME=${PARMA_CLIENT_RUNTIME:-$PARMA_BUILD/parma-runc}.  A private
# containerd (socket, root, state) loads contrib/containerd/config.toml with
# the handler's BinaryName pointed at RUNTIME; the image is an OCI layout
# built here from the busybox rootfs and imported (no registry).
# Denied runs need enforcement in parma-runc (features: policyEnforcement,
# or PARMA_ENFORCEMENT=1).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/clients.sh"

clients_runtime
clients_require containerd ctr containerd-shim-runc-v2 script jq /usr/sbin/runc "$RUNTIME"

W=$PARMA_WORK/clients/containerd.$$
NS=parma-ctr-$$
SOCK=$W/containerd.sock
IMAGE=localhost/parma-busybox:test
OUTSIDE=/var/tmp/parma-clients-ctr.$$   # not under the allowed_dirs of the test config
CPID=

cleanup() {
  if [ -n "$CPID" ]; then
    for id in $(timeout 5 ctr -a "$SOCK" -n "$NS" task ls -q 2>/dev/null); do
      timeout 5 ctr -a "$SOCK" -n "$NS" task kill -a -s KILL "$id" >/dev/null 2>&1
      timeout 5 ctr -a "$SOCK" -n "$NS" task delete -f "$id" >/dev/null 2>&1
    done
    kill "$CPID" 2>/dev/null
    wait_until 5 pid_exited "$CPID" || kill -9 "$CPID" 2>/dev/null
    wait "$CPID" 2>/dev/null
  fi
  # shims and containers of this run (their argv names the private socket)
  clients_kill_matching "$SOCK"
  # CLIENTS_KEEP=DIR keeps the logs of this run for debugging
  [ -n "${CLIENTS_KEEP:-}" ] && mkdir -p "$CLIENTS_KEEP" && cp "$W/audit.log" "$W/containerd.log" "$W/config.toml" "$W/containers.conf" "$CLIENTS_KEEP/" 2>/dev/null
  clients_umount_under "$W"
  clients_rm_cgroup "$NS"
  rm -rf "/run/containerd/runc/$NS"   # the default root of the --no-pivot run
  rm -rf "$W" "$OUTSIDE"
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP   # so that a timeout still cleans up
rm -rf "$W"; mkdir -p "$W"
[ "$RUNTIME_IS_PARMA" = 1 ] && { clients_parma_config "$W" || echo "# writing the parma-runc config failed"; }

# ---- the daemon, on contrib/containerd/config.toml ----
contrib=$PARMA_SRC/contrib/containerd/config.toml
{
  echo 'version = 2'
  echo "root = \"$W/root\""
  echo "state = \"$W/state\""
  echo '[grpc]'
  echo "  address = \"$SOCK\""
  echo '[ttrpc]'
  echo "  address = \"$SOCK.ttrpc\""
  echo '[plugins."io.containerd.internal.v1.opt"]'
  echo "  path = \"$W/opt\""
  grep -v '^version *=' "$contrib" | sed "s|^\( *BinaryName *= *\).*|\1\"$RUNTIME\"|"
} >"$W/config.toml"
# `runc` first in containerd's PATH is the runtime under test: the shim runs
# it when ctr sends no BinaryName (ctr 1.6 drops --runc-binary with
# --no-pivot, --uidmap or --gidmap).
mkdir -p "$W/pathbin"; ln -s "$RUNTIME" "$W/pathbin/runc"
PATH=$W/pathbin:$PATH containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 </dev/null &
CPID=$!
# Every ctr call is bounded, generously: under `make asan` on a loaded
# machine one `ctr run --rm` (four ASan-built parma-runc calls) took
# longer than the former 20 s and came back empty.  A call that runs out
# says so on stderr, which the checks capture.
CTR_TIMEOUT=${CLIENTS_CTR_TIMEOUT:-90}
ctr_bounded() {
  timeout "$CTR_TIMEOUT" ctr -a "$SOCK" -n "$NS" "$@"
  local rc=$?
  [ "$rc" = 124 ] && echo "ctr $1 $2: timed out after ${CTR_TIMEOUT}s" >&2
  return "$rc"
}
CTR=(ctr_bounded)
if ! wait_until 10 ctr -a "$SOCK" version; then
  not_ok "containerd starts on the contrib config" "$(tail -5 "$W/containerd.log")"
  done_testing; exit 1
fi
ok "containerd starts on the contrib config"
check_match "cri plugin loads with the parma handler" \
  "$("${CTR[@]}" plugins ls 2>&1 | awk '$2 == "cri" { print $1, $2, $NF }')" '^io\.containerd\.grpc\.v1 cri ok$'
dump=$(containerd --config "$W/config.toml" config dump 2>&1)
check_match "config dump has the parma handler's BinaryName" "$dump" \
  "runtimes\.parma\.options\]"$'\n'"( +[A-Za-z]+ = [^"$'\n'"]*"$'\n'")* +BinaryName = \"$RUNTIME\""
check_match "config dump keeps runtime_type io.containerd.runc.v2" \
  "$(sed -n '/runtimes\.parma\]/,/^$/p' <<<"$dump")" 'runtime_type = "io.containerd.runc.v2"'

# ---- the image ----
oci_image_tar "$(rootfs_dir)" "$W/busybox-oci.tar" "$IMAGE" || echo "# building the OCI layout failed"
check "ctr image import of the OCI layout" "${CTR[@]}" image import "$W/busybox-oci.tar"
check_eq "image is listed" "$("${CTR[@]}" image ls -q 2>&1)" "$IMAGE"

R=(--runc-binary "$RUNTIME" --runc-root "$W/runc-root" --fifo-dir "$W/fifo")
t0=${EPOCHREALTIME/./}
out=$("${CTR[@]}" run --rm "${R[@]}" "$IMAGE" r1 /bin/echo hello 2>&1)
check_eq "ctr run prints the output" "$out" hello
echo "# ctr run --rm took $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
"${CTR[@]}" run --rm "${R[@]}" "$IMAGE" r2 /bin/sh -c 'echo err >&2; exit 3' >"$W/r2.out" 2>&1
check_eq "ctr run passes exit code 3" "$?" 3
check_eq "ctr run passes stderr" "$(cat "$W/r2.out")" err
out=$(echo piped | "${CTR[@]}" run --rm "${R[@]}" "$IMAGE" r3 /bin/sh -c 'read x; echo got $x' 2>&1)
check_eq "ctr run stdin reaches the container" "$out" "got piped"
out=$("${CTR[@]}" run --rm "${R[@]}" "$IMAGE" r4 /no/such/bin 2>&1)
check_match "a failing create reports runc's error through the shim" "$out" \
  'OCI runtime create failed: .*no such file or directory'
"${CTR[@]}" container rm r4 >/dev/null 2>&1

out=$("${CTR[@]}" run --rm "${R[@]}" "$IMAGE" r1 /bin/echo same id again 2>&1)
check_eq "an id can be reused after its container was deleted" "$out" "same id again"

# --rootfs: root.path is the absolute host directory instead of "rootfs"
cp -a "$(rootfs_dir)" "$W/rootfs-copy"
out=$("${CTR[@]}" run --rm "${R[@]}" --rootfs "$W/rootfs-copy" f1 /bin/sh -c 'echo on-rootfs > /tmp/mark; cat /tmp/mark' 2>&1)
check_eq "ctr run --rootfs DIR" "$out" on-rootfs

# ctr --no-pivot drops --runc-binary and --runc-root: `runc` from PATH, default root
out=$("${CTR[@]}" run --rm --no-pivot --fifo-dir "$W/fifo" "$IMAGE" p1 /bin/echo via-path 2>&1)
check_eq "ctr run --no-pivot goes through the runc in containerd's PATH" "$out" via-path
if [ "$RUNTIME_IS_PARMA" = 1 ]; then
  check_match "parma-runc decided the --no-pivot create" \
    "$(jq -c 'select(.id == "p1" and .verb == "create")' "$W/audit.log" 2>&1)" '"decision":"allow"'
fi

# ---- a detached container: exec, ps, pause/resume, kill, delete ----
check "ctr run -d" "${CTR[@]}" run -d "${R[@]}" "$IMAGE" d1 /bin/sleep 1000
task_status() { "${CTR[@]}" task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
task_is() { [ "$(task_status "$1")" = "$2" ]; }
check_eq "task is RUNNING" "$(task_status d1)" RUNNING
check_match "the runtime's state is under --runc-root" \
  "$(/usr/sbin/runc --root "$W/runc-root/$NS" list -q 2>&1)" '(^|'$'\n'')d1($|'$'\n'')'
out=$("${CTR[@]}" task exec --exec-id e1 d1 /bin/echo exec-ok 2>&1)
check_eq "ctr task exec prints the output" "$out" exec-ok
"${CTR[@]}" task exec --exec-id e2 d1 /bin/sh -c 'exit 5' >/dev/null 2>&1
check_eq "ctr task exec passes exit code 5" "$?" 5
out=$("${CTR[@]}" task exec --exec-id e3 d1 /bin/sh -c 'cat /proc/1/cmdline | tr "\0" " "' 2>&1)
check_eq "exec joins the container's pid namespace" "$out" "/bin/sleep 1000 "
# the shim hands create an extra fd 3 (its socket); the init must not inherit it
out=$("${CTR[@]}" task exec --exec-id e5 d1 /bin/ls /proc/1/fd 2>&1 | tr '\n' ' ')
check_eq "the container's init holds only fds 0-2" "$out" "0 1 2 "
out=$(timeout "$CTR_TIMEOUT" script -qec "ctr -a $SOCK -n $NS task exec -t --exec-id e4 d1 /bin/tty" /dev/null </dev/null 2>&1 |
  tr -d '\r\0' | grep -o '/dev/pts/[0-9]*')
check_match "ctr task exec -t gets a pty" "$out" '^/dev/pts/[0-9]+$'
init_pid=$("${CTR[@]}" task ls 2>/dev/null | awk '$1 == "d1" { print $2 }')
check_match "ctr task ps lists the init pid" "$("${CTR[@]}" task ps d1 2>&1 | awk 'NR > 1 { print $1 }')" \
  "(^|"$'\n'")$init_pid($|"$'\n'")"
check "ctr task pause" "${CTR[@]}" task pause d1
check_eq "task is PAUSED" "$(task_status d1)" PAUSED
check_eq "the cgroup is frozen" "$(cat "/sys/fs/cgroup/freezer/$NS/d1/freezer.state" 2>&1)" FROZEN
check "ctr task resume" "${CTR[@]}" task resume d1
check_eq "task is RUNNING again" "$(task_status d1)" RUNNING
check "ctr task kill -s KILL" "${CTR[@]}" task kill -s KILL d1
wait_until 30 task_is d1 STOPPED
check_eq "task is STOPPED after the kill" "$(task_status d1)" STOPPED
check "ctr task delete" "${CTR[@]}" task delete d1
check_eq "the runtime forgot the container" \
  "$(/usr/sbin/runc --root "$W/runc-root/$NS" list -q 2>&1 | grep -cx d1)" 0
check "ctr container rm" "${CTR[@]}" container rm d1

# A TERM the container handles: kill sends the signal, the exit status comes back.
"${CTR[@]}" run -d "${R[@]}" "$IMAGE" d2 /bin/sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1
check "ctr task kill (SIGTERM)" "${CTR[@]}" task kill d2
wait_until 30 task_is d2 STOPPED
check_match "the handled TERM gives exit status 42" "$("${CTR[@]}" task delete d2 2>&1)" 'exit code 42'
"${CTR[@]}" container rm d2 >/dev/null 2>&1

# ---- a tty container ----
out=$(timeout "$CTR_TIMEOUT" script -qec "ctr -a $SOCK -n $NS run -t --rm --runc-binary $RUNTIME --runc-root $W/runc-root --fifo-dir $W/fifo $IMAGE t1 /bin/sh -c 'tty; echo cols=\$(stty size 2>/dev/null | cut -d\" \" -f2)'" /dev/null </dev/null 2>&1 |
  tr -d '\r\0')
check_match "ctr run -t gets a pty" "$out" '/dev/pts/[0-9]+'

# ---- a refusal that needs no policy: --root outside allowed_dirs ----
if [ "$RUNTIME_IS_PARMA" = 1 ]; then
  mkdir -p "$OUTSIDE"
  out=$("${CTR[@]}" run --rm --runc-binary "$RUNTIME" --runc-root "$OUTSIDE" --fifo-dir "$W/fifo" \
    "$IMAGE" x0 /bin/echo hi 2>&1)
  check_match "a refused create reaches ctr with parma's reason" "$out" \
    'OCI runtime create failed: parma-runc: denied: create x0: allowed_dirs: --root'
  check_eq "nothing was created under the refused root" "$(ls -A "$OUTSIDE" 2>&1)" ""
  check_eq "the refusal is in the audit log" \
    "$(jq -r 'select(.id == "x0" and .verb == "create") | .decision' "$W/audit.log" 2>&1)" deny
  "${CTR[@]}" container rm x0 >/dev/null 2>&1
fi

# ---- denials (need enforcement in parma-runc) ----
# A policy generated from the image admits its own command only: another
# command must be refused, and the reason must reach ctr's error output.
if clients_enforcement; then
  "$PARMA_BUILD/parma-policy" gen --oci-layout "$W/busybox-oci" -o "$W/policy-image.json" ||
    echo "# parma-policy gen --oci-layout failed"
  CLIENTS_POLICY=$W/policy-image.json clients_parma_config "$W" image
  out=$("${CTR[@]}" run --rm "${R[@]}" "$IMAGE" x1 /bin/echo not-in-policy 2>&1)
  check_match "a denied run reaches ctr with parma's reason" "$out" \
    'OCI runtime create failed: .*parma-runc: denied: create x1: '
  check_match "the reason names the command the policy does not allow" "$out" \
    'command: policy \["/bin/sh"\] vs request \["/bin/echo","not-in-policy"\]'
  check_match "the denial is in the audit log" "$(grep x1 "$W/audit.log" 2>&1)" 'den'
  "${CTR[@]}" container rm x1 >/dev/null 2>&1
  clients_parma_config "$W"
else
  skip "a denied run reaches ctr with parma's reason" "parma-runc features does not report policyEnforcement (PARMA_ENFORCEMENT=1 forces)"
fi

# ---- parma-runc was really in the path ----
if [ "$RUNTIME_IS_PARMA" = 1 ]; then
  check_eq "parma-runc decided every verb the client used (create start exec ps pause resume kill delete)" \
    "$(clients_audit_missing "$W/audit.log" create start exec ps pause resume kill delete)" ""
fi
check "nothing of this run left in the runtime root" \
  bash -c "[ -z \"\$(/usr/sbin/runc --root $W/runc-root/$NS list -q 2>/dev/null)\" ]"
done_testing
