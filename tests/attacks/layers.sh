#!/bin/bash
# The rootfs layer stack through parma-runc, end to end on the no-dm
# fallback (memfd copy -> loop -> read-only mount; no device-mapper here):
# layers are activated by the runtime itself (`parma-runc mount-layer`, the
# device-mount rule against the pinned policy), overlaid, and a policy that
# pins two of them admits a create only on exactly those verified mounts.
# Then the tricks a host would try, each of which must be refused.
. tests/lib/tap.sh
. tests/lib/rootfs.sh
. tests/lib/runtime.sh
. tests/lib/attacks.sh
if [ "$(id -u)" != 0 ] || [ ! -e /dev/loop-control ] || ! command -v tar2sqfs >/dev/null \
   || ! grep -qw squashfs /proc/filesystems || ! grep -qw overlay /proc/filesystems; then
  skip "layers through parma-runc" "needs root, loop devices, tar2sqfs, squashfs and overlay"
  done_testing; exit
fi
at_init layers
V=$PARMA_BUILD/parma-verity
LS=$RT/state/layers
SALT=0000000000000000000000000000000000000000000000000000000000000000
MNT=$RT/ok/mnt          # under allowed_dirs
cleanup() {
  for id in good good2; do /usr/sbin/runc --root "$ROOT" delete --force "$id" >/dev/null 2>&1; done
  # every mount below $RT, newest first (loop devices autoclear on umount)
  for _ in 1 2 3; do
    awk -v w="$RT" 'index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | tac |
      while read -r m; do umount -l "$m" 2>/dev/null; done
  done
}
trap cleanup EXIT
mkdir -p "$MNT" "$RT/outside/mnt"

# ---- layer images: busybox without /bin/sleep (base), /bin/sleep alone
# (top), an unlisted one (extra), and one only another container lists ----
RF=$(rootfs_dir)
mkdir -p "$RT/l-base" "$RT/l-top/bin" "$RT/l-extra/bin" "$RT/l-other"
cp -a "$RF/." "$RT/l-base/"; rm "$RT/l-base/bin/sleep"
ln -s busybox "$RT/l-top/bin/sleep"
printf '#!/bin/sh\necho owned\n' >"$RT/l-extra/bin/sleep"; chmod +x "$RT/l-extra/bin/sleep"
echo other >"$RT/l-other/other"
for n in base top extra other; do
  tar --numeric-owner --owner=0 --group=0 -C "$RT/l-$n" -cf "$RT/$n.tar" .
  "$V" mkimage "$RT/$n.tar" "$RT/$n.img" >/dev/null || not_ok "mkimage $n"
  eval "SIZE_$n=$(stat -c %s "$RT/$n.img")"
done
# top: tree appended to the image (hcsshim layout); the others: a separate
# hash file (veritysetup's default form).  Same roots either way.
for n in base extra other; do
  r=$("$V" format "$RT/$n.img" "$RT/$n.hash" --salt=$SALT | sed -n 's/^Root hash:[[:space:]]*//p')
  eval "ROOT_$n=$r"
done
cp "$RT/top.img" "$RT/top-app.img"
ROOT_top=$("$V" format "$RT/top-app.img" "$RT/top-app.img" --hash-offset="$SIZE_top" \
  --data-blocks=$((SIZE_top / 4096)) --salt=$SALT | sed -n 's/^Root hash:[[:space:]]*//p')
check_match "four layer roots" "$ROOT_base $ROOT_top $ROOT_extra $ROOT_other" '^([0-9a-f]{64} ){3}[0-9a-f]{64}$'

# ---- the policy pins [base, top] for the bundle's container; a second
# container (another command) lists `other`; nobody lists `extra` ----
jq --arg b "$ROOT_base" --arg t "$ROOT_top" --arg o "$ROOT_other" \
  '.containers[0].layers = [$b, $t]
   | .containers += [.containers[0] | .name = "other" | .command = ["/bin/other"] | .layers = [$o]]' \
  "$RT/policy.json" >"$RT/p.json.tmp" && mv "$RT/p.json.tmp" "$RT/policy.json"
HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/policy.json" | head -n1)
rm -rf "$RT/state/.pinned"   # a new policy means a new boot
AT_REAL=1 at_config /usr/sbin/runc
export AT_REAL=1

ml() { # NAME IMAGE ROOT [extra flags]: parma-runc mount-layer on $MNT/layer-NAME
  local n=$1 img=$2 root=$3; shift 3
  mkdir -p "$MNT/layer-$n"
  "$PARMA" --root "$ROOT" mount-layer --mount "$MNT/layer-$n" "$@" "$n" "$img" "$root"
}
out=$(ml base "$RT/base.img" "$ROOT_base" --hash-file "$RT/base.hash" 2>&1); rc=$?
check_eq "mount-layer base (separate hash file): exit 0 ($out)" "$rc" 0
check_match "the fallback says so on stderr" "$out" "memfd-loop fallback"
check "mount-layer top (tree appended, --data-blocks)" \
  ml top "$RT/top-app.img" "$ROOT_top" --data-blocks $((SIZE_top / 4096))
check "mount-layer other (listed by another container)" \
  ml other "$RT/other.img" "$ROOT_other" --hash-file "$RT/other.hash"
check "base is mounted read-only squashfs from a loop device" \
  grep -q " $MNT/layer-base ro,.* - squashfs /dev/loop" /proc/self/mountinfo
check_match "the record carries the pinned policy" "$(cat "$LS/layers/base.json")" \
  "\"policy_sha256\":\"$HASH\""
check_match "the audit log has the allow line" "$(grep '"verb":"mount-layer"' "$RT/audit.log" | tail -n1)" \
  "\"decision\":\"allow\".*\"layer_root_hash\":\"$ROOT_other\".*\"policy_sha256\":\"$HASH\""
check "mount-layer is not in the runc-shaped --help" sh -c "! '$PARMA' --help | grep -q mount-layer"
check_match "but has its own help" "$("$PARMA" help mount-layer)" "parma-runc mount-layer \[command options\] <name> <image> <root-hash>"

# ---- refused at activation: nothing mounted, no record, denial logged
# (AT_REAL= : mount-layer never runs the delegate, no `runc list` needed) ----
mkdir -p "$MNT/layer-extra" "$MNT/layer-bad"
nothing_mounted() { ! grep -q " $MNT/layer-$1 " /proc/self/mountinfo && [ ! -e "$LS/layers/$1.json" ]; }
AT_REAL= denied "an unlisted layer is refused at activation" 'device_mount: root hash [0-9a-f]{64} is not in any container' 1 \
  mount-layer --mount "$MNT/layer-extra" --hash-file "$RT/extra.hash" extra "$RT/extra.img" "$ROOT_extra"
check "  ... and not mounted" nothing_mounted extra
check_match "  ... and the denial is in the audit log" "$(tail -n1 "$RT/audit.log")" '"decision":"deny".*device_mount'
# The host lying about the root (an unlisted image under a listed root).
AT_REAL= denied "a listed root over another image is refused" 'layer_integrity: .*root hash mismatch' 1 \
  mount-layer --mount "$MNT/layer-bad" --hash-file "$RT/extra.hash" bad "$RT/extra.img" "$ROOT_base"
cp "$RT/top-app.img" "$RT/top-bad.img"
printf 'X' | dd of="$RT/top-bad.img" bs=1 seek=$((SIZE_top / 2)) conv=notrunc 2>/dev/null
AT_REAL= denied "one byte of a layer changed: refused at activation" 'layer_integrity: .*root hash mismatch' 1 \
  mount-layer --mount "$MNT/layer-bad" --data-blocks $((SIZE_top / 4096)) bad "$RT/top-bad.img" "$ROOT_top"
