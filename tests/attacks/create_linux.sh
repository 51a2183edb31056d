#!/bin/bash
# create (continued): the linux, mounts, hooks and root fields, mutated one at a time from the
# bundle the policy was generated for, is denied with its rule named, the
# delegate (a stand-in recording its argv) never runs and parma's state
# directory does not change.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
. "$PARMA_SRC/tests/lib/attacks.sh"
at_init linux || exit 1
RUNTIME=$PARMA
trap 'rt_cleanup; rt_config' EXIT

m() { # NAME RULE-RE JQ
  mutate "$3"
  denied "$1" "$2" 1 create -b "$M" c2
}
m "noNewPrivileges false" "no_new_privileges" '.process.noNewPrivileges = false'
m "seccomp added" "seccomp" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["kill"], action: "SCMP_ACT_ERRNO"}]}'
m "mount added" "mounts" '.mounts += [{destination: "/host", type: "bind", source: "/etc", options: ["rbind", "rw"]}]'
m "mount type" "mounts" '(.mounts[] | select(.destination == "/dev") | .type) = "bind"'
m "mount source" "mounts" '(.mounts[] | select(.destination == "/dev") | .source) = "/dev"'
m "mount destination" "mounts" '(.mounts[] | select(.destination == "/dev/shm") | .destination) = "/dev/shm2"'
m "mount options" "mounts" '(.mounts[] | select(.destination == "/sys") | .options) = ["nosuid", "rw"]'
m "pid namespace dropped" "namespaces" '.linux.namespaces |= map(select(.type != "pid"))'
m "network namespace dropped" "namespaces" '.linux.namespaces |= map(select(.type != "network"))'
m "device added" "devices" '.linux.devices = [{path: "/dev/sda", type: "b", major: 8, minor: 0}]'
m "maskedPaths removed" "masked_paths" '.linux.maskedPaths = []'
m "readonlyPaths removed" "readonly_paths" '.linux.readonlyPaths = []'
m "sysctl added" "sysctl" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
m "rlimits" "rlimits" '.process.rlimits[0].hard = 65536 | .process.rlimits[0].soft = 65536'
m "hostname" "hostname" '.hostname = "evil"'
for hook in prestart createRuntime createContainer startContainer poststart poststop; do
  m "hook $hook" "hooks" ".hooks.$hook = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"id\"]}]"
done
m "annotation added" "annotations" '.annotations = {"evil": "1"}'
m "apparmor profile" "apparmor" '.process.apparmorProfile = "unconfined"'
m "rootfs writable" "root" '.root.readonly = false'
mutate ".root.path = \"rootfs-link\""
rejected "rootfs symlink" "symbolic links are not followed" 1 create -b "$M" c2

# the strict reader: runc's Go decoder would take the last duplicate and
# fold case, so these never reach a rule
mutate '.'
sed -i 's/"args": \[/"args": ["sh"], "args": [/' "$M/config.json"
rejected "duplicate key" "duplicate" 1 create -b "$M" c2
mutate '. + {"Process": .process} | del(.process)'
rejected "case-folded key" "Process" 1 create -b "$M" c2
mutate '.process += {"Args": ["sh"]}'
rejected "case-folded nested key" "Args" 1 create -b "$M" c2
done_testing
