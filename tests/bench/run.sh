#!/bin/bash
# make bench: parma-runc vs runc/crun, parma-verity vs veritysetup, and the
# policy decision cost, measured side by side in one run so machine noise
# cancels out of the ratios.  Prints a table and writes BUILDDIR/bench.json.
#   tests/bench/run.sh BUILDDIR
# Knobs (environment): BENCH_REPS (lifecycle repetitions per side, 30),
# BENCH_QUICK=1 (5 repetitions, no 1 GiB verity file), BENCH_SECTIONS
# (subset of "lifecycle crun startup memory decision verity").
# Not a test: nothing here has a threshold.  A component that is not built
# shows as "n/a (component missing)"; a call that fails shows as FAILED with
# the first error line, and the bench goes on.
set -u
if [ $# -lt 1 ]; then
  # tests/run.sh runs every executable tests/*/*.sh without arguments: the
  # bench is not part of `make check`.
  echo "ok 1 - benchmarks run only with make bench # SKIP not a test"
  exit 0
fi
PHASE=""
case ${1:-} in --crun-phase | --own-phase) PHASE=$1; shift ;; esac
B=$(cd "$1" && pwd) || exit 1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$SRC/tests/bench
export PARMA_BUILD=$B
export PARMA_WORK=${PARMA_BENCH_WORK:-/tmp/parma-bench}
W=$PARMA_WORK/w
TOOLS=$B/bench-tools
REPS=${BENCH_REPS:-30}
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 1 ] && REPS=${BENCH_REPS:-5}
SECTIONS=${BENCH_SECTIONS:-lifecycle crun startup memory decision verity}
RESULTS=$W/results.tsv
PARMA=$B/parma-runc
CONFIG=$B/etc/parma-runc/config.json

want() { [[ " $SECTIONS " == *" $1 "* ]]; }
say() { echo "bench: $*" >&2; }
have() { [ -x "$1" ]; }

# ---- results: one TSV line per row -------------------------------------------
# section row a_med a_p95 b_med b_p95 unit n note   (a = parma, b = baseline)
record() {
  local IFS=$'\t'
  echo "$*" >>"$RESULTS"
}
# stats FILE -> "median p95 n" of the numbers in FILE (p95: nearest rank)
stats() {
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- - 0"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    r = int(0.95 * NR); if (r < 0.95 * NR) r++; if (r < 1) r = 1
    printf "%.1f %.1f %d\n", m, v[r], NR }'
}

# ---- helpers compiled into the build directory -------------------------------
PKGS="jansson yajl libcrypto libseccomp libcap mount"
build_tools() {
  mkdir -p "$TOOLS"
  local cc=${CC:-cc} flags="-O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror"
  $cc $flags -o "$TOOLS/bench-timeit" "$HERE/timeit.c" || return 1
  $cc $flags -static -o "$TOOLS/bench-execwrap" "$HERE/execwrap.c" 2>/dev/null ||
    $cc $flags -o "$TOOLS/bench-execwrap" "$HERE/execwrap.c" || return 1
  $cc $flags -static -o "$TOOLS/bench-noop" "$HERE/noop.c" 2>/dev/null ||
    $cc $flags -o "$TOOLS/bench-noop" "$HERE/noop.c" || return 1
  rm -f "$TOOLS/bench-decide"
  if [ -f "$B/libpolicy.a" ] && [ -f "$B/libcommon.a" ]; then
    # shellcheck disable=SC2046,SC2086
    (cd "$SRC" && $cc $flags -pthread -I. $(pkg-config --cflags $PKGS) -o "$TOOLS/bench-decide" \
      "$HERE/decide_bench.c" "$B/libpolicy.a" "$B/libverity.a" "$B/libcommon.a" \
      $(pkg-config --libs $PKGS) -larchive) >"$W/log/decide-build.log" 2>&1 ||
      say "decide_bench.c does not build against this tree (see $B/bench-log/decide-build.log)"
  fi
  return 0
}
TIMEIT() { "$TOOLS/bench-timeit" "$@"; }

# ---- work area, configuration, bundles ----------------------------------------
ROOT_RUNC=$W/root-runc     # --root of the runc rows (parma and plain runc)
ROOT_LIST=$W/root-list     # 100 created containers for `list`
ROOT_CRUN=$W/root-crun
STATE=$W/parma-state

write_config() { # DELEGATE STATE_DIR FILE
  local pol=""
  if [ -s "$W/policy.json" ] && [ -s "$W/policy.hash" ]; then
    pol=$(printf ',"policy":"%s","attestation":{"backend":"sim","sim_host_data":"%s"}' \
      "$W/policy.json" "$(cat "$W/policy.hash")")
  else
    pol=',"attestation":{"backend":"sim"}'
  fi
  printf '{"delegate":"%s","state_dir":"%s","mode":"enforce","allowed_dirs":["/run","/tmp","%s"],"audit_log":"%s/audit.log"%s}\n' \
    "$1" "$2" "$W" "$2" "$pol" >"$3"
  chmod 0644 "$3"
}

# The policy admits exactly the bench's containers: gen per bundle, merged.
make_policy() {
  rm -f "$W/policy.json" "$W/policy.hash"
  have "$B/parma-policy" || return 0
  jq '.process | .args = ["true"]' "$W/b-sleep/config.json" >"$W/exec-true.json"
  if "$B/parma-policy" gen --bundle "$W/b-true" -o "$W/pol-true.json" 2>>"$W/log/policy.log" &&
    "$B/parma-policy" gen --bundle "$W/b-sleep" --exec "$W/exec-true.json" -o "$W/pol-sleep.json" 2>>"$W/log/policy.log" &&
    jq -s '.[0] + {containers: (.[0].containers + .[1].containers)}' "$W/pol-true.json" "$W/pol-sleep.json" >"$W/policy.json" &&
    "$B/parma-policy" hash "$W/policy.json" 2>>"$W/log/policy.log" | head -1 >"$W/policy.hash" &&
    grep -qE '^[0-9a-f]{64}$' "$W/policy.hash"; then
    return 0
  fi
  say "parma-policy gen/hash failed (see $B/bench-log/policy.log): parma-runc configured without a policy"
  rm -f "$W/policy.json" "$W/policy.hash"
}