check "  ... and not mounted" nothing_mounted bad
cp "$RT/top-app.img" "$RT/top-sb.img"
printf '\x07' | dd of="$RT/top-sb.img" bs=1 seek=$((SIZE_top + 72)) conv=notrunc 2>/dev/null  # sb data_blocks
AT_REAL= denied "a superblock that disagrees with the policy's parameters is refused" 'layer_integrity: .*superblock' 1 \
  mount-layer --mount "$MNT/layer-bad" --data-blocks $((SIZE_top / 4096)) bad "$RT/top-sb.img" "$ROOT_top"
cp "$RT/base.img" "$RT/base-app.img"
"$V" format "$RT/base-app.img" "$RT/base-app.img" --hash-offset="$SIZE_base" --data-blocks=$((SIZE_base / 4096)) \
  --salt=$SALT >/dev/null
AT_REAL= denied "a data block count that is not the image's is refused" 'layer_integrity: .*superblock' 1 \
  mount-layer --mount "$MNT/layer-bad" --data-blocks $((SIZE_base / 4096 - 1)) bad "$RT/base-app.img" "$ROOT_base"
AT_REAL= denied "a mount point outside allowed_dirs is refused" 'allowed_dirs' 1 \
  mount-layer --mount "$RT/outside/mnt" --hash-file "$RT/base.hash" base2 "$RT/base.img" "$ROOT_base"
# The state directory (records, admissions, pinned policy) is never a mount
# point, even when allowed_dirs covers it, nor is any directory above it.
CONF=$PARMA_SYSCONFDIR/parma-runc/config.json
cp "$CONF" "$RT/config.saved"
jq --arg s "$RT/state" --arg t "$RT" '.allowed_dirs += [$s, $t]' "$RT/config.saved" >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
AT_REAL= denied "a mount point in the state directory is refused" 'allowed_dirs: --mount .* is inside parma.s state directory' 1 \
  mount-layer --mount "$LS" --hash-file "$RT/base.hash" base3 "$RT/base.img" "$ROOT_base"
AT_REAL= denied "a mount point above the state directory is refused" 'mount point: .*state directory' 1 \
  mount-layer --mount "$RT" --hash-file "$RT/base.hash" base3 "$RT/base.img" "$ROOT_base"
cp "$RT/config.saved" "$CONF.tmp" && mv "$CONF.tmp" "$CONF"
AT_REAL= refused "^parma-runc: " "reason" "a second mount-layer under the same name fails" 'already open' 1 \
  mount-layer --mount "$MNT/layer-bad" --hash-file "$RT/base.hash" base "$RT/base.img" "$ROOT_base"
AT_REAL= refused "^parma-runc: " "reason" "an appended tree needs --data-blocks" 'data-blocks' 1 \
  mount-layer --mount "$MNT/layer-bad" bad "$RT/top-app.img" "$ROOT_top"

# ---- the rootfs: parma-runc builds it from the verified mounts ----
mr() { # NAME TARGET LAYER-NAME... (base first): parma-runc mount-rootfs
  local n=$1 t=$2; shift 2
  mkdir -p "$t"
  "$PARMA" --root "$ROOT" mount-rootfs "$n" "$t" "$@"
}
bundle_on() { # NAME ROOTFS
  mkdir -p "$RT/ok/$1"
  jq --arg r "$2" '.root.path = $r' "$B/config.json" >"$RT/ok/$1/config.json"
}
create_ok() { # NAME ID: the container inherits create's stdio: keep it off the test's pipes
  "$PARMA" --root "$ROOT" create --bundle "$RT/ok/$1" "$2" </dev/null >"$RT/$2.out" 2>&1
}
out=$(mr good "$MNT/good" base top 2>&1); rc=$?
check_eq "mount-rootfs good (base, top): exit 0 ($out)" "$rc" 0
PRIV=$LS/rootfs/good.root
check "the rootfs is an overlay at its private path in the state dir" grep -q " $PRIV rw[, ].* - overlay parma-rootfs rw,lowerdir=/proc/self/fd/" /proc/self/mountinfo
check "  ... below a private mount (no propagation tag)" sh -c "grep ' $PRIV ' /proc/self/mountinfo | grep -vqE 'shared:|master:'"
check "  ... and nothing is mounted at the target the host named" sh -c "! grep -q ' $MNT/good ' /proc/self/mountinfo"
check "its writable layer is a fresh tmpfs in the state dir" grep -q " $LS/rootfs/good.d rw,nosuid,nodev[, ].* - tmpfs " /proc/self/mountinfo
check_match "its record carries the pinned policy and both layers, base first" "$(cat "$LS/rootfs/good.json")" \
  "\"layers\":\[\{[^]]*\"root_hash\":\"$ROOT_base\"[^]]*\"root_hash\":\"$ROOT_top\".*\"policy_sha256\":\"$HASH\""
