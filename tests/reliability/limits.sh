#!/bin/bash
# Input limits, at and just past each one the code enforces:
#   configuration ($SYSCONFDIR/parma-runc/config.json): 64 KiB (runtime/config.c CONFIG_MAX)
#   bundle config.json, exec --process, update -r: 4 MiB (common/oci.h
#     OCI_MAX_DOCUMENT), nesting 64 (OCI_MAX_DEPTH)
#   policy document: 16 MiB (policy/policy.h POLICY_MAX_DOCUMENT), nesting 2048
#   container id: 250 bytes (runtime/verb_common.c PARMA_ID_MAX)
#   command-line words: the kernel's (one word 128 KiB, all of them ARG_MAX)
# and the inputs with no limit of their own (number of env vars, args),
# which are bounded only by the document size: a large count within it is
# admitted, env vars up to exactly 4 MiB too.  The delegate is a stand-in
# that records its argv.  The table is parma-runc(8), LIMITS.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
rt_init reliability-limits
CONF=$PARMA_SYSCONFDIR/parma-runc/config.json
DELEGATE=$RT/ok/delegate.sh
printf '#!/bin/sh\necho "$1" >>%s\nexit 0\n' "$RT/delegate.argv" >"$DELEGATE"
chmod 0755 "$DELEGATE"
rt_config "$DELEGATE" || { not_ok "rt_config"; done_testing; exit; }
cp "$CONF" "$RT/good-config.json"
cd "$RT" || exit 1
make_bundle "$RT/ok/b" sleep 100 >/dev/null

# pad FILE SIZE: appends spaces (insignificant JSON whitespace) up to SIZE bytes
pad() { local n=$(($2 - $(stat -c %s "$1"))); [ "$n" -ge 0 ] && head -c "$n" /dev/zero | tr '\0' ' ' >>"$1"; }
# One call; prints "rc=N ran=yes|no" and keeps stderr in $RT/err.
call() {
  rm -f "$RT/delegate.argv"
  "$PARMA" --root "$ROOT" "$@" </dev/null >/dev/null 2>"$RT/err"
  local rc=$?
  echo "rc=$rc ran=$([ -e "$RT/delegate.argv" ] && echo yes || echo no)"
}
err() { grep -v 'SEV-SNP SIMULATOR\|open-door' "$RT/err" | head -c 300; }
errline() { grep -v 'SEV-SNP SIMULATOR\|open-door' "$RT/err"; } # whole, for ^...$ matches

# ---- the configuration: 64 KiB ----
cp "$RT/good-config.json" "$CONF"; pad "$CONF" 65536
check_eq "configuration of exactly 64 KiB is read" "$(call list)" "rc=0 ran=yes"
cp "$RT/good-config.json" "$CONF"; pad "$CONF" 65537
check_eq "configuration of 64 KiB + 1 is refused" "$(call list)" "rc=1 ran=no"
check_match "  with one line naming the configuration" "$(err)" "configuration .*config.json"
cp "$RT/good-config.json" "$CONF"

# ---- bundle config.json: 4 MiB, depth 64 ----
B=$RT/ok/big; rm -rf "$B"; mkdir -p "$B"; ln -s "$RT/ok/b/rootfs" "$B/rootfs" 2>/dev/null
cp -a "$RT/ok/b/rootfs" "$B/rootfs.real" 2>/dev/null; rm -f "$B/rootfs"; mv "$B/rootfs.real" "$B/rootfs"
cp "$RT/ok/b/config.json" "$B/config.json"; pad "$B/config.json" $((4 << 20))
check_eq "bundle config.json of exactly 4 MiB is admitted" "$(call create -b "$B" "l1")" "rc=0 ran=yes"
cp "$RT/ok/b/config.json" "$B/config.json"; pad "$B/config.json" $(((4 << 20) + 1))
check_eq "bundle config.json of 4 MiB + 1 is refused" "$(call create -b "$B" "l2")" "rc=1 ran=no"
check_match "  with one line naming the size" "$(err)" "(large|size|bytes|MiB|too)"

# nesting: the deepest place the OCI schema allows a free-form value is
# an unknown member; "depth" errors must appear only past the limit.
nest() { # DEPTH of the whole document: {"x": [[...]]} has depth 2 + arrays
  local d=$1 inner
  inner=$(printf '%*s' $((d - 1)) '' | tr ' ' '[')$(printf '%*s' $((d - 1)) '' | tr ' ' ']')
  jq -c --argjson v "$inner" '. + {"zz": $v}' "$RT/ok/b/config.json" 2>/dev/null ||
    { jq -c . "$RT/ok/b/config.json" | sed 's/}$/,"zz":'"$inner"'}/'; }
}
nest 64 >"$B/config.json"
call create -b "$B" "l3" >/dev/null
at=$(err)
nest 65 >"$B/config.json"
past=$(call create -b "$B" "l4")
check_eq "bundle config.json nested 65 deep is refused" "$past" "rc=1 ran=no"
# (the strict reader refuses the unknown member before it descends, so with
# allow_unknown_oci_fields off the depth limit is a second line of defence;
# common/oci_read.c's "nested deeper than 64" is covered by the OCI fuzz
# target and the common unit tests)
if [[ "$at" =~ (depth|deep|nesting) ]]; then not_ok "nesting of exactly 64 is not a depth error" "$at"
else ok "nesting of exactly 64 is not a depth error # $(head -c 100 <<<"$at")"; fi

