#!/bin/bash
# Verified layers end to end on the no-dm fallback: a busybox rootfs split
# into two OCI layer tars, each made into a squashfs image (mkimage), given
# an appended hash tree (hcsshim layout), opened verified (memfd copy ->
# loop -> read-only mount), overlaid with scratch on tmpfs, and the rootfs
# stack check; then the tricks a host would try, each of which must fail.
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

mount -t tmpfs -o size=16m tmpfs "$W/scratch"; mkdir -p "$W/scratch/"{u,w,u2,w2,u3,w3}
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/scratch/u,workdir=$W/scratch/w" "$W/rootfs"
check "rootfs: both layers visible" test -x "$W/rootfs/bin/busybox" -a -s "$W/rootfs/etc/layer"
check "rootfs: the whiteout hides bin/vi" test ! -e "$W/rootfs/bin/vi" -a ! -L "$W/rootfs/bin/vi"
check "stack check passes (policy layers base first)" \
  parma-verity check-rootfs "$W/rootfs" --state-dir="$ST" --layer="$R1" --layer="$R2"
err=$(parma-verity check-rootfs "$W/rootfs" --state-dir="$ST" --layer="$R2" --layer="$R1" 2>&1)
check_match "wrong order refused" "$err" "policy wants"
check_fails "a layer missing from the policy refused" parma-verity check-rootfs "$W/rootfs" --state-dir="$ST" --layer="$R2"
check_fails "a policy layer missing from the stack refused" parma-verity check-rootfs "$W/rootfs" --state-dir="$ST" --layer="$R1" --layer="$R2" --layer="$R3"
check_fails "no state (layers not opened by us) refused" parma-verity check-rootfs "$W/rootfs" --state-dir="$W/st0" --layer="$R1" --layer="$R2"
ln -s rootfs "$W/rootfs-link"
check_fails "rootfs path that is a symlink refused" parma-verity check-rootfs "$W/rootfs-link" --state-dir="$ST" --layer="$R1" --layer="$R2"
check_fails "a subdirectory of the overlay refused" parma-verity check-rootfs "$W/rootfs/etc" --state-dir="$ST" --layer="$R1" --layer="$R2"

# An extra, verified but unlisted layer on top.
check "open layer 3" popen extra l3 "$W/mnt/l3" --no-dm
mount -t overlay overlay -o "lowerdir=$W/mnt/l3:$W/mnt/l2:$W/mnt/l1,upperdir=$W/scratch/u2,workdir=$W/scratch/w2" "$W/ov2"
check_fails "extra unlisted lowerdir refused" parma-verity check-rootfs "$W/ov2" --state-dir="$ST" --layer="$R1" --layer="$R2"
check "the same stack passes when the policy lists it" parma-verity check-rootfs "$W/ov2" --state-dir="$ST" --layer="$R1" --layer="$R2" --layer="$R3"
umount "$W/ov2"

# A bind mount of a verified layer elsewhere, and a symlink to one.
mount --bind "$W/mnt/l1" "$W/bind1"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/bind1,upperdir=$W/scratch/u2,workdir=$W/scratch/w2" "$W/ov2"
check_fails "bind mount of a verified layer refused" parma-verity check-rootfs "$W/ov2" --state-dir="$ST" --layer="$R1" --layer="$R2"
umount "$W/ov2"
ln -s mnt/l1 "$W/link1"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/link1,upperdir=$W/scratch/u2,workdir=$W/scratch/w2" "$W/ov2"
check_fails "lowerdir that is a symlink to a verified mount refused" parma-verity check-rootfs "$W/ov2" --state-dir="$ST" --layer="$R1" --layer="$R2"
umount "$W/ov2"

# Upper dir on a disk filesystem (ext4 on a loop device).
truncate -s 8M "$W/disk.img"; mkfs.ext4 -q -F "$W/disk.img"
losetup -f --show "$W/disk.img" >"$W/loop.disk"
mount "$(cat "$W/loop.disk")" "$W/disk"; mkdir -p "$W/disk/u" "$W/disk/w"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/disk/u,workdir=$W/disk/w" "$W/ov2"
err=$(parma-verity check-rootfs "$W/ov2" --state-dir="$ST" --layer="$R1" --layer="$R2" 2>&1)
check_match "upper dir on ext4 refused" "$err" "not on tmpfs or dm-crypt"
check "upper dir on ext4 allowed with --allow-unencrypted-scratch" parma-verity check-rootfs "$W/ov2" --state-dir="$ST" --layer="$R1" --layer="$R2" --allow-unencrypted-scratch
umount "$W/ov2"

