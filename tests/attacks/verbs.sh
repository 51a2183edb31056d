#!/bin/bash
# The verbs after create, decided against the admission record: kill
# signals, start twice, verbs on ids
# parma never admitted, update/checkpoint/restore switches, --criu,
# --no-pivot, --preserve-fds, caller paths outside allowed_dirs.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
at_init verbs || exit 1
RUNTIME=$PARMA
trap 'rt_cleanup; rt_config' EXIT

allowed "create the legitimate container" create -b "$B" c1
# ---- kill ----
allowed "kill with a listed signal" kill c1 KILL
denied "kill SIGHUP (not listed)" "signals" 1 kill c1 HUP
denied "kill --all SIGUSR1 (not listed)" "signals" 1 kill --all c1 USR1

# ---- start ----
allowed "start" start c1
denied "start twice" "start: container .c1. was already started" 1 start c1

# ---- ids parma never admitted ----
for verb in start pause resume delete state ps events update; do
  denied "$verb unknown id" "admission: parma-runc never admitted" 1 $verb nope
done
denied "kill unknown id" "admission" 1 kill nope KILL
denied "exec unknown id" "admission" 255 exec nope /bin/echo probe
allowed "delete --force unknown id passes through" delete --force nope

# ---- switches ----
denied "update (allow_update false)" "allow_update" 1 update --pids-limit 10 c1
denied "checkpoint (allow_checkpoint false)" "allow_checkpoint" 1 checkpoint --image-path "$RT/ok/img" c1
denied "--criu on checkpoint" "criu" 1 --criu /bin/sh checkpoint --image-path "$RT/ok/img" c1
denied "--criu on any verb" "criu" 1 --criu /bin/sh kill c1 KILL

# ---- create flags ----
denied "create --no-pivot" "no_pivot" 1 create --no-pivot -b "$B" c3
denied "create --preserve-fds" "preserve_fds" 1 create --preserve-fds 2 -b "$B" c3
denied "run --no-pivot" "no_pivot" 1 run -d --no-pivot -b "$B" c3
denied "--log outside allowed_dirs" "allowed_dirs" 1 --log "$RT/outside/log" create -b "$B" c3
denied "--pid-file outside allowed_dirs" "allowed_dirs" 1 create --pid-file "$RT/outside/pid" -b "$B" c3
ln -s "$RT/outside" "$RT/ok/link"
denied "--log through a symlink out of allowed_dirs" "allowed_dirs" 1 --log "$RT/ok/link/log" create -b "$B" c3
out=$("$PARMA" --root "$RT/outside/root" list 2>&1)
check_match "--root outside allowed_dirs" "$out" "parma-runc: denied: list: allowed_dirs"
check_eq "--root outside: delegate not run" "$(cat "$CALLS")" ""

allowed "delete an admitted id" delete c1
denied "exec after delete" "admission" 255 exec c1 /bin/echo probe
done_testing