check "the overlay reads both layers (sleep from top, busybox from base)" test -x "$PRIV/bin/sleep" -a -x "$PRIV/bin/busybox"
AT_REAL= refused "^parma-runc: " "reason" "a second rootfs for the same target fails" 'target .*already names rootfs .good.' 1 \
  mount-rootfs good-dup "$MNT/good" base top
check_match "the audit log has the allow line" "$(grep '"verb":"mount-rootfs"' "$RT/audit.log" | tail -n1)" '"decision":"allow"'
bundle_on good "$MNT/good"
if create_ok good good; then
  ok "create on the rootfs mount-rootfs built from the pinned layers is admitted"
else
  not_ok "create on the rootfs mount-rootfs built from the pinned layers is admitted" "$(cat "$RT/good.out")"
fi
check_eq "runc was given the private path, not the host's" \
  "$(/usr/sbin/runc --root "$ROOT" state good 2>/dev/null | jq -r .rootfs)" "$PRIV"
# The host writes what the bundle names after the decision: nothing the
# container runs comes from there (its sleep would exit at once).
mkdir -p "$MNT/good/bin"; printf '#!/bin/sh\necho owned\n' >"$MNT/good/bin/sleep"; chmod +x "$MNT/good/bin/sleep"
check "and the container starts" "$PARMA" --root "$ROOT" start good
check "it is running" rt_wait_status good running
check_eq "it sees both layers (sleep from top, busybox from base)" \
  "$("$PARMA" --root "$ROOT" ps good 2>/dev/null | grep -c 'sleep 30')" 1
check_match "the rootfs is claimed by that container" "$(cat "$LS/rootfs/good.claim")" "root $ROOT id good"
denied "a second container on the same rootfs is refused" 'layers: .*already served a container \(root .* id good\)' 1 \
  create --bundle "$RT/ok/good" good2
/usr/sbin/runc --root "$ROOT" delete --force good >/dev/null 2>&1
AT_REAL= refused "^parma-runc: " "reason" "unmount-layer of a layer under a rootfs fails" 'under rootfs .good.' 1 \
  unmount-layer base
check "  ... and leaves it mounted" grep -q " $MNT/layer-base " /proc/self/mountinfo

# ---- refused at mount-rootfs: nothing mounted, no record ----
mkdir -p "$MNT"/{swapped,withother,unknown,good-again,unlisted,manual,overbind,swapmount}
no_rootfs() { ! grep -qE " ($MNT/$1|$LS/rootfs/$1\.(d|root)) " /proc/self/mountinfo && [ ! -e "$LS/rootfs/$1.json" ] && [ ! -e "$LS/rootfs/$1.d" ] && [ ! -e "$LS/rootfs/$1.root" ]; }
AT_REAL= denied "layers in an order no container lists are refused" 'rootfs_layers: no container' 1 \
  mount-rootfs swapped "$MNT/swapped" top base
