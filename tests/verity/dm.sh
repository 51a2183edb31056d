#!/bin/bash
# The device-mapper path of verity/ (dm.c: DM_VERSION, DM_DEV_CREATE,
# DM_TABLE_LOAD, DM_DEV_SUSPEND, DM_DEV_REMOVE; activate.c's dm backend:
# loop devices, node in the state dir, mount, record, rollback), through
# `parma-verity open --dm-only` and through the runtime's `parma-runc
# mount-layer`.
# MOCK, loudly: this machine has no device-mapper (/dev/mapper/control), so
# an LD_PRELOAD shim (tests/verity/fake-dm-control.c) stands in for the
# control device, checks each request as drivers/md/dm-ioctl.c does, and
# has the real veritysetup check the table line against the image (see the
# shim's comment).  Block-level verification on read is NOT exercised here.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
if [ "$(id -u)" != 0 ] || [ ! -e /dev/loop-control ] || ! command -v tar2sqfs >/dev/null \
   || ! command -v veritysetup >/dev/null || ! command -v cc >/dev/null \
   || ! grep -qw squashfs /proc/filesystems; then
  skip "dm-verity through a stand-in control device" "needs root, loop devices, tar2sqfs, veritysetup, cc"
  done_testing; exit
fi
echo "# MOCK: /dev/mapper/control is an LD_PRELOAD ioctl stand-in (no device-mapper here)"
mkdir -p "$PARMA_WORK/verity"
W=$(realpath "$PARMA_WORK/verity")/dm
cleanup() {
  for _ in 1 2; do
    awk -v w="$W" 'index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | tac |
      while read -r m; do umount -l "$m" 2>/dev/null; done
  done
}
cleanup; rm -rf "$W"
trap cleanup EXIT
mkdir -p "$W/st" "$W/m"
if ! cc -shared -fPIC -O1 -o "$W/shim.so" "$PARMA_SRC/tests/verity/fake-dm-control.c" -ldl 2>"$W/cc.log"; then
  not_ok "build the control-device stand-in" "$(cat "$W/cc.log")"; done_testing; exit
fi
: >"$W/control"
export FAKE_DM_CONTROL=$W/control FAKE_DM_LOG=$W/log
dm() { : >"$W/log"; LD_PRELOAD=$W/shim.so "$@"; }
Z=$(printf '0%.0s' {1..64})
S=$(printf '5a%.0s' {1..20})

# A busybox layer image (squashfs, as mkimage makes them).
tar --numeric-owner --owner=0 --group=0 -C "$(rootfs_dir)" -cf "$W/l.tar" .
parma-verity mkimage "$W/l.tar" "$W/l.img" || not_ok "mkimage"
SZ=$(stat -c %s "$W/l.img"); N=$((SZ / 4096))
root() { sed -n 's/^Root hash:[[:space:]]*//p'; }