setup() {
  if [ "$(id -u)" != 0 ]; then echo "bench: must run as root (real containers)" >&2; exit 1; fi
  cleanup_all
  mkdir -p "$W/log" "$ROOT_RUNC" "$ROOT_LIST" "$ROOT_CRUN" "$STATE"
  : >"$RESULTS"
  build_tools || { echo "bench: cannot build the timing helpers" >&2; exit 1; }
  # shellcheck source=../lib/rootfs.sh
  . "$SRC/tests/lib/rootfs.sh"
  make_bundle "$W/b-true" true >/dev/null
  make_bundle "$W/b-sleep" sleep 1000000 >/dev/null
  make_policy
  if have "$PARMA"; then
    mkdir -p "$B/etc/parma-runc"
    chmod 0755 "$B/etc" "$B/etc/parma-runc"
    write_config /usr/sbin/runc "$STATE" "$CONFIG"
    CONFIG_WRITTEN=1
  fi
}

# Deletes every container the bench made (runc and crun roots) and the files.
cleanup_roots() {
  local rt=$1 root=$2 id
  [ -d "$root" ] || return 0
  for id in $("$rt" --root "$root" list -q 2>/dev/null); do
    "$rt" --root "$root" delete -f "$id" >/dev/null 2>&1
  done
}
cleanup_all() {
  cleanup_roots runc "$ROOT_RUNC"
  cleanup_roots runc "$ROOT_LIST"
  if [ -d "$ROOT_CRUN" ]; then
    unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null
      for id in $(crun --root "$1" list -q 2>/dev/null); do crun --root "$1" delete -f "$id"; done' \
      sh "$ROOT_CRUN" >/dev/null 2>&1
  fi
  # The configuration this run wrote names a state directory removed here.
  [ -n "${CONFIG_WRITTEN:-}" ] && rm -f "$CONFIG"
  rm -rf "$W" /dev/shm/parma-bench "$PARMA_WORK/busybox-rootfs"
  rmdir "$PARMA_WORK" 2>/dev/null
  return 0
}

# ---- lifecycle rows -----------------------------------------------------------
# One repetition of KIND for SIDE (parma|base) prints the bench-timeit line.
# RT_P / RT_B: the two command lines; ROOT: their --root; FLAVOR: runc|crun.
one_rep() {
  local kind=$1 side=$2 i=$3 rt id
  if [ "$side" = parma ]; then rt=("${RT_P[@]}"); id=p; else rt=("${RT_B[@]}"); id=b; fi
  id=$id-$kind-$i
  case $kind in
    run) TIMEIT "${rt[@]}" --root "$ROOT" run -b "$W/b-true" "$id" ;;
    csd) TIMEIT "${rt[@]}" --root "$ROOT" create -b "$W/b-true" "$id" ';;' \
      "${rt[@]}" --root "$ROOT" start "$id" ';;' "${rt[@]}" --root "$ROOT" delete -f "$id" ;;
    exec) TIMEIT "${rt[@]}" --root "$ROOT" exec "${SLEEPER[$side]}" true ;;
    state) TIMEIT "${rt[@]}" --root "$ROOT" state "${SLEEPER[$side]}" ;;
    ps) TIMEIT "${rt[@]}" --root "$ROOT" ps "${SLEEPER[$side]}" ;;
    list) TIMEIT "${rt[@]}" --root "$ROOT_LIST_CUR" list ;;
    # start-up: `list` of an empty root always reaches the delegate (a
    # state of an unknown id is refused by parma-runc itself).
    startup) TIMEIT "${rt[@]}" --root "$ROOT" list ;;
    floor) TIMEIT "$TOOLS/bench-execwrap" "${RT_B[@]}" --root "$ROOT" list ;;
    coldcreate) # the first create of a boot: pins the policy (attestation).
      # A boot empties the state directory (tmpfs); the simulator's test key
      # chain (RSA-4096 generation, seconds) is kept: hardware has none.
      [ "$side" = parma ] && [ -d "$STATE_CUR" ] &&
        find "$STATE_CUR" -mindepth 1 -maxdepth 1 ! -name .snp-sim -exec rm -rf {} +
      local rc=0
      TIMEIT "${rt[@]}" --root "$ROOT" create -b "$W/b-true" "$id" || rc=$?
      "${rt[@]}" --root "$ROOT" delete -f "$id" </dev/null >/dev/null 2>&1
      return $rc ;;
    own) TIMEIT "${rt[@]}" --root "$ROOT" state no-such-container ;;
    own-list) TIMEIT "${rt[@]}" --root "$ROOT" list ;;
  esac
}