# Scratch must be blank: a planted file shadows the verified layers; overlay
# xattrs on the upper root are refused too (opaque/redirect markers).
mkdir -p "$W/scratch/u4/bin" "$W/scratch/w4" "$W/ov4"; printf '#!/bin/sh\necho owned\n' >"$W/scratch/u4/bin/sh"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/scratch/u4,workdir=$W/scratch/w4" "$W/ov4"
err=$(parma-verity check-rootfs "$W/ov4" --state-dir="$ST" --layer="$R1" --layer="$R2" 2>&1)
check_match "file planted in the upper dir refused" "$err" "is not empty"
umount "$W/ov4"; rm -rf "$W/scratch/u4"/* "$W/scratch/w4"/*
setfattr -n trusted.overlay.opaque -v y "$W/scratch/u4" 2>/dev/null || \
  python3 -c "import os,sys; os.setxattr(sys.argv[1], 'trusted.overlay.opaque', b'y')" "$W/scratch/u4"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/scratch/u4,workdir=$W/scratch/w4" "$W/ov4"
err=$(parma-verity check-rootfs "$W/ov4" --state-dir="$ST" --layer="$R1" --layer="$R2" 2>&1)
check_match "opaque xattr on the upper root refused" "$err" "overlay xattr"
umount "$W/ov4"

# A mount placed over a verified layer after the overlay: identity changes.
mount -t tmpfs tmpfs "$W/mnt/l1"
check_fails "verified layer covered by another mount refused" parma-verity check-rootfs "$W/rootfs" --state-dir="$ST" --layer="$R1" --layer="$R2"
umount "$W/mnt/l1"
check "passes again once the cover is gone" parma-verity check-rootfs "$W/rootfs" --state-dir="$ST" --layer="$R1" --layer="$R2"

# Decoy first: overlay built over an unverified mount at the layer's path,
# decoy detached, then the verified layer opened at the same path.
check "close layer 1 for the decoy test" parma-verity close base --state-dir="$ST"
mount -t tmpfs tmpfs "$W/mnt/l1"; cp -a "$RF/." "$W/mnt/l1/"; echo evil >"$W/mnt/l1/evil"
mount -t overlay overlay -o "lowerdir=$W/mnt/l2:$W/mnt/l1,upperdir=$W/scratch/u3,workdir=$W/scratch/w3" "$W/ov3"
umount -l "$W/mnt/l1"
check "reopen layer 1 at the decoy's path" popen base l1 "$W/mnt/l1" --no-dm
check "the decoy overlay really shows the decoy" test -e "$W/ov3/evil"
err=$(parma-verity check-rootfs "$W/ov3" --state-dir="$ST" --layer="$R1" --layer="$R2" 2>&1)
check_match "overlay older than its verified layer refused" "$err" "older than the verified mount"
umount "$W/ov3"

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

# Bonus: runc runs a container on the verified overlay.
if command -v runc >/dev/null && command -v jq >/dev/null; then
  B=$W/bundle; mkdir -p "$B"; (cd "$B" && runc spec)
  jq --arg r "$W/rootfs" '.root.path = $r | .root.readonly = false | .process.terminal = false | .process.args = ["cat", "/etc/layer"]' \
    "$B/config.json" >"$B/c.json" && mv "$B/c.json" "$B/config.json"
  out=$(cd "$B" && timeout 30 runc --root "$W/runc" run "verity-$$" 2>&1)
  check_eq "runc runs on the verified overlay" "$out" "verified-top"
  runc --root "$W/runc" delete -f "verity-$$" >/dev/null 2>&1
else
  skip "runc runs on the verified overlay" "runc or jq missing"
fi

# LOOP_CHANGE_FD swaps the file under a read-only loop device (same size):
# the stack check compares the loop's backing inode with the sealed copy's.
if command -v python3 >/dev/null && python3 -c 'import fcntl' 2>/dev/null; then
  dev=$(jq -r .device "$ST/layers/top.json")
  head -c "$(blockdev --getsize64 "$dev")" /dev/zero >"$W/swap.img"
  if python3 - "$dev" "$W/swap.img" <<'PY'
import fcntl, os, sys
d = os.open(sys.argv[1], os.O_RDONLY)
f = os.open(sys.argv[2], os.O_RDONLY)
fcntl.ioctl(d, 0x4C06, f)  # LOOP_CHANGE_FD
PY
  then
    err=$(parma-verity check-rootfs "$W/rootfs" --state-dir="$ST" --layer="$R1" --layer="$R2" 2>&1)
    check_match "loop device re-pointed with LOOP_CHANGE_FD refused" "$err" "no longer backed by the verified copy"
  else
    skip "loop device re-pointed with LOOP_CHANGE_FD refused" "LOOP_CHANGE_FD not permitted here"
  fi
else
  skip "loop device re-pointed with LOOP_CHANGE_FD refused" "python3 missing"
fi

umount "$W/rootfs"
check "close layer 1" parma-verity close base --state-dir="$ST"
check "close layer 2" parma-verity close top --state-dir="$ST"
check "close layer 3" parma-verity close extra --state-dir="$ST"
check "close removed the mounts" sh -c "! grep -q ' $W/mnt/l[123] ' /proc/self/mountinfo"
check "close removed the records" sh -c "! ls '$ST/layers/'*.json 2>/dev/null | grep -q ."
check_fails "close of an unknown layer fails" parma-verity close base --state-dir="$ST"
done_testing
