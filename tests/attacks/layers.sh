#!/bin/bash
# The rootfs layer stack through parma-runc: a policy that pins two layers
# admits a create only on the overlay of exactly those verified layer mounts
# (memfd+loop fallback here: no device-mapper).
. tests/lib/tap.sh
. tests/lib/rootfs.sh
. tests/lib/runtime.sh
. tests/lib/attacks.sh
at_init layers
V=$PARMA_BUILD/parma-verity
LS=$RT/state/layers
SALT=0000000000000000000000000000000000000000000000000000000000000000
MNT=$RT/mnt
cleanup() {
  /usr/sbin/runc --root "$ROOT" delete --force good >/dev/null 2>&1
  for m in "$MNT"/*/merged "$MNT"/scratch "$MNT"/disk-upper; do umount "$m" 2>/dev/null; done
  for n in base top extra; do "$V" close "$n" --state-dir="$LS" >/dev/null 2>&1; done
  for m in "$MNT"/layer-*; do umount "$m" 2>/dev/null; done
}
trap cleanup EXIT
mkdir -p "$MNT"

# Two layers: busybox without /bin/sleep (base), and /bin/sleep alone (top).
RF=$(rootfs_dir)
mkdir -p "$RT/l-base" "$RT/l-top/bin" "$RT/l-extra"
cp -a "$RF/." "$RT/l-base/"; rm "$RT/l-base/bin/sleep"
ln -s busybox "$RT/l-top/bin/sleep"
echo extra >"$RT/l-extra/extra"
roots=()
for n in base top extra; do
  tar --numeric-owner --owner=0 --group=0 -C "$RT/l-$n" -cf "$RT/$n.tar" .
  "$V" mkimage "$RT/$n.tar" "$RT/$n.img" >/dev/null || not_ok "mkimage $n"
  r=$("$V" format "$RT/$n.img" "$RT/$n.hash" --salt=$SALT | sed -n 's/^Root hash:[[:space:]]*//p')
  eval "ROOT_$n=$r"
done
open_layer() { # NAME [IMG]
  mkdir -p "$MNT/layer-$1"
  "$V" open "${2:-$RT/$1.img}" "$1" "$RT/$1.hash" "$(eval echo \$ROOT_$1)" --salt=$SALT \
    --state-dir="$LS" --mount="$MNT/layer-$1" --no-dm \
    --allow-root-hash="$ROOT_base" --allow-root-hash="$ROOT_top" --allow-root-hash="$ROOT_extra" 2>/dev/null
}
check "open base layer verified" open_layer base
check "open top layer verified" open_layer top
check "open extra layer verified" open_layer extra
mount -t tmpfs tmpfs "$MNT/scratch" 2>/dev/null || mkdir -p "$MNT/scratch" && mount -t tmpfs tmpfs "$MNT/scratch"
overlay() { # NAME LOWERDIRS [UPPER-PARENT]
  local up=${3:-$MNT/scratch}/$1
  mkdir -p "$up/upper" "$up/work" "$MNT/$1/merged"
  mount -t overlay overlay -o "lowerdir=$2,upperdir=$up/upper,workdir=$up/work" "$MNT/$1/merged"
}
overlay good "$MNT/layer-top:$MNT/layer-base"
overlay swapped "$MNT/layer-base:$MNT/layer-top"
overlay unlisted "$MNT/layer-extra:$MNT/layer-top:$MNT/layer-base"
mkdir -p "$RT/disk"; overlay disk "$MNT/layer-top:$MNT/layer-base" "$RT/disk"

# The policy pins [base, top], base first.
jq --arg b "$ROOT_base" --arg t "$ROOT_top" '.containers[0].layers = [$b, $t]' \
  "$RT/policy.json" >"$RT/p.json.tmp" && mv "$RT/p.json.tmp" "$RT/policy.json"
HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/policy.json" | head -n1)
# A new policy means a new boot: the pinned one stays for the rest of a boot.
rm -rf "$RT/state/.pinned"
AT_REAL=1 at_config /usr/sbin/runc

bundle_on() { # NAME ROOTFS
  mkdir -p "$RT/ok/$1"
  jq --arg r "$2" '.root.path = $r' "$B/config.json" >"$RT/ok/$1/config.json"
}
bundle_on good "$MNT/good/merged"
# the container inherits create's stdio: keep it off the test's pipes
if "$PARMA_BUILD/parma-runc" --root "$ROOT" create --bundle "$RT/ok/good" good \
    </dev/null >"$RT/good.out" 2>&1; then
  ok "create on exactly the pinned layers is admitted"
else
  not_ok "create on exactly the pinned layers is admitted" "$(cat "$RT/good.out")"
fi
check "and the container starts" "$PARMA_BUILD/parma-runc" --root "$ROOT" start good
check "it is running" rt_wait_status good running
/usr/sbin/runc --root "$ROOT" delete --force good >/dev/null 2>&1

export AT_REAL=1
bundle_on swapped "$MNT/swapped/merged"
denied "layers in the wrong order are refused" 'layers: ' 1 create --bundle "$RT/ok/swapped" c1
bundle_on unlisted "$MNT/unlisted/merged"
denied "an extra unlisted layer is refused" 'layers: ' 1 create --bundle "$RT/ok/unlisted" c2
bundle_on disk "$MNT/disk/merged"
denied "an upper dir on a disk filesystem is refused" 'layers: ' 1 create --bundle "$RT/ok/disk" c3
bundle_on plain "$B/rootfs"
denied "a plain directory rootfs is refused" 'layers: ' 1 create --bundle "$RT/ok/plain" c4

# One byte of the top layer changed: activation refuses it.
cp "$RT/top.img" "$RT/top-bad.img"
printf 'X' | dd of="$RT/top-bad.img" bs=1 seek=$(( $(stat -c %s "$RT/top.img") / 2 )) conv=notrunc 2>/dev/null
"$V" close top --state-dir="$LS" >/dev/null 2>&1; umount "$MNT/good/merged" "$MNT/swapped/merged" "$MNT/unlisted/merged" "$MNT/disk/merged" 2>/dev/null
umount "$MNT/layer-top" 2>/dev/null
check_fails "a layer image with one byte changed is not activated" open_layer top "$RT/top-bad.img"
done_testing
