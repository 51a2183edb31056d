#!/bin/bash
# Runs every libFuzzer target in BUILDDIR/fuzz for SECONDS each, on its seed
# corpus tests/fuzz/corpus/<target>/ (copied, so runs never grow the tree),
# and prints executions per second.  A crash fails the run; its input is kept
# in BUILDDIR/fuzz/crashes/ and belongs in the corpus as a regression test.
set -u
BUILD=${1:?usage: tests/fuzz/run.sh BUILDDIR SECONDS}
SECONDS_EACH=${2:-10}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
fail=0 pass=0
mkdir -p "$BUILD/fuzz/crashes"
for t in "$BUILD"/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  corpus=$BUILD/fuzz/corpus-$name
  rm -rf "$corpus"; mkdir -p "$corpus"
  [ -d "$SRC/tests/fuzz/corpus/$name" ] && cp -r "$SRC/tests/fuzz/corpus/$name/." "$corpus/"
  dict=()
  [ -f "$SRC/tests/fuzz/$name.dict" ] && dict=(-dict="$SRC/tests/fuzz/$name.dict")
  [ -f "$SRC/tests/fuzz/json.dict" ] && [ ${#dict[@]} = 0 ] && case $name in *oci*|*policy*) dict=(-dict="$SRC/tests/fuzz/json.dict");; esac
  log=$BUILD/fuzz/$name.log
  if "$t" "${dict[@]}" -max_total_time="$SECONDS_EACH" -artifact_prefix="$BUILD/fuzz/crashes/$name-" \
      -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    rate=$(grep -o 'exec/s: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    echo "ok - $name: ${execs:-?} executions in ${SECONDS_EACH}s (${rate:-?} exec/s)"
    pass=$((pass + 1))
  else
    echo "not ok - $name: crashed, see $log"
    grep -E 'ERROR|SUMMARY' "$log" | head -5 | sed 's/^/#   /'
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
