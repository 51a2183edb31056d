#!/bin/bash
# parma-verity against the real veritysetup (the oracle): seeded random
# geometries, identical output lines and hash files; verify catches a flipped
# byte in data, in each tree level and in the superblock, and truncation.
set -u
. "$(dirname "$0")/../lib/tap.sh"
command -v veritysetup >/dev/null || { skip "veritysetup" "not installed"; done_testing; exit; }
W=$PARMA_WORK/verity/compat
rm -rf "$W"; mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
U=12345678-1234-5678-9abc-123456789abc

# Deterministic pseudo-random numbers (LCG, fixed seed).  rnd N sets R in
# 0..N-1 (no subshell, so the state advances).
SEED=20261123
rnd() { SEED=$(( (SEED * 1103515245 + 12345) % 2147483648 )); R=$(( (SEED >> 8) % $1 )); }
hexbytes() { HEX=""; for ((k = 0; k < $1; k++)); do rnd 256; printf -v h2 '%02x' "$R"; HEX+=$h2; done; }

sizes=(512 1024 2048 4096 8192)
hashes=(sha1 sha256 sha512)
for i in $(seq 1 20); do
  rnd 5; dbs=${sizes[R]}; rnd 5; hbs=${sizes[R]}; rnd 3; h=${hashes[R]}; rnd 2; fmt=$R
  rnd 700; nblocks=$(( 1 + R )); rnd 3; extra=$R   # extra bytes: a trailing partial block
  [ "$i" = 1 ] && nblocks=1                        # the 0-level case
  rnd 4; case $R in 0) salt=- ;; 1) hexbytes 1; salt=$HEX ;; 2) hexbytes 32; salt=$HEX ;; *) hexbytes 256; salt=$HEX ;; esac
  opts="--hash=$h --format=$fmt --data-block-size=$dbs --hash-block-size=$hbs --salt=$salt"
  rnd 3; [ "$R" = 0 ] && opts+=" --no-superblock" || opts+=" --uuid=$U"
  rnd 4; [ "$R" = 0 ] && opts+=" --data-blocks=$(( (nblocks + 1) / 2 ))"
  f=$W/in$i.img
  head -c $(( nblocks * dbs + extra * 100 )) /dev/urandom >"$f"
  want=$(veritysetup format "$f" "$W/v$i.hash" $opts 2>&1)
  got=$(parma-verity format "$f" "$W/p$i.hash" $opts --threads=$(( 1 + i % 3 )) 2>&1)
  want=${want//v$i.hash/X}; got=${got//p$i.hash/X}
  check_eq "random $i ($opts, $nblocks blocks): format output" "$got" "$want"
  check "random $i: hash file bytes" cmp "$W/v$i.hash" "$W/p$i.hash"
  root=$(awk '/^Root hash/{print $3}' <<<"$want")
  vopts=""; [[ $opts == *--no-superblock* ]] && vopts=$opts
  check "random $i: veritysetup verifies parma's tree" veritysetup verify "$f" "$W/p$i.hash" "$root" $vopts
  check "random $i: root-hash" test "$(parma-verity root-hash "$f" $opts)" = "$root"
  rm -f "$f" "$W/v$i.hash" "$W/p$i.hash"
done

# Hash area at an offset in a separate file, with and without superblock.
for o in "--hash-offset=8192" "--hash-offset=4608" "--hash-offset=8192 --no-superblock" \
         "--hash-offset=1024 --hash-block-size=512 --no-superblock"; do
  head -c 300000 /dev/urandom >"$W/o.img"; rm -f "$W/v.h" "$W/p.h"
  want=$(veritysetup format "$W/o.img" "$W/v.h" --salt=0011 --uuid=$U $o 2>&1 | sed 1d)
  got=$(parma-verity format "$W/o.img" "$W/p.h" --salt=0011 --uuid=$U $o 2>&1 | sed 1d)
  check_eq "separate hash file $o: output" "$got" "$want"
  check "separate hash file $o: bytes" cmp "$W/v.h" "$W/p.h"
done

# Appended layout (hcsshim), dump output.
head -c 1048576 /dev/urandom >"$W/a.img"; cp "$W/a.img" "$W/b.img"
veritysetup format "$W/a.img" "$W/a.img" --hash-offset=1048576 --data-blocks=256 --salt=- --uuid=$U >"$W/a.out"
parma-verity format "$W/b.img" "$W/b.img" --hash-offset=1048576 --data-blocks=256 --salt=- --uuid=$U >"$W/b.out"
check "appended layout: image bytes" cmp "$W/a.img" "$W/b.img"
check_eq "appended layout: output" "$(sed 1d "$W/b.out")" "$(sed 1d "$W/a.out")"
check_eq "dump --hash-offset" "$(parma-verity dump "$W/b.img" --hash-offset=1048576 | sed 1d)" \
  "$(veritysetup dump "$W/a.img" --hash-offset=1048576 | sed 1d)"
check_fails "overlapping hash offset refused" parma-verity format "$W/b.img" "$W/b.img" --hash-offset=4096 --salt=-

# Corruption: 300 blocks of 512 with 512-byte hash blocks and sha256 gives
# three levels (hpb 16): 19 leaf blocks, 2, then the top block.
head -c $((300 * 512)) /dev/urandom >"$W/d.img"
out=$(parma-verity format "$W/d.img" "$W/d.hash" --data-block-size=512 --hash-block-size=512 --salt=00 --uuid=$U)
root=$(awk '/^Root hash/{print $3}' <<<"$out")
check "verify: intact" parma-verity verify "$W/d.img" "$W/d.hash" "$root"
check_eq "dump equals veritysetup dump" "$(parma-verity dump "$W/d.hash")" "$(veritysetup dump "$W/d.hash")"
flip() { # FILE OFFSET: xor one byte with 0x01
  local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $(( b ^ 1 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
expect_bad() { # NAME FILE OFFSET WANT_RC [WANT_LINE [wrongroot]]
  local name=$1 file=$2 off=$3 want=$4 line=${5:-} r=$root err rc vrc
  cp "$file" "$file.orig"
  if [ "${6:-}" = wrongroot ]; then c=${root:10:1}; [ "$c" = 0 ] && c=1 || c=0; r=${root:0:10}$c${root:11}; else flip "$file" "$off"; fi
  err=$(parma-verity verify "$W/d.img" "$W/d.hash" "$r" 2>&1); rc=$?
  veritysetup verify "$W/d.img" "$W/d.hash" "$r" >/dev/null 2>&1; vrc=$?
  mv "$file.orig" "$file"
  if [ "$rc" = "$want" ] && [ "$vrc" != 0 ] && { [ -z "$line" ] || grep -qF "$line" <<<"$err"; }; then ok "$name"
  else not_ok "$name" "rc=$rc (want $want) veritysetup rc=$vrc: $err"; fi
}
expect_bad "verify: flipped data byte" "$W/d.img" 70000 2 "Verification failed at position 69632."
# Superblock at 0, tree from 512: top block at 512, the middle level's two
# blocks at 1024 and 1536, the 19 leaf blocks from 2048 (file end 11776).
# Positions as veritysetup reports them: the block whose digest is wrong.
expect_bad "verify: flipped byte in the top level" "$W/d.hash" 520 2 "Verification failed at position 1024."
expect_bad "verify: flipped byte in the middle level" "$W/d.hash" 1600 2 "Verification failed at position 11264."
expect_bad "verify: flipped byte in the leaf level" "$W/d.hash" 3000 2 "Verification failed at position 14848."
expect_bad "verify: flipped spare byte in the last leaf block" "$W/d.hash" 11700 2 "Spare area is not zeroed at position 11648."
expect_bad "verify: wrong root hash" "$W/d.hash" 0 1 "Verification of root hash failed." wrongroot
expect_bad "verify: flipped salt byte in the superblock" "$W/d.hash" 88 2 "Verification failed at position 0."
expect_bad "verify: flipped data_blocks in the superblock" "$W/d.hash" 72 1
cp "$W/d.img" "$W/t.img"; truncate -s $((299 * 512)) "$W/t.img"
check_fails "verify: truncated data" parma-verity verify "$W/t.img" "$W/d.hash" "$root"
cp "$W/d.hash" "$W/t.hash"; truncate -s 11000 "$W/t.hash"
check_fails "verify: truncated hash file" parma-verity verify "$W/d.img" "$W/t.hash" "$root"
# --root-hash-file: written as veritysetup writes it, read back by verify.
veritysetup format "$W/d.img" "$W/v.hash" --data-block-size=512 --hash-block-size=512 --salt=00 --root-hash-file="$W/v.root" >/dev/null
parma-verity format "$W/d.img" "$W/p.hash" --data-block-size=512 --hash-block-size=512 --salt=00 --root-hash-file="$W/p.root" >/dev/null
check "--root-hash-file: same bytes as veritysetup's" cmp "$W/v.root" "$W/p.root"
check "verify --root-hash-file" parma-verity verify "$W/d.img" "$W/p.hash" --root-hash-file="$W/v.root"
check "veritysetup verify reads ours" veritysetup verify "$W/d.img" "$W/p.hash" --root-hash-file="$W/p.root"
check_fails "verify without any root hash" parma-verity verify "$W/d.img" "$W/p.hash"
check_fails "dump: not a verity file" parma-verity dump "$W/d.img"
check_fails "verify: option contradicting the superblock" parma-verity verify "$W/d.img" "$W/d.hash" "$root" --salt=01
check_fails "root-hash without --salt refused" parma-verity root-hash "$W/d.img"
check_fails "bad --hash refused" parma-verity format "$W/d.img" "$W/x.hash" --hash=md5 --salt=-
head -c 100 /dev/zero >"$W/tiny.img"
check_fails "format of a file smaller than a block fails" parma-verity format "$W/tiny.img" "$W/tiny.hash" --salt=-
check "and creates no hash file" test ! -e "$W/tiny.hash"
check_fails "bad block size refused" parma-verity format "$W/d.img" "$W/x.hash" --data-block-size=1000 --salt=-
done_testing
