#!/bin/bash
# The runc 1.1 command line: every case runs through real runc and through
# parma-runc (delegating to that runc), and must give the same exit status
# and the same first stdout line (prog name aside).  Then help, version,
# features, spec, --log line formats.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
rt_init cli
rt_config
cd "$RT" || exit 1
RUNC=/usr/sbin/runc

# Runs argv through both; compares "status|first stdout line".
same() {
  local name=$1; shift
  local a b
  local ra rb
  (cd "$RT" && "$RUNC" "$@" </dev/null >"$RT/same.a" 2>/dev/null)
  ra=$?
  (cd "$RT" && "$PARMA" "$@" </dev/null >"$RT/same.b" 2>/dev/null)
  rb=$?
  a="$(head -1 "$RT/same.a")|$ra"
  b="$(head -1 "$RT/same.b")|$rb"
  a=${a//runc/PROG}
  b=${b//parma-runc/PROG}
  check_eq "same as runc: $name" "$b" "$a"
}

R=(--root "$ROOT")
same "no arguments (help)" 
same "--help" --help
same "-h" -h
same "h" h
same "help" help
same "help kill" help kill
same "help nosuch (exit 3)" help nosuch
same "help --help (help's own help)" help --help
same "h -h" h -h
same "help kill --help (reordered: help's help)" help kill --help
same "help --nosuchflag x (usage error)" help --nosuchflag x
same "help -- kill" help -- kill
same "help -- --help (no such topic)" help -- --help
same "help kill extra (extra args ignored)" help kill extra
check_eq "help -- kill: kill's help" "$("$PARMA" help -- kill | sed -n 2p | awk '{print $2}')" "kill"
check_match "--help: NAME line as runc's (help.bats)" "$("$PARMA" --help | sed -n 2p)" '^   parma-runc - Open Container Initiative runtime'
check_eq "help --help: help's help" "$("$PARMA" help --help | sed -n 5p)" "   parma-runc help [command]"
same "unknown verb (exit 3)" "${R[@]}" nosuchverb
same "unknown global flag" --bogus state x
same "bad flag syntax" ---root /x state x
same "global flag needs an argument" --root
same "-root single dash" -root "$ROOT" state nope
same "--root=" --root="$ROOT" state nope
same "--debug=false" --debug=false "${R[@]}" state nope
same "--log-format xml" --log-format xml "${R[@]}" state nope
same "state: no id" "${R[@]}" state
same "state: two ids" "${R[@]}" state a b
same "state --bogus" "${R[@]}" state --bogus x
same "state x --bogus (not reordered: arg count)" "${R[@]}" state x --bogus
same "state -- x" "${R[@]}" state -- x
same "state --help" "${R[@]}" state --help
same "state x -h (reordered help)" "${R[@]}" state x -h
same "create: no id" "${R[@]}" create
same "create: unknown flag" "${R[@]}" create --bogus x
same "create --preserve-fds abc" "${R[@]}" create --preserve-fds abc x
same "create --preserve-fds -1 (an int in runc 1.1)" "${R[@]}" create --preserve-fds=-1 x
same "create -b (needs an argument)" "${R[@]}" create -b
same "run --detach=maybe" "${R[@]}" run --detach=maybe x
same "delete --force=maybe" "${R[@]}" delete --force=maybe x
same "delete --force=T unknown" "${R[@]}" delete --force=T nope
same "delete -f=1 unknown" "${R[@]}" delete -f=1 nope
same "delete unknown -f (reordered)" "${R[@]}" delete nope -f
same "delete nope -- -f (no reorder after --)" "${R[@]}" delete nope -- -f
same "delete -f --force (two forms)" "${R[@]}" delete -f --force nope
same "delete unknown" "${R[@]}" delete nope
same "kill: no id" "${R[@]}" kill
same "kill -a: no id" "${R[@]}" kill -a
same "kill: three args" "${R[@]}" kill a 9 extra
same "kill unknown" "${R[@]}" kill nope
same "kill -all unknown" "${R[@]}" kill -all nope 9
same "kill --all=false unknown" "${R[@]}" kill --all=false nope KILL
same "exec: no id" "${R[@]}" exec
same "exec unknown (255)" "${R[@]}" exec nope true
same "exec --bogus" "${R[@]}" exec --bogus nope true
same "exec: flags after the id belong to the command" "${R[@]}" exec nope sh --bogus
same "exec --preserve-fds=x" "${R[@]}" exec --preserve-fds=x nope true
same "ps: no id" "${R[@]}" ps
same "ps unknown with ps args" "${R[@]}" ps nope -ef
same "events --interval bad" "${R[@]}" events --interval bad nope
same "events --interval 1m30s unknown" "${R[@]}" events --interval 1m30s nope
same "list extra arg" "${R[@]}" list extra
same "list -f (needs an argument)" "${R[@]}" list -f
same "list -q=false --format=json" "${R[@]}" list -q=false --format=json
same "list -f xml" "${R[@]}" list -f xml
same "pause: no id" "${R[@]}" pause
same "resume: two ids" "${R[@]}" resume a b
same "start unknown" "${R[@]}" start nope
same "update: two ids" "${R[@]}" update -r - a b
same "update --pids-limit=x" "${R[@]}" update --pids-limit=x nope
same "update --blkio-weight=-5 (an int in runc 1.1)" "${R[@]}" update --blkio-weight=-5 nope
same "update unknown" "${R[@]}" update --memory 1000000 nope
same "update --kernel-memory (hidden)" "${R[@]}" update --kernel-memory 1 nope
same "checkpoint --help (podman probe)" checkpoint --help
same "checkpoint unknown" "${R[@]}" checkpoint --image-path "$RT/ckpt" nope
same "restore --lsm-mount-context (needs an argument)" restore --lsm-mount-context
same "spec: extra arg" spec a
same "features: extra arg" features extra

# ---- help layout (urfave/cli v1), with argv[0]'s basename ----
h=$("$PARMA" help exec)
check_eq "help exec: NAME line uses the basename" "$(echo "$h" | sed -n 2p)" \
  "   parma-runc exec - execute new process inside the container"
check_match "help exec: USAGE" "$h" $'USAGE:\n   parma-runc exec \\[command options\\] <container-id> <command>'
check_match "help exec: --env value, -e value" "$h" $'\n   --env value, -e value +set environment variables'
check_match "help exec: options end with runc's blank-indented line" "$h" $'\n   $'
ln -sf "$PARMA" "$RT/runc-alias"
check_eq "help keeps argv[0]'s basename" "$("$RT/runc-alias" help kill | sed -n 2p | awk '{print $1}')" "runc-alias"
check "global help lists every verb" sh -c "'$PARMA' --help | grep -c -E '^   (checkpoint|create|delete|events|exec|kill|list|pause|ps|restore|resume|run|spec|start|state|update|features|help, h) ' | grep -qx 18"

# ---- version ----
v=$("$PARMA" --version)
check_eq "--version: the delegate's lines first (go-runc parses line 1)" "$(echo "$v" | head -n -1)" "$("$RUNC" --version)"
check_eq "--version: then parma-runc's" "$(echo "$v" | tail -1)" "parma-runc version 0.1.0"
check_eq "-v = --version" "$("$PARMA" -v)" "$v"
# runc's version.bats: version, commit and spec on lines 1-3
check_match "--version: runc's layout on lines 1-3" "$(echo "$v" | head -3 | tr '\n' '|')" '^runc version [0-9]+\.[0-9]+\.[0-9]+[^|]*\|commit: [^|]+\|spec: [0-9]+\.[0-9]+\.[0-9]+'
# version.bats runs `runc --root /state -v`: urfave/cli prints the version
# before looking at any other global flag, and none of them reaches the
# delegate, so an unused --root outside allowed_dirs is not a denial here
check_eq "--version ignores --root/--log/--log-format (version.bats)" \
  "$("$PARMA" --root /state --log /nowhere/log --log-format=xml -v 2>&1; echo "rc=$?")" "$v"$'\nrc=0'
check_eq "--version: stderr empty" "$("$PARMA" --version 2>&1 >/dev/null | wc -c)" "0"

# ---- features: pure JSON on stdout, empty stderr ----
"$PARMA" features >"$RT/f.out" 2>"$RT/f.err"
check_eq "features: exit 0" "$?" "0"
check_eq "features: stderr empty" "$(wc -c <"$RT/f.err")" "0"
check "features: stdout is one JSON object" jq -e 'type == "object"' "$RT/f.out"
check_eq "features: the delegate's document" "$(jq -c 'del(.annotations["org.parma"])' "$RT/f.out")" "$("$RUNC" features | jq -c .)"
check_eq "features: org.parma annotation" "$(jq -r '.annotations["org.parma"] | fromjson | .version' "$RT/f.out")" "0.1.0"
check_eq "features: delegate's part included" "$(jq -r '.annotations["org.parma"] | fromjson | .delegateFeatures' "$RT/f.out")" "included"

# ---- spec ----
mkdir -p "$RT/spec1" "$RT/spec2"
(cd "$RT/spec1" && "$PARMA" spec)
(cd "$RT/spec2" && "$RUNC" spec)
check "spec (cwd): same file as runc's" cmp "$RT/spec1/config.json" "$RT/spec2/config.json"
rm -f "$RT/spec1/config.json"
"$PARMA" spec -b "$RT/spec1" --rootless
check "spec -b DIR --rootless" jq -e '.linux.uidMappings | length > 0' "$RT/spec1/config.json"
same "spec refuses to overwrite" spec -b "$RT/spec1"

# ---- --log line formats ----
"$PARMA" --root "$ROOT" --log "$RT/ok/log.json" --log-format json create -b "$RT/no-bundle" x 2>/dev/null
check_eq "--log json: failure exits 1" "$?" "1"
check_eq "--log json: exactly one line" "$(wc -l <"$RT/ok/log.json")" "1"
check "--log json: podman reads the file as one object" \
  jq -e '(keys == ["level", "msg", "time"]) and .level == "error"' "$RT/ok/log.json"
check_match "--log json: RFC 3339 time" "$(jq -r .time "$RT/ok/log.json")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
check_match "--log json: msg is the stderr line" "$(jq -r .msg "$RT/ok/log.json")" '^parma-runc: create x: bundle `.*/no-bundle`: No such file or directory$'
err=$("$PARMA" --root "$ROOT" --log "$RT/ok/log.json" --log-format=json create -b "$RT/no-bundle" x 2>&1 >/dev/null)
check_eq "stderr: one line parma-runc: <verb> <id>: <what>: <why>" "$err" "parma-runc: create x: bundle \`$RT/no-bundle\`: No such file or directory"
check_eq "--log json: appended (shim reads the last line)" "$(wc -l <"$RT/ok/log.json")" "2"
"$PARMA" --root "$ROOT" --log "$RT/ok/log.txt" create -b "$RT/no-bundle" x 2>/dev/null
check_match "--log text: logrus form" "$(cat "$RT/ok/log.txt")" '^time="[0-9T:Z-]+" level=error msg="parma-runc: create x: bundle `.*`: No such file or directory"$'
"$PARMA" --root "$ROOT" --log "$RT/ok/log.exec" --log-format json exec nope true 2>/dev/null
check_eq "exec failure in parma: 255" "$?" "255"
done_testing
