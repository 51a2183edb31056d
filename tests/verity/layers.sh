#!/bin/bash
# Verified layers end to end on the no-dm fallback: a busybox rootfs split
# into two OCI layer tars, each made into a squashfs image (mkimage), given
# an appended hash tree (hcsshim layout), opened verified (memfd copy ->
# loop -> read-only mount), the rootfs parma builds over them (open-rootfs:
# layers passed to overlayfs by fd, scratch on a fresh tmpfs, the overlay
# at the private STATE/rootfs/NAME.root, never at the target), the rootfs
# stack check (check-rootfs) and close-rootfs; then the tricks a host would
# try: each must fail, including the decoy attack that a check of a
# host-built overlay cannot see (shown to work on the host's overlay), or,
# aimed at the target only, leave the rootfs untouched.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
if [ "$(id -u)" != 0 ] || [ ! -e /dev/loop-control ] || ! command -v tar2sqfs >/dev/null \
   || ! grep -qw squashfs /proc/filesystems || ! grep -qw overlay /proc/filesystems; then
  skip "verified layers" "needs root, loop devices, tar2sqfs, squashfs and overlay"; done_testing; exit
fi
mkdir -p "$PARMA_WORK/verity"
W=$(realpath "$PARMA_WORK/verity")/layers
ST=$W/state
cleanup() {
  # Every mount below $W, newest first (loop devices autoclear on umount).
  for _ in 1 2 3; do
    awk -v w="$W" '$5 == w || index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | tac |
      while read -r m; do umount -l "$m" 2>/dev/null; done
  done
  for f in "$W"/loop.*; do [ -e "$f" ] && losetup -d "$(cat "$f")" 2>/dev/null; done
  rm -rf "$W"
}
cleanup
trap cleanup EXIT
mkdir -p "$W"/{mnt/l1,mnt/l2,mnt/l3,mnt/decoy,rootfs,ov2,ov3,scratch,disk,bind1,st0} "$ST"
# The number of checks this script runs (the last one compares it).
LAYERS_PLAN=162
Z=0000000000000000000000000000000000000000000000000000000000000000

# ---- two layers from the busybox rootfs: everything but etc/, then etc/ ----
RF=$(rootfs_dir)
deterministic_tar() { # OUT DIR [PATHS...]
  local out=$1 dir=$2; shift 2
  tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$out" "$@"
}
deterministic_tar "$W/l1.tar" "$RF" --exclude=./etc .
mkdir -p "$W/src2/etc"; cp -a "$RF/etc/." "$W/src2/etc/"; echo verified-top >"$W/src2/etc/layer"
mkdir -p "$W/src2/bin"; touch "$W/src2/bin/.wh.vi"   # deletes bin/vi from the base
deterministic_tar "$W/l2.tar" "$W/src2" .
mkdir -p "$W/src3/opt"; echo extra >"$W/src3/opt/extra"
deterministic_tar "$W/l3.tar" "$W/src3" .

check "mkimage layer 1" parma-verity mkimage "$W/l1.tar" "$W/l1.img"
check "mkimage layer 2 (with a whiteout)" parma-verity mkimage "$W/l2.tar" "$W/l2.img"
check "mkimage layer 3" parma-verity mkimage "$W/l3.tar" "$W/l3.img"
# Reproducible: again, gzip-compressed, with another umask and tar mtime.
gzip -n -c "$W/l1.tar" >"$W/l1.tar.gz"; touch -d '2001-02-03 04:05:06' "$W/l1.tar.gz"
(umask 077; parma-verity mkimage "$W/l1.tar.gz" "$W/l1-again.img")
check "mkimage is reproducible (gzip input, umask 077, other mtime)" cmp "$W/l1.img" "$W/l1-again.img"
sleep 1; (umask 022; TZ=Asia/Tokyo parma-verity mkimage "$W/l2.tar" "$W/l2-again.img")
check "mkimage is reproducible (second run, other TZ)" cmp "$W/l2.img" "$W/l2-again.img"
# Whiteouts with names longer than ustar's 100 bytes (GNU and pax forms).
long=$(printf 'd%.0s' {1..90})/$(printf 'e%.0s' {1..90})
mkdir -p "$W/srcw/$long"; touch "$W/srcw/$long/.wh.$(printf 'w%.0s' {1..40})"
for fmt in gnu pax; do
  tar --format=$fmt -C "$W/srcw" -cf "$W/w-$fmt.tar" .
  parma-verity mkimage "$W/w-$fmt.tar" "$W/w-$fmt.img"
  check_match "long-named whiteout ($fmt tar) becomes a 0:0 char device" \
    "$(rdsquashfs -l "/$long" "$W/w-$fmt.img" 2>&1)" "^c[-rwx]+ 0/0 0:0 w{40}"
done
# Garbage and truncated input fail cleanly and leave no image behind.
head -c 100000 /dev/urandom >"$W/garbage.tar"
check_fails "mkimage refuses garbage" timeout 30 parma-verity mkimage "$W/garbage.tar" "$W/garbage.img"
head -c 20000 "$W/l1.tar.gz" >"$W/trunc.tar.gz"
check_fails "mkimage refuses a truncated gzip layer" timeout 30 parma-verity mkimage "$W/trunc.tar.gz" "$W/trunc.img"
check "no partial images left" test ! -e "$W/garbage.img" -a ! -e "$W/trunc.img"

