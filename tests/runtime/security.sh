#!/bin/bash
# What parma-runc refuses, and that a refusal changes nothing: the trusted
# configuration (missing, insecure, malformed, unknown keys), strict reading
# of config.json / --process / --resources, caller paths outside
# allowed_dirs (also through symlinks), a symlinked rootfs, and the TOCTOU
# guarantee (the delegate runs what parma read, not what the caller swapped
# in afterwards).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
rt_init security
RUNTIME=$PARMA
rt_config
trap 'rt_cleanup; rt_config' EXIT
cd "$RT" || exit 1
CONF=$PARMA_SYSCONFDIR/parma-runc/config.json
make_bundle "$RT/b" sh -c 'echo original' >/dev/null

# Runs a create that must fail; checks exit 1, the stderr line, and that
# no container and no sealed state appeared.
refused() { # NAME REGEX ARGS...
  local name=$1 re=$2; shift 2
  local out rc
  out=$("$PARMA" --root "$ROOT" "$@" 2>&1 >/dev/null)
  rc=$?
  check_eq "$name: exit 1" "$rc" "1"
  check_match "$name: message" "$out" "$re"
  check_eq "$name: nothing created" "$(/usr/sbin/runc --root "$ROOT" list -q 2>/dev/null; ls "$RT/state"/*/ 2>/dev/null | grep -v -e '\.lock$' -e '^root$')" ""
}

# ---- configuration ----
cp "$CONF" "$RT/conf.good"
mv "$CONF" "$RT/conf.moved"
refused "config missing" "^parma-runc: create c1: configuration \`$CONF\`: No such file or directory$" create -b "$RT/b" c1
mv "$RT/conf.moved" "$CONF"
chmod 0666 "$CONF"
refused "config world-writable" "writable by group or others \\(mode 0666\\)" create -b "$RT/b" c1
chmod 0644 "$CONF"
chmod 0777 "$(dirname "$CONF")"
refused "config directory world-writable" "configuration directory .*writable by group or others" create -b "$RT/b" c1
chmod 0755 "$(dirname "$CONF")"
chown 65534 "$CONF"
refused "config not owned by root" "not owned by root \\(uid 65534\\)" create -b "$RT/b" c1
chown 0 "$CONF"
echo '{"delegate": "/usr/sbin/runc",' >"$CONF"
refused "config malformed" "configuration \`$CONF\`: line [0-9]+ column [0-9]+: " create -b "$RT/b" c1
jq '. + {delegat: "/bin/true"}' "$RT/conf.good" >"$CONF"
refused "config unknown key (a typo) named" "configuration \`$CONF\`: delegat: unknown key$" create -b "$RT/b" c1
sed 's/"mode": "enforce"/"mode": "enforce", "mode": "audit"/' "$RT/conf.good" >"$CONF"
refused "config duplicate key" "duplicate object key" create -b "$RT/b" c1
jq '.attestation.backend = "none"' "$RT/conf.good" >"$CONF"
refused "config bad attestation backend" "attestation.backend: \`none\` is not sev-guest, tsm or sim" create -b "$RT/b" c1
jq '.delegate = "runc"' "$RT/conf.good" >"$CONF"
refused "config relative delegate" "delegate: \`runc\` is not an absolute path" create -b "$RT/b" c1
cp "$RT/conf.good" "$CONF"
out=$(PARMA_DELEGATE=/bin/false RUNC=/bin/false "$PARMA" --root "$ROOT" state nope 2>&1)
check_match "environment cannot pick the delegate" "$out" "container does not exist"

# ---- strict config.json ----
bad_bundle() { # NAME JQ-FILTER-or-RAW
  make_bundle "$RT/bad" true >/dev/null
  printf '%s' "$2" >"$RT/bad/config.json"
}
raw=$(jq -c . "$RT/b/config.json")
bad_bundle dup "${raw%\}},\"hostname\":\"again\"}"
refused "config.json duplicate key" 'config\.json`: .*hostname.*duplicate' create -b "$RT/bad" c1
bad_bundle fold "${raw%\}},\"Hostname\":\"folded\"}"
refused "config.json case-folded key" 'config\.json`: .*Hostname' create -b "$RT/bad" c1
bad_bundle unknown "${raw%\}},\"unknownKey\":1}"
refused "config.json unknown key" 'config\.json`: .*unknownKey' create -b "$RT/bad" c1
deep=$(printf '[%.0s' $(seq 200))$(printf ']%.0s' $(seq 200))
bad_bundle deep "${raw%\}},\"annotations\":{\"x\":\"y\"},\"hooks\":{\"prestart\":$deep}}"
refused "config.json nested 200 deep" 'config\.json`: hooks\.prestart\[0\]: ' create -b "$RT/bad" c1
make_bundle "$RT/bad" true >/dev/null
{ printf '{"hostname":"'; head -c $((5 << 20)) /dev/zero | tr '\0' a; printf '"}'; } >"$RT/bad/config.json"
refused "config.json larger than 4 MiB" 'config\.json`: .*(File too large|too large|EFBIG|bytes)' create -b "$RT/bad" c1
make_bundle "$RT/bad" true >/dev/null
printf '{"ociVersion":"1.0.2\xff"}' >"$RT/bad/config.json"
refused "config.json invalid UTF-8" 'config\.json`: .*(UTF-8|UTF8|utf-8|utf8)' create -b "$RT/bad" c1

