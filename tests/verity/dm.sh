#!/bin/bash
# The device-mapper path of verity/ (dm.c: DM_VERSION, DM_DEV_CREATE,
# DM_TABLE_LOAD, DM_DEV_SUSPEND, DM_TABLE_STATUS, DM_DEV_REMOVE; activate.c's
# dm backend: loop devices, node in the state dir, mount, record, rollback),
# through `parma-verity open --dm-only` and through the runtime's
# `parma-runc mount-layer`, and the rootfs built over a dm-verity layer (open-rootfs,
# check-rootfs, close-rootfs), and the table check (dm.c verity_dm_check:
# DM_TABLE_STATUS) that refuses a layer whose dm device a root caller has
# reloaded, or is about to, under the mount.
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
if ! cc -shared -fPIC -O1 -o "$W/shim.so" "$PARMA_SRC/tests/verity/fake-dm-control.c" -ldl 2>"$W/cc.log" ||
   ! cc -DFAKE_DM_TOOL -O1 -o "$W/fake-dm" "$PARMA_SRC/tests/verity/fake-dm-control.c" -ldl 2>>"$W/cc.log"; then
  not_ok "build the control-device stand-in" "$(cat "$W/cc.log")"; done_testing; exit
fi
: >"$W/control"
export FAKE_DM_CONTROL=$W/control FAKE_DM_LOG=$W/log
dm() { : >"$W/log"; LD_PRELOAD=$W/shim.so ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} "$@"; }
# A root caller on the same "kernel": DM_TABLE_LOAD, resume, DM_TABLE_STATUS
# (the stand-in built as a tool; it loads any verity or linear table).
fdm() { "$W/fake-dm" "$@"; }
# The number of checks this script runs (the last one compares it).
DM_PLAN=104
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
    "open rdwr;version;create $name uuid=PARMA-VERITY-$name flags=ro;resume $name;open rdwr;status $name;"
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
  local tab; tab=$(jq -r .dm_table "$W/st/layers/$name.json")
  check_match "$name: record keeps the live table, devices by number" "$tab" \
    "^0 $((N * 8)) verity [01] [0-9]+:[0-9]+ [0-9]+:[0-9]+ $tail\$"
  check_eq "$name: ... the table the device reports (DM_TABLE_STATUS)" "$(fdm status "$name" | cut -d' ' -f4-)" "$tab"
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
# The rootfs over the dm-verity layer: parma builds the overlay from the
# layer mount (reopened, proved, passed by fd); no dm ioctl is involved.
mkdir -p "$W/ov" "$W/hov" "$W/t"
mi() { awk -v m="$1" '$5 == m' /proc/self/mountinfo; }
out=$(dm parma-verity open-rootfs dmrf "$W/ov" sep --state-dir="$W/st" 2>&1)
check_eq "sep: open-rootfs over the dm-verity layer ($out)" "$?" 0
check_eq "sep: open-rootfs only reads the layer's dm table" "$(tr '\n' ';' <"$W/log")" "open rdwr;status sep;"
# (mounted privately in the state dir; the target only names it)
check "sep: the rootfs shows the layer" test -x "$W/st/rootfs/dmrf.root/bin/busybox"
check_match "sep: parma's overlay, scratch on tmpfs" "$(mi "$W/st/rootfs/dmrf.root") $(mi "$W/st/rootfs/dmrf.d")" \
  " - overlay parma-rootfs .* - tmpfs "
check_match "sep: rootfs record keeps the dm-verity layer" "$(cat "$W/st/rootfs/dmrf.json" 2>&1)" \
  "\"backend\":\"dm-verity\".*\"device\":\"$W/st/layers/sep.dev\".*\"root_hash\":\"$R1\""
check "sep: the stack check accepts it" dm parma-verity check-rootfs "$W/ov" --state-dir="$W/st" --layer="$R1"
check_match "sep: another root hash refused" \
  "$(dm parma-verity check-rootfs "$W/ov" --state-dir="$W/st" --layer="$Z" 2>&1)" "has root hash $R1, the policy wants $Z"
