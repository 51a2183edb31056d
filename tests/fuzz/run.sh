#!/bin/bash
# Runs every libFuzzer target in BUILDDIR/fuzz (or only the TARGETs named)
# for SECONDS each, on its seed
# corpus tests/fuzz/corpus/<target>/ (copied, so runs never grow the tree),
# and prints executions per second.  A crash fails the run; its input is kept
# in BUILDDIR/fuzz/crashes/ and belongs in the corpus as a regression test.
set -u
BUILD=${1:?usage: tests/fuzz/run.sh BUILDDIR [SECONDS [TARGET...]]}
SECONDS_EACH=${2:-10}
shift $(($# < 2 ? $# : 2))
ONLY=" $* "
SRC=$(cd "$(dirname "$0")/../.." && pwd)
fail=0 pass=0
mkdir -p "$BUILD/fuzz/crashes"
for t in "$BUILD"/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $name "* ]] || continue
  corpus=$BUILD/fuzz/corpus-$name
  rm -rf "$corpus"; mkdir -p "$corpus"
  [ -d "$SRC/tests/fuzz/corpus/$name" ] && cp -r "$SRC/tests/fuzz/corpus/$name/." "$corpus/"
  dict=()
  [ -f "$SRC/tests/fuzz/$name.dict" ] && dict=(-dict="$SRC/tests/fuzz/$name.dict")
  [ -f "$SRC/tests/fuzz/json.dict" ] && [ ${#dict[@]} = 0 ] && case $name in *oci*|*policy*) dict=(-dict="$SRC/tests/fuzz/json.dict");; esac
  log=$BUILD/fuzz/$name.log
  # -rss_limit_mb: ASan's shadow inflates RSS; -timeout: one input taking
  # 10 s is a hang, reported like a crash.
  if "$t" "${dict[@]}" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$BUILD/fuzz/crashes/$name-" \
      -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
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