# Opaque directories: the marker may come after the directory's entry
# (appended here), and becomes trusted.overlay.opaque=y on it.
mkdir -p "$W/srco/etc" "$W/srco/bin"; echo new >"$W/srco/etc/only"
(cd "$W/srco" && tar -cf "$W/opq.tar" . && touch etc/.wh..wh..opq && tar -rf "$W/opq.tar" ./etc/.wh..wh..opq)
check "mkimage converts an opaque whiteout" parma-verity mkimage "$W/opq.tar" "$W/opq.img"
check_match "opaque directory carries the overlay xattr" "$(rdsquashfs -x /etc "$W/opq.img" 2>&1)" "trusted.overlay.opaque=y"
check_eq "the marker itself is gone" "$(rdsquashfs -l /etc "$W/opq.img" 2>&1 | awk '{print $NF}')" "only"
mkdir -p "$W/opqm" "$W/opqov"; mount -o loop,ro "$W/opq.img" "$W/opqm"
mount -t overlay overlay -o "lowerdir=$W/opqm:$RF" "$W/opqov"
check_eq "overlay: the opaque etc/ hides the base layer's etc/" "$(ls "$W/opqov/etc")" "only"
check "overlay: other base directories still merge" test -x "$W/opqov/bin/busybox"
umount "$W/opqov"; umount "$W/opqm"

# ---- hash tree appended to each image (hcsshim layout), zero salt ----
root_of() { # IMG -> appends the tree, prints the root
  local sz; sz=$(stat -c %s "$1")
  parma-verity format "$1" "$1" --hash-offset="$sz" --data-blocks=$((sz / 4096)) --salt=$Z \
    --uuid=12345678-1234-5678-9abc-123456789abc | awk '/^Root hash/{print $3}'
}
declare -A SIZE
for l in l1 l2 l3; do SIZE[$l]=$(stat -c %s "$W/$l.img"); done
R1=$(root_of "$W/l1.img"); R2=$(root_of "$W/l2.img"); R3=$(root_of "$W/l3.img")
check_match "layer roots computed" "$R1 $R2 $R3" '^[0-9a-f]{64} [0-9a-f]{64} [0-9a-f]{64}$'
ALLOW="--allow-root-hash=$R1 --allow-root-hash=$R2 --allow-root-hash=$R3"
popen() { # NAME LAYER MOUNT [extra...]
  local name=$1 l=$2 m=$3; shift 3
  local sz=${SIZE[$l]}
  parma-verity open "$W/$l.img" "$name" "$W/$l.img" "$(eval echo "\$R${l#l}")" --salt=$Z \
    --hash-offset="$sz" --data-blocks=$((sz / 4096)) --state-dir="$ST" --mount="$m" $ALLOW "$@"
}

check_fails "open refuses without an explicit fallback (no device-mapper here)" popen base l1 "$W/mnt/l1"
out=$(popen base l1 "$W/mnt/l1" --no-dm 2>&1); rc=$?
check_eq "open layer 1 (--no-dm)" "$rc" 0
check_match "the fallback says so on stderr" "$out" "memfd-loop fallback"
check "open layer 2 (--allow-fallback)" popen top l2 "$W/mnt/l2" --allow-fallback
check_fails "a second open under the same name refused" popen top l2 "$W/mnt/decoy" --no-dm
check "layer 1 is mounted read-only squashfs" grep -q " $W/mnt/l1 ro,.* - squashfs /dev/loop" /proc/self/mountinfo
check "the loop device is backed by the private copy" sh -c "losetup -l -n -O BACK-FILE | grep -q 'memfd:parma-verity:base'"
check "state record written" test -s "$ST/layers/base.json"
check_match "record names mount and root" "$(cat "$ST/layers/base.json")" "\"mount_point\":\"$W/mnt/l1\".*\"root_hash\":\"$R1\""

# ---- the rootfs: parma builds the overlay itself (open-rootfs) ----
# Each named layer mount is reopened without symlinks, proved to be its
# record and handed to overlayfs by fd; upper and work live on a fresh
# tmpfs at $ST/rootfs/NAME.d.  The overlay is attached at the private
# $ST/rootfs/NAME.root, never at the target: the target is only the name
# check-rootfs (and the bundle's root.path) finds the rootfs by.
RFS=$W/rootfs
P=$ST/rootfs/rf.root   # where rf's overlay really is
mi() { awk -v m="$1" '$5 == m' /proc/self/mountinfo; }   # mountinfo lines for mount point $1
tags() { # MOUNT: the optional fields (shared:N, master:N...) of its mountinfo line
  awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++) printf "%s ", $i }' /proc/self/mountinfo
}
pcheck() { # ROOTFS ROOT... : check-rootfs with the policy's layers, base first
  local r=$1; shift
  local a=() x; for x; do a+=(--layer="$x"); done
  parma-verity check-rootfs "$r" --state-dir="$ST" "${a[@]}"
}
nothing_left() { # NAME [TARGET]: no mount at the target or below STATE/rootfs for NAME, no record, claim or dirs
  { [ -z "${2:-}" ] || [ -z "$(mi "$2")" ]; } && [ -z "$(mi "$ST/rootfs/$1.d")" ] \
    && [ -z "$(mi "$ST/rootfs/$1.root")" ] && [ ! -e "$ST/rootfs/$1.json" ] \
    && [ ! -e "$ST/rootfs/$1.d" ] && [ ! -e "$ST/rootfs/$1.root" ] && [ ! -e "$ST/rootfs/$1.claim" ]
}
# The state dir on a shared mount with a peer elsewhere (systemd makes /
# shared): STATE/rootfs is made private, so the rootfs neither shows up at
# the peer nor receives what is mounted there.
mkdir -p "$W/stpeer"; mount --bind "$ST" "$ST"; mount --make-shared "$ST"; mount --bind "$ST" "$W/stpeer"
check "open-rootfs over the two verified layers" parma-verity open-rootfs rf "$RFS" base top --state-dir="$ST"
check_eq "rootfs: nothing is mounted at the target" "$(mi "$RFS")" ""
check_eq "rootfs: the target directory stays empty" "$(ls -A "$RFS")" ""
check_match "rootfs: parma's overlay is at STATE/rootfs/rf.root" "$(mi "$P")" " - overlay parma-rootfs "
check_eq "rootfs: the overlay has no propagation tag" "$(tags "$P")" ""
check_match "rootfs: STATE/rootfs is a mount of its own" "$(mi "$ST/rootfs")" " $ST/rootfs "
check_eq "rootfs: ... and a private one" "$(tags "$ST/rootfs")" ""
check "rootfs: both layers visible" test -x "$P/bin/busybox" -a -s "$P/etc/layer"
check_eq "rootfs: nothing of it propagates to a peer of the shared state dir" \
  "$(mi "$W/stpeer/rootfs/rf.root")$(mi "$W/stpeer/rootfs/rf.d")$(ls -A "$W/stpeer/rootfs/rf.root")" ""
