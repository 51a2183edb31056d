#!/bin/bash
# Fail-closed matrix: every way the trusted configuration (and what it
# points at) can be wrong × every verb.  A state-changing verb must exit
# non-zero with one `parma-runc: ...` line on stderr, never execute the
# delegate (a stand-in script that records its argv), and create nothing
# (no state dir entry, no --root).  Read-only verbs (state, list, ps,
# events, spec, features) need the configuration too (parma-runc(8),
# CONFIGURATION): same expectations; `help` works without it.
# A case the runtime does not fail closed on yet is reported as
#   ok N - ... # SKIP not yet fail-closed: <detail>
# (and listed in the report), so the suite stays green while saying so.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
rt_init reliability-failclosed
CONF=$PARMA_SYSCONFDIR/parma-runc/config.json
CONFDIR=$(dirname "$CONF")

# The stand-in delegate: records that it ran, then succeeds.
DELEGATE=$RT/ok/delegate.sh
printf '#!/bin/sh\necho "$@" >>%s\nexit 0\n' "$RT/delegate.argv" >"$DELEGATE"
chmod 0755 "$DELEGATE"
rt_config "$DELEGATE" || { not_ok "rt_config"; done_testing; exit; }
cp "$CONF" "$RT/good-config.json"
cd "$RT" || exit 1
make_bundle "$RT/ok/b" sleep 100 >/dev/null
mkdir -p "$RT/ok/img"

STATE_CHANGING=(create run exec kill start delete pause resume update checkpoint restore)
READ_ONLY=(state list ps events spec features)
verb_args() { # VERB -> its arguments after the verb
  case $1 in
    create | run) echo "-b $RT/ok/b fc1" ;;
    exec) echo "fc1 true" ;;
    kill) echo "fc1 KILL" ;;
    update) echo "--memory 10000000 fc1" ;;
    checkpoint) echo "--image-path $RT/ok/img fc1" ;;
    restore) echo "--image-path $RT/ok/img -b $RT/ok/b fc1" ;;
    list | features) echo "" ;;
    spec) echo "--bundle $RT/ok/specdir" ;;
    *) echo "fc1" ;;
  esac
}

# Writes the configuration for a case: the good one edited by a jq filter,
# with a state dir of its own so no earlier pinning is reused.
put_config() { # CASE FILTER
  jq --arg s "$RT/s/$1" '.state_dir = $s | .audit_log = ($s + "-audit.log")' \
    "$RT/good-config.json" | jq "$2" >"$CONF.tmp" && chmod 0644 "$CONF.tmp" && mv "$CONF.tmp" "$CONF"
}
restore_config() {
  rm -rf "$CONF"; chmod 0755 "$CONFDIR"; chown 0:0 "$CONFDIR"
  cp "$RT/good-config.json" "$CONF"; chmod 0644 "$CONF"
}
# What a call must not create: the delegate's --root (or anything else
# under $RT/ok), a container record in parma's state (<state>/<root key>/
# <id>...).  The state dir's own scaffolding (the dir, the pin and lock
# files, an empty root-key dir) and the audit log of the denial are allowed.
snapshot() {
  { find "$RT/ok" -path "$RT/ok/b" -prune -o -print
    find "$RT/s" -regextype posix-extended -regex '.*/s/[^/]+/[0-9a-f]{64}/.+' \
      ! -name '*.lock' ! -name root
  } 2>/dev/null | sort
}

# Runs one verb under the current case; writes to $RT/res/VERB "" when it
# failed closed, else what was wrong (nothing-created is checked per case).
verb_result() { # VERB
  local v=$1 out rc lines
  # shellcheck disable=SC2046
  out=$(timeout -k 2 20 "$PARMA" --root "$ROOT" "$v" $(verb_args "$v") </dev/null 2>&1 >/dev/null)
  rc=$?
  # the simulator announces itself on every call (DESIGN §5): not an error line
  out=$(grep -v -e 'SEV-SNP SIMULATOR in use' -e 'warning: open-door policy' <<<"$out")
  lines=$(printf '%s' "$out" | grep -c '')
  {
    if [ "$rc" = 0 ]; then echo "exit 0"
    elif grep -qw -- "$v" "$RT/delegate.argv" 2>/dev/null; then echo "delegate ran: $(grep -w -- "$v" "$RT/delegate.argv" | head -c 200)"
    elif [ "$lines" != 1 ]; then echo "stderr has $lines lines: $(head -c 300 <<<"$out")"
    elif [[ "$out" != parma-runc:* ]]; then echo "stderr line does not start with parma-runc: $out"
    fi
  } >"$RT/res/$v"
  printf '%s\n' "$out" >"$RT/res/$v.err"
}