check "  ... and nothing is mounted" no_rootfs swapped
AT_REAL= denied "a layer another container lists, added on top, is refused" 'rootfs_layers: no container' 1 \
  mount-rootfs withother "$MNT/withother" base top other
AT_REAL= refused "^parma-runc: " "reason" "an unknown layer name fails" 'layer .nosuch. is not open' 1 \
  mount-rootfs unknown "$MNT/unknown" base nosuch
check "  ... and nothing is mounted" no_rootfs unknown
AT_REAL= denied "a target outside allowed_dirs is refused" 'allowed_dirs' 1 \
  mount-rootfs outside "$RT/outside/mnt" base top
AT_REAL= refused "^parma-runc: " "reason" "a layer named twice fails" 'layers: .base. is named twice' 1 \
  mount-rootfs twice "$MNT/unknown" base top base
# 501 names: past overlayfs's 500 lower layers, refused before any record is read
AT_REAL= refused "^parma-runc: " "reason" "501 layers fail" 'layers: 501 layers, overlayfs takes at most 500' 1 \
  mount-rootfs many "$MNT/unknown" $(seq -f 'l%g' 1 501)
check "  ... and nothing is mounted" no_rootfs many
AT_REAL= refused "^parma-runc: " "reason" "a second mount-rootfs under the same name fails" 'already mounted' 1 \
  mount-rootfs good "$MNT/good-again" base top

# The unlisted layer activated behind the runtime's back (parma-verity open
# into the runtime's state dir, allowed roots chosen by the caller): its
# record does not carry the pinned policy.
mkdir -p "$MNT/layer-extra"
check "parma-verity open (the manual path) mounts the unlisted layer" \
  "$V" open "$RT/extra.img" extra "$RT/extra.hash" "$ROOT_extra" --salt=$SALT --state-dir="$LS" \
  --mount="$MNT/layer-extra" --no-dm --allow-root-hash="$ROOT_extra"
AT_REAL= denied "a layer parma-verity open activated is refused" 'layer_integrity: layer .extra. was not activated by parma-runc mount-layer' 1 \
  mount-rootfs unlisted "$MNT/unlisted" base extra
# Even the pinned roots, when activated by parma-verity open, do not count.
mkdir -p "$MNT/manual-base"
"$V" open "$RT/base.img" manual-base "$RT/base.hash" "$ROOT_base" --salt=$SALT --state-dir="$LS" \
  --mount="$MNT/manual-base" --no-dm --allow-root-hash="$ROOT_base" 2>/dev/null
AT_REAL= denied "pinned roots activated by parma-verity open are refused" 'was not activated by parma-runc mount-layer' 1 \
  mount-rootfs manual "$MNT/manual" manual-base top

# ---- host tricks on the layer mounts ----
mkdir -p "$RT/evil"; cp -a "$RF/." "$RT/evil/"; rm "$RT/evil/bin/sleep"; echo evil >"$RT/evil/evil"
mkdir -p "$MNT/good3"; mr good3 "$MNT/good3" base top >/dev/null 2>&1
# A decoy bound over a verified mount point: mount-rootfs reopens each
# layer and finds another mount.
mount --bind "$RT/evil" "$MNT/layer-base"
AT_REAL= denied "a bind over a verified mount point is refused at mount-rootfs" 'layer_integrity: .*no longer the verified mount' 1 \
  mount-rootfs overbind "$MNT/overbind" base top