mount -t tmpfs peer-tmpfs "$W/stpeer/rootfs/rf.root"; echo host >"$W/stpeer/rootfs/rf.root/hostfile"
check "a mount at the peer's copy of the rootfs does not reach it" test ! -e "$P/hostfile" -a -x "$P/bin/busybox"
check "... and the stack check still passes" pcheck "$RFS" "$R1" "$R2"
umount "$W/stpeer/rootfs/rf.root"
check "rootfs: the whiteout hides bin/vi" test ! -e "$P/bin/vi" -a ! -L "$P/bin/vi"
check_match "rootfs: its scratch is a tmpfs at STATE/rootfs/rf.d" "$(mi "$ST/rootfs/rf.d")" " - tmpfs "
check_match "rootfs: record names the layers (base first) and the target" "$(cat "$ST/rootfs/rf.json" 2>&1)" \
  "\"root_hash\":\"$R1\".*\"root_hash\":\"$R2\".*\"target\":\"$RFS\""
check "stack check passes (policy layers base first)" pcheck "$RFS" "$R1" "$R2"
check_eq "check-rootfs -v names the private path" \
  "$(parma-verity check-rootfs "$RFS" --state-dir="$ST" --layer="$R1" --layer="$R2" -v 2>&1)" \
  "rootfs $RFS: 2 verified layers, mounted at $P"
check_match "wrong order refused" "$(pcheck "$RFS" "$R2" "$R1" 2>&1)" "policy wants"
check_match "a stack layer missing from the policy refused" "$(pcheck "$RFS" "$R2" 2>&1)" \
  "has 2 verified layers, the policy lists 1"
check_match "a policy layer missing from the stack refused" "$(pcheck "$RFS" "$R1" "$R2" "$R3" 2>&1)" \
  "has 2 verified layers, the policy lists 3"
check_match "a policy with no layers refused" "$(pcheck "$RFS" 2>&1)" "lists no layers"
NOREC="names no rootfs built by .parma-runc mount-rootfs. from verified layers"
check_match "no state (rootfs not built by this state dir) refused" \
  "$(parma-verity check-rootfs "$RFS" --state-dir="$W/st0" --layer="$R1" --layer="$R2" 2>&1)" "$NOREC"
ln -s rootfs "$W/rootfs-link"
check_match "a symlink to the target refused (no record names it)" "$(pcheck "$W/rootfs-link" "$R1" "$R2" 2>&1)" "$NOREC"
check_match "a subdirectory of the target refused" "$(pcheck "$RFS/etc" "$R1" "$R2" 2>&1)" "$NOREC"
check_match "the private path itself refused (it is no target)" "$(pcheck "$P" "$R1" "$R2" 2>&1)" "$NOREC"
check_match "a subdirectory of the private overlay refused" "$(pcheck "$P/etc" "$R1" "$R2" 2>&1)" "$NOREC"
mount --bind "$P" "$W/bind1"
check_match "a bind of parma's rootfs elsewhere refused" "$(pcheck "$W/bind1" "$R1" "$R2" 2>&1)" "$NOREC"
umount "$W/bind1"