# pair SECTION KIND LABEL...: interleaved A B A B ...; for csd one label per
# field of the bench-timeit line (total, create, start, delete).
pair() {
  local section=$1 kind=$2; shift 2
  local labels=("$@") s i line f
  local d=$W/samples/$section.$kind
  rm -rf "$d"; mkdir -p "$d"
  local -A failed=()
  for ((i = 1; i <= REPS; i++)); do
    for s in parma base; do
      [ -n "${failed[$s]:-}" ] && continue
      [ "$s" = parma ] && [ -n "${NO_PARMA:-}" ] && { failed[$s]="$NO_PARMA"; continue; }
      line=$(one_rep "$kind" "$s" "$i" 2>>"$W/log/$section.$kind.$s.err")
      case $line in
        ok\ *)
          read -r -a f <<<"$line"
          for ((k = 0; k < ${#labels[@]}; k++)); do echo "${f[k + 1]}" >>"$d/$k.$s"; done
          echo "${f[${#f[@]} - 1]}" >>"$d/cpu.$s" ;; # the last field
        *)
          local why; why=$(grep -v '^$' "$W/log/$section.$kind.$s.err" | tail -1 | cut -c1-110)
          failed[$s]="FAILED (${line:-no output}: ${why:-no message})" ;;
      esac
    done
  done
  for ((k = 0; k < ${#labels[@]}; k++)); do
    local a=(- - 0) b=(- - 0) note=""
    [ -s "$d/$k.parma" ] && read -r -a a <<<"$(stats "$d/$k.parma")"
    [ -s "$d/$k.base" ] && read -r -a b <<<"$(stats "$d/$k.base")"
    [ -n "${failed[parma]:-}" ] && note="parma: ${failed[parma]}"
    [ -n "${failed[base]:-}" ] && note="$note base: ${failed[base]}"
    record "$section" "${labels[k]}" "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}" us "${a[2]}/${b[2]}" "$note"
  done
  # The same calls in CPU time (user + system, delegate included): what
  # the call costs the machine, without the time spent waiting for a CPU.
  if [ -s "$d/cpu.parma" ] || [ -s "$d/cpu.base" ]; then
    local a=(- - 0) b=(- - 0)
    [ -s "$d/cpu.parma" ] && read -r -a a <<<"$(stats "$d/cpu.parma")"
    [ -s "$d/cpu.base" ] && read -r -a b <<<"$(stats "$d/cpu.base")"
    record "$section" "  ${labels[0]# } [cpu]" "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}" us "${a[2]}/${b[2]}" ""
  fi
}

# Long-running containers for exec/state/ps, created with each side.
start_sleeper() { # SIDE ID -> 0 if running
  local rt
  if [ "$1" = parma ]; then rt=("${RT_P[@]}"); else rt=("${RT_B[@]}"); fi
  "${rt[@]}" --root "$ROOT" create -b "$W/b-sleep" "$2" </dev/null >/dev/null 2>>"$W/log/sleeper.err" &&
    "${rt[@]}" --root "$ROOT" start "$2" </dev/null >/dev/null 2>>"$W/log/sleeper.err"
}

# 100 created (not started) containers for `list`, made through parma-runc
# when it can, else through the plain runtime (noted in the row).
fill_list_root() { # sets LIST_N and LIST_NOTE
  local n=0 i rt=("${RT_P[@]}")
  [ -n "${NO_PARMA:-}" ] && rt=("${RT_B[@]}")
  for ((i = 1; i <= 100; i++)); do
    if ! "${rt[@]}" --root "$ROOT_LIST_CUR" create -b "$W/b-true" "l$i" </dev/null >/dev/null 2>>"$W/log/list-fill.err"; then
      [ "${rt[0]}" = "${RT_B[0]}" ] && break
      rt=("${RT_B[@]}") LIST_NOTE="filled by ${RT_B[0]##*/} (parma-runc create failed)"
      "${rt[@]}" --root "$ROOT_LIST_CUR" create -b "$W/b-true" "l$i" </dev/null >/dev/null 2>>"$W/log/list-fill.err" || break
    fi
    n=$((n + 1))
  done
  LIST_N=$n
}

lifecycle() { # FLAVOR (runc|crun)
  local flavor=$1 section=lifecycle-$1
  RT_B=("$(command -v "$flavor")")
  RT_P=("$PARMA")
  NO_PARMA=""
  have "$PARMA" || NO_PARMA="n/a (component missing)"
  say "$section: $REPS interleaved repetitions per side"
  # One call first: makes the simulator's key chain (when configured).
  [ -z "$NO_PARMA" ] && "${RT_P[@]}" --root "$ROOT" create -b "$W/b-true" warm-up </dev/null >/dev/null 2>>"$W/log/warm-up.err" &&
    "${RT_P[@]}" --root "$ROOT" delete -f warm-up </dev/null >/dev/null 2>>"$W/log/warm-up.err"
  local reps=$REPS
  REPS=$((reps < 10 ? reps : 10))
  pair "$section" coldcreate "create, first call of a boot"
  REPS=$reps
  pair "$section" run "run (busybox true)"
  pair "$section" csd "create+start+delete" "  create" "  start" "  delete -f"
  declare -gA SLEEPER=([parma]=p-sleeper [base]=b-sleeper)
  local ok_p=1 ok_b=1 keep_np=$NO_PARMA
  [ -z "$NO_PARMA" ] && { start_sleeper parma p-sleeper || ok_p=0; }
  start_sleeper base b-sleeper || ok_b=0
  if [ $ok_b = 1 ]; then
    if [ $ok_p = 0 ] && [ -z "$NO_PARMA" ]; then
      # exec/state/ps of a container parma-runc did not admit would measure
      # a refusal, not the verb.
      NO_PARMA="FAILED (sleeper create/start: $(tail -1 "$W/log/sleeper.err" | cut -c1-100))"
    fi
    pair "$section" exec "exec (foreground true)"
    pair "$section" state "state"
    pair "$section" ps "ps"
  fi
  NO_PARMA=$keep_np
  LIST_NOTE="" LIST_N=0
  fill_list_root
  pair "$section" list "list ($LIST_N containers)"
  if [ -n "$LIST_NOTE" ]; then
    sed -i "s|^\($section\tlist .*\)\t\$|\1\t$LIST_NOTE|" "$RESULTS"
  fi
  cleanup_roots "${RT_B[0]}" "$ROOT"
  cleanup_roots "${RT_B[0]}" "$ROOT_LIST_CUR"
}

# The crun rows run in a private mount namespace where crun 1.8.1 works
# (hybrid cgroups: /sys/fs/cgroup/unified unmounted); parma-runc's
# configuration there is a bind mount naming crun as the delegate.
crun_phase() {
  umount /sys/fs/cgroup/unified 2>/dev/null
  if have "$PARMA"; then
    write_config /usr/bin/crun "$STATE-crun" "$W/config-crun.json"
    mount --bind "$W/config-crun.json" "$CONFIG" || exit 1
  fi
  ROOT=$ROOT_CRUN ROOT_LIST_CUR=$ROOT_CRUN-list STATE_CUR=$STATE-crun
  mkdir -p "$ROOT_LIST_CUR"
  if ! crun --root "$ROOT" run -b "$W/b-true" crun-probe </dev/null >/dev/null 2>"$W/log/crun-probe.err"; then
    record lifecycle-crun "crun" - - - - us 0/0 "n/a (crun does not run here: $(tail -1 "$W/log/crun-probe.err"))"
    return 0
  fi
  crun --root "$ROOT" delete -f crun-probe >/dev/null 2>&1
  lifecycle crun
}

# ---- start-up alone ------------------------------------------------------------
startup() {
  local section=startup
  RT_B=(/usr/sbin/runc) RT_P=("$PARMA") ROOT=$ROOT_RUNC
  NO_PARMA=""; have "$PARMA" || NO_PARMA="n/a (component missing)"
  say "startup: list of an empty root, $REPS repetitions"
  pair $section startup "list <empty root>"
  # Floor of any exec-ing front end: a static C program that only execv()s.
  local d=$W/samples/floor; rm -rf "$d"; mkdir -p "$d"
  local i line f
  for ((i = 1; i <= REPS; i++)); do
    line=$(one_rep floor base "$i" 2>/dev/null) && { read -r -a f <<<"$line"; echo "${f[1]}" >>"$d/floor"; echo "${f[4]}" >>"$d/floor.cpu"; }
    line=$(one_rep startup base "$i" 2>/dev/null) && { read -r -a f <<<"$line"; echo "${f[1]}" >>"$d/base"; echo "${f[4]}" >>"$d/base.cpu"; }
  done
  local a b
  read -r -a a <<<"$(stats "$d/floor")"; read -r -a b <<<"$(stats "$d/base")"
  record $section "floor: static exec-only wrapper" "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}" us "${a[2]}/${b[2]}" "bench-execwrap + runc vs runc"
  read -r -a a <<<"$(stats "$d/floor.cpu")"; read -r -a b <<<"$(stats "$d/base.cpu")"
  record $section "  floor [cpu]" "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}" us "${a[2]}/${b[2]}" ""
  [ -n "$NO_PARMA" ] && return 0
  BENCH_REPS=$REPS BENCH_QUICK=$QUICK PARMA_BENCH_WORK=$PARMA_WORK unshare -m "$0" --own-phase "$B"
  startup_breakdown
}

# parma-runc's own cost: in a private mount namespace its configuration is
# a bind mount naming a static no-op program as the delegate, so a call is
# parma-runc's work plus one almost free execve; the baseline runs the
# no-op alone.
own_phase() {
  write_config "$TOOLS/bench-noop" "$STATE" "$W/config-noop.json"
  mount --bind "$W/config-noop.json" "$CONFIG" || exit 1
  RT_B=("$TOOLS/bench-noop") RT_P=("$PARMA") ROOT=$ROOT_RUNC NO_PARMA=""
  pair startup own-list "parma-runc alone: list (no-op delegate)"
}

# Where parma-runc's own start-up goes, before it execs the delegate.
startup_breakdown() {
  local args=(--root "$ROOT_RUNC" list) t=$W/log/strace.txt
  if command -v strace >/dev/null; then
    strace -f -o "$t" "$PARMA" "${args[@]}" >/dev/null 2>&1
    # Lines up to the delegate's execve (the 2nd one) are parma-runc's own.
    local own total
    own=$(awk '/execve\(/ { n++; if (n == 2) exit } { c++ } END { print c + 0 }' "$t")
    total=$(wc -l <"$t")
    record startup "syscalls before the delegate execve" "$own" - "$total" - count 1/1 \
      "b = all syscalls of the call incl. the delegate"
    local top; top=$(awk '/execve\(/ { n++; if (n == 2) exit } { sub(/^[0-9]+ +/, ""); sub(/\(.*/, ""); c[$0]++ }
      END { for (k in c) print c[k], k }' "$t" | sort -rn | head -6 | awk '{printf "%s%s=%s", sep, $2, $1; sep=" "}')
    record startup "  top syscalls" - - - - text 1/1 "$top"
    local forks syncs
    forks=$(awk '/execve\(/ { n++; if (n == 2) exit } /^[0-9]+ +(clone|clone3|fork|vfork)\(/ { c++ } END { print c + 0 }' "$t")
    syncs=$(awk '/execve\(/ { n++; if (n == 2) exit } /^[0-9]+ +(fsync|fdatasync|sync_file_range)\(/ { c++ } END { print c + 0 }' "$t")
    record startup "  forks / fsyncs before the execve" - - - - text 1/1 "forks=$forks fsyncs=$syncs"
    # The same for a create (seals the bundle: atomic writes).  No -f here:
    # `runc init` waits on its exec fifo until start, and strace -f with it.
    local c=$W/log/strace-create.txt
    if strace -o "$c" "$PARMA" --root "$ROOT_RUNC" create -b "$W/b-true" strace-1 </dev/null >/dev/null 2>&1; then
      local cs cf cw
      cs=$(awk '/execve\(/ { n++; if (n == 2) exit } { c++ } END { print c + 0 }' "$c")
      cf=$(awk '/execve\(/ { n++; if (n == 2) exit } /^[0-9]+ +(fsync|fdatasync)\(/ { c++ } END { print c + 0 }' "$c")
      cw=$(awk '/execve\(/ { n++; if (n == 2) exit } /^[0-9]+ +(clone|clone3|fork|vfork)\(/ { c++ } END { print c + 0 }' "$c")
      record startup "create: syscalls before the execve" "$cs" - - - count 1/1 "forks=$cw fsyncs=$cf"
      "$PARMA" --root "$ROOT_RUNC" delete -f strace-1 </dev/null >/dev/null 2>&1
    else
      record startup "create: syscalls before the execve" - - - - count 0/0 "parma-runc create failed: $(grep -h 'parma-runc:' "$c" | tail -1 | cut -c1-80)"
    fi
  fi
  local ld; ld=$(LD_DEBUG=statistics "$PARMA" "${args[@]}" 2>&1 >/dev/null | sed -n 's/.*total startup time in dynamic loader: *\([0-9]*\).*/\1/p' | head -1)
  local nrel; nrel=$(LD_DEBUG=statistics "$PARMA" "${args[@]}" 2>&1 >/dev/null | sed -n 's/.*number of relocations: *\([0-9]*\).*/\1/p' | head -1)
  local needed; needed=$(readelf -d "$PARMA" 2>/dev/null | grep -c '(NEEDED)')
  local loaded; loaded=$(LD_TRACE_LOADED_OBJECTS=1 "$PARMA" 2>/dev/null | wc -l)
  record startup "dynamic loader (cycles)" "${ld:--}" - - - count 1/1 \
    "relocations=${nrel:-?} DT_NEEDED=$needed objects_loaded=$loaded"
  if command -v valgrind >/dev/null; then
    # Instructions up to the delegate's execve (dumped there): repeatable,
    # whatever else the machine is doing.
    local cg=$W/log/callgrind.out
    rm -f "$cg"*
    valgrind --tool=callgrind --dump-before=execve --callgrind-out-file="$cg" "$PARMA" "${args[@]}" >/dev/null 2>&1
    local part=$cg.1; [ -s "$part" ] || part=$cg
    local ir; ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$part" 2>/dev/null | head -1)
    local split="" hot=""
    if [ -n "$ir" ] && command -v callgrind_annotate >/dev/null; then
      split=$(callgrind_annotate --auto=no --threshold=100 "$part" 2>/dev/null | awk -v total="$ir" '
        /^ *[0-9,]+ \( *[0-9.]+%\)  / && !/PROGRAM TOTALS/ {
          n = $1; gsub(/,/, "", n); obj = "other"
          if (match($0, /\[[^]]*\]$/)) { obj = substr($0, RSTART + 1, RLENGTH - 2); sub(/.*\//, "", obj); sub(/\.so.*/, "", obj) }
          else if ($0 ~ /\/elf\//) obj = "ld-linux-x86-64"
          else if ($0 ~ /^ *[0-9,]+ \( *[0-9.]+%\)  \.\//) obj = "libc"
          sum[obj] += n }
        END { for (o in sum) printf "%d %s\n", sum[o], o }' | sort -rn | head -5 |
        awk -v t="$ir" '{ printf "%s%s %.0f%%", sep, $2, 100 * $1 / t; sep = ", " }')
      # The costliest parma-runc function (inclusive), below main and the verb.
      hot=$(callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$part" 2>/dev/null |
        grep -E '/(runtime|common|policy|snp|verity)/[a-z_]+\.[ch]:' | grep -vE ':(main|run_main|verb_[a-z_]+|id_verb|parma_simple_verb)( |$)' |
        head -3 | sed -E 's/^ *([0-9,]+) \( *([0-9.]+)%\) +[^:]*:([^ ]+).*/\3 \2%/' | paste -sd, - | sed 's/,/, /g')
    fi
    record startup "instructions before exec (callgrind)" "${ir:--}" - - - count 1/1 "self by object: ${split:-?}; hottest parma function (incl.): ${hot:-?}"
  fi
}

# ---- peak RSS per verb ------------------------------------------------------------
memory() {
  RT_B=(/usr/sbin/runc) RT_P=("$PARMA") ROOT=$ROOT_RUNC
  local n=${BENCH_MEM_REPS:-5} verb side i line
  if ! have "$PARMA"; then
    record memory "parma-runc" - - - - kB 0/0 "n/a (component missing)"
    return 0
  fi
  say "memory: peak RSS, $n repetitions per verb and side"
  declare -gA SLEEPER=([parma]=p-msleeper [base]=b-msleeper)
  start_sleeper parma p-msleeper; start_sleeper base b-msleeper
  local d=$W/samples/memory; rm -rf "$d"; mkdir -p "$d"
  for ((i = 1; i <= n; i++)); do
    for side in parma base; do
      local rt id=m$side$i
      if [ $side = parma ]; then rt=("${RT_P[@]}"); else rt=("${RT_B[@]}"); fi
      mem1() { # VERB ARGS...
        local v=$1; shift
        line=$(TIMEIT -m "${rt[@]}" --root "$ROOT" "$@" 2>>"$W/log/memory.$side.err")
        case $line in
          ok\ *\ 0) read -r -a f <<<"$line" # exit status 0 only
            echo "${f[1]}" >>"$d/$v.own.$side"; echo "${f[2]}" >>"$d/$v.whole.$side" ;;
          *) echo "$v: $line" >>"$W/log/memory.$side.err" ;;
        esac
      }
      mem1 run run -b "$W/b-true" "$id-r"
      mem1 create create -b "$W/b-true" "$id"
      mem1 start start "$id"
      mem1 delete delete -f "$id"
      mem1 exec exec "${SLEEPER[$side]}" true
      mem1 state state "${SLEEPER[$side]}"
      mem1 ps ps "${SLEEPER[$side]}"
      mem1 list list
    done
  done
  for verb in run create start delete exec state ps list; do
    local a=(- - 0) b=(- - 0) note=""
    [ -s "$d/$verb.own.parma" ] && read -r -a a <<<"$(stats "$d/$verb.own.parma")"
    [ -s "$d/$verb.whole.base" ] && read -r -a b <<<"$(stats "$d/$verb.whole.base")"
    if [ -s "$d/$verb.own.parma" ]; then
      local wp=(- - 0)
      read -r -a wp <<<"$(stats "$d/$verb.whole.parma")"
      note="whole call via parma-runc: $(fmt "${wp[0]}" kB)"
    else
      note="parma: FAILED ($(grep -h 'parma-runc:' "$W/log/memory.parma.err" 2>/dev/null | tail -1 | cut -c1-100))"
    fi
    record memory "$verb: parma own vs runc" "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}" kB "${a[2]}/${b[2]}" "$note"
  done
  cleanup_roots runc "$ROOT"
}

# ---- policy decision cost -----------------------------------------------------------
# Policies of N distinct containers: the entry `parma-policy gen` writes for
# the sleep bundle, N times with distinct commands (distinct binaries, as
# distinct images have); the request is that bundle's config.json with the
# command of entry N/2.  Variant "same-argv0": one binary, N argument lists
# (the matcher's argv0 index then yields every entry as a candidate).
decision_inputs() { # N [same-argv0]
  local n=$1 v=${2:-} base=$W/pol-sleep.json tag=$1${2:+-$2}
  [ -s "$base" ] || return 1
  local cmd='["/srv/app\($i)/server", "--id", "\($i)"]'
  [ "$v" = same-argv0 ] && cmd='["sleep", "\(1000000 + $i)"]'
  jq --argjson n "$n" ".containers[0] as \$e
    | .containers = [range(\$n) as \$i | \$e | .name = \"c\\(\$i)\" | .command = $cmd]" \
    "$base" >"$W/policy-$tag.json" &&
    jq --argjson n "$n" '.containers[$n / 2 | floor].command' "$W/policy-$tag.json" >"$W/request-$tag.args" &&
    jq --slurpfile a "$W/request-$tag.args" '.process.args = $a[0]' "$W/b-sleep/config.json" >"$W/request-$tag.json" &&
    "$B/parma-policy" hash "$W/policy-$tag.json" | head -1 >"$W/policy-$tag.hash" &&
    grep -qE '^[0-9a-f]{64}$' "$W/policy-$tag.hash"
}

decision() {
  if [ ! -x "$TOOLS/bench-decide" ]; then
    if have "$B/parma-policy"; then
      decision_from_cli
    else
      record decision "policy library" - - - - us 0/0 "n/a (component missing)"
    fi
    return 0
  fi
  local n i c w d=$W/samples/decision reps=${BENCH_DECIDE_REPS:-10}
  rm -rf "$d"; mkdir -p "$d"
  say "decision: policies of 1, 10, 100, 1000 containers, $reps cold + $reps warm processes each"
  local tag
  for tag in 1 10 100 1000 1000-same-argv0; do
    n=${tag%%-*}
    local variant=${tag#"$n"} label="$n containers"
    [ "$n" = 1 ] && label="1 container"
    variant=${variant#-}
    [ -n "$variant" ] && label="$label, $variant"
    if ! decision_inputs "$n" "$variant" 2>>"$W/log/decide.err"; then
      record decision "$label" - - - - us 0/0 "FAILED (policy generation: $(tail -1 "$W/log/decide.err"))"
      continue
    fi
    local hex; hex=$(cat "$W/policy-$tag.hash")
    mkdir -p "$W/cache-$tag"
    for ((i = 1; i <= reps; i++)); do
      # cold: first call of a boot, no cache image (it writes one);
      # warm: a later call, a fresh process reading that image.
      rm -f "$W/cache-$tag"/*
      c=$("$TOOLS/bench-decide" cold "$W/policy-$tag.json" "$W/request-$tag.json" "$W/cache-$tag" "$hex" 2>>"$W/log/decide.err") || continue
      w=$("$TOOLS/bench-decide" warm "$W/request-$tag.json" "$W/cache-$tag" "$hex" 2>>"$W/log/decide.err") || continue
      echo "${c#cold } ${w#warm }" >>"$d/$tag.lines"
    done
    if [ ! -s "$d/$tag.lines" ]; then
      record decision "$label" - - - - us 0/0 "FAILED ($(tail -1 "$W/log/decide.err"))"
      continue
    fi
    # columns: cold total, load, hash, decide, image write, total cpu;
    # warm first, loop, deny, first cpu, loop cpu
    local col s=()
    for col in 1 2 3 4 5 6 7 8 9 10 11; do
      awk -v c=$col '{print $c}' "$d/$tag.lines" >"$d/$tag.$col"
      s[col]=$(stats "$d/$tag.$col")
    done
    m() { local v; read -r -a v <<<"${s[$1]}"; echo "${v[$2]}"; }
    record decision "$label: cold (load+hash+decide)" "$(m 1 0)" "$(m 1 1)" - - us "$(m 1 2)" \
      "load $(m 2 0), hash check $(m 3 0), decide $(m 4 0); then cache image write $(m 5 0) us"
    record decision "  cold [cpu]" "$(m 6 0)" "$(m 6 1)" - - us "$(m 6 2)" ""
    record decision "$label: warm (cache+decide)" "$(m 7 0)" "$(m 7 1)" - - us "$(m 7 2)" "first call of a fresh process"
    record decision "  warm [cpu]" "$(m 10 0)" "$(m 10 1)" - - us "$(m 10 2)" ""
    record decision "$label: warm, repeated" "$(m 8 0)" "$(m 8 1)" - - us "$(m 8 2)" "mean of 200 in one process"
    record decision "  repeated [cpu]" "$(m 11 0)" "$(m 11 1)" - - us "$(m 11 2)" ""
    record decision "$label: warm deny (no match)" "$(m 9 0)" "$(m 9 1)" - - us "$(m 9 2)" "closest-entry search"
  done
}

# Fallback when decide_bench.c cannot build: the policy tool's own bench verb.
decision_from_cli() {
  local out; out=$("$B/parma-policy" bench 2>&1) || {
    record decision "parma-policy bench" - - - - us 0/0 "FAILED ($(echo "$out" | tail -1))"; return 0; }
  echo "$out" | while read -r line; do
    local n dec call
    n=$(echo "$line" | sed -n 's/.*containers=\([0-9]*\).*/\1/p')
    dec=$(echo "$line" | sed -n 's/.*decide_us=\([0-9.]*\).*/\1/p')
    call=$(echo "$line" | sed -n 's/.*image_open_plus_decide_us=\([0-9.]*\).*/\1/p')
    [ -n "$n" ] || continue
    record decision "$n containers: warm (cache+decide)" "${call:--}" - - - us 1 "parma-policy bench (in-process loop)"
    record decision "$n containers: decide only" "${dec:--}" - - - us 1 "parma-policy bench"
  done
}

# ---- verity -------------------------------------------------------------------------------
verity() {
  local d=/dev/shm/parma-bench salt=5e1f4c0a6b3d2e1f00112233445566778899aabbccddeeff0011223344556677
  mkdir -p "$d"
  local sizes="256" ; [ "$QUICK" = 1 ] || sizes="256 1024"
  local ossl1
  say "verity: openssl speed -evp sha256 -bytes 4096 -seconds 2"
  ossl1=$(openssl speed -evp sha256 -bytes 4096 -seconds 2 2>/dev/null | awk 'tolower($1) == "sha256" { v = $NF } END { sub(/k$/, "", v); print v * 1000 }')
  record verity "openssl sha256, 4 KiB blocks, 1 core" "$ossl1" - - - B/s 1 "reference for t threads: t x this"
  local mib reps t
  for mib in $sizes; do
    head -c "${mib}M" /dev/urandom >"$d/data" || { record verity "${mib} MiB" - - - - us 0/0 "FAILED (no space on /dev/shm)"; continue; }
    reps=5; [ "$mib" -ge 1024 ] && reps=3
    say "verity: $mib MiB, $reps repetitions"
    local sd=$W/samples/verity-$mib; rm -rf "$sd"; mkdir -p "$sd"
    local i
    for ((i = 1; i <= reps; i++)); do
      verity_one veritysetup "$sd" "$d" "$salt"
      for t in 1 2; do verity_one "parma$t" "$sd" "$d" "$salt"; done
    done
    local vs; vs=$(sort -u "$sd/veritysetup.root" 2>/dev/null | head -1)
    for t in 1 2; do
      local a=(- - 0) b=(- - 0) note="" pr
      [ -s "$sd/parma$t" ] && read -r -a a <<<"$(stats "$sd/parma$t")"
      [ -s "$sd/veritysetup" ] && read -r -a b <<<"$(stats "$sd/veritysetup")"
      pr=$(sort -u "$sd/parma$t.root" 2>/dev/null | tr '\n' ' ')
      if ! have "$B/parma-verity"; then note="n/a (component missing)"
      elif [ ! -s "$sd/parma$t" ]; then note="FAILED ($(tail -1 "$W/log/verity.err"))"
      elif [ "${pr% }" != "$vs" ]; then note="MISMATCH: root hash parma=${pr% } veritysetup=$vs"
        echo "bench: *** MISMATCH *** $mib MiB, $t thread(s): parma-verity ${pr% } != veritysetup $vs" >&2
      else note="same root hash ${vs:0:16}...; speed-up $(awk -v a="${a[0]}" -v b="${b[0]}" 'BEGIN { printf "%.2fx", b / a }')"; fi
      record verity "${mib} MiB format, $t thread(s)" "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}" us "${a[2]}/${b[2]}" "$note"
      if [ "${a[0]}" != - ]; then
        record verity "  ${mib} MiB, $t thread(s): fraction of openssl" \
          "$(awk -v m="$mib" -v us="${a[0]}" -v o="$ossl1" -v t="$t" 'BEGIN { if (o > 0) printf "%.3f", m * 1048576 / (us / 1e6) / (t * o); else print "-" }')" - \
          "$(awk -v m="$mib" -v us="${b[0]}" -v o="$ossl1" 'BEGIN { if (o > 0 && us > 0) printf "%.3f", m * 1048576 / (us / 1e6) / o; else print "-" }')" - \
          fraction 1 "parma vs $t x 1-core openssl; b = veritysetup (1 thread) vs 1-core openssl"
      fi
    done
    rm -f "$d/data" "$d"/hash*
  done
  rm -rf "$d"
}

verity_one() { # TOOL SAMPLEDIR SHMDIR SALT
  local tool=$1 sd=$2 d=$3 salt=$4 out cmd
  case $tool in
    veritysetup) cmd=(veritysetup format "$d/data" "$d/hash-v" --salt="$salt") ;;
    parma*) have "$B/parma-verity" || return 0
      cmd=("$B/parma-verity" format "$d/data" "$d/hash-$tool" --salt="$salt" --threads="${tool#parma}") ;;
  esac
  out=$(TIMEIT -v "${cmd[@]}" 2>>"$W/log/verity.err")
  local last; last=$(echo "$out" | tail -1)
  case $last in
    ok\ *) echo "$last" | awk '{print $2}' >>"$sd/$tool"
      echo "$out" | sed -n 's/^Root hash:[[:space:]]*//p' >>"$sd/$tool.root" ;;
    *) echo "$tool: $last" >>"$W/log/verity.err" ;;
  esac
}

# ---- output ------------------------------------------------------------------------------------
fmt() { # VALUE UNIT -> human
  case $1 in -|'') echo "-"; return ;; esac
  case $2 in
    us) awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.3f s", v / 1e6; else if (v >= 1000) printf "%.2f ms", v / 1000; else printf "%.1f us", v }' ;;
    kB) awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1024 }' ;;
    B/s) awk -v v="$1" 'BEGIN { printf "%.0f MB/s", v / 1e6 }' ;;
    *) echo "$1" ;;
  esac
}
print_table() {
  local sec="" section row am ap bm bp unit n note ratio
  printf '\nmachine: %s CPUs, kernel %s, %s; load average %s at the start, %s at the end\n' "$(nproc)" \
    "$(uname -r)" "$(runc --version 2>/dev/null | head -1)" "${LOAD_START:-?}" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'times: median and p95 of interleaved runs; [cpu] rows: user+system CPU time of the same calls\n'
  printf '\n%-40s %12s %12s %8s %12s %12s\n' "row" "parma med" "base med" "ratio" "parma p95" "base p95"
  while IFS=$'\t' read -r section row am ap bm bp unit n note; do
    if [ "$section" != "$sec" ]; then
      sec=$section
      case $sec in
        lifecycle-*) printf '\n== %s: parma-runc (delegate %s) vs %s ==\n' "$sec" "${sec#lifecycle-}" "${sec#lifecycle-}" ;;
        startup) printf '\n== startup: parma-runc vs runc, list of an empty root ==\n' ;;
        memory) printf '\n== memory: peak RSS, parma-runc own (at the delegate execve) vs runc whole call ==\n' ;;
        decision) printf '\n== decision: policy load + verify hash + decide (policy library) ==\n' ;;
        verity) printf '\n== verity: parma-verity format vs veritysetup format (tmpfs) ==\n' ;;
      esac
    fi
    ratio=$(awk -v a="$am" -v b="$bm" 'BEGIN { if (a != "-" && b != "-" && b + 0 > 0) printf "%.3f", a / b; else print "" }')
    if [ "$unit" = text ]; then printf '%-40s %s\n' "$row" "$note"; continue; fi
    printf '%-40s %12s %12s %8s %12s %12s' "$row" "$(fmt "$am" "$unit")" "$(fmt "$bm" "$unit")" "$ratio" \
      "$(fmt "$ap" "$unit")" "$(fmt "$bp" "$unit")"
    [ -n "$note" ] && printf '  %s' "${note:0:100}"
    echo
  done <"$RESULTS"
}