check "  ... and nothing is mounted" no_rootfs overbind
# The same decoy under a rootfs built before it: the overlay was handed the
# verified mount itself (by fd), so the path's new mount changes nothing.
check "a bind over a layer after mount-rootfs does not reach the rootfs" test ! -e "$LS/rootfs/good3.root/evil" -a -e "$MNT/layer-base/evil"
# The attack the old check admitted: a host-built overlay over the decoy,
# the decoy then removed so every lowerdir path leads to a verified mount.
mkdir -p "$RT/ok/scratch"; mount -t tmpfs tmpfs "$RT/ok/scratch"
overlay() { # NAME LOWERDIRS: an overlay the host builds itself
  mkdir -p "$RT/ok/scratch/$1/upper" "$RT/ok/scratch/$1/work" "$MNT/$1"
  mount -t overlay overlay -o "lowerdir=$2,upperdir=$RT/ok/scratch/$1/upper,workdir=$RT/ok/scratch/$1/work" "$MNT/$1"
}
overlay hostdecoy "$MNT/layer-top:$MNT/layer-base"
umount "$MNT/layer-base"
check "the host's overlay over the removed decoy still shows the decoy" test -e "$MNT/hostdecoy/evil"
bundle_on hostdecoy "$MNT/hostdecoy"
denied "an overlay built over a since-removed decoy is refused" 'layers: .*names no rootfs built by .parma-runc mount-rootfs.' 1 \
  create --bundle "$RT/ok/hostdecoy" c1
# Any overlay the host builds, even of exactly the verified mounts.
overlay hostgood "$MNT/layer-top:$MNT/layer-base"
bundle_on hostgood "$MNT/hostgood"
denied "a host-built overlay of the verified mounts is refused" 'layers: .*names no rootfs built by' 1 \
  create --bundle "$RT/ok/hostgood" c2
bundle_on plain "$B/rootfs"
denied "a plain directory rootfs is refused" 'layers: .*names no rootfs built by' 1 create --bundle "$RT/ok/plain" c3

# ---- host tricks on parma's rootfs ----
# Whatever the host mounts at (or inside) the target it named changes
# nothing: runc gets the private path.
mkdir -p "$MNT/good4"; mr good4 "$MNT/good4" base top >/dev/null 2>&1
mount --bind "$RT/evil" "$MNT/good4"; mkdir -p "$MNT/good4/bin"; mount --bind "$RT/evil" "$MNT/good4/bin"
bundle_on good4 "$MNT/good4"
if create_ok good4 c4; then ok "a host mount at and inside the target does not stop create"; else not_ok "a host mount at and inside the target does not stop create" "$(cat "$RT/c4.out")"; fi
check_eq "  ... and runc gets the private path" "$(/usr/sbin/runc --root "$ROOT" state c4 2>/dev/null | jq -r .rootfs)" "$LS/rootfs/good4.root"
check "  ... which shows the verified layers, not the host's mounts" test ! -e "$LS/rootfs/good4.root/evil" -a -x "$LS/rootfs/good4.root/bin/sleep"
/usr/sbin/runc --root "$ROOT" delete --force c4 >/dev/null 2>&1
umount "$MNT/good4/bin" "$MNT/good4"
# A bind of parma's overlay root, or of a subdirectory of it, at a path of
# the host's: no record names that path.
bundle_on good3 "$MNT/good3"
mkdir -p "$MNT/rootbind" "$MNT/subbind"
mount --bind "$LS/rootfs/good3.root" "$MNT/rootbind"; mount --bind "$LS/rootfs/good3.root/bin" "$MNT/subbind"
bundle_on rootbind "$MNT/rootbind"; bundle_on subbind "$MNT/subbind"
denied "a bind of parma's rootfs at another path is refused" 'layers: .*names no rootfs built by' 1 create --bundle "$RT/ok/rootbind" c5
denied "a bind of a subdirectory of parma's rootfs is refused" 'layers: .*names no rootfs built by' 1 create --bundle "$RT/ok/subbind" c6
umount "$MNT/rootbind" "$MNT/subbind"
# Anything mounted inside the private overlay, or a propagation tag on it,
# means someone changed it: refused.
mount -t tmpfs tmpfs "$LS/rootfs/good3.root/bin"
denied "a mount inside the private overlay is refused" 'layers: rootfs .good3. .*something is mounted on' 1 create --bundle "$RT/ok/good3" c6b
umount "$LS/rootfs/good3.root/bin"
mount --make-shared "$LS/rootfs/good3.root"
denied "a private overlay made shared is refused" 'layers: rootfs .good3. .*propagates mounts' 1 create --bundle "$RT/ok/good3" c6c
mount --make-private "$LS/rootfs/good3.root"
# A file planted in the writable layer before create would shadow the
# verified ones; so would an overlay xattr on its root.
echo planted >"$LS/rootfs/good3.d/upper/planted"
denied "a file planted in the scratch layer is refused" 'layers: scratch: .* is not empty' 1 create --bundle "$RT/ok/good3" c7
rm "$LS/rootfs/good3.d/upper/planted"
setfattr -n trusted.overlay.opaque -v y "$LS/rootfs/good3.d/upper" 2>/dev/null || \
  python3 -c "import os,sys; os.setxattr(sys.argv[1], 'trusted.overlay.opaque', b'y')" "$LS/rootfs/good3.d/upper"