# ---- rootfs through a symlink ----
make_bundle "$RT/blink" true >/dev/null
mv "$RT/blink/rootfs" "$RT/blink/real-rootfs"
ln -s real-rootfs "$RT/blink/rootfs"
refused "symlinked rootfs refused" 'root\.path: .*symbolic links are not followed' create -b "$RT/blink" c1
make_bundle "$RT/bescape" true >/dev/null
jq '.root.path = "../b/rootfs"' "$RT/bescape/config.json" >"$RT/x.json" && mv "$RT/x.json" "$RT/bescape/config.json"
refused "relative rootfs escaping the bundle refused" 'root\.path: .*escapes' create -b "$RT/bescape" c1

# ---- caller paths outside allowed_dirs ----
ln -s "$RT/outside" "$RT/ok/link-out"
den="^parma-runc: denied: create c1: allowed_dirs: "
refused "--root outside allowed_dirs" "^parma-runc: denied: create c1: allowed_dirs: --root \`$RT/outside/root\` is not under /run, $RT/ok$" \
  --root "$RT/outside/root" create -b "$RT/b" c1
refused "--root through a symlink leading outside" "resolves to \`$RT/outside/root\`" --root "$RT/ok/link-out/root" create -b "$RT/b" c1
refused "--root climbing out of a missing dir" "\`..\` after a missing directory" --root "$RT/ok/new/../../outside" create -b "$RT/b" c1
refused "--pid-file outside" "${den}--pid-file \`$RT/outside/pid\` is not under" create -b "$RT/b" --pid-file "$RT/outside/pid" c1
check "--pid-file outside: no file" test ! -e "$RT/outside/pid"
refused "--pid-file through a symlink" "${den}--pid-file \`$RT/ok/link-out/pid\` resolves to \`$RT/outside/pid\`" create -b "$RT/b" --pid-file "$RT/ok/link-out/pid" c1
refused "--console-socket outside" "${den}--console-socket" create -b "$RT/b" --console-socket "$RT/outside/sock" c1
refused "--log outside" "^parma-runc: denied: create c1: allowed_dirs: --log \`$RT/outside/log.json\` is not under" --log "$RT/outside/log.json" create -b "$RT/b" c1
check "--log outside: no file" test ! -e "$RT/outside/log.json"
out=$("$PARMA" --root "$ROOT" exec --pid-file "$RT/outside/p" nope true 2>&1); rc=$?
check_eq "exec --pid-file outside: denied with 255" "$rc:$out" "255:parma-runc: denied: exec nope: allowed_dirs: --pid-file \`$RT/outside/p\` is not under /run, $RT/ok"
check_match "the denial is in the audit log" "$(tail -1 "$RT/audit.log" 2>/dev/null)" '"decision":"deny".*"reason":"denied: exec nope: allowed_dirs: --pid-file'

# ---- audit mode: a path denial is logged and let through ----
rt_config /usr/sbin/runc '.mode = "audit"'
out=$("$PARMA" --root "$ROOT" run -b "$RT/b" --pid-file "$RT/outside/audit.pid" audited 2>&1)
check_eq "audit mode: the run goes through" "$?" "0"
check_match "audit mode: warning on stderr" "$out" "audit mode, allowed anyway: denied: run audited: allowed_dirs: --pid-file"
check "audit mode: the pid file was written" test -s "$RT/outside/audit.pid"
check_match "audit mode: denial in the audit log" "$(grep '"id":"audited"' "$RT/audit.log" | head -1)" '"decision":"deny".*"mode":"audit"'
rt_config

