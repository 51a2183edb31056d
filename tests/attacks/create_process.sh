#!/bin/bash
# create: every process field of the OCI config, mutated one at a time from the
# bundle the policy was generated for, is denied with its rule named, the
# delegate (a stand-in recording its argv) never runs and parma's state
# directory does not change.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
at_init create || exit 1
RUNTIME=$PARMA
trap 'rt_cleanup; rt_config' EXIT

allowed "the legitimate bundle" create -b "$B" legit

m() { # NAME RULE-RE JQ
  mutate "$3"
  denied "$1" "$2" 1 create -b "$M" c2
}
m "args changed" "command" '.process.args = ["sh", "-c", "id"]'
m "env added" "env_rules" '.process.env += ["LD_PRELOAD=/x"]'
m "env changed" "env_rules" '.process.env[0] = "PATH=/tmp"'
m "cwd" "working_dir" '.process.cwd = "/tmp"'
m "uid" "user" '.process.user.uid = 1000'
m "gid" "user" '.process.user.gid = 1000'
m "additionalGids" "user" '.process.user.additionalGids = [10]'
for set in bounding effective inheritable permitted ambient; do
  m "capabilities.$set" "capabilities" ".process.capabilities.$set += [\"CAP_SYS_ADMIN\"]"
done
done_testing