denied "an opaque xattr on the scratch root is refused" 'layers: scratch: .*overlay xattr' 1 create --bundle "$RT/ok/good3" c8
check "unmount-rootfs good3" "$PARMA" --root "$ROOT" unmount-rootfs good3
check "  ... removed its mounts, record and scratch" no_rootfs good3
denied "create on an unmounted rootfs is refused" 'layers: ' 1 create --bundle "$RT/ok/good3" c9
check "unmount-rootfs good4" "$PARMA" --root "$ROOT" unmount-rootfs good4
# What a killed mount-rootfs leaves (mounts, no record) is taken down too.
mkdir -p "$LS/rootfs/ghost.d" "$LS/rootfs/ghost.root"; mount -t tmpfs tmpfs "$LS/rootfs/ghost.d"
check "unmount-rootfs of a killed build's leftovers" "$PARMA" --root "$ROOT" unmount-rootfs ghost
check "  ... leaves nothing" sh -c "! grep -q ' $LS/rootfs/ghost' /proc/self/mountinfo && test ! -e '$LS/rootfs/ghost.d' -a ! -e '$LS/rootfs/ghost.root'"
check "unmount-rootfs good" "$PARMA" --root "$ROOT" unmount-rootfs good
# The claim stays as the name's tombstone: the private path runc was given
# for `good` can never hold another overlay (say, between create's check
# and runc's open).
AT_REAL= refused "^parma-runc: " "reason" "a name that served a container is never mounted again" 'rootfs name .good. already served a container: use a new name' 1 \
  mount-rootfs good "$MNT/good" base top
check "  ... and nothing is mounted" sh -c "! grep -q ' $LS/rootfs/good.root ' /proc/self/mountinfo"
check_fails "unmount-rootfs of an unknown rootfs fails" "$PARMA" --root "$ROOT" unmount-rootfs good
# Remount: the squashfs superblock cannot go rw; a bind remount can clear
# the per-mount flag, but the filesystem stays read-only (mount-rootfs
# asks statvfs, which sees both), so nothing can be written through it.
check_fails "a read-write remount of a verified layer fails" mount -o remount,rw "$MNT/layer-base"
if mount -o remount,bind,rw "$MNT/layer-base" 2>/dev/null; then
  check_fails "a verified layer bind-remounted rw still cannot be written" touch "$MNT/layer-base/planted"
  check "  ... statvfs still reports it read-only" python3 -c \
    'import os, sys; sys.exit(0 if os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY else 1)' "$MNT/layer-base"
  mount -o remount,bind,ro "$MNT/layer-base"
else
  skip "a verified layer bind-remounted rw still cannot be written" "remount,bind,rw not permitted here"