# open-rootfs refusals: each leaves nothing mounted or recorded.
check_match "open-rootfs under a name in use refused" \
  "$(parma-verity open-rootfs rf "$W/ov2" base top --state-dir="$ST" 2>&1)" "already mounted"
check "... nothing mounted at its target, the first rootfs untouched" \
  sh -c "[ -z \"\$(awk -v m='$W/ov2' '\$5 == m' /proc/self/mountinfo)\" ] && parma-verity check-rootfs '$RFS' --state-dir='$ST' --layer=$R1 --layer=$R2"
check_match "a second rootfs for the same target refused" \
  "$(parma-verity open-rootfs rf2 "$RFS" base top --state-dir="$ST" 2>&1)" "target .$RFS. already names rootfs .rf.*File exists"
rf2_refused_clean() { nothing_left rf2 && pcheck "$RFS" "$R1" "$R2"; }
check "... nothing left of it, the first rootfs untouched" rf2_refused_clean
ln -s ov2 "$W/ov2-link"
check_match "open-rootfs onto a target that is a symlink refused" \
  "$(parma-verity open-rootfs rfl "$W/ov2-link" base top --state-dir="$ST" 2>&1)" "target"
check "... nothing left" nothing_left rfl "$W/ov2"
check_match "open-rootfs onto a target that does not exist refused" \
  "$(parma-verity open-rootfs rfl "$W/nosuch" base top --state-dir="$ST" 2>&1)" "target"
check "... nothing left" nothing_left rfl
check_match "open-rootfs of a layer never opened refused" \
  "$(parma-verity open-rootfs rfx "$W/ov2" base nosuch --state-dir="$ST" 2>&1)" "nosuch"
check_match "open-rootfs naming a layer twice refused" \
  "$(parma-verity open-rootfs rfx "$W/ov2" base base --state-dir="$ST" 2>&1)" "named twice"
check_match "open-rootfs under a bad name refused" \
  "$(parma-verity open-rootfs ../rfx "$W/ov2" base top --state-dir="$ST" 2>&1)" "is not \[A-Za-z0-9"
check "... nothing left" nothing_left rfx "$W/ov2"
check_fails "open-rootfs without --state-dir refused" parma-verity open-rootfs rfx "$W/ov2" base top

# An extra, verified but unlisted layer on top.
check "open layer 3" popen extra l3 "$W/mnt/l3" --no-dm
check_eq "open-rootfs over three layers (-v says so)" \
  "$(parma-verity open-rootfs rf3 "$W/ov2" base top extra --state-dir="$ST" -v 2>&1)" "rootfs rf3: 3 verified layers for $W/ov2, mounted at $ST/rootfs/rf3.root"
check "its top layer's content is there" test -s "$ST/rootfs/rf3.root/opt/extra" -a -s "$ST/rootfs/rf3.root/etc/layer"
check_match "extra unlisted layer refused" "$(pcheck "$W/ov2" "$R1" "$R2" 2>&1)" \
  "has 3 verified layers, the policy lists 2"
check "the same stack passes when the policy lists it" pcheck "$W/ov2" "$R1" "$R2" "$R3"
check "close-rootfs of the three-layer rootfs" parma-verity close-rootfs rf3 --state-dir="$ST"
check "... nothing left" nothing_left rf3 "$W/ov2"

# A host-built overlay of exactly the verified mounts, scratch on tmpfs.
mount -t tmpfs -o size=16m tmpfs "$W/scratch"; mkdir -p "$W/scratch/"{u,w,u3,w3}
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/scratch/u,workdir=$W/scratch/w" "$W/ov2"
check "host-built overlay of the verified mounts shows the layers" test -s "$W/ov2/etc/layer"
check_match "host-built overlay of exactly the verified mounts refused" "$(pcheck "$W/ov2" "$R1" "$R2" 2>&1)" "$NOREC"
umount "$W/ov2"
# The same with its upper dir on a disk filesystem (ext4 on a loop device).
truncate -s 8M "$W/disk.img"; mkfs.ext4 -q -F "$W/disk.img"
losetup -f --show "$W/disk.img" >"$W/loop.disk"
mount "$(cat "$W/loop.disk")" "$W/disk"; mkdir -p "$W/disk/u" "$W/disk/w"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/disk/u,workdir=$W/disk/w" "$W/ov2"
check_match "host-built overlay with its upper dir on ext4 refused" "$(pcheck "$W/ov2" "$R1" "$R2" 2>&1)" "$NOREC"
umount "$W/ov2"

# The decoy attack that made parma build the overlay itself: bind a decoy
# over a verified mount point, build the overlay, remove the decoy.  Every
# lowerdir string in mountinfo now leads to the verified mount, but the
# overlay keeps reading the decoy.
mkdir -p "$W/decoysrc"; cp -a "$RF/." "$W/decoysrc/"; echo evil >"$W/decoysrc/evil"
mount --bind "$W/decoysrc" "$W/mnt/l1"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/scratch/u3,workdir=$W/scratch/w3" "$W/ov3"
umount "$W/mnt/l1"
check_match "decoy gone: the layer path is the verified squashfs again" "$(mi "$W/mnt/l1")" " - squashfs /dev/loop"
check "decoy gone: the layer path does not show it" test ! -e "$W/mnt/l1/evil"
check_match "the host overlay's mountinfo names only the verified mount points" "$(mi "$W/ov3")" \
  "lowerdir=$W/mnt/l2:$W/mnt/l1,"