# The issue's targets, checked against this run (informational: no exit
# status depends on them).  Writes $W/targets.tsv: name, measured, target, verdict.
# A target with no measurement says so.
check_targets() {
  local out=$W/targets.tsv
  : >"$out"
  # value SECTION ROW-PREFIX FIELD(a|b|ratio) -> number or empty
  value() {
    awk -F'\t' -v s="$1" -v r="$2" -v f="$3" '$1 == s && index($2, r) == 1 && $3 != "-" {
      if (f == "a") v = $3; else if (f == "b") v = $5; else if ($5 != "-" && $5 > 0) v = $3 / $5
      print v; exit }' "$RESULTS"
  }
  target() { # NAME VALUE OP LIMIT UNIT
    local verdict="n/a (not measured)"
    if [ -n "$2" ]; then
      verdict=$(awk -v v="$2" -v op="$3" -v l="$4" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; print ok ? "met" : "MISSED" }')
    fi
    printf '%s\t%s\t%s %s%s\t%s\n' "$1" "${2:+$(printf '%.3f' "$2")$5}" "$3" "$4" "$5" "$verdict" >>"$out"
  }
  local v
  for v in "run:run (:1.01" "exec:exec (:1.01" "state:state:1.05" "list:list (:1.05"; do
    IFS=: read -r name row limit <<<"$v"
    target "$name vs runc, wall time (ratio)" "$(value lifecycle-runc "$row" ratio)" "<=" "$limit" x
    target "$name vs runc, cpu time (ratio)" "$(value lifecycle-runc "  $row" ratio)" "<=" "$limit" x
  done
  target "decision, 1000 containers, warm, fresh process (us)" "$(value decision "1000 containers: warm (" a)" "<=" 100 ""
  target "decision, 1000 containers, warm, repeated (us)" "$(value decision "1000 containers: warm, repeated" a)" "<=" 100 ""
  # cpu rows follow their wall row; take the one after "1000 containers: warm ..."
  local cpu_first cpu_rep
  cpu_first=$(awk -F'\t' '$1 == "decision" && p ~ /^1000 containers: warm \(/ { print $3; exit } { p = $2 }' "$RESULTS")
  cpu_rep=$(awk -F'\t' '$1 == "decision" && p ~ /^1000 containers: warm, repeated/ { print $3; exit } { p = $2 }' "$RESULTS")
  target "decision, 1000 containers, warm, fresh process, cpu (us)" "$cpu_first" "<=" 100 ""
  target "decision, 1000 containers, warm, repeated, cpu (us)" "$cpu_rep" "<=" 100 ""
  local big=1024; [ "$QUICK" = 1 ] && big=256
  local v2; v2=$(value verity "$big MiB format, 2 thread" ratio)
  target "verity $big MiB, 2 threads, speed-up over veritysetup" "$([ -n "$v2" ] && awk -v r="$v2" 'BEGIN { print 1 / r }')" ">=" 1.5 x
  local worst; worst=$(awk -F'\t' '$1 == "memory" && $3 != "-" && $5 != "-" && $5 > 0 { r = $3 / $5; if (r > w) w = r } END { if (w) print w }' "$RESULTS")
  target "peak RSS, parma own / runc (worst verb)" "$worst" "<=" 0.333 x
  printf '\n== targets of the issue (measured in this run) ==\n'
  awk -F'\t' '{ printf "%-54s %10s  target %-9s %s\n", $1, ($2 == "" ? "-" : $2), $3, $4 }' "$out"
}

