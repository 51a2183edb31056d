#!/bin/bash
# Real containers through the runtime under test (PARMA_RUNTIME, default
# parma-runc with runc as its delegate): run, create/start, exec, kill,
# pause/resume, update, ps, events, state, list, delete.  With
# PARMA_RUNTIME=/usr/sbin/runc the same allow cases run on plain runc.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
rt_init "containers${PARMA_RUNTIME:+-$(basename "$PARMA_RUNTIME")}"
rt_config
trap rt_cleanup EXIT
cd "$RT" || exit 1

# ---- run: stdout byte-identical to runc's, exit status passes through ----
make_bundle "$RT/b-out" sh -c 'printf "line1\nline2\tTAB \\001 end"; echo err >&2' >/dev/null
want=$(cd / && /usr/sbin/runc --root "$RT/ok/plain" run -b "$RT/b-out" plain-out 2>/dev/null | od -An -tx1)
got=$(cd / && rt run -b "$RT/b-out" out 2>/dev/null | od -An -tx1)
check_eq "run: container stdout byte-identical to runc's" "$got" "$want"
# parma's own notices (simulator, open-door policy) are its lines; the rest
# is the container's
got_err=$(rt run --bundle="$RT/b-out" out2 2>&1 >/dev/null | grep -v '^parma-runc: ')
check_eq "run: container stderr passes through" "$got_err" "err"

make_bundle "$RT/b-exit7" sh -c 'exit 7' >/dev/null
rt run -b "$RT/b-exit7" exit7 </dev/null >/dev/null 2>&1
check_eq "run: exit status 7 passes through" "$?" "7"

make_bundle "$RT/b-sig" sleep 30 >/dev/null
rt run -b "$RT/b-sig" sig9 </dev/null >/dev/null 2>&1 &
runpid=$!
rt_wait_status sig9 running
/usr/sbin/runc --root "$ROOT" kill sig9 KILL
wait "$runpid"
check_eq "run: an init killed by SIGKILL gives 137" "$?" "137"

# relative --bundle resolved by the caller's cwd, as runc does
(cd "$RT" && rt run -b b-exit7 exit7b </dev/null >/dev/null 2>&1)
check_eq "run -b relative: exit status 7" "$?" "7"