check_match "sep: a policy listing more layers refused" \
  "$(dm parma-verity check-rootfs "$W/ov" --state-dir="$W/st" --layer="$R1" --layer="$R1" 2>&1)" "has 1 verified layers, the policy lists 2"

# A root caller reloads the dm device under the mounted layer (DM_TABLE_LOAD,
# then resume): the overlay would read whatever the new table maps.  Both
# open-rootfs and the stack check read the live table back and refuse.
T=$(jq -r .dm_table "$W/st/layers/sep.json"); P=${T#0 * verity }; L=$((N * 8))
chk() { dm parma-verity check-rootfs "$W/ov" --state-dir="$W/st" --layer="$R1" 2>&1; }
mkdir -p "$W/ov2"
orf() { dm parma-verity open-rootfs dmrf2 "$W/ov2" sep --state-dir="$W/st" 2>&1; }
no_ov2() { ! grep -q " $W/ov2 " /proc/self/mountinfo && test ! -e "$W/st/rootfs/dmrf2.json" -a ! -e "$W/st/rootfs/dmrf2.d"; }
check_match "stand-in: DM_TABLE_STATUS answers active, read-only, one target" "$(fdm status sep)" \
  "^A-R-- [0-9]+ 1 0 $L verity "
check_match "stand-in: a buffer too small for the line sets DM_BUFFER_FULL_FLAG" "$(fdm status sep small)" "^A-R-F [0-9]+ 1\$"
fdm load sep verity $L "${P/$R1/$Z}" >/dev/null
check_eq "stand-in: a load is pending (inactive present), the live table unchanged" \
  "$(fdm status sep | cut -d' ' -f1,4-) / $(fdm status sep inactive | cut -d' ' -f4-)" "AIR-- $T / 0 $L verity ${P/$R1/$Z}"
check_match "reload pending: check-rootfs refused" "$(chk)" \
  "layer .sep.: dm-verity device .sep. has an inactive table loaded .*Permission denied"
check_match "reload pending: open-rootfs refused" "$(orf)" "layer .sep.*inactive table loaded"
check "reload pending: ... nothing mounted or recorded" no_ov2
fdm resume sep
check_match "reloaded (another root hash): check-rootfs refused, EACCES" "$(chk)" \
  "live table .0 $L verity .*$Z.* is not the recorded .*reloaded.*Permission denied"
check_match "reloaded: open-rootfs refused" "$(orf)" "layer .sep.*is not the recorded"
check "reloaded: ... nothing mounted or recorded" no_ov2
fdm load sep verity $L "$P" >/dev/null && fdm resume sep
check "the recorded table back: check-rootfs accepts again" chk
DDEV=$(cut -d' ' -f2 <<<"$P")
fdm load sep linear $L "$DDEV 0" >/dev/null && fdm resume sep
check_match "reloaded as a linear map of the unverified data device: refused" "$(chk)" \
  "live table .0 $L linear $DDEV 0. is not the recorded"
fdm load sep verity $L "$P" rw >/dev/null && fdm resume sep
check_match "the recorded table reloaded read-write: refused" "$(chk)" "device .sep.: no read-only live table"
fdm load sep verity $L "$P" >/dev/null && fdm resume sep
# A dm-verity record without its table (older, or edited): fail closed.
cp "$W/st/layers/sep.json" "$W/sep.saved"
jq -c 'del(.dm_table)' "$W/sep.saved" >"$W/st/layers/sep.json"
check_match "record without dm_table: check-rootfs refused" "$(chk)" "layer .sep.: its record has no dm-verity table"
check_match "record without dm_table: open-rootfs refused" "$(orf)" "layer .sep.*no dm-verity table"
jq -c '.dm_minor += 1' "$W/sep.saved" >"$W/st/layers/sep.json"
check_match "record naming another dm device: check-rootfs refused" "$(chk)" \
  "layer .sep.: the mounted device is not its dm-verity device"
cp "$W/sep.saved" "$W/st/layers/sep.json"
check "record restored: check-rootfs accepts" chk
out=$(dm parma-verity close sep --state-dir="$W/st" 2>&1)
check_match "sep: close of the layer under the rootfs refused, EBUSY" "$out" "under rootfs .dmrf.*Device or resource busy"
check_eq "sep: ... before any device-mapper ioctl" "$(cat "$W/log")" ""
check "sep: ... the layer stays mounted" grep -q " $W/m/sep ro,.* - squashfs " /proc/self/mountinfo
mount -t tmpfs tmpfs "$W/t" && mkdir -p "$W/t/u" "$W/t/w" &&
  mount -t overlay overlay -o "lowerdir=$W/m/sep,upperdir=$W/t/u,workdir=$W/t/w" "$W/hov"
check_match "sep: a host-built overlay of the dm-verity mount refused" \
  "$(dm parma-verity check-rootfs "$W/hov" --state-dir="$W/st" --layer="$R1" 2>&1)" "names no rootfs built by"
umount "$W/hov" "$W/t"
check "sep: close-rootfs" parma-verity close-rootfs dmrf --state-dir="$W/st"
check "sep: close-rootfs left nothing mounted or recorded" sh -c "
  ! grep -q -e ' $W/ov ' -e ' $W/st/rootfs/' /proc/self/mountinfo && test ! -e '$W/st/rootfs/dmrf.json' -a ! -e '$W/st/rootfs/dmrf.d'"
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
  "\"backend\":\"dm-verity\".*\"dm_table\":\"0 $((N * 8)) verity .*\"policy_sha256\":\"$H\""
# mount-rootfs and create over it; create re-reads the dm table too.
TR=$(jq -r .dm_table "$RT/state/layers/layers/rtlayer.json"); PR=${TR#0 * verity }
mkdir -p "$RT/ok/rootfs" "$RT/ok/c"
out=$(dm parma-runc --root "$ROOT" mount-rootfs rtrf "$RT/ok/rootfs" rtlayer 2>&1)
check_eq "runtime: mount-rootfs over the dm-verity layer ($out)" "$?" 0
jq --arg r "$RT/ok/rootfs" '.root.path = $r' "$RT/ok/b/config.json" >"$RT/ok/c/config.json"
fdm load rtlayer verity $L "${PR/$R1/$Z}" >/dev/null && fdm resume rtlayer
out=$(dm parma-runc --root "$ROOT" create --bundle "$RT/ok/c" c1 </dev/null 2>&1); rc=$?
check_match "runtime: create on the reloaded dm-verity layer denied (rc $rc)" "$out" \
  "denied: create c1: .*layer .rtlayer.: dm-verity device .rtlayer.: live table .* is not the recorded"
check "runtime: ... no container" sh -c "! /usr/sbin/runc --root '$ROOT' state c1 >/dev/null 2>&1"
fdm load rtlayer verity $L "$PR" >/dev/null && fdm resume rtlayer
if dm parma-runc --root "$ROOT" create --bundle "$RT/ok/c" c1 </dev/null >"$RT/c1.out" 2>&1; then
  ok "runtime: the recorded table back, create is admitted"
else
  not_ok "runtime: the recorded table back, create is admitted" "$(cat "$RT/c1.out")"
fi
/usr/sbin/runc --root "$ROOT" delete --force c1 >/dev/null 2>&1
check "runtime: unmount-rootfs" dm parma-runc --root "$ROOT" unmount-rootfs rtrf
check "runtime: unmount-layer through the stand-in" dm parma-runc unmount-layer rtlayer
check_eq "runtime: DM_DEV_REMOVE sent" "$(tr '\n' ';' <"$W/log")" "open rdwr;remove rtlayer;"
# Every check above ran (none lost to an early exit).
check_eq "checks counted" "$TAP_N" "$((DM_PLAN - 1))"
done_testing
