#!/bin/bash
# make check smoke test for the libFuzzer targets: builds every
# tests/fuzz/fuzz_*.c with clang's libFuzzer + ASan + UBSan into
# $PARMA_BUILD/fuzz-smoke (through the Makefile's fuzz-targets) and runs each
# for a few seconds on a copy of its seed corpus.  Longer runs: `make fuzz`
# (FUZZ_SECONDS=...) or tests/fuzz/run.sh.  A crash fails the target; its
# input is kept in $PARMA_BUILD/fuzz-smoke/crashes/ and belongs in
# tests/fuzz/corpus/<target>/ as a regression test.
set -u
SRC=${PARMA_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${PARMA_BUILD:-$SRC/build/check}
. "$SRC/tests/lib/tap.sh"
SECONDS_EACH=${FUZZ_SMOKE_SECONDS:-3}
OUT=$BUILD/fuzz-smoke

# libFuzzer is part of clang's compiler-rt; probe it with a trivial target.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
  'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n);' \
  'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }' \
  > "$probe_dir/probe.c"
if ! command -v clang >/dev/null ||
   ! clang -fsanitize=fuzzer,address,undefined -o "$probe_dir/probe" "$probe_dir/probe.c" 2>/dev/null; then
  skip "fuzz targets" "clang with libFuzzer not available"
  done_testing; exit
fi

if out=$(cd "$SRC" && make -s BUILDDIR="$OUT" SYSCONFDIR="$OUT/etc" CC=clang \
      CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' \
      fuzz-targets 2>&1); then
  ok "fuzz targets build with clang -fsanitize=fuzzer,address,undefined"
else
  not_ok "fuzz targets build" "$out"
  done_testing; exit
fi

mkdir -p "$OUT/crashes"
for src in "$SRC"/tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  bin=$OUT/fuzz/$name
  if [ ! -x "$bin" ]; then not_ok "$name: built" "missing $bin"; continue; fi
  corpus=$OUT/corpus-$name
  rm -rf "$corpus"; mkdir -p "$corpus"
  [ -d "$SRC/tests/fuzz/corpus/$name" ] && cp -r "$SRC/tests/fuzz/corpus/$name/." "$corpus/"
  dict=()
  if [ -f "$SRC/tests/fuzz/$name.dict" ]; then dict=(-dict="$SRC/tests/fuzz/$name.dict")
  else case $name in *oci*|*policy*) dict=(-dict="$SRC/tests/fuzz/json.dict");; esac; fi
  log=$OUT/$name.log
  # -rss_limit_mb: ASan's shadow inflates RSS; the limit still catches leaks
  # that grow without bound.  timeout: a hang must not stall make check.
  if timeout -k 5 $((SECONDS_EACH + 30)) "$bin" "${dict[@]}" -max_total_time="$SECONDS_EACH" \
      -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$OUT/crashes/$name-" \
      -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    ok "$name: ${SECONDS_EACH}s on its corpus # ${execs:-?} executions"
  else
    not_ok "$name: ${SECONDS_EACH}s on its corpus" \
      "$(grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5; echo "log: $log")"
  fi
done
done_testing
