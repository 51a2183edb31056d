#!/bin/bash
# valgrind memcheck of parma-runc's own part of a container's lifecycle
# (create, start, exec, state, list, kill, delete) and of error paths: no
# invalid access, no use of uninitialised memory, no definite or indirect
# leak.  parma-runc execve's the delegate for most verbs, so valgrind sees
# parma's work up to the exec (--trace-children=no); the verbs that run the
# delegate as a child (state, list) and every error path exit in parma
# itself and get the leak check too.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
if ! command -v valgrind >/dev/null; then skip "valgrind memcheck" "valgrind not installed"; done_testing; exit; fi
# make asan's binaries carry their own checker, which cannot run under valgrind's
if nm -D "$PARMA_BUILD/parma-runc" 2>/dev/null | grep -q __asan_init; then
  skip "valgrind memcheck" "an AddressSanitizer build (make asan checks memory itself)"; done_testing; exit
fi
rt_init reliability-valgrind
rt_config || { not_ok "rt_config"; done_testing; exit; }
trap rt_cleanup EXIT
cd "$RT" || exit 1
make_bundle "$RT/b" sleep 100 >/dev/null
mkdir -p "$RT/ok/spec"
VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --trace-children=no)

# memcheck NAME WANT-RC ARGS...: runs parma-runc under valgrind
memcheck() {
  local name=$1 want=$2 rc; shift 2
  "${VG[@]}" "$PARMA" --root "$ROOT" "$@" </dev/null >/dev/null 2>"$RT/vg.err"
  rc=$?
  if [ "$rc" = 99 ] || grep -q '^==[0-9]*==' "$RT/vg.err"; then
    not_ok "memcheck: $name" "$(grep '^==[0-9]*==' "$RT/vg.err" | head -20)"
  elif [ "$rc" != "$want" ]; then
    not_ok "memcheck: $name (exit $rc, want $want)" "$(head -5 "$RT/vg.err")"
  else ok "memcheck: $name"; fi
}
memcheck "create" 0 create -b "$RT/b" v1
memcheck "start" 0 start v1
memcheck "exec" 0 exec v1 true
memcheck "state" 0 state v1
memcheck "list --format json" 0 list --format json
memcheck "kill" 0 kill v1 KILL
rt_wait_status v1 stopped
memcheck "delete" 0 delete v1
memcheck "state of an unknown id (delegate fails)" 1 state nosuch
memcheck "exec of an unadmitted id (denied)" 255 exec nosuch true
memcheck "usage error" 1 kill
memcheck "create with a missing bundle" 1 create -b /nonexistent x
memcheck "--root outside allowed_dirs (denied)" 1 --root /etc list
memcheck "features" 0 features
memcheck "spec" 0 spec --bundle "$RT/ok/spec"
done_testing