# One case × all verbs (run side by side: the calls are independent and
# each costs a process start).  KNOWN: a non-empty reason marks a case the
# runtime does not fail closed on yet (SKIP instead of not ok).
# WITH_READ_ONLY=1 adds the read-only verbs (kept to a few cases: the rule
# is the same for every case).
run_case() { # NAME KNOWN
  local name=$1 known=${2:-} v why before after verbs=("${STATE_CHANGING[@]}")
  [ -n "${WITH_READ_ONLY:-}" ] && verbs+=("${READ_ONLY[@]}")
  rm -rf "$RT/res" "$RT/delegate.argv"; mkdir -p "$RT/res" "$RT/s"
  before=$(snapshot)
  for v in "${verbs[@]}"; do verb_result "$v" & done
  wait
  after=$(snapshot)
  for v in "${verbs[@]}"; do
    why=$(cat "$RT/res/$v")
    if [ -z "$why" ]; then ok "$name: $v fails closed # $(head -c 120 "$RT/res/$v.err")"
    elif [ -n "$known" ]; then skip "$name: $v" "not yet fail-closed: $why ($known)"
    else not_ok "$name: $v fails closed" "$why"; fi
  done
  why=$(diff <(echo "$before") <(echo "$after") | grep '^>' | head -3 | tr '\n' ' ')
  if [ -z "$why" ]; then ok "$name: nothing created"
  elif [ -n "$known" ]; then skip "$name: nothing created" "not yet fail-closed: created $why ($known)"
  else not_ok "$name: nothing created" "created: $why"; fi
}

# ---- the configuration file ----
rm -f "$CONF"
WITH_READ_ONLY=1 run_case "no configuration"
restore_config

mv "$CONF" "$RT/cfg-target.json"; ln -s "$RT/cfg-target.json" "$CONF"
run_case "configuration is a symlink"
restore_config

rm -f "$CONF"; mkdir "$CONF"
run_case "configuration is a directory (unreadable as a file)"
restore_config

put_config ww '.'; chmod 0666 "$CONF"
WITH_READ_ONLY=1 run_case "configuration world-writable"
put_config gw '.'; chmod 0664 "$CONF"
run_case "configuration group-writable"
put_config own '.'; chown 65534 "$CONF"
run_case "configuration not owned by root"
restore_config

put_config dirw '.'; chmod 0777 "$CONFDIR"
run_case "configuration directory world-writable"
restore_config

printf '{"delegate": "%s", "mode": ' "$DELEGATE" >"$CONF"
WITH_READ_ONLY=1 run_case "configuration malformed (truncated JSON)"
put_config unknown '. + {"delegates": "/usr/sbin/runc"}'
run_case "configuration has an unknown key"
printf '{"delegate": "%s", "delegate": "/bin/true", "state_dir": "%s"}\n' "$DELEGATE" "$RT/s/dup" >"$CONF"
run_case "configuration has a duplicate key"
put_config casekey '. + {"Delegate": "/bin/true"}'
run_case "configuration has a key differing only by case"
put_config mode '.mode = "permissive"'
run_case "configuration mode is not enforce/audit"

# ---- the delegate ----
put_config nodeleg 'del(.delegate)'
run_case "delegate missing"
put_config reldeleg '.delegate = "runc"'
WITH_READ_ONLY=1 run_case "delegate not absolute"
put_config gonedeleg '.delegate = "'"$RT"'/no/such/runc"'
run_case "delegate does not exist" "the delegate's existence is found only at execve"

cp "$DELEGATE" "$RT/ok/delegate-ww.sh"; chmod 0777 "$RT/ok/delegate-ww.sh"
put_config wwdeleg '.delegate = "'"$RT"'/ok/delegate-ww.sh"'
run_case "delegate world-writable" "the delegate's owner and mode are not checked"
cp "$DELEGATE" "$RT/ok/delegate-user.sh"; chown 65534 "$RT/ok/delegate-user.sh"
put_config userdeleg '.delegate = "'"$RT"'/ok/delegate-user.sh"'
run_case "delegate not owned by root" "the delegate's owner and mode are not checked"

# ---- the policy and attestation ----
put_config nopolicy '.policy = "'"$RT"'/no-such-policy.json"'
run_case "no policy"
put_config mismatch '.attestation.sim_host_data = "'"$(printf '0%.0s' $(seq 64))"'"'
run_case "policy hash != HOST_DATA"
if [ ! -e /dev/sev-guest ]; then
  put_config sevguest '.attestation = {"backend": "sev-guest"}'
  run_case "attestation device missing (backend sev-guest)"
fi

# ---- the state directory ----
put_config stateowner '.'
mkdir -p "$RT/s/stateowner"; chown 65534:65534 "$RT/s/stateowner"; chmod 0700 "$RT/s/stateowner"
run_case "state dir not root-owned" "open_state_dir checks no owner"
put_config stateww '.'
mkdir -p "$RT/s/stateww"; chmod 0777 "$RT/s/stateww"
run_case "state dir world-writable" "open_state_dir tightens it to 0700 instead of refusing"
restore_config

# ---- help needs no configuration ----
rm -f "$CONF"
out=$("$PARMA" help 2>&1); rc=$?
check_eq "help without a configuration: exit 0" "$rc" 0
restore_config
done_testing