# ---- inherited descriptors reach the container ----
make_bundle "$RT/b-fd3" sh -c 'cat /proc/self/fd/3; echo " env=$LISTEN_FDS"' >/dev/null
printf preserved >"$RT/fd3.txt"
out=$(rt run --preserve-fds 1 -b "$RT/b-fd3" fds1 3<"$RT/fd3.txt" 2>/dev/null)
check_eq "run --preserve-fds 1: fd 3 reaches the container" "$out" "preserved env="
out=$(RUNTIME=$RUNTIME ROOT=$ROOT B=$RT/b-fd3 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$RUNTIME" --root "$ROOT" run -b "$B" fds2' 3<"$RT/fd3.txt" 2>/dev/null)
check_eq "LISTEN_FDS/LISTEN_PID: the same pid, so fd 3 and LISTEN_FDS=1 pass" "$out" "preserved env=1"

# ---- create / start ----
make_bundle "$RT/b-long" sh -c 'echo started; trap "exit 3" TERM; while :; do sleep 0.1; done' >/dev/null
rt create -b "$RT/b-long" c1 >"$RT/c1.out" 2>/dev/null </dev/null
check_eq "create: exit 0" "$?" "0"
check_eq "state after create: created" "$(rt state c1 | jq -r .status)" "created"
check_eq "state: id" "$(rt state c1 | jq -r .id)" "c1"
if rt_is_parma; then
  sealed=$(rt state c1 | jq -r .bundle)
  check_match "state: bundle is the sealed copy in parma's state" "$sealed" "^$RT/state/[0-9a-f]{64}/c1/bundle-[0-9a-f]{16}$"
  check "sealed config.json is canonical JSON of the caller's" \
    jq -e --slurpfile c "$RT/b-long/config.json" '.process.args == $c[0].process.args' "$sealed/config.json"
  check_eq "rootfs made absolute against --bundle" "$(jq -r .root.path "$sealed/config.json")" "$RT/b-long/rootfs"
  check_eq "admission record names the caller's bundle" \
    "$(jq -r .bundle "$(dirname "$sealed")/admission.json")" "$RT/b-long"
  check_eq "state dir is 0700" "$(stat -c %a "$RT/state")" "700"
else
  for i in 1 2 3 4 5; do skip "parma-only state check $i" "runtime is $RUNTIME"; done
fi
rt start c1
check_eq "start: exit 0" "$?" "0"
rt_wait_status c1 running
check_eq "state after start: running" "$(rt state c1 | jq -r .status)" "running"
for i in $(seq 20); do grep -q started "$RT/c1.out" && break; sleep 0.05; done
check_eq "container output after start" "$(cat "$RT/c1.out")" "started"

# ---- exec ----
out=$(rt exec c1 sh -c 'echo hi; exit 5' 2>/dev/null)
check_eq "exec: exit status 5 passes through" "$?" "5"
check_eq "exec: stdout" "$out" "hi"
rt exec -e FOO=bar -e=BAZ=qux c1 sh -c 'test "$FOO$BAZ" = barqux'
check_eq "exec -e FOO=bar -e=BAZ=qux" "$?" "0"
rt exec --env FOO=bar --env=BAZ=qux c1 sh -c 'test "$FOO$BAZ" = barqux'
check_eq "exec --env FOO=bar --env=BAZ=qux" "$?" "0"
rt exec -e FOO=bar --env BAZ=qux c1 true >"$RT/twoforms.out" 2>/dev/null
check_eq "exec -e and --env together: usage error as runc" "$?:$(head -1 "$RT/twoforms.out")" \
  "1:Incorrect Usage: Cannot use two forms of the same flag: e env"
rt exec --cwd /tmp -u 65534 c1 sh -c 'test "$(pwd)" = /tmp && test "$(id -u)" = 65534'
check_eq "exec --cwd -u" "$?" "0"
rt exec c1 /no/such/binary >/dev/null 2>&1
check_eq "exec of a missing binary: 255" "$?" "255"
rt exec -d --pid-file "$RT/ok/exec.pid" c1 sleep 5
check_eq "exec -d: exit 0" "$?" "0"
check_match "exec -d --pid-file written (decimal, no newline)" "$(cat "$RT/ok/exec.pid" 2>/dev/null)" '^[0-9]+$'
jq '.process | .args = ["sh", "-c", "echo from-process-json; exit 4"]' "$RT/b-long/config.json" >"$RT/proc.json"
out=$(rt exec --process "$RT/proc.json" c1 2>/dev/null)
check_eq "exec --process: exit status" "$?" "4"
check_eq "exec --process: stdout" "$out" "from-process-json"
out=$(rt exec -p="$RT/proc.json" c1 2>/dev/null)
check_eq "exec -p=: stdout" "$out" "from-process-json"

# ---- ps / events / list ----
pid=$(rt state c1 | jq -r .pid)
check "ps --format json lists the init pid" sh -c "'$RUNTIME' --root '$ROOT' ps --format json c1 | jq -e 'index($pid) != null'"
check "ps -f json (alias)" sh -c "'$RUNTIME' --root '$ROOT' ps -f json c1 | jq -e 'type == \"array\"'"
check "events --stats: one stats object" sh -c "'$RUNTIME' --root '$ROOT' events --stats c1 | jq -e '.type == \"stats\" and .id == \"c1\"'"
check "list --format json has c1" sh -c "'$RUNTIME' --root '$ROOT' list --format json | jq -e 'map(.id) | index(\"c1\") != null'"
check_match "list -q prints the ids" "$(rt list -q)" "(^|$'\n')c1($|$'\n')"
check_match "list (table) header" "$(rt list | head -1)" '^ID +PID +STATUS +BUNDLE +CREATED +OWNER'

# ---- update -r - ----
echo '{"pids": {"limit": 77}}' | rt update -r - c1
check_eq "update -r -: exit 0" "$?" "0"
cg=$(awk -F: '$2 == "pids" {print $3}' "/proc/$pid/cgroup")
check_eq "update -r -: pids.max applied" "$(cat "/sys/fs/cgroup/pids$cg/pids.max" 2>/dev/null)" "77"
rt update --pids-limit 88 c1
check_eq "update --pids-limit: applied" "$(cat "/sys/fs/cgroup/pids$cg/pids.max" 2>/dev/null)" "88"

# ---- pause / resume ----
rt pause c1
check_eq "pause: status paused" "$(rt state c1 | jq -r .status)" "paused"
rt resume c1
check_eq "resume: status running" "$(rt state c1 | jq -r .status)" "running"

# ---- kill: default SIGTERM, names, numbers, --all ----
rt kill c1
rt_wait_status c1 stopped
check_eq "kill (default SIGTERM) stops a TERM-trapping init" "$(rt state c1 | jq -r .status)" "stopped"
make_bundle "$RT/b-sleep" sleep 30 >/dev/null
n=0
for sig in KILL SIGKILL 9 kill; do
  n=$((n + 1))
  rt run -d -b "$RT/b-sleep" "k$n" </dev/null >/dev/null 2>&1
  rt kill "k$n" "$sig"
  rt_wait_status "k$n" stopped
  check_eq "kill k$n $sig" "$(rt state "k$n" | jq -r .status)" "stopped"
done
rt run -d -b "$RT/b-sleep" ka </dev/null >/dev/null 2>&1
rt kill --all ka 9
rt_wait_status ka stopped
check_eq "kill --all ka 9" "$(rt state ka | jq -r .status)" "stopped"
rt run -d -b "$RT/b-sleep" kb </dev/null >/dev/null 2>&1
# urfave/cli v1 moves the word after a trailing flag along with it, so
# `kill kb -a KILL` means container "KILL" (runc 1.1 does the same) ...
rt kill kb -a KILL 2>/dev/null
check_eq "kill kb -a KILL: parsed as runc 1.1 does (id KILL): fails" "$?" "1"
check_eq "... and kb still runs" "$(rt state kb | jq -r .status)" "running"
# ... while --all=true after the id is a plain flag
rt kill kb --all=true KILL
rt_wait_status kb stopped
check_eq "kill kb --all=true KILL (flag after the id)" "$(rt state kb | jq -r .status)" "stopped"
check_fails "kill with an unknown signal fails" rt kill kb NOSUCHSIG

# ---- delete ----
rt delete c1
check_eq "delete: exit 0" "$?" "0"
check_fails "state after delete fails" rt state c1
if rt_is_parma; then
  check "delete removed parma's sealed state" test ! -e "$(dirname "$sealed")"
else
  skip "parma-only: sealed state removed" "runtime is $RUNTIME"
fi
rt run -d -b "$RT/b-sleep" d1 </dev/null >/dev/null 2>&1
rt delete --force d1
check_eq "delete --force of a running container" "$?" "0"
rt delete --force no-such-container
check_eq "delete --force of an unknown id exits 0" "$?" "0"
rt delete no-such-container 2>/dev/null
check_eq "delete of an unknown id exits 1" "$?" "1"
for id in k1 k2 k3 k4 ka kb; do rt delete "$id"; done
check_eq "list is empty after deleting everything" "$(rt list --format json)" "null"
done_testing
