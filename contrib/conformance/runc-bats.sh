#!/bin/bash
# runc's own integration suite (bats, tests/integration of runc v1.1.5) run
# twice on this machine: once with RUNC=/usr/sbin/runc and once with
# RUNC=parma-runc (runc delegate, open-door policy), then compared test by
# test.  Not part of `make check`: it needs runc's source, Go and ~10 min.
# See contrib/conformance/README for the how and the measured result.
#
#   contrib/conformance/runc-bats.sh [BATS-FILTER...]
#
# Environment (all optional):
#   WORK          work dir, default /tmp/parma-runc-bats (wiped per run,
#                 except the runc checkout and the Go cache)
#   RUNC_GIT_DIR  a git dir holding runc's tags (a bare mirror is fine);
#                 without it the tag is cloned from GitHub (needs network)
#   RUNC_TAG      default v1.1.5 (the runc that Debian 12 ships)
#   RUNC_BIN      the reference runc, default /usr/sbin/runc
#   PARMA_BUILD   a build dir with parma-runc + parma-policy whose
#                 compiled-in SYSCONFDIR is $PARMA_BUILD/etc; without it
#                 they are built into $WORK/parma-build
#   ONLY          "runc" or "parma" to run one side only (compare is skipped)
#   BATS-FILTER   file names under tests/integration (default: *.bats)
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
WORK=${WORK:-/tmp/parma-runc-bats}
RUNC_TAG=${RUNC_TAG:-v1.1.5}
RUNC_BIN=${RUNC_BIN:-/usr/sbin/runc}
ONLY=${ONLY:-}
die() { echo "runc-bats: $*" >&2; exit 1; }
for t in bats go jq xz busybox gcc script gawk; do
  command -v "$t" >/dev/null || die "needs $t (apt-get install bats golang-go jq xz-utils busybox-static gcc util-linux gawk)"
done
mkdir -p "$WORK" || die "cannot create $WORK"
RUNC_SRC=$WORK/runc-src

fetch_runc() {
  [ -f "$RUNC_SRC/.tag" ] && [ "$(cat "$RUNC_SRC/.tag")" = "$RUNC_TAG" ] && return 0
  rm -rf "$RUNC_SRC" && mkdir -p "$RUNC_SRC" || return 1
  if [ -n "${RUNC_GIT_DIR:-}" ]; then
    git --git-dir="$RUNC_GIT_DIR" archive "$RUNC_TAG" | tar -x -C "$RUNC_SRC" || return 1
  else
    git clone -q --depth 1 --branch "$RUNC_TAG" https://github.com/opencontainers/runc "$RUNC_SRC.git" &&
      (cd "$RUNC_SRC.git" && git archive HEAD) | tar -x -C "$RUNC_SRC" && rm -rf "$RUNC_SRC.git" || return 1
  fi
  echo "$RUNC_TAG" >"$RUNC_SRC/.tag"
}

# The suite's helper binaries, from runc's vendored modules, offline.
build_helpers() {
  local c tags
  for c in recvtty sd-helper seccompagent fs-idmap pidfd-kill remap-rootfs; do
    [ -d "$RUNC_SRC/contrib/cmd/$c" ] || continue
    [ -x "$RUNC_SRC/contrib/cmd/$c/$c" ] && continue
    tags=; [ "$c" = seccompagent ] && tags="-tags seccomp"
    (cd "$RUNC_SRC" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE=$WORK/gocache \
      go build $tags -o "contrib/cmd/$c/$c" "./contrib/cmd/$c") || return 1
  done
}

# The images get-images.sh would download, built from the host instead:
# busybox-static with the passwd/group of the Docker busybox image, and a
# "debian" image (hooks.bats only needs sh + ldconfig + /lib) = the same
# busybox plus Debian's static ldconfig.
build_images() {
  local td=$RUNC_SRC/tests/integration/testdata arch r
  arch=$(go env GOARCH) || return 1
  [ -s "$td/busybox-$arch.tar.xz" ] && [ -s "$td/debian-$arch.tar.xz" ] && return 0
  r=$WORK/image-rootfs
  rm -rf "$r" && mkdir -p "$r"/{bin,dev,etc,home,lib,proc,root,sys,tmp,usr/sbin,var/spool/mail,var/www} || return 1
  chmod 1777 "$r/tmp"
  cp "$(command -v busybox)" "$r/bin/busybox" || return 1
  for a in $("$r/bin/busybox" --list); do [ -e "$r/bin/$a" ] || ln "$r/bin/busybox" "$r/bin/$a"; done
  cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
  cat >"$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
EOF
  echo 'root::0:0:99999:7:::' >"$r/etc/shadow"
  tar -C "$r" -cJf "$td/busybox-$arch.tar.xz" . || return 1
  cp /sbin/ldconfig "$r/bin/ldconfig" && : >"$r/etc/ld.so.conf" || return 1
  tar -C "$r" -cJf "$td/debian-$arch.tar.xz" . || return 1
  rm -rf "$r"
}

build_parma() {
  if [ -n "${PARMA_BUILD:-}" ]; then
    [ -x "$PARMA_BUILD/parma-runc" ] || die "no parma-runc in $PARMA_BUILD"
    return 0
  fi
  PARMA_BUILD=$WORK/parma-build
  make -s -C "$src" -j2 BUILDDIR="$PARMA_BUILD" SYSCONFDIR="$PARMA_BUILD/etc" \
    "$PARMA_BUILD/parma-runc" "$PARMA_BUILD/parma-policy" >&2 || die "build of parma-runc failed"
}

