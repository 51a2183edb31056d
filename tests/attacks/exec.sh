#!/bin/bash
# exec, decided against the admission record: the process runc would run
# (config process + every CLI override, or --process), one override at a
# time, each denied with its rule, delegate not run, state unchanged.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
at_init exec || exit 1
RUNTIME=$PARMA
trap 'rt_cleanup; rt_config' EXIT

allowed "create the legitimate container" create -b "$B" c1
check_match "admission record names the matched entry" \
  "$(cat "$RT"/state/*/c1/admission.json)" '"policy_entry":"0:'

# ---- exec ----
allowed "exec the listed process (flags)" exec c1 /bin/echo probe
allowed "exec the listed process (--process)" exec --process "$RT/p.json" c1
x() { # NAME RULE-RE ARGS...
  local name=$1 re=$2; shift 2
  denied "exec $name" "$re" 255 exec "$@"
}
x "command not listed" "command" c1 /bin/sh
x "--cap" "capabilities" --cap CAP_SYS_ADMIN c1 /bin/echo probe
x "--env" "env_rules" --env LD_PRELOAD=/x c1 /bin/echo probe
x "--user uid" "user" --user 1000 c1 /bin/echo probe
x "--user uid:gid" "user" --user 0:1000 c1 /bin/echo probe
x "--additional-gids" "user" --additional-gids 10 c1 /bin/echo probe
x "--cwd" "working_dir" --cwd /tmp c1 /bin/echo probe
x "--no-new-privs=false" "no_new_privileges" --no-new-privs=false c1 /bin/echo probe
x "--apparmor" "apparmor" --apparmor unconfined c1 /bin/echo probe
x "--process-label" "selinuxLabel" --process-label system_u:system_r:spc_t:s0 c1 /bin/echo probe
x "--cgroup" "cgroup" --cgroup /evil c1 /bin/echo probe
x "--preserve-fds" "preserve_fds" --preserve-fds 1 c1 /bin/echo probe
jq '.args = ["/bin/sh"]' "$RT/p.json" >"$RT/ok/p-args.json"
x "--process args" "command" --process "$RT/ok/p-args.json" c1
jq '.env += ["LD_PRELOAD=/x"]' "$RT/p.json" >"$RT/ok/p-env.json"
x "--process env" "env_rules" --process "$RT/ok/p-env.json" c1
jq '.capabilities.bounding += ["CAP_SYS_ADMIN"]' "$RT/p.json" >"$RT/ok/p-cap.json"
x "--process capabilities" "capabilities" --process "$RT/ok/p-cap.json" c1
jq '.user.uid = 1000' "$RT/p.json" >"$RT/ok/p-user.json"
x "--process user" "user" --process "$RT/ok/p-user.json" c1

done_testing