check "... yet the host overlay really reads the decoy" test -e "$W/ov3/evil"
check_match "the decoy-then-removed overlay refused" "$(pcheck "$W/ov3" "$R1" "$R2" 2>&1)" "$NOREC"
umount "$W/ov3"

# A decoy bound over a layer mount before open-rootfs: refused there.
mount --bind "$W/decoysrc" "$W/mnt/l1"
check_match "decoy over a layer mount before open-rootfs refused" \
  "$(parma-verity open-rootfs rfd "$W/ov3" base top --state-dir="$ST" 2>&1)" "no longer the verified mount"
check "... nothing left" nothing_left rfd "$W/ov3"
umount "$W/mnt/l1"
# ... and after open-rootfs: the overlay holds the verified mount, not the path.
mount --bind "$W/decoysrc" "$W/mnt/l1"
check "decoy over a layer mount after open-rootfs: the path shows the decoy" test -e "$W/mnt/l1/evil"
check "... the rootfs does not (it still reads the verified layer)" test ! -e "$P/evil" -a -x "$P/bin/busybox"
check "... and the stack check still passes" pcheck "$RFS" "$R1" "$R2"
umount "$W/mnt/l1"

# The race: a decoy bound and unbound over a layer mount again and again
# while open-rootfs runs.  Some builds are refused; every rootfs that is
# built reads the verified layer, never the decoy (the overlay takes the
# very mount that was proved, by fd, not the path again).
rm -f "$W/race.stop"
# (an open-rootfs holding the decoy's fd makes umount busy: retry it, so
# no decoy stays behind)
( while [ ! -e "$W/race.stop" ]; do
    mount --bind "$W/decoysrc" "$W/mnt/l1" && until umount "$W/mnt/l1" 2>/dev/null; do sleep 0.01; done
  done ) &
toggler=$!
built=0 refused=0 bad=0
for _ in $(seq 40); do
  if parma-verity open-rootfs race "$W/ov3" base top --state-dir="$ST" 2>/dev/null; then
    built=$((built + 1))
    { [ -e "$ST/rootfs/race.root/evil" ] || [ ! -x "$ST/rootfs/race.root/bin/busybox" ]; } && bad=$((bad + 1))
    parma-verity close-rootfs race --state-dir="$ST" || break
  else
    refused=$((refused + 1))
  fi
done
touch "$W/race.stop"; wait "$toggler"   # it stops with the decoy unmounted
check_eq "decoy raced against open-rootfs: every built rootfs reads the verified layer ($built built, $refused refused)" "$bad" 0
check "... some rootfs were built during the race" test "$built" -gt 0
check "... the layer path is the verified mount again" test -x "$W/mnt/l1/bin/busybox" -a ! -e "$W/mnt/l1/evil"
check_match "parma's overlay takes its layers by fd" "$(mi "$P")" "lowerdir=/proc/self/fd/[0-9]+:/proc/self/fd/[0-9]+,"

# The host's tricks at the target change nothing: nothing of the rootfs
# is there, and check-rootfs hands out the private path.
echo host >"$RFS/hostfile"
check "a file the host writes into the target does not appear in the rootfs" test ! -e "$P/hostfile"
check "... and the stack check still passes" pcheck "$RFS" "$R1" "$R2"
rm "$RFS/hostfile"
mount --bind "$W/decoysrc" "$RFS"; mount --bind "$W/decoysrc" "$RFS/bin"
check "host mounts at and inside the target: the target shows the decoy" test -e "$RFS/evil" -a -e "$RFS/bin/evil"
check_eq "... the stack check still passes, naming the private path" \
  "$(parma-verity check-rootfs "$RFS" --state-dir="$ST" --layer="$R1" --layer="$R2" -v 2>&1)" \
  "rootfs $RFS: 2 verified layers, mounted at $P"
check "... which shows the verified layers, not the host's files" test ! -e "$P/evil" -a -s "$P/etc/layer"
check_eq "... and nothing of the host's is mounted at or inside it" "$(mi "$P" | wc -l) $(awk -v p="$P/" 'index($5, p) == 1' /proc/self/mountinfo)" "1 "
umount "$RFS/bin"; umount "$RFS"
# Mounts on or inside the private overlay, and propagation, are refused:
# only someone changing parma's state dir can do that.
mount -t tmpfs tmpfs "$P"
check_match "a mount over the private overlay refused" "$(pcheck "$RFS" "$R1" "$R2" 2>&1)" \
  "rootfs .rf. \(for .$RFS.\): its overlay is no longer mounted at .$P."
umount "$P"
mount -t tmpfs tmpfs "$P/bin"
check_match "a mount inside the private overlay refused" "$(pcheck "$RFS" "$R1" "$R2" 2>&1)" \
  "something is mounted on .$P/bin. inside the rootfs"
umount "$P/bin"
mount --bind "$W/decoysrc" "$P/etc"
check_match "a bind inside the private overlay refused" "$(pcheck "$RFS" "$R1" "$R2" 2>&1)" \
  "something is mounted on .$P/etc. inside the rootfs"