# runc delegate, open-door policy bound to the simulator, every directory
# the suite uses allowed (its temp dirs live under $TMPDIR), a state dir
# of its own.
configure_parma() {
  local conf=$PARMA_BUILD/etc/parma-runc/config.json hd
  mkdir -p "$(dirname "$conf")" && chmod 0755 "$PARMA_BUILD/etc" "$(dirname "$conf")" || return 1
  "$PARMA_BUILD/parma-policy" gen --open-door -o "$WORK/open-door.json" || return 1
  hd=$("$PARMA_BUILD/parma-policy" hash "$WORK/open-door.json" | head -n1) || return 1
  jq -n --arg d "$RUNC_BIN" --arg w "$WORK" --arg hd "$hd" '{
      delegate: $d,
      state_dir: ($w + "/parma-state"),
      mode: "enforce",
      policy: ($w + "/open-door.json"),
      attestation: {backend: "sim", sim_host_data: $hd},
      allowed_dirs: ["/run", ($w + "/tmp-parma")],
      audit_log: ($w + "/parma-audit.log")
    }' >"$conf.tmp" && chmod 0644 "$conf.tmp" && mv "$conf.tmp" "$conf" || return 1
  rm -rf "$WORK/parma-state" "$WORK/parma-audit.log"
  "$PARMA_BUILD/parma-runc" list >/dev/null 2>&1 # pins the policy once
  return 0
}

# run_side NAME RUNC-BINARY: TAP with timings in $WORK/NAME.tap
run_side() {
  local name=$1 bin=$2 t0 t1
  local tmp=$WORK/tmp-$name
  rm -rf "$tmp" && mkdir -p "$tmp" && chmod 0755 "$tmp" || return 1
  t0=$(date +%s)
  # The suite wants a controlling terminal (runc spec sets terminal=true
  # and foreground runs open /dev/tty), as in runc's CI: script(1) gives
  # it one; the TAP goes to a file, not through the pty.
  local cmd
  cmd=$(printf '%q ' env TMPDIR="$tmp" RUNC="$bin" bats --tap --timing "${files[@]}")
  (cd "$RUNC_SRC/tests/integration" &&
    script -q -e -c "$cmd >$(printf %q "$WORK/$name.tap") 2>$(printf %q "$WORK/$name.stderr")" /dev/null) \
    </dev/null >/dev/null 2>&1
  t1=$(date +%s)
  echo "$((t1 - t0))" >"$WORK/$name.seconds"
}

# "STATUS<TAB>file: test name" for each test of a TAP file
results() {
  awk '
    /^# bats file: / { next }
    /^(not )?ok [0-9]+ / {
      st = ($1 == "not") ? "fail" : "pass"
      line = $0
      sub(/^(not )?ok [0-9]+ /, "", line)
      if (line ~ / # skip/) { st = "skip"; sub(/ # skip.*/, "", line) }
      sub(/ in [0-9]+ms$/, "", line)
      print st "\t" line
    }' "$1"
}

summary() {
  local name=$1
  results "$WORK/$name.tap" >"$WORK/$name.results"
  printf '%-6s passed %3d  failed %3d  skipped %3d  total %3d  time %ss\n' "$name" \
    "$(grep -c '^pass' "$WORK/$name.results")" "$(grep -c '^fail' "$WORK/$name.results")" \
    "$(grep -c '^skip' "$WORK/$name.results")" "$(wc -l <"$WORK/$name.results")" \
    "$(cat "$WORK/$name.seconds")"
}

fetch_runc || die "cannot get runc $RUNC_TAG"
build_helpers || die "cannot build runc's test helpers"
build_images || die "cannot build the test images"
if [ $# -gt 0 ]; then files=("$@"); else
  files=(); for f in "$RUNC_SRC"/tests/integration/*.bats; do files+=("$(basename "$f")"); done
fi
if [ "$ONLY" != parma ]; then
  run_side runc "$RUNC_BIN"
fi
if [ "$ONLY" != runc ]; then
  build_parma
  configure_parma || die "cannot write parma-runc's configuration"
  run_side parma "$PARMA_BUILD/parma-runc"
fi
[ "$ONLY" != parma ] && summary runc
[ "$ONLY" != runc ] && summary parma
[ -n "$ONLY" ] && exit 0
echo "differences (runc / parma-runc):"
join -t "$(printf '\t')" -1 2 -2 2 -a 1 -a 2 -e missing -o 0,1.1,2.1 \
  <(sort -t "$(printf '\t')" -k2 "$WORK/runc.results") \
  <(sort -t "$(printf '\t')" -k2 "$WORK/parma.results") |
  awk -F '\t' '$2 != $3 { printf "  %-4s / %-4s  %s\n", $2, $3, $1 }' | tee "$WORK/differences"
runc_pass=$(grep -c '^pass' "$WORK/runc.results")
parma_pass=$(grep -c '^pass' "$WORK/parma.results")
if [ "$parma_pass" -ge "$runc_pass" ]; then
  echo "PASS: parma-runc passes $parma_pass tests, runc $runc_pass"
else
  echo "FAIL: parma-runc passes $parma_pass tests, runc $runc_pass"
  exit 1
fi
