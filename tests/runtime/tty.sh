#!/bin/bash
# A terminal through --console-socket: the test is the receiver (as the
# containerd shim and conmon are), gets the pty master over SCM_RIGHTS, and
# reads what the container writes on its terminal.  create+start and
# exec -d -t, through the runtime under test (PARMA_RUNTIME or parma-runc).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
rt_init tty
rt_config
trap rt_cleanup EXIT
cd "$RT" || exit 1

# recvtty SOCKET OUT: accepts one connection, checks that exactly one fd
# and a /dev/pts name came in one message, then copies the master to OUT
# until the other side closes (EIO) or 5 s pass.
cat >"$RT/recvtty.py" <<'EOF'
import os, select, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
s.settimeout(10)
c, _ = s.accept()
msg, fds, flags, _ = socket.recv_fds(c, 4096, 4)
with open(out + ".meta", "w") as m:
    m.write("name=%s fds=%d\n" % (msg.decode(), len(fds)))
master = fds[0]
data = b""
end = time.time() + 5
while time.time() < end:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        if b"DONE" in data:
            break
with open(out, "wb") as f:
    f.write(data)
EOF

recv() { # SOCK OUT: starts the receiver, waits for its socket
  rm -f "$1" "$2" "$2.meta"
  python3 "$RT/recvtty.py" "$1" "$2" &
  RECV_PID=$!
  for i in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.02; done
  return 1
}

make_bundle "$RT/bt" sh -c 'echo "tty:$(tty)"; test -t 0 && echo isatty; echo DONE; sleep 2' >/dev/null
jq '.process.terminal = true' "$RT/bt/config.json" >"$RT/x" && mv "$RT/x" "$RT/bt/config.json"
recv "$RT/ok/tty.sock" "$RT/tty.out"
rt create -b "$RT/bt" --console-socket "$RT/ok/tty.sock" t1 </dev/null >/dev/null 2>"$RT/create.err"
check_eq "create --console-socket: exit 0" "$?" "0"
rt start t1
wait "$RECV_PID"
check_match "one message: a /dev/pts name and one fd" "$(cat "$RT/tty.out.meta")" '^name=/dev/(ptmx|pts/[0-9]+) fds=1$'
out=$(tr -d '\r' <"$RT/tty.out")
check_match "container sees a terminal as stdin" "$out" $'tty:/dev/pts/[0-9]+\nisatty\nDONE'

make_bundle "$RT/bs" sleep 30 >/dev/null
rt run -d -b "$RT/bs" t2 </dev/null >/dev/null 2>&1
recv "$RT/ok/tty2.sock" "$RT/tty2.out"
rt exec -d -t --console-socket="$RT/ok/tty2.sock" t2 sh -c 'echo exec-tty:$(tty); echo DONE; sleep 1'
check_eq "exec -d -t --console-socket: exit 0" "$?" "0"
wait "$RECV_PID"
check_match "exec -t: name and one fd" "$(cat "$RT/tty2.out.meta")" '^name=/dev/(ptmx|pts/[0-9]+) fds=1$'
check_match "exec -t: output on the terminal" "$(tr -d '\r' <"$RT/tty2.out")" $'exec-tty:/dev/pts/[0-9]+\nDONE'

# runc's own rule still applies: a console socket without detaching is refused by the delegate
rt exec --console-socket "$RT/ok/none.sock" t2 true >/dev/null 2>&1
check_eq "exec --console-socket without -d: refused (255)" "$?" "255"
rt delete --force t1
rt delete --force t2
done_testing