umount "$P/etc"
mount --make-shared "$P"
check_match "the private overlay made shared refused" "$(pcheck "$RFS" "$R1" "$R2" 2>&1)" \
  "rootfs .rf. \(for .$RFS.\): .$P. propagates mounts \(shared:[0-9]+\)"
mount --make-private "$P"
check "passes again once private" pcheck "$RFS" "$R1" "$R2"
# A mount over the scratch: identity changes.
mount -t tmpfs tmpfs "$ST/rootfs/rf.d"
check_match "a mount over the scratch refused" "$(pcheck "$RFS" "$R1" "$R2" 2>&1)" "no longer the rootfs's tmpfs"
umount "$ST/rootfs/rf.d"
# The record's scratch device is compared too (a kernel without unique
# mount ids may hand a new tmpfs the old id, never the live one's device).
cp "$ST/rootfs/rf.json" "$W/rf.json.saved"
sed -i 's/"scratch_dev_minor":\([0-9]*\)/"scratch_dev_minor":1\1/' "$ST/rootfs/rf.json"
check_match "a scratch on another device than recorded refused" "$(pcheck "$RFS" "$R1" "$R2" 2>&1)" "no longer the rootfs's tmpfs"
cp "$W/rf.json.saved" "$ST/rootfs/rf.json"
check "passes again once the covers are gone" pcheck "$RFS" "$R1" "$R2"

# Scratch must be blank: a file planted in the upper dir shadows the
# verified layers; overlay xattrs on the upper root hide or redirect them.
check "open-rootfs rfp (for the planting tests)" parma-verity open-rootfs rfp "$W/ov3" base top --state-dir="$ST"
UP=$ST/rootfs/rfp.d/upper PP=$ST/rootfs/rfp.root
mkdir "$UP/bin"; printf '#!/bin/sh\necho owned\n' >"$UP/bin/sh"; chmod 755 "$UP/bin/sh"
check_eq "the planted file shows through the rootfs" "$(cat "$PP/bin/sh" 2>&1 | tail -n1)" "echo owned"
check_match "file planted in STATE/rootfs/rfp.d/upper refused" "$(pcheck "$W/ov3" "$R1" "$R2" 2>&1)" "is not empty"
rm -rf "$UP/bin"
check "passes once the planted file is gone" pcheck "$W/ov3" "$R1" "$R2"
for x in trusted.overlay.opaque trusted.overlay.redirect user.overlay.opaque; do
  setfattr -n "$x" -v y "$UP"
  check_match "$x on the upper root refused" "$(pcheck "$W/ov3" "$R1" "$R2" 2>&1)" "overlay xattr .$x."
  setfattr -x "$x" "$UP"
done
echo hi >"$PP/written"
check_match "a file written through the rootfs makes it non-blank too" "$(pcheck "$W/ov3" "$R1" "$R2" 2>&1)" "is not empty"
# Plant, then swap the scratch for a blank tmpfs: the overlay keeps the
# planted upper layer, the new tmpfs is another mount on another device.
umount -l "$ST/rootfs/rfp.d"; mount -t tmpfs -o mode=0700 tmpfs "$ST/rootfs/rfp.d"; mkdir "$UP" "$ST/rootfs/rfp.d/work"
check "scratch swapped: the rootfs still shows the planted file" test -e "$PP/written"
check_match "scratch swapped for a blank tmpfs refused" "$(pcheck "$W/ov3" "$R1" "$R2" 2>&1)" "no longer the rootfs's tmpfs"
check "close-rootfs rfp" parma-verity close-rootfs rfp --state-dir="$ST"
check "... nothing left" nothing_left rfp "$W/ov3"

# Scratch size: tmpfs size= (mountinfo and statfs); writing past it fails.
check "open-rootfs with --scratch-size=1MiB" \
  parma-verity open-rootfs rfs "$W/ov3" base top --state-dir="$ST" --scratch-size=1048576
check_match "scratch tmpfs mounted with size=1024k" "$(mi "$ST/rootfs/rfs.d")" "[ ,]size=1024k"
check_eq "scratch statfs: 1 MiB" "$(( $(stat -f -c '%b * %S' "$ST/rootfs/rfs.d") ))" 1048576
check "a small write through the overlay fits" sh -c "echo small >'$ST/rootfs/rfs.root/small'"
out=$(dd if=/dev/zero of="$ST/rootfs/rfs.root/big" bs=64k count=32 2>&1); rc=$?
check_match "writing 2 MiB through the overlay fails with ENOSPC (rc $rc)" "$out" "No space left on device"
check "close-rootfs rfs" parma-verity close-rootfs rfs --state-dir="$ST"
check "... nothing left" nothing_left rfs "$W/ov3"
check_match "--scratch-size=0 refused" "$(parma-verity open-rootfs rfs "$W/ov3" base top --state-dir="$ST" --scratch-size=0 2>&1)" "scratch-size"
check_match "--scratch-size=1M refused (bytes)" "$(parma-verity open-rootfs rfs "$W/ov3" base top --state-dir="$ST" --scratch-size=1M 2>&1)" "scratch-size"
check "... nothing left" nothing_left rfs "$W/ov3"

