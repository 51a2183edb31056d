#!/bin/bash
# The state directory is never reachable through a caller's path, even when
# allowed_dirs covers it (the defaults: state_dir /run/parma under allowed
# /run): not as --pid-file, --log, --root or --console-socket (runc would
# write there: a pid file over a file of a verified rootfs, which lives in
# the state dir), and not as a bind mount source that resolves into it (a
# container would get parma's records or another container's rootfs).
. tests/lib/tap.sh
. tests/lib/rootfs.sh
. tests/lib/runtime.sh
. tests/lib/attacks.sh
at_init state-dir
# allowed_dirs covering the state directory, as the defaults do
at_config "$FAKE" ".allowed_dirs = [\"$RT\"]"
mkdir -p "$RT/state/x"
denied "--pid-file inside the state dir is refused" "allowed_dirs: --pid-file .* is inside parma.s state directory" 1 \
  create --bundle "$B" --pid-file "$RT/state/x/pid" c1
denied "--pid-file reaching the state dir through a symlink is refused" "allowed_dirs: --pid-file .* is inside parma.s state directory" 1 \
  create --bundle "$B" --pid-file "$RT/ok/../state/x/pid" c2
ln -sfn "$RT/state" "$RT/ok/state-link"
denied "... and through a symlinked directory" "allowed_dirs: --pid-file .* is inside parma.s state directory" 1 \
  create --bundle "$B" --pid-file "$RT/ok/state-link/x/pid" c3
refused "parma-runc: " "reason" "--log inside the state dir is refused" "allowed_dirs: --log .* is inside parma.s state directory" 1 \
  --log "$RT/state/x/log" create --bundle "$B" c4
refused "parma-runc: " "reason" "--root inside the state dir is refused" "allowed_dirs: --root .* is inside parma.s state directory" 1 \
  --root "$RT/state/x/root" list
allowed "a --pid-file beside it is still honoured" create --bundle "$B" --pid-file "$RT/ok/pid" c5

# A bind mount the policy allows, whose source the host then points into
# the state directory.
mkdir -p "$RT/vol"
jq --arg s "$RT/vol" '.mounts += [{destination: "/data", type: "bind", source: $s, options: ["rbind", "rw"]}]' \
  "$B/config.json" >"$RT/c.json" && mv "$RT/c.json" "$B/config.json"
"$PARMA_BUILD/parma-policy" gen --bundle "$B" --exec "$RT/p.json" -o "$RT/policy.json"
HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/policy.json" | head -n1)
rm -rf "$RT/state/.pinned"   # a new policy means a new boot
at_config "$FAKE" ".allowed_dirs = [\"$RT\"]"
allowed "the bind of the listed volume is admitted" create --bundle "$B" c6
rmdir "$RT/vol"; ln -s "$RT/state" "$RT/vol"
denied "the volume replaced by a symlink into the state dir is refused" "mounts: ./data.: bind source .* resolves into parma.s state directory" 1 \
  create --bundle "$B" c7
rm "$RT/vol"; mkdir -p "$RT/vol"; ln -s "$RT/state/x" "$RT/vol-link"; rmdir "$RT/vol"; ln -s vol-link "$RT/vol"
denied "... and through a chain of symlinks" "mounts: ./data.: bind source .* resolves into parma.s state directory" 1 \
  create --bundle "$B" c8
done_testing