# ---- strict --process and --resources ----
"$PARMA" --root "$ROOT" run -d -b "$RT/b" live >/dev/null 2>&1 </dev/null || true
make_bundle "$RT/bsleep" sleep 30 >/dev/null
"$PARMA" --root "$ROOT" run -d -b "$RT/bsleep" live2 </dev/null >/dev/null 2>&1
jq -c '.process' "$RT/b/config.json" >"$RT/p.json"
printf '%s' "$(jq -c . "$RT/p.json" | sed 's/}$/,"cwd":"\/tmp"}/')" >"$RT/pdup.json"
out=$("$PARMA" --root "$ROOT" exec -p "$RT/pdup.json" live2 2>&1); rc=$?
check_match "exec --process duplicate key: 255 and named" "$rc:$out" '^255:parma-runc: exec live2: --process .*cwd'
out=$(echo '{"pids":{"limit":5},"Pids":{"limit":9}}' | "$PARMA" --root "$ROOT" update -r - live2 2>&1); rc=$?
check_match "update -r - case-folded key refused" "$rc:$out" '^1:parma-runc: update live2: --resources: .*Pids'
"$PARMA" --root "$ROOT" delete --force live2

# ---- TOCTOU: the delegate runs what parma read ----
# The delegate is a wrapper that rewrites the caller's config.json (and
# swaps its rootfs for a symlink) the moment parma execs it, then runs runc.
make_bundle "$RT/bt" sh -c 'echo original' >/dev/null
cat >"$RT/swap-delegate" <<EOF
#!/bin/sh
case " \$* " in *" run "*|*" create "*) ;; *) exec /usr/sbin/runc "\$@" ;; esac
jq '.process.args = ["sh", "-c", "echo swapped"]' "$RT/bt/config.json" >"$RT/bt/config.json.new" && mv "$RT/bt/config.json.new" "$RT/bt/config.json"
exec /usr/sbin/runc "\$@"
EOF
chmod 0755 "$RT/swap-delegate"
rt_config "$RT/swap-delegate"
out=$("$PARMA" --root "$ROOT" run -b "$RT/bt" toctou 2>/dev/null)
check_eq "TOCTOU: the caller's file was swapped" "$(jq -r '.process.args[2]' "$RT/bt/config.json")" "echo swapped"
check_eq "TOCTOU: the container ran what parma read" "$out" "original"
make_bundle "$RT/bt" sh -c 'echo original' >/dev/null
"$PARMA" --root "$ROOT" create -b "$RT/bt" toctou2 </dev/null >"$RT/toctou2.out" 2>/dev/null
sealed=$(/usr/sbin/runc --root "$ROOT" state toctou2 | jq -r .bundle)
check_eq "TOCTOU: runc's state points at the sealed bundle" "$(jq -r '.process.args[2]' "$sealed/config.json")" "echo original"
"$PARMA" --root "$ROOT" start toctou2
for i in $(seq 20); do [ -s "$RT/toctou2.out" ] && break; sleep 0.05; done
check_eq "TOCTOU: create+start ran the original" "$(cat "$RT/toctou2.out")" "original"
digest=$(jq -r .config_sha256 "$(dirname "$sealed")/admission.json")
check_eq "admission record: sha256 of the sealed config" "$digest" "$(sha256sum <"$sealed/config.json" | cut -d' ' -f1)"
rt_config
"$PARMA" --root "$ROOT" delete --force toctou2

# ---- parma's own descriptors are close-on-exec; the caller's pass ----
cat >"$RT/fd-delegate" <<EOF
#!/bin/sh
ls /proc/self/fd | sort -n | tr '\n' ' ' >"$RT/fds.txt"
exec /usr/sbin/runc "\$@"
EOF
chmod 0755 "$RT/fd-delegate"
rt_config "$RT/fd-delegate"
"$PARMA" --root "$ROOT" run -b "$RT/b" fdleak </dev/null >/dev/null 2>&1
cp "$RT/fds.txt" "$RT/fds.parma"
"$RT/fd-delegate" --version </dev/null >/dev/null 2>&1
check_eq "run: the delegate gets the caller's fds and none of parma's" "$(cat "$RT/fds.parma")" "$(cat "$RT/fds.txt")"
"$PARMA" --root "$ROOT" run -b "$RT/b" fdleak2 </dev/null >/dev/null 2>&1 7<"$RT/b/config.json"
check_match "run: an inherited fd 7 reaches the delegate as it came" "$(cat "$RT/fds.txt")" " 7 "
rt_config
done_testing
