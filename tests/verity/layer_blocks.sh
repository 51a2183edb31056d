#!/bin/bash
# mount-layer takes a layer's data block count from the pinned policy when
# the policy records one ({"root_hash", "data_blocks"}, parma-policy(5)):
# --data-blocks may then be omitted, and one that disagrees is denied
# (layer_integrity) with nothing mounted.  Why it matters is shown first: a
# dm-verity tree has no domain separation between levels, so the two hash
# blocks of level 0 of a 255-block layer, taken as a 2-block "image", have
# the very same root hash.  A policy without counts keeps the old contract
# (--data-blocks required for an appended tree).  No-dm fallback (memfd
# copy -> loop -> read-only mount), as tests/attacks/layers.sh.
. tests/lib/tap.sh
. tests/lib/rootfs.sh
. tests/lib/runtime.sh
. tests/lib/attacks.sh
if [ "$(id -u)" != 0 ] || [ ! -e /dev/loop-control ] || ! command -v tar2sqfs >/dev/null \
   || ! grep -qw squashfs /proc/filesystems; then
  skip "mount-layer with policy-recorded counts" "needs root, loop devices, tar2sqfs and squashfs"
  done_testing; exit
fi
at_init layer-blocks
V=$PARMA_BUILD/parma-verity
LS=$RT/state/layers
SALT=0000000000000000000000000000000000000000000000000000000000000000
MNT=$RT/ok/mnt          # under allowed_dirs
cleanup() {
  for _ in 1 2 3; do
    awk -v w="$RT" 'index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | tac |
      while read -r m; do umount -l "$m" 2>/dev/null; done
  done
}
trap cleanup EXIT
mkdir -p "$MNT"

# ---- two layers, trees appended (hcsshim layout): `counted` (the policy
# records its count) and `plain` (listed as a bare root hash) ----
RF=$(rootfs_dir)
mkdir -p "$RT/l-plain/etc"; echo plain >"$RT/l-plain/etc/plain"
tar --numeric-owner --owner=0 --group=0 -C "$RF" -cf "$RT/counted.tar" .
tar --numeric-owner --owner=0 --group=0 -C "$RT/l-plain" -cf "$RT/plain.tar" .
appended() { # NAME: mkimage, append the tree, set SIZE_NAME BLOCKS_NAME ROOT_NAME
  "$V" mkimage "$RT/$1.tar" "$RT/$1.img" >/dev/null || not_ok "mkimage $1"
  local size; size=$(stat -c %s "$RT/$1.img")
  local root; root=$("$V" format "$RT/$1.img" "$RT/$1.img" --hash-offset="$size" \
    --data-blocks=$((size / 4096)) --salt=$SALT | sed -n 's/^Root hash:[[:space:]]*//p')
  eval "SIZE_$1=$size BLOCKS_$1=$((size / 4096)) ROOT_$1=$root"
}
appended counted; appended plain
check_match "two layer roots" "$ROOT_counted $ROOT_plain" '^[0-9a-f]{64} [0-9a-f]{64}$'

# ---- the forged short image: level 0's hash blocks as data ----
# Appended layout: data | superblock block | tree, top level first; for
# BLOCKS_counted data blocks (129..16384) the tree is one top block over
# L0 = ceil(blocks / 128) blocks, which sit right after that top block.
L0=$(( (BLOCKS_counted + 127) / 128 ))
check "the counted layer has a two-level tree (129..16384 blocks: $BLOCKS_counted)" \
  test "$BLOCKS_counted" -gt 128 -a "$BLOCKS_counted" -le 16384
dd if="$RT/counted.img" of="$RT/short.img" bs=4096 skip=$((BLOCKS_counted + 2)) count="$L0" 2>/dev/null
SHORT_root=$("$V" format "$RT/short.img" "$RT/short.img" --hash-offset=$((L0 * 4096)) --data-blocks="$L0" \
  --salt=$SALT | sed -n 's/^Root hash:[[:space:]]*//p')
check_eq "premise: a $L0-block image of level-0 hash blocks has the $BLOCKS_counted-block layer's root" \
  "$SHORT_root" "$ROOT_counted"

# ---- policy: container 0 pins `counted` with its count; a second entry
# lists `plain` as a bare root hash ----
jq --arg c "$ROOT_counted" --argjson n "$BLOCKS_counted" --arg p "$ROOT_plain" \
  '.containers[0].layers = [{root_hash: $c, data_blocks: $n}]
   | .containers += [.containers[0] | .name = "plain" | .command = ["/bin/plain"] | .layers = [$p]]' \
  "$RT/policy.json" >"$RT/p.json.tmp" && mv "$RT/p.json.tmp" "$RT/policy.json"
HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/policy.json" | head -n1)
rm -rf "$RT/state/.pinned"   # a new policy means a new boot
at_config