# no limit of their own: many env vars, many args (within 4 MiB)
jq -c '.process.env = [range(0; 20000) | "V\(.)=x"]' "$RT/ok/b/config.json" >"$B/config.json"
check_eq "20000 env vars (no count limit; 4 MiB bounds them) are admitted" "$(call create -b "$B" "l5")" "rc=0 ran=yes"
jq -c '.process.args = ["sleep"] + [range(0; 50000) | "a\(.)"]' "$RT/ok/b/config.json" >"$B/config.json"
check_eq "50000 process args (no count limit) are admitted" "$(call create -b "$B" "l6")" "rc=0 ran=yes"
# ... env vars up to the document limit: exactly 4 MiB of config made of
# env vars is admitted, one byte more is refused
envdoc() { # SIZE: a config whose env list fills it to exactly SIZE bytes
  jq -c '.process.env += [range(0; 40000) | "V\(.)=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]' \
    "$RT/ok/b/config.json" >"$B/config.json"
  local have; have=$(stat -c %s "$B/config.json")
  # the last env var takes up the difference (the file ends with a newline)
  jq -c --argjson n $(($1 - have - 3)) '.process.env += ["PAD=" + ("x" * ($n - 4))]' \
    "$B/config.json" >"$B/c2.json" && mv "$B/c2.json" "$B/config.json"
}
envdoc $((4 << 20))
check_eq "env vars filling a config of exactly 4 MiB ($(jq '.process.env | length' "$B/config.json") of them) are admitted" \
  "$(stat -c %s "$B/config.json") $(call create -b "$B" "l5b")" "$((4 << 20)) rc=0 ran=yes"
envdoc $(((4 << 20) + 1))
check_eq "one byte more of env vars (4 MiB + 1) is refused" \
  "$(stat -c %s "$B/config.json") $(call create -b "$B" "l5c")" "$(((4 << 20) + 1)) rc=1 ran=no"
cp "$RT/ok/b/config.json" "$B/config.json"

# ---- container id: 250 bytes (<id>.lock must be a file name) ----
id250=$(head -c 250 /dev/zero | tr '\0' a)
check_eq "a 250-byte container id is admitted" "$(call create -b "$B" "$id250")" "rc=0 ran=yes"
check_eq "a 251-byte container id is refused" "$(call create -b "$B" "${id250}b")" "rc=1 ran=no"
check_match "  with one line naming the id rule" "$(errline)" "^parma-runc: create a+b: invalid id format: longer than 250 bytes$"
long=$(head -c 100000 /dev/zero | tr '\0' a)
check_eq "a 100000-byte container id is refused" "$(call create -b "$B" "$long")" "rc=1 ran=no"

# ---- exec --process and update -r documents: 4 MiB each ----
call create -b "$RT/ok/b" lx >/dev/null
jq '.process' "$RT/ok/b/config.json" >"$RT/ok/p.json"
cp "$RT/ok/p.json" "$RT/ok/pbig.json"; pad "$RT/ok/pbig.json" $((4 << 20))
check_eq "exec --process document of exactly 4 MiB is admitted" "$(call exec -p "$RT/ok/pbig.json" lx)" "rc=0 ran=yes"
cp "$RT/ok/p.json" "$RT/ok/pbig.json"; pad "$RT/ok/pbig.json" $(((4 << 20) + 1))
check_eq "exec --process document of 4 MiB + 1 is refused (exit 255, as runc's exec)" \
  "$(call exec -p "$RT/ok/pbig.json" lx)" "rc=255 ran=no"
check_match "  with one line naming the size" "$(err)" "^parma-runc: exec lx: .*(large|bytes)"
echo '{"memory": {"limit": 100000000}}' >"$RT/ok/r.json"
cp "$RT/ok/r.json" "$RT/ok/rbig.json"; pad "$RT/ok/rbig.json" $((4 << 20))
check_eq "update -r document of exactly 4 MiB is admitted" "$(call update -r "$RT/ok/rbig.json" lx)" "rc=0 ran=yes"
cp "$RT/ok/r.json" "$RT/ok/rbig.json"; pad "$RT/ok/rbig.json" $(((4 << 20) + 1))
check_eq "update -r document of 4 MiB + 1 is refused" "$(call update -r "$RT/ok/rbig.json" lx)" "rc=1 ran=no"
check_match "  with one line naming the size" "$(err)" "^parma-runc: update lx: .*(large|bytes)"