write_json() {
  local out=$B/bench.json
  local rv cv
  rv=$(runc --version 2>/dev/null | head -1) cv=$(crun --version 2>/dev/null | head -1)
  jq -Rn --arg nproc "$(nproc)" --arg kernel "$(uname -r)" --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
    --arg runc "$rv" --arg crun "$cv" --arg veritysetup "$(veritysetup --version 2>/dev/null)" \
    --arg openssl "$(openssl version 2>/dev/null)" --arg date "$(date -u +%FT%TZ)" \
    --arg commit "$(git -C "$SRC" rev-parse HEAD 2>/dev/null)" --arg reps "$REPS" \
    --arg load0 "${LOAD_START:-}" --arg load1 "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg psi "$(sed -n 's/^some //p' /proc/pressure/cpu 2>/dev/null)" --arg nice "$(ps -o ni= -p $$ | tr -d ' ')" '
    def num: if . == "-" or . == "" then null else (tonumber? // .) end;
    { machine: { nproc: ($nproc | tonumber), kernel: $kernel, cpu: $cpu, runc: $runc, crun: $crun,
                 veritysetup: $veritysetup, openssl: $openssl,
                 loadavg_start: $load0, loadavg_end: $load1, cpu_pressure_end: $psi, nice: $nice },
      date: $date, commit: $commit, repetitions: ($reps | tonumber),
      note: "a = parma (parma-runc / parma-verity / decision), b = baseline (runc, crun, veritysetup); times in us",
      rows: [ inputs | split("\t") | {
        section: .[0], row: .[1], unit: .[6], n: .[7], note: .[8],
        a_median: (.[2] | num), a_p95: (.[3] | num), b_median: (.[4] | num), b_p95: (.[5] | num) }
        | .ratio = (if (.a_median | type) == "number" and (.b_median | type) == "number" and .b_median > 0
                    then ((.a_median / .b_median) * 1000 | round) / 1000 else null end) ] }' \
    <"$RESULTS" >"$out.tmp" &&
    jq -Rn '[inputs | split("\t") | { name: .[0], measured: .[1], target: .[2], verdict: .[3] }]' <"$W/targets.tsv" >"$out.targets" &&
    jq --slurpfile t "$out.targets" '.targets = $t[0]' "$out.tmp" >"$out" && rm -f "$out.tmp" "$out.targets"
  echo "bench: wrote $out"
}

# ---- main ---------------------------------------------------------------------------------------
case $PHASE in
  --crun-phase) crun_phase; exit 0 ;;
  --own-phase) own_phase; exit 0 ;;
