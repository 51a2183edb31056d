#!/bin/bash
# parma-runc with crun as its delegate, on real containers.  crun 1.8.1
# refuses this machine's hybrid cgroup layout, so the test runs in a
# private mount namespace with /sys/fs/cgroup/unified unmounted.
if [ -z "${PARMA_IN_UNSHARE:-}" ]; then
  exec unshare -m env PARMA_IN_UNSHARE=1 "$0" "$@"
fi
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
umount /sys/fs/cgroup/unified 2>/dev/null
rt_init crun
RUNTIME=$PARMA
rt_config /usr/bin/crun
cleanup() {
  local id
  for id in $(/usr/bin/crun --root "$ROOT" list -q 2>/dev/null); do
    /usr/bin/crun --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done
  rt_config
}
trap cleanup EXIT
cd "$RT" || exit 1
if [ ! -x /usr/bin/crun ]; then
  skip "crun delegate" "crun not installed"
  done_testing
  exit 0
fi

make_bundle "$RT/b-out" sh -c 'printf "a\nb\tc"; exit 7' >/dev/null
want=$(/usr/sbin/runc --root "$RT/ok/runc" run -b "$RT/b-out" ref 2>/dev/null | od -An -tx1)
got=$(rt run -b "$RT/b-out" r1 2>/dev/null | od -An -tx1; exit "${PIPESTATUS[0]}")
rc=$?
check_eq "crun run: stdout identical to runc's" "$got" "$want"
check_eq "crun run: exit 7 passes through" "$rc" "7"

make_bundle "$RT/b-long" sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done' >/dev/null
rt --cgroup-manager=cgroupfs create -b "$RT/b-long" --pid-file "$RT/ok/c1.pid" c1 </dev/null >/dev/null 2>&1
check_eq "crun create (--cgroup-manager accepted)" "$?" "0"
check_eq "crun state: created" "$(rt state c1 | jq -r .status)" "created"
check_match "crun: sealed bundle" "$(rt state c1 | jq -r .bundle)" "^$RT/state/[0-9a-f]{64}/c1/bundle-[0-9a-f]{16}$"
check_eq "crun --pid-file = state pid" "$(cat "$RT/ok/c1.pid")" "$(rt state c1 | jq -r .pid)"
rt start c1
rt_wait_status c1 running
check_eq "crun start: running" "$(rt state c1 | jq -r .status)" "running"
out=$(rt exec c1 sh -c 'echo in-crun; exit 5')
check_eq "crun exec: exit 5" "$?" "5"
check_eq "crun exec: stdout" "$out" "in-crun"
jq '.process | .args = ["sh", "-c", "echo via-process"]' "$RT/b-long/config.json" >"$RT/p.json"
check_eq "crun exec --process" "$(rt exec --process "$RT/p.json" c1)" "via-process"
rt exec c1 /no/such/binary >/dev/null 2>&1
check_match "crun exec of a missing binary fails" "$?" '^(1|127|255)$'
pid=$(rt state c1 | jq -r .pid)
check "crun ps --format json" sh -c "'$PARMA' --root '$ROOT' ps --format json c1 | jq -e 'index($pid) != null'"
rt pause c1
check_eq "crun pause" "$(rt state c1 | jq -r .status)" "paused"
rt resume c1
check_eq "crun resume" "$(rt state c1 | jq -r .status)" "running"
rt kill c1 TERM
rt_wait_status c1 stopped
check_eq "crun kill TERM" "$(rt state c1 | jq -r .status)" "stopped"
rt delete c1
check_fails "crun delete: gone" rt state c1
make_bundle "$RT/b-sleep" sleep 30 >/dev/null
rt run -d -b "$RT/b-sleep" c2 </dev/null >/dev/null 2>&1
rt kill --all c2 9
rt_wait_status c2 stopped
check_eq "crun kill --all 9" "$(rt state c2 | jq -r .status)" "stopped"
rt delete --force c2
check_eq "crun delete --force" "$?" "0"
# crun 1.8 has no features verb: still pure JSON, exit 0, empty stderr,
# parma's block saying the delegate's part is unsupported (and nothing of
# the delegate's made up); the runc delegate's document says "included".
"$PARMA" features >"$RT/f.out" 2>"$RT/f.err"
check_eq "crun features: exit 0" "$?" "0"
check_eq "crun features: stderr empty" "$(wc -c <"$RT/f.err")" "0"
check "crun features: stdout is one JSON object" jq -e 'type == "object"' "$RT/f.out"
check_eq "crun features: only parma's annotation" "$(jq -c 'del(.annotations["org.parma"])' "$RT/f.out")" '{"annotations":{}}'
check_eq "crun features: delegate's part marked unsupported" \
  "$(jq -r '.annotations["org.parma"] | fromjson | [.delegate, .delegateFeatures, .version] | join(" ")' "$RT/f.out")" \
  "/usr/bin/crun unsupported 0.1.0"
check_eq "crun features --help exits 0" "$("$PARMA" features --help >/dev/null 2>&1; echo $?)" "0"
check_eq "crun --version: crun's lines, then parma's" "$("$PARMA" --version | sed -n '1p;$p' | cut -d' ' -f1-2 | tr '\n' ' ')" "crun version parma-runc version "
done_testing