# A layer under a mounted rootfs cannot be closed.
out=$(parma-verity close base --state-dir="$ST" 2>&1); rc=$?
check_match "close of a layer under a rootfs refused, EBUSY (rc $rc)" "$out" "under rootfs .rf.*Device or resource busy"
check "... the layer stays mounted and recorded" sh -c "grep -q ' $W/mnt/l1 ro,.* - squashfs ' /proc/self/mountinfo && test -s '$ST/layers/base.json'"

# Tampered images and the device-mount rule.
cp "$W/l1.img" "$W/bad.img"
printf 'X' | dd of="$W/bad.img" bs=1 seek=70000 conv=notrunc 2>/dev/null
sz=${SIZE[l1]}
err=$(parma-verity open "$W/bad.img" bad "$W/bad.img" "$R1" --salt=$Z --hash-offset="$sz" --data-blocks=$((sz / 4096)) \
  --state-dir="$ST" --mount="$W/mnt/decoy" $ALLOW --no-dm 2>&1)
check_match "one changed byte in a layer image: open refused" "$err" "root hash mismatch"
cp "$W/l1.img" "$W/bad.img"
printf '\x01' | dd of="$W/bad.img" bs=1 seek=$((sz + 72)) conv=notrunc 2>/dev/null   # superblock data_blocks
err=$(parma-verity open "$W/bad.img" bad "$W/bad.img" "$R1" --salt=$Z --hash-offset="$sz" --data-blocks=$((sz / 4096)) \
  --state-dir="$ST" --mount="$W/mnt/decoy" $ALLOW --no-dm 2>&1)
check_match "superblock disagreeing with the policy: open refused" "$err" "superblock"
err=$(parma-verity open "$W/l1.img" other "$W/l1.img" "$R1" --salt=$Z --hash-offset="$sz" --data-blocks=$((sz / 4096)) \
  --state-dir="$ST" --mount="$W/mnt/decoy" --allow-root-hash="$R2" --no-dm 2>&1)
check_match "root hash not in the policy: open refused" "$err" "device-mount rule"
check "nothing mounted by the refused opens" sh -c "! grep -q ' $W/mnt/decoy ' /proc/self/mountinfo"
check "no record left by the refused opens" test ! -e "$ST/layers/bad.json" -a ! -e "$ST/layers/other.json"

# A separate hash file without superblock (the Kata convention).
sz=${SIZE[l3]}; head -c "$sz" "$W/l3.img" >"$W/sep.img"
RS=$(parma-verity format "$W/sep.img" "$W/sep.hash" --no-superblock --salt=$Z | awk '/^Root hash/{print $3}')
check_eq "same root with a separate tree and no superblock" "$RS" "$R3"
check "open with a separate hash file, no superblock" parma-verity open "$W/sep.img" sep "$W/sep.hash" "$RS" \
  --no-superblock --salt=$Z --state-dir="$ST" --mount="$W/mnt/decoy" --allow-root-hash="$RS" --no-dm
check "its content is there" test -s "$W/mnt/decoy/opt/extra"
check "close it" parma-verity close sep --state-dir="$ST"

# An ext4 layer (as hcsshim's tar2ext4 makes), the tree in a separate file.
mkdir -p "$W/src4"; echo ext4-layer >"$W/src4/marker"
truncate -s 4M "$W/e4.img"; mkfs.ext4 -q -F -d "$W/src4" "$W/e4.img"
R4=$(parma-verity format "$W/e4.img" "$W/e4.hash" --salt=$Z | awk '/^Root hash/{print $3}')
check "open an ext4 layer" parma-verity open "$W/e4.img" e4 "$W/e4.hash" "$R4" --salt=$Z \
  --state-dir="$ST" --mount="$W/mnt/decoy" --allow-root-hash="$R4" --no-dm
check "ext4 layer mounted read-only" grep -q " $W/mnt/decoy ro,.* - ext4 " /proc/self/mountinfo
check_eq "ext4 layer content" "$(cat "$W/mnt/decoy/marker" 2>&1)" "ext4-layer"
check "close the ext4 layer" parma-verity close e4 --state-dir="$ST"

# Bonus: runc runs a container on the verified rootfs, at the private path
# check-rootfs names (what parma-runc create hands runc).
if command -v runc >/dev/null && command -v jq >/dev/null; then
  B=$W/bundle; mkdir -p "$B"; (cd "$B" && runc spec)
  jq --arg r "$P" '.root.path = $r | .root.readonly = false | .process.terminal = false | .process.args = ["cat", "/etc/layer"]' \
    "$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
  out=$(cd "$B" && timeout 30 runc --root "$W/runc" run "verity-$$" 2>&1)
  check_eq "runc runs on the verified rootfs (its private path)" "$out" "verified-top"
  runc --root "$W/runc" delete -f "verity-$$" >/dev/null 2>&1
else
  skip "runc runs on the verified rootfs (its private path)" "runc or jq missing"
fi

# LOOP_CHANGE_FD swaps the file under a read-only loop device (same size):
# the stack check compares the loop's backing inode with the sealed copy's.
if command -v python3 >/dev/null; then
  dev=$(jq -r .device "$ST/layers/top.json")
  head -c "$(blockdev --getsize64 "$dev")" /dev/zero >"$W/swap.img"
  if python3 - "$dev" "$W/swap.img" <<'PY'