ml() { # NAME IMAGE ROOT [extra flags]: parma-runc mount-layer on $MNT/layer-NAME
  local n=$1 img=$2 root=$3; shift 3
  mkdir -p "$MNT/layer-$n"
  "$PARMA" --root "$ROOT" mount-layer --mount "$MNT/layer-$n" "$@" "$n" "$img" "$root"
}
mounted() { grep -q " $MNT/layer-$1 ro,.* - squashfs /dev/loop" /proc/self/mountinfo && [ -e "$LS/layers/$1.json" ]; }
nothing_mounted() { ! grep -q " $MNT/layer-$1 " /proc/self/mountinfo && [ ! -e "$LS/layers/$1.json" ]; }
mkdir -p "$MNT/layer-bad"

# ---- the policy records the count ----
AT_REAL= denied "a --data-blocks other than the policy's is denied" \
  "layer_integrity: --data-blocks $((BLOCKS_counted - 1)) but the policy records $BLOCKS_counted for root $ROOT_counted" 1 \
  mount-layer --mount "$MNT/layer-bad" --data-blocks $((BLOCKS_counted - 1)) bad "$RT/counted.img" "$ROOT_counted"
check "  ... and nothing mounted" nothing_mounted bad
check_match "  ... and the denial is in the audit log" "$(tail -n1 "$RT/audit.log")" \
  "\"decision\":\"deny\".*\"layer_root_hash\":\"$ROOT_counted\".*\"reason\":\"layer_integrity: --data-blocks"
AT_REAL= denied "the forged short image with its own count is denied" \
  "layer_integrity: --data-blocks $L0 but the policy records $BLOCKS_counted" 1 \
  mount-layer --mount "$MNT/layer-bad" --data-blocks "$L0" bad "$RT/short.img" "$ROOT_counted"
# (an I/O error today, not a layer_integrity denial: activate() classifies
# only a root or superblock mismatch as one)
AT_REAL= rejected "the forged short image without --data-blocks: too short for the policy's count" \
  "data: $BLOCKS_counted blocks requested, file holds" 1 \
  mount-layer --mount "$MNT/layer-bad" bad "$RT/short.img" "$ROOT_counted"
check "  ... and nothing mounted" nothing_mounted bad
out=$(ml counted "$RT/counted.img" "$ROOT_counted" 2>&1); rc=$?
check_eq "--data-blocks omitted: the policy's count is used, mounted ($out)" "$rc" 0
check "  ... read-only squashfs from a loop device, with its record" mounted counted
check "  ... the layer's files are there" test -x "$MNT/layer-counted/bin/busybox"
check_match "  ... the audit log has the allow line" "$(tail -n1 "$RT/audit.log")" \
  "\"decision\":\"allow\".*\"layer_root_hash\":\"$ROOT_counted\".*\"policy_sha256\":\"$HASH\""
check "the same count given explicitly is fine" \
  ml counted2 "$RT/counted.img" "$ROOT_counted" --data-blocks "$BLOCKS_counted"
check "  ... mounted" mounted counted2

# A separate hash file (veritysetup's default layout): the count still
# comes from the policy, and a disagreeing one is still denied.
head -c "$SIZE_counted" "$RT/counted.img" >"$RT/counted-data.img"
"$V" format "$RT/counted-data.img" "$RT/counted.hash" --salt=$SALT >/dev/null
AT_REAL= denied "--hash-file: a disagreeing --data-blocks is denied too" \
  "layer_integrity: --data-blocks 1 but the policy records $BLOCKS_counted" 1 \
  mount-layer --mount "$MNT/layer-bad" --hash-file "$RT/counted.hash" --data-blocks 1 bad \
  "$RT/counted-data.img" "$ROOT_counted"
check "--hash-file without --data-blocks mounts" \
  ml counted3 "$RT/counted-data.img" "$ROOT_counted" --hash-file "$RT/counted.hash"
check "  ... mounted" mounted counted3

# ---- a bare root hash in the policy: the host's count, as before ----
AT_REAL= rejected "without a recorded count an appended tree still needs --data-blocks" \
  'data-blocks: required .*the policy records no data_blocks' 1 \
  mount-layer --mount "$MNT/layer-bad" bad "$RT/plain.img" "$ROOT_plain"
check "  ... and nothing mounted" nothing_mounted bad
check "with --data-blocks it mounts" ml plain "$RT/plain.img" "$ROOT_plain" --data-blocks "$BLOCKS_plain"
check "  ... mounted" mounted plain
check_eq "  ... the layer's file is there" "$(cat "$MNT/layer-plain/etc/plain" 2>&1)" plain

# ---- audit mode: layer_integrity is never let through (parma-runc(8)) ----
at_config "$FAKE" '.mode = "audit"'
AT_REAL= denied "audit mode: a disagreeing --data-blocks is still denied" \
  "layer_integrity: --data-blocks $L0 but the policy records $BLOCKS_counted" 1 \
  mount-layer --mount "$MNT/layer-bad" --data-blocks "$L0" bad "$RT/counted.img" "$ROOT_counted"
check "  ... and nothing mounted" nothing_mounted bad
check "audit mode: the policy's count still mounts" ml audited "$RT/counted.img" "$ROOT_counted"
check "  ... mounted" mounted audited
done_testing