# ---- command-line words: the kernel's limits, passed on intact ----
# One word is at most MAX_ARG_STRLEN (131072 bytes with its NUL): parma
# passes the longest one to the delegate unchanged.
w=$(head -c 131071 /dev/zero | tr '\0' w)
# (in a directory with a long name: the delegate's command line is then
# longer than parma-runc's own, whatever the kernel counts)
LENS=$RT/ok/$(head -c 200 /dev/zero | tr '\0' d)/lens.sh
mkdir -p "$(dirname "$LENS")"
printf '#!/bin/sh\nfor a; do echo "${#a}"; done >%s\nexit 0\n' "$RT/delegate.lens" >"$LENS"
chmod 0755 "$LENS"
jq --arg d "$LENS" '.delegate = $d' "$RT/good-config.json" >"$CONF"
"$PARMA" --root "$ROOT" exec lx echo "$w" </dev/null >/dev/null 2>"$RT/err"
check_eq "a 131071-byte exec argument reaches the delegate whole" "$(tail -1 "$RT/delegate.lens" 2>/dev/null)" 131071
"$PARMA" --root "$ROOT" exec lx echo "${w}w" </dev/null >/dev/null 2>"$RT/err"
check_eq "a 131072-byte one cannot even start parma-runc (E2BIG from the kernel)" "$?" 126
# The whole command line: parma adds a few words of its own (--root=...),
# so a command line that just fits parma-runc may not fit the delegate:
# then one line and exit 255, nothing sealed.
# The search for that longest command line runs in python3 (one process:
# the same environment for every try, and fast).
read -r lo LAST_RC < <(python3 - "$PARMA" "$ROOT" "$(getconf ARG_MAX)" <<'PY'
import errno, os, subprocess, sys
parma, root, arg_max = sys.argv[1], sys.argv[2], int(sys.argv[3])
def run(n): # an exec command of n bytes in words of 100000
    words = ["w" * 100000] * (n // 100000) + ["w" * (n % 100000)]
    try:
        return subprocess.run([parma, "--root", root, "exec", "lx", "echo"] + words,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=open("err", "w")).returncode
    except OSError as e:
        if e.errno != errno.E2BIG:
            raise
        return None
lo, hi = 0, arg_max
while hi - lo > 1:
    mid = (lo + hi) // 2
    if run(mid) is None: hi = mid
    else: lo = mid
if os.path.exists("delegate.lens"):
    os.unlink("delegate.lens") # left by the tries that fitted both
print(lo, run(lo))
PY
)
check_eq "the longest exec command line parma-runc can receive ($lo bytes): exit 255, no delegate" \
  "$LAST_RC $([ -e "$RT/delegate.lens" ] && echo ran || echo no)" "255 no"
check_match "  with one line: the delegate's command line is too long" "$(errline)" "^parma-runc: exec lx: exec delegate .*Argument list too long$"
cp "$RT/good-config.json" "$CONF"

# ---- policy: 16 MiB (whitespace never changes the hash, so it still pins) ----
P=$RT/ok/big-policy.json
polcase() { # SIZE STATE-SUFFIX
  cp "$RT/open-door.json" "$P"; pad "$P" "$1"
  jq --arg p "$P" --arg s "$RT/s-$2" '.policy = $p | .state_dir = $s' "$RT/good-config.json" >"$CONF"
  call create -b "$RT/ok/b" "l7"
}
check_eq "policy of exactly 16 MiB pins and admits" "$(polcase $((16 << 20)) at)" "rc=0 ran=yes"
check_eq "policy of 16 MiB + 1 is refused" "$(polcase $(((16 << 20) + 1)) past)" "rc=1 ran=no"
check_match "  with one line naming the policy" "$(err)" "policy"
# nesting: jansson's parser stops at 2048 levels
deep() { python3 -c "import sys; d=int(sys.argv[1]); print('{\"version\":\"1\",\"zz\":' + '['*(d-1) + ']'*(d-1) + '}')" "$1"; }
poldeep() { # DEPTH STATE-SUFFIX
  deep "$1" >"$P"
  jq --arg p "$P" --arg s "$RT/s-$2" '.policy = $p | .state_dir = $s' "$RT/good-config.json" >"$CONF"
  call create -b "$RT/ok/b" "l8"
}
check_eq "policy nested 2048 deep is read (and refused for its content)" "$(poldeep 2048 d-at)" "rc=1 ran=no"
check_match "  not for its depth" "$(err)" "zz: unknown key"
check_eq "policy nested 2049 deep is refused" "$(poldeep 2049 d-past)" "rc=1 ran=no"
check_match "  for its depth" "$(err)" "maximum parsing depth"
cp "$RT/good-config.json" "$CONF"
rm -f "$P"
done_testing
