#!/bin/bash
# Runs every test of the project against one build directory and ends with
# the closing line "N passed, N failed, N skipped".
#   tests/run.sh BUILDDIR [PATTERN]
# Unit tests are the TAP binaries in BUILDDIR/tests; the others are the
# executable *.sh files in tests/<suite>/ (TAP on stdout).  PATTERN, if
# given, keeps only the files whose path contains it.
set -u
BUILD=$(cd "${1:?usage: tests/run.sh BUILDDIR [PATTERN]}" && pwd)
PATTERN=${2:-${TESTS:-}}
SRC=$(cd "$(dirname "$0")/.." && pwd)
export PARMA_BUILD=$BUILD PARMA_SRC=$SRC
export PARMA_SYSCONFDIR=$BUILD/etc
export PARMA_TESTDATA=${PARMA_TESTDATA:-$SRC/../shared/testdata}
export PARMA_WORK=${PARMA_WORK:-/tmp/parma-tests}
export PATH=$BUILD:$PATH
mkdir -p "$PARMA_WORK" "$BUILD/log"
TIMEOUT=${PARMA_TEST_TIMEOUT:-600}

pass=0 fail=0 skip=0 failed_files=()
files=()
for f in "$BUILD"/tests/test_*; do [ -x "$f" ] && files+=("$f"); done
for f in "$SRC"/tests/*/*.sh; do
  # tests/lib holds helpers; tests/<suite>/run.sh are drivers (fuzz, bench)
  # that take arguments, not suites.
  case "$f" in */tests/lib/* | */run.sh) continue ;; esac
  [ -x "$f" ] && files+=("$f")
done

for f in "${files[@]}"; do
  [ -n "$PATTERN" ] && [[ "$f" != *"$PATTERN"* ]] && continue
  name=${f#"$BUILD"/}; name=${name#"$SRC"/}
  log="$BUILD/log/$(echo "$name" | tr / _).log"
  start=${EPOCHREALTIME/./}
  ( cd "$SRC" && timeout -k 10 "$TIMEOUT" "$f" ) >"$log" 2>&1 </dev/null
  rc=$?
  dur_us=$(( ${EPOCHREALTIME/./} - start ))
  dur=$(printf '%d.%d' $((dur_us / 1000000)) $(( (dur_us / 100000) % 10 )))
  p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
  s=$(grep -cE '^ok [0-9]+.*# [Ss][Kk][Ii][Pp]' "$log" | tr -d ' ')
  n=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
  p=$((p - s))
  # A file that crashed or timed out, or printed no TAP line at all, fails.
  if [ "$rc" != 0 ] && [ "$n" = 0 ]; then n=1; fi
  if [ $((p + s + n)) = 0 ]; then n=1; fi
  pass=$((pass + p)) fail=$((fail + n)) skip=$((skip + s))
  status=PASS; [ "$n" != 0 ] && { status=FAIL; failed_files+=("$name"); }
  printf '%-4s %-45s %4d passed %3d failed %3d skipped  %6ss\n' "$status" "$name" "$p" "$n" "$s" "$dur"
  if [ "$n" != 0 ]; then
    grep -E '^not ok|^# ' "$log" | head -40 | sed 's/^/     | /'
    [ "$rc" != 0 ] && echo "     | exit status $rc (log: $log)"
  fi
done
if [ ${#failed_files[@]} -gt 0 ]; then
  echo "failed: ${failed_files[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
