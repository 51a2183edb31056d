#!/bin/bash
# make demo: a container run through parma-runc under a policy, on a
# verified layer, with simulated attestation; one allowed and one denied call.
#   contrib/demo.sh BUILDDIR   (BUILDDIR built with SYSCONFDIR=BUILDDIR/etc)
set -euo pipefail
BUILD=$(cd "${1:?usage: contrib/demo.sh BUILDDIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export PATH=$BUILD:$PATH PARMA_BUILD=$BUILD
W=${PARMA_DEMO_DIR:-/tmp/parma-demo}
export PARMA_WORK=$W
ID=parma-demo
ROOT=$W/root
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

cleanup() {
  set +e
  /usr/sbin/runc --root "$ROOT" delete --force "$ID" >/dev/null 2>&1
  parma-runc unmount-rootfs demo-rootfs >/dev/null 2>&1
  umount "$W/rootfs" 2>/dev/null
  parma-runc unmount-layer demo-base >/dev/null 2>&1
  umount "$W/layer" 2>/dev/null
}
trap cleanup EXIT
cleanup
rm -rf "$W"; mkdir -p "$W"
# shellcheck source=../tests/lib/rootfs.sh
. "$SRC/tests/lib/rootfs.sh"

say "1. A busybox layer image, pinned by its dm-verity root hash"
RF=$(rootfs_dir)
tar --numeric-owner --owner=0 --group=0 -C "$RF" -cf "$W/layer.tar" .
run parma-verity mkimage "$W/layer.tar" "$W/layer.img"
SALT=0000000000000000000000000000000000000000000000000000000000000000
run parma-verity format "$W/layer.img" "$W/layer.hash" --salt=$SALT | tee "$W/format.out"
LAYER_ROOT=$(sed -n 's/^Root hash:[[:space:]]*//p' "$W/format.out")

say "2. A bundle, and a policy generated from it"
mkdir -p "$W/bundle"
mkdir -p "$W/rootfs"
(cd "$W/bundle" && runc spec)
jq --arg r "$W/rootfs" '.root.path = $r | .process.terminal = false | .process.args = ["sleep", "300"]' \
  "$W/bundle/config.json" >"$W/c.json" && mv "$W/c.json" "$W/bundle/config.json"
jq '.process | .args = ["cat", "/etc/passwd"]' "$W/bundle/config.json" >"$W/exec-ok.json"
jq '.process | .args = ["sh", "-c", "cat /proc/1/environ"]' "$W/bundle/config.json" >"$W/exec-evil.json"
run parma-policy gen --bundle "$W/bundle" --exec "$W/exec-ok.json" -o "$W/policy.gen.json"
# The bundle does not name its layers: pin the verified one, with its data
# block count (so the host cannot choose which image the root hash names).
jq --arg l "$LAYER_ROOT" --argjson n $(($(stat -c %s "$W/layer.img") / 4096)) \
  '.containers[0].layers = [{root_hash: $l, data_blocks: $n}]' "$W/policy.gen.json" >"$W/policy.json"
HASH=$(parma-policy hash "$W/policy.json" | head -1)
echo "policy SHA-256 (what the host puts in HOST_DATA at launch): $HASH"
echo "QEMU form: host-data=$(parma-policy hash --base64 "$W/policy.json" | sed -n 2p)"

say "3. parma-runc configured with the simulated SNP backend"
CONF=$BUILD/etc/parma-runc/config.json
mkdir -p "$(dirname "$CONF")"; chmod 0755 "$BUILD/etc" "$(dirname "$CONF")"
jq -n --arg w "$W" --arg h "$HASH" '{delegate: "/usr/sbin/runc", state_dir: ($w + "/state"),
  mode: "enforce", policy: ($w + "/policy.json"),
  attestation: {backend: "sim", sim_host_data: $h},
  allowed_dirs: ["/run", "/tmp"], audit_log: ($w + "/audit.log")}' >"$CONF"
chmod 0644 "$CONF"
cat "$CONF"

say "4. Activate it verified, by parma-runc against the pinned policy (no device-mapper here: the memfd+loop fallback)"
mkdir -p "$W/layer"
run parma-runc mount-layer --mount "$W/layer" --hash-file "$W/layer.hash" demo-base "$W/layer.img" "$LAYER_ROOT"
echo "The rootfs: parma-runc overlays the verified mount (handed to the kernel by fd,"
echo "never by path) with a fresh tmpfs as the writable layer, in its own state"
echo "directory; the bundle's root.path ($W/rootfs) only names it:"
run parma-runc mount-rootfs --scratch-size $((64 << 20)) demo-rootfs "$W/rootfs" demo-base
findmnt -n -o TARGET,FSTYPE,SOURCE,PROPAGATION "$W/state/layers/rootfs/demo-rootfs.root"
echo "The rootfs check parma-runc runs at create (runc is then given the private path):"
run parma-verity check-rootfs -v "$W/rootfs" --state-dir="$W/state/layers" --layer="$LAYER_ROOT"

say "5. Run the container through parma-runc"
run parma-runc --root "$ROOT" create --bundle "$W/bundle" "$ID"
run parma-runc --root "$ROOT" start "$ID"
run parma-runc --root "$ROOT" state "$ID" | jq -c '{id, status, pid}'

say "6. An allowed call: an exec the policy lists"
run parma-runc --root "$ROOT" exec --process "$W/exec-ok.json" "$ID" | head -3

say "7. Denied calls"
echo "The policy, replayed offline, on an exec it does not list:"
run parma-policy check "$W/policy.json" --bundle "$W/bundle" --process "$W/exec-evil.json" --explain || true
echo
echo "parma-runc on that exec:"
run parma-runc --root "$ROOT" exec --process "$W/exec-evil.json" "$ID" || echo "-> refused, exit status $?"
echo
echo "parma-runc on the same bundle with its rootfs on plain, unverified files:"
mkdir -p "$W/bundle3"
cp -a "$RF" "$W/plain-rootfs"
jq --arg r "$W/plain-rootfs" '.root.path = $r' "$W/bundle/config.json" >"$W/bundle3/config.json"
run parma-runc --root "$ROOT" create --bundle "$W/bundle3" unverified || echo "-> refused, exit status $?"
echo
echo "parma-runc on a config.json with a case-folded key runc would also read:"
jq '.process.Args = ["sh"]' "$W/bundle/config.json" >"$W/evil-config.json"
mkdir -p "$W/bundle2"; cp "$W/evil-config.json" "$W/bundle2/config.json"
run parma-runc --root "$ROOT" create --bundle "$W/bundle2" evil || echo "-> refused, exit status $?"
echo
echo "parma-runc with --root outside allowed_dirs:"
run parma-runc --root /var/tmp/parma-demo-elsewhere list || echo "-> refused, exit status $?"

say "8. Audit log (one JSON line per decision)"
tail -n 5 "$W/audit.log" 2>/dev/null || true

say "Done. Next: man -l man/parma-runc.8, man -l man/parma-policy.5, README"