# open_case NAME DATA HASH ROOT EXPECT-TAIL [options]: opens through the
# stand-in and compares the table line with the one veritysetup's rules give
# ("0 <sectors> verity <type> <data> <hash> ...", cryptsetup's
# get_dm_verity_params): EXPECT-TAIL is everything after the two devices.
open_case() {
  local name=$1 data=$2 hash=$3 r=$4 tail=$5; shift 5
  mkdir -p "$W/m/$name"
  out=$(dm parma-verity open "$data" "$name" "$hash" "$r" --state-dir="$W/st" --mount="$W/m/$name" \
    --dm-only --allow-root-hash="$r" "$@" 2>&1)
  check_eq "$name: open --dm-only through the stand-in ($out)" "$?" 0
  check_eq "$name: ioctl sequence" "$(grep -v '^backing\|^load\|^veritysetup' "$W/log" | tr '\n' ';')" \
    "open rdwr;version;create $name uuid=PARMA-VERITY-$name flags=ro;resume $name;"
  local line; line=$(sed -n 's/^load [^:]*: //p' "$W/log")
  check_match "$name: table line is veritysetup's" "$line" \
    "^0 $((N * 8)) verity [01] /dev/loop[0-9]+ /dev/loop[0-9]+ $tail\$"
  check_eq "$name: the table's devices are loops over the image and its tree" \
    "$(sed -n 's/^backing //p' "$W/log")" "$data $hash"
  check "$name: real veritysetup accepts the table's parameters on those devices" grep -qx 'veritysetup verify ok' "$W/log"
  check "$name: mounted read-only from the node in the state dir" \
    grep -q " $W/m/$name ro,.* - squashfs $W/st/layers/$name.dev " /proc/self/mountinfo
  check "$name: content visible" test -x "$W/m/$name/bin/busybox"
  check_match "$name: record says dm-verity" "$(cat "$W/st/layers/$name.json")" '"backend":"dm-verity".*"dm_name":"'"$name"'"'
}
close_case() {
  local name=$1
  check "$name: close through the stand-in" dm parma-verity close "$name" --state-dir="$W/st"
  check_eq "$name: DM_DEV_REMOVE sent" "$(tr '\n' ';' <"$W/log")" "open rdwr;remove $name;"
  check "$name: unmounted, node and record gone" sh -c "! grep -q ' $W/m/$name ' /proc/self/mountinfo && test ! -e '$W/st/layers/$name.dev' -a ! -e '$W/st/layers/$name.json'"
}

# 1. veritysetup's default form: separate hash file with a superblock.
R1=$(parma-verity format "$W/l.img" "$W/l.hash" --salt=$Z | root)
open_case sep "$W/l.img" "$W/l.hash" "$R1" "4096 4096 $N 1 sha256 $R1 $Z" --salt=$Z
check "sep: the stack check accepts the dm-verity mount" sh -c "
  mkdir -p '$W/t' && mount -t tmpfs tmpfs '$W/t' && mkdir -p '$W/t/u' '$W/t/w' '$W/ov' &&
  mount -t overlay overlay -o 'lowerdir=$W/m/sep,upperdir=$W/t/u,workdir=$W/t/w' '$W/ov' &&
  parma-verity check-rootfs '$W/ov' --state-dir='$W/st' --layer=$R1"
umount "$W/ov" "$W/t" 2>/dev/null
close_case sep

# 2. hcsshim's form: superblock and tree appended to the image.
cp "$W/l.img" "$W/app.img"
R2=$(parma-verity format "$W/app.img" "$W/app.img" --hash-offset="$SZ" --data-blocks=$N --salt=$Z | root)
check_eq "appended: same root" "$R2" "$R1"
open_case app "$W/app.img" "$W/app.img" "$R2" "4096 4096 $N $((N + 1)) sha256 $R2 $Z" --salt=$Z --hash-offset="$SZ" --data-blocks=$N
check_match "app: one loop device serves data and tree" "$(sed -n 's/^load [^:]*: //p' "$W/log")" \
  ' (/dev/loop[0-9]+) \1 '
close_case app

# 3. sha512, a 20-byte salt, 1 KiB hash blocks.
R3=$(parma-verity format "$W/l.img" "$W/l512.hash" --hash=sha512 --salt=$S --hash-block-size=1024 | root)
open_case s512 "$W/l.img" "$W/l512.hash" "$R3" "4096 1024 $N 1 sha512 $R3 $S" --hash=sha512 --salt=$S --hash-block-size=1024
close_case s512

# 4. Chrome OS format 0, no salt, no superblock (hash start 0, salt "-").
R4=$(parma-verity format "$W/l.img" "$W/l0.hash" --format=0 --salt=- --no-superblock | root)
open_case f0 "$W/l.img" "$W/l0.hash" "$R4" "4096 4096 $N 0 sha256 $R4 -" --format=0 --salt=- --no-superblock
check_match "f0: format 0 in the table" "$(sed -n 's/^load [^:]*: //p' "$W/log")" '^0 [0-9]+ verity 0 '
close_case f0