import fcntl, os, sys
d = os.open(sys.argv[1], os.O_RDONLY)
f = os.open(sys.argv[2], os.O_RDONLY)
fcntl.ioctl(d, 0x4C06, f)  # LOOP_CHANGE_FD
PY
  then
    check_match "the swap happened (loop now backed by the host's file)" "$(losetup -n -O BACK-FILE "$dev")" "swap.img"
    err=$(pcheck "$RFS" "$R1" "$R2" 2>&1)
    check_match "loop device re-pointed with LOOP_CHANGE_FD refused at check-rootfs" "$err" "no longer backed by the verified copy"
    err=$(parma-verity open-rootfs rfc "$W/ov3" base top --state-dir="$ST" 2>&1)
    check_match "... and at open-rootfs" "$err" "no longer backed by the verified copy"
  else
    skip "loop device re-pointed with LOOP_CHANGE_FD refused at check-rootfs" "LOOP_CHANGE_FD not permitted here"
    skip "... the swap happened" "LOOP_CHANGE_FD not permitted here"
    skip "... and at open-rootfs" "LOOP_CHANGE_FD not permitted here"
  fi
else
  skip "loop device re-pointed with LOOP_CHANGE_FD refused at check-rootfs" "python3 missing"
  skip "... the swap happened" "python3 missing"
  skip "... and at open-rootfs" "python3 missing"
fi

# close-rootfs takes down whatever is mounted at STATE/rootfs/NAME.root
# and NAME.d (only parma mounts there), and leaves the target, the host's
# directory, alone.
# A process using the rootfs (here this shell, with a directory open in
# it) does not stop it (lazy unmount): it keeps what it has, nothing new
# can reach the rootfs.
exec 9<"$P"
mount -t tmpfs tmpfs "$RFS"; mount -t tmpfs tmpfs "$P"
check "close-rootfs of a rootfs with a cover over its overlay, a process inside" parma-verity close-rootfs rf --state-dir="$ST"
check "close-rootfs removed the overlay, the cover, the scratch, the record and the directories" nothing_left rf
check "... the process inside still sees the verified layers" test -x "/proc/$$/fd/9/bin/busybox"
exec 9<&-
check_match "... and left the host's own mount at the target" "$(mi "$RFS")" " - tmpfs "
umount "$RFS"
check_fails "close-rootfs of an unknown rootfs fails" parma-verity close-rootfs rf --state-dir="$ST"
# What a killed open-rootfs leaves (directories, a scratch mount, no
# record) is taken down too.
mkdir "$ST/rootfs/ghost.d" "$ST/rootfs/ghost.root"; mount -t tmpfs tmpfs "$ST/rootfs/ghost.d"
check "close-rootfs of a killed build's leftovers (no record)" parma-verity close-rootfs ghost --state-dir="$ST"
check "... leaves nothing" nothing_left ghost
mkdir "$ST/rootfs/ghost2.root"; mount -t tmpfs tmpfs "$ST/rootfs/ghost2.root"; mount -t tmpfs tmpfs "$ST/rootfs/ghost2.root"
check "close-rootfs of a leftover overlay directory with two mounts on it" parma-verity close-rootfs ghost2 --state-dir="$ST"
check "... leaves nothing" nothing_left ghost2
# close of a covered layer: refused, so its verified mount is not left
# mounted under the cover without a record.
mount -t tmpfs tmpfs "$W/mnt/l1"
check_match "close of a covered layer refused, EBUSY" "$(parma-verity close base --state-dir="$ST" 2>&1)" \
  "layer .base.: its verified mount is still mounted at .$W/mnt/l1., not on top.*Device or resource busy"
check "... its record and its mount under the cover are kept" sh -c \
  "test -s '$ST/layers/base.json' && grep -q ' $W/mnt/l1 ro,.* - squashfs ' /proc/self/mountinfo"
umount "$W/mnt/l1"
check "close layer 1" parma-verity close base --state-dir="$ST"
check "close layer 2" parma-verity close top --state-dir="$ST"
# A layer mount the host already removed: nothing is left to protect.
umount "$W/mnt/l3"
check "close of layer 3, unmounted by the host, removes its record" parma-verity close extra --state-dir="$ST"
check "close removed the mounts" sh -c "! grep -q ' $W/mnt/l[123] ' /proc/self/mountinfo"
check "close removed the records" sh -c "! ls '$ST/layers/'*.json 2>/dev/null | grep -q ."
check_eq "nothing parma mounted is left below the work dir (no overlay, no scratch tmpfs)" \
  "$(awk -v w="$W/" -v s="$ST/rootfs/" 'index($5, w) == 1 {
      for (i = 7; $i != "-"; i++) ; if ($(i + 2) == "parma-rootfs" || index($5, s) == 1) print $5 }' /proc/self/mountinfo)" ""
check_fails "close of an unknown layer fails" parma-verity close base --state-dir="$ST"
# Every check above ran (none lost to an early exit or a skipped branch).
check_eq "checks counted" "$TAP_N" "$((LAYERS_PLAN - 1))"
done_testing