fi
# Swapping the mount after activation: the verified mount covered by an
# unverified one at the same path.
mount -t tmpfs tmpfs "$MNT/layer-top"
mkdir -p "$MNT/layer-top/bin"; printf '#!/bin/sh\necho owned\n' >"$MNT/layer-top/bin/sleep"
AT_REAL= denied "a mount swapped in over a verified layer is refused at mount-rootfs" 'layer_integrity: .*no longer the verified mount' 1 \
  mount-rootfs swapmount "$MNT/swapmount" base top
umount "$MNT/layer-top"
check "mount-rootfs works again once the host's mounts are gone" mr again "$MNT/again" base top
check "  ... and parma-verity check-rootfs agrees" \
  "$V" check-rootfs "$MNT/again" --state-dir="$LS" --layer="$ROOT_base" --layer="$ROOT_top"
check "unmount-rootfs again" "$PARMA" --root "$ROOT" unmount-rootfs again

# ---- two activations under one name at once: serialized, one wins ----
mkdir -p "$MNT/race-a" "$MNT/race-b"
"$PARMA" --root "$ROOT" mount-layer --mount "$MNT/race-a" --hash-file "$RT/other.hash" race "$RT/other.img" "$ROOT_other" \
  >/dev/null 2>&1 & pa=$!
"$PARMA" --root "$ROOT" mount-layer --mount "$MNT/race-b" --hash-file "$RT/other.hash" race "$RT/other.img" "$ROOT_other" \
  >/dev/null 2>&1 & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
check_eq "concurrent mount-layer of one name: exactly one succeeds" "$((ra == 0 ? 1 : 0))$((rb == 0 ? 1 : 0))" \
  "$([ $ra = 0 ] && echo 10 || echo 01)"
check_eq "  ... and exactly one mount exists" "$(grep -cE " $MNT/race-[ab] " /proc/self/mountinfo)" 1
check "  ... which unmount-layer removes" "$PARMA" --root "$ROOT" unmount-layer race

# ---- audit mode: the policy rules are logged and let through, the
# integrity check never is ----
AT_REAL=1 at_config /usr/sbin/runc '.mode = "audit"'
out=$(ml extra2 "$RT/extra.img" "$ROOT_extra" --hash-file "$RT/extra.hash" 2>&1); rc=$?
check_eq "audit mode: an unlisted layer is mounted ($out)" "$rc" 0
check_match "audit mode: with a warning" "$out" 'audit mode, would deny: mount-layer extra2: device_mount'
check_match "audit mode: logged as allow-audit" "$(grep '"id":"extra2"' "$RT/audit.log" | tail -n1)" '"decision":"allow-audit"'
out=$("$PARMA" --root "$ROOT" mount-layer --mount "$MNT/layer-bad" --data-blocks $((SIZE_top / 4096)) \
  bad "$RT/top-bad.img" "$ROOT_top" 2>&1); rc=$?
check_eq "audit mode: a changed byte is still refused (exit 1)" "$rc" 1
check_match "audit mode: ... as layer_integrity" "$out" 'denied: mount-layer bad: layer_integrity'
check "unmount-layer extra2" "$PARMA" --root "$ROOT" unmount-layer extra2
AT_REAL=1 at_config /usr/sbin/runc

# ---- unmount-layer ----
umount "$MNT"/host* 2>/dev/null
check "unmount-layer top" "$PARMA" --root "$ROOT" unmount-layer top
check "  ... removed the mount and the record" sh -c "! grep -q ' $MNT/layer-top ' /proc/self/mountinfo && test ! -e '$LS/layers/top.json'"
check_fails "unmount-layer of an unknown layer fails" "$PARMA" --root "$ROOT" unmount-layer top
check "unmount-layer base" "$PARMA" --root "$ROOT" unmount-layer base
check "unmount-layer other" "$PARMA" --root "$ROOT" unmount-layer other
check "nothing of parma's stays mounted in the state dir (the private bind went with the last rootfs)" \
  sh -c "! awk '{print \$5}' /proc/self/mountinfo | grep -q '^$LS/rootfs'"
done_testing