esac
trap cleanup_all EXIT
trap 'exit 130' INT TERM
# Both sides run at the same (raised) priority, so that other work on the
# machine disturbs the interleaved pairs less; BENCH_NICE=0 to turn off.
[ "$(id -u)" = 0 ] && renice -n "${BENCH_NICE:--10}" -p $$ >/dev/null 2>&1
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
setup
t0=$SECONDS
if want lifecycle; then ROOT=$ROOT_RUNC ROOT_LIST_CUR=$ROOT_LIST STATE_CUR=$STATE; lifecycle runc; fi
if want crun; then
  if command -v crun >/dev/null; then
    BENCH_REPS=$REPS BENCH_QUICK=$QUICK PARMA_BENCH_WORK=$PARMA_WORK unshare -m "$0" --crun-phase "$B"
  else
    record lifecycle-crun crun - - - - us 0/0 "n/a (crun not installed)"
  fi
fi
want startup && startup
want memory && memory
want decision && decision
want verity && verity
print_table
check_targets
write_json
# Keep the logs (stderr of every call, strace, callgrind) next to bench.json.
rm -rf "$B/bench-log" && cp -r "$W/log" "$B/bench-log"
cp "$RESULTS" "$B/bench.tsv"
say "done in $((SECONDS - t0)) s"
