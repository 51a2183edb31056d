#!/bin/bash
# The positive side under real runc: the bundle the policy was generated
# for runs, its exec probe works, its allowed signal arrives; and denials
# with runc as the delegate leave `runc list` and parma's state unchanged.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
at_init real || exit 1
RUNTIME=$PARMA
AT_REAL=1
at_config /usr/sbin/runc
trap 'rt_cleanup; rt_config' EXIT
: >"$CALLS" # the stand-in is not used here: CALLS stays empty

# the container keeps the stdio it is created with: not the pipe of a $(...)
rt create -b "$B" web </dev/null >/dev/null 2>"$RT/create.err"
check_eq "create the legitimate bundle" "$?" "0"
check "start it" rt start web
check "running" rt_wait_status web running
check_eq "exec probe output" "$(rt exec web /bin/echo probe 2>/dev/null)" "probe"
check_eq "exec --process probe output" "$(rt exec --process "$RT/p.json" web 2>/dev/null)" "probe"
denied "real runc: exec not listed" "command" 255 exec web /bin/sh -c id
denied "real runc: exec --env" "env_rules" 255 exec --env LD_PRELOAD=/x web /bin/echo probe
denied "real runc: signal not listed" "signals" 1 kill web HUP
check_eq "still running after the refused signal" "$(rt state web 2>/dev/null | jq -r .status)" "running"
mutate '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
denied "real runc: create with an added capability" "capabilities" 1 create -b "$M" web2
denied "real runc: start twice" "already started" 1 start web
check "the allowed signal (KILL) is delivered" rt kill web KILL
check "it arrives: stopped" rt_wait_status web stopped
check "delete" rt delete web
check_eq "runc list empty" "$(/usr/sbin/runc --root "$ROOT" list -q)" ""
check_eq "parma state of web removed" "$(ls "$RT"/state/*/ 2>/dev/null | grep -c '^web$')" "0"
done_testing