# 5. A tampered image: the stand-in's veritysetup rejects the table, the
#    load fails, and open rolls back (DM_DEV_REMOVE, no node, no record).
cp "$W/l.img" "$W/bad.img"
printf 'X' | dd of="$W/bad.img" bs=1 seek=$((SZ / 2)) conv=notrunc 2>/dev/null
mkdir -p "$W/m/bad"
out=$(dm parma-verity open "$W/bad.img" bad "$W/l.hash" "$R1" --salt=$Z --state-dir="$W/st" --mount="$W/m/bad" \
  --dm-only --allow-root-hash="$R1" 2>&1)
check_match "tampered: open fails at the table load" "$out" 'device-mapper load table .bad.'
check_eq "tampered: rolled back" "$(grep -v '^backing\|^load' "$W/log" | tr '\n' ';')" \
  "open rdwr;version;create bad uuid=PARMA-VERITY-bad flags=ro;REFUSED veritysetup verify rejects the table;open rdwr;remove bad;"
check "tampered: nothing mounted, no node, no record" sh -c "! grep -q ' $W/m/bad ' /proc/self/mountinfo && test ! -e '$W/st/layers/bad.dev' -a ! -e '$W/st/layers/bad.json'"
# 6. The kernel refusing the table: same rollback.
out=$(FAKE_DM_MODE=fail-load dm parma-verity open "$W/l.img" bad "$W/l.hash" "$R1" --salt=$Z --state-dir="$W/st" \
  --mount="$W/m/bad" --dm-only --allow-root-hash="$R1" 2>&1)
check_match "table refused: open fails" "$out" 'device-mapper load table'
check_match "table refused: device removed" "$(tr '\n' ';' <"$W/log")" 'REFUSED fail-load mode;open rdwr;remove bad;$'
# 7. The device-mount rule is checked before any ioctl.
out=$(dm parma-verity open "$W/l.img" other "$W/l.hash" "$R1" --salt=$Z --state-dir="$W/st" --mount="$W/m/bad" \
  --dm-only --allow-root-hash="$R3" 2>&1)
check_match "unlisted root: refused" "$out" 'device-mount rule'
check_eq "unlisted root: no ioctl at all" "$(cat "$W/log")" ""

# 8. The runtime's activation picks dm-verity when the control device is
#    there (no fallback warning), under the pinned policy.
. "$PARMA_SRC/tests/lib/runtime.sh"
rt_init verity-dm
make_bundle "$RT/ok/b" sleep 30 >/dev/null
parma-policy gen --bundle "$RT/ok/b" -o "$RT/policy.json"
jq --arg r "$R1" '.containers[0].layers = [$r]' "$RT/policy.json" >"$RT/p.tmp" && mv "$RT/p.tmp" "$RT/policy.json"
H=$(parma-policy hash "$RT/policy.json" | head -n1)
rt_config /usr/sbin/runc ".policy = \"$RT/policy.json\" | .attestation.sim_host_data = \"$H\""
mkdir -p "$RT/ok/layer"
out=$(dm parma-runc mount-layer --mount "$RT/ok/layer" --hash-file "$W/l.hash" rtlayer "$W/l.img" "$R1" 2>&1)
check_eq "runtime: mount-layer through the stand-in ($out)" "$?" 0
check_eq "runtime: no fallback warning (dm-verity was used)" "$(grep -c memfd-loop <<<"$out")" 0
check_match "runtime: table line" "$(sed -n 's/^load [^:]*: //p' "$W/log")" \
  "^0 $((N * 8)) verity 1 /dev/loop[0-9]+ /dev/loop[0-9]+ 4096 4096 $N 1 sha256 $R1 $Z\$"
check_match "runtime: record is dm-verity under the pinned policy" "$(cat "$RT/state/layers/layers/rtlayer.json")" \
  "\"backend\":\"dm-verity\".*\"policy_sha256\":\"$H\""
check "runtime: unmount-layer through the stand-in" dm parma-runc unmount-layer rtlayer
check_eq "runtime: DM_DEV_REMOVE sent" "$(tr '\n' ';' <"$W/log")" "open rdwr;remove rtlayer;"
done_testing
