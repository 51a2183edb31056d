#!/bin/bash
# Crash injection: parma-runc is SIGKILLed at every step of create, run -d,
# a create that replaces a stale record, exec --process, start and delete
# (PARMA_CRASH_AT=<n>, runtime/crashpoint.h;
# PARMA_CRASH_AT=list names the steps a call passes), and the delegate is
# killed before and after its own work.  After each kill:
#   - parma's state for the id is the old or the new one: no record, or a
#     whole record (admission.json parses and names a sealed bundle whose
#     config.json has the recorded digest); never a temporary file;
#   - runc's view agrees (a container runc knows has a record);
#   - the next calls work: list parses, state fails or answers cleanly,
#     a retried create (or delete --force) succeeds, and leaves nothing.
# Then the create race (two creates of one id while the first is still in
# runc) and a full state filesystem (a small tmpfs): one clean error line,
# non-zero exit, no partial state.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
. "$PARMA_SRC/tests/lib/runtime.sh"
# a tmpfs left mounted by an interrupted earlier run goes first
umount "$PARMA_WORK/runtime/reliability-crash/full" 2>/dev/null
rt_init reliability-crash
# The delegate: runc behind a stand-in that does what $CTL/<verb> says
# (slow: wait 1 s first; die: SIGKILL itself first; die-after: after runc).
CTL=$RT/ctl
mkdir -p "$CTL"
WRAP=$RT/ok/runc-wrap
cat >"$WRAP" <<EOF
#!/bin/sh
for a; do case \$a in -*) ;; *) verb=\$a; break ;; esac; done
case \$(cat "$CTL/\$verb" 2>/dev/null) in
  slow) sleep 1 ;;
  die) kill -9 \$\$ ;;
  die-after) /usr/sbin/runc "\$@"; kill -9 \$\$ ;;
esac
exec /usr/sbin/runc "\$@"
EOF
chmod 0755 "$WRAP"
cd "$RT" || exit 1
make_bundle "$RT/b" sleep 100 >/dev/null || { not_ok "make_bundle"; done_testing; exit; }
jq '.process | .args = ["/bin/true"]' "$RT/b/config.json" >"$RT/ok/proc.json"
make_bundle "$RT/b-denied" sleep 99 >/dev/null # a command the policy does not list
# A real policy (not the open door): every rule runs, start keeps its mark.
"$PARMA_BUILD/parma-policy" gen --bundle "$RT/b" --exec "$RT/ok/proc.json" -o "$RT/policy.json" ||
  { not_ok "parma-policy gen"; done_testing; exit; }
HASH=$("$PARMA_BUILD/parma-policy" hash "$RT/policy.json" | head -n1)
rt_config "$WRAP" ".policy = \"$RT/policy.json\" | .attestation.sim_host_data = \"$HASH\"" ||
  { not_ok "rt_config"; done_testing; exit; }
trap 'rt_cleanup; umount "$RT/full" 2>/dev/null' EXIT
STATE=$RT/state
KEY=$(printf %s "$(realpath -m "$ROOT")" | sha256sum | cut -d' ' -f1)

call() { timeout -k 2 30 "$PARMA" --root "$ROOT" "$@" </dev/null; }
# A created container's init keeps the creator's stdio open: output of a
# create or run never goes to a pipe the test waits on.
quiet() { "$@" >/dev/null 2>&1; }
# crash_at N ARGS...: the call killed at its N-th step; prints its exit status
crash_at() { local n=$1; shift; PARMA_CRASH_AT=$n call "$@" >/dev/null 2>&1; echo $?; }
# steps ARGS...: the names of the steps the call passes (it runs for real)
steps() {
  PARMA_CRASH_AT=list call "$@" >/dev/null 2>"$RT/steps.err"
  sed -n 's/^parma-runc: step [0-9]* //p' "$RT/steps.err"
}
runc_knows() { /usr/sbin/runc --root "$ROOT" state "$1" >/dev/null 2>&1 && echo yes || echo no; }

# record ID: "none" (no admission record), "record" (a whole one), or
# "half: why"; any temporary file anywhere in the state is reported too.
record() {
  local d=$STATE/$KEY/$1 a sealed want got tmp
  tmp=$(find "$STATE" -name '*.tmp.*' 2>/dev/null | head -3)
  [ -z "$tmp" ] || { echo "half: temporary files: $tmp"; return; }
  a=$d/admission.json
  [ -e "$a" ] || { echo none; return; }
  jq -e 'type == "object"' "$a" >/dev/null 2>&1 || { echo "half: admission.json does not parse"; return; }
  sealed=$(jq -r '.sealed_bundle // empty' "$a")
  want=$(jq -r '.config_sha256 // empty' "$a")
  [ -n "$sealed" ] && [ -n "$want" ] || { echo "half: admission.json lacks fields"; return; }
  [ -f "$sealed/config.json" ] || { echo "half: sealed bundle $sealed missing"; return; }
  got=$(sha256sum <"$sealed/config.json" | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "half: sealed config digest $got != $want"; return; }
  for p in "$d"/process-*.json; do
    [ -e "$p" ] || continue
    jq -e . "$p" >/dev/null 2>&1 || { echo "half: $(basename "$p") does not parse"; return; }
  done
  echo record
}
# consistent ID: runc knows the container => parma has its record
consistent() {
  [ "$(runc_knows "$1")" = no ] || [ "$(record "$1")" = record ]
}
list_parses() { call list --format json 2>/dev/null | jq -e 'type == "array" or . == null' >/dev/null; }
# nothing_left ID: neither runc nor parma has anything of the id but its lock
nothing_left() {
  [ "$(runc_knows "$1")" = no ] && [ ! -e "$STATE/$KEY/$1" ]
}
wait_stopped() { rt_wait_status "$1" stopped || rt_wait_status "$1" stopped; }

# ---- create and run -d: every step -----------------------------------------
for verb in create run; do
  flags=(-b "$RT/b"); [ "$verb" = run ] && flags=(-d -b "$RT/b")
  names=$(steps "$verb" "${flags[@]}" "list-$verb")
  call delete --force "list-$verb" >/dev/null 2>&1
  check_match "$verb: the step list names the admission commit point" "$(echo $names)" "admitted"
  n=$(wc -w <<<"$names")
  i=0
  for name in $names; do
    i=$((i + 1)); id=$verb-k$i
    rc=$(crash_at "$i" "$verb" "${flags[@]}" "$id")
    r=$(record "$id")
    want=none; case " $(echo $names | cut -d' ' -f"$i"-) " in *" admitted "*) ;; *) want=record ;; esac
    [ "$name" = admitted ] && want=record
    check_eq "$verb killed at step $i/$n ($name): exit 137, state is the $([ $want = none ] && echo old || echo new) one" \
      "$rc $r" "137 $want"
    check_eq "  runc never saw it, and parma's view agrees" "$(runc_knows "$id") $(consistent "$id" && echo ok)" "no ok"
    check "  list parses" list_parses
    out=$(call state "$id" 2>&1); rc=$?
    check_eq "  state fails cleanly (one line, exit 1)" "$rc $(grep -c '' <<<"$out")" "1 1"
    check "  a retried $verb succeeds" quiet call "$verb" "${flags[@]}" "$id"
    check_eq "  and leaves a whole record runc agrees with" "$(record "$id") $(runc_knows "$id")" "record yes"
    check "  delete --force succeeds" call delete --force "$id"
    check "  and leaves nothing" nothing_left "$id"
    # the same kill, then delete --force straight away (run shares
    # create's steps: once is enough)
    [ "$verb" = create ] || continue
    id=$verb-f$i
    crash_at "$i" "$verb" "${flags[@]}" "$id" >/dev/null
    check "  killed again: delete --force succeeds and leaves nothing" \
      eval "quiet call delete --force $id && nothing_left $id"
  done
done

# ---- the delegate killed in create -----------------------------------------
echo die >"$CTL/create"
crash_at 0 create -b "$RT/b" dk1 >/dev/null
rm -f "$CTL/create"
check_eq "runc killed before create: a whole record runc does not know" "$(record dk1) $(runc_knows dk1)" "record no"
before=$(cat "$STATE/$KEY/dk1/admission.json")
call create -b "$RT/b-denied" dk1 >"$RT/out" 2>&1
check_match "  a create the policy denies fails" "$(cat "$RT/out")" "^parma-runc: denied: create dk1: "
check_eq "  and leaves even the stale record as it was" "$(cat "$STATE/$KEY/dk1/admission.json" 2>&1)" "$before"
check "  a retried create succeeds (the record was stale)" quiet call create -b "$RT/b" dk1
check "  delete --force leaves nothing" eval "call delete --force dk1 && nothing_left dk1"

# ---- a create that replaces a stale record: every step ---------------------
stale() { # ID: leaves a stale record of ID (runc killed before its create)
  echo die >"$CTL/create"; crash_at 0 create -b "$RT/b" "$1" >/dev/null; rm -f "$CTL/create"
}
stale sr0
names=$(steps create -b "$RT/b" sr0)
call delete --force sr0 >/dev/null 2>&1
check_match "a create over a stale record drops it first" "$(echo $names)" \
  "state-locked record-unlinked stale-record-removed sealed-bundle-dir"
i=0
for name in $names; do
  i=$((i + 1)); id=sr-k$i
  stale "$id"
  rc=$(crash_at "$i" create -b "$RT/b" "$id"); r=$(record "$id")
  case $r in none | record) ok "create over a stale record killed at step $i ($name): no half state # $r" ;;
    *) not_ok "create over a stale record killed at step $i ($name): no half state" "$r" ;; esac
  check_eq "  killed (137), runc never saw it" "$rc $(runc_knows "$id")" "137 no"
  check "  a retried create succeeds" quiet call create -b "$RT/b" "$id"
  check "  delete --force leaves nothing" eval "quiet call delete --force $id && nothing_left $id"
done

# ---- exec --process and start: every step ----------------------------------
call create -b "$RT/b" ex >/dev/null 2>&1
names=$(steps exec -p "$RT/ok/proc.json" ex)
i=0
for name in $names; do
  i=$((i + 1))
  check_eq "exec --process killed at step $i ($name): the record stays whole" \
    "$(crash_at "$i" exec -p "$RT/ok/proc.json" ex) $(record ex)" "137 record"
  check "  a retried exec --process succeeds" call exec -p "$RT/ok/proc.json" ex
done
[ -n "$names" ] || not_ok "exec --process passes steps" "none listed"
check "start after those" call start ex
check_eq "  the container runs" "$(call state ex 2>/dev/null | jq -r .status)" running
call delete --force ex >/dev/null 2>&1

call create -b "$RT/b" st >/dev/null 2>&1
names=$(steps start st)
call delete --force st >/dev/null 2>&1
check_match "start passes its mark, then the delegate" "$(echo $names)" "start-marked exec-delegate"
i=0
for name in $names; do
  i=$((i + 1)); id=st-k$i
  call create -b "$RT/b" "$id" >/dev/null 2>&1
  check_eq "start killed at step $i ($name): the record stays whole, the container created" \
    "$(crash_at "$i" start "$id") $(record "$id") $(call state "$id" 2>/dev/null | jq -r .status)" \
    "137 record created"
  # parma-runc(8): a start is admitted once, a killed one too (the mark
  # is what stands between a created container and a second start)
  call start "$id" >"$RT/out" 2>&1
  check_match "  a second start is refused (started once is the rule)" "$(cat "$RT/out")" "already started"
  check "  delete --force cleans it up" eval "quiet call delete --force $id && nothing_left $id"
done

# ---- delete: every step, on a stopped container ----------------------------
call create -b "$RT/b" list-del >/dev/null 2>&1
names=$(steps delete list-del)
check_match "delete's steps: its record goes after the delegate's delete" "$(echo $names)" \
  "state-locked delegate-done record-unlinked state-removed"
i=0
for name in $names; do
  i=$((i + 1)); id=del-k$i
  call run -d -b "$RT/b" "$id" >/dev/null 2>&1
  call kill "$id" KILL >/dev/null 2>&1; wait_stopped "$id"
  rc=$(crash_at "$i" delete "$id")
  r=$(record "$id"); k=$(runc_knows "$id")
  case $name in
    state-locked) want="record yes" ;;   # nothing done yet
    delegate-done) want="record no" ;;  # runc deleted it; the record is now stale
    *) want="none no" ;;
  esac
  check_eq "delete killed at step $i ($name): exit 137, state '$want'" "$rc $r $k" "137 $want"
  check "  list parses" list_parses
  check "  delete --force succeeds and leaves nothing" \
    eval "quiet call delete --force $id && nothing_left $id"
  check "  the id can be created again" eval "quiet call create -b $RT/b $id && call delete --force $id"
done

# ---- delete refused or killed in the delegate keeps the record -------------
call run -d -b "$RT/b" dr >/dev/null 2>&1
out=$(call delete dr 2>&1); rc=$?
check_eq "delete of a running container fails in runc (exit 1)" "$rc" 1
check_eq "  the record stays and runc still has it" "$(record dr) $(runc_knows dr)" "record yes"
check "  kill is still decided (admitted) and works" call kill dr KILL
wait_stopped dr
echo die >"$CTL/delete"
check_eq "runc killed before its delete: exit 137, record and container stay" \
  "$(call delete dr >/dev/null 2>&1; echo $?) $(record dr) $(runc_knows dr)" "137 record yes"
echo die-after >"$CTL/delete"
check_eq "runc killed after its delete: exit 137, record gone with the container" \
  "$(call delete dr >/dev/null 2>&1; echo $?) $(record dr) $(runc_knows dr)" "137 none no"
rm -f "$CTL/delete"
check "  nothing left" nothing_left dr

# ---- the create race -------------------------------------------------------
# The first create holds the id's lock until it execs the delegate; the
# delegate then takes 1 s before runc makes <root>/<id>.  A second create
# in that window must fail like runc's and leave the first's record alone.
echo slow >"$CTL/create"
call create -b "$RT/b" race >"$RT/race1.out" 2>&1 &
first=$!
for i in $(seq 100); do [ -e "$STATE/$KEY/race/admission.json" ] && break; sleep 0.02; done
before=$(cat "$STATE/$KEY/race/admission.json" 2>/dev/null)
call create -b "$RT/b" race >"$RT/race2.out" 2>&1; rc=$?
out=$(cat "$RT/race2.out")
wait "$first"; rc1=$?
rm -f "$CTL/create"
check_eq "create race: the second create fails" "$rc" 1
check_match "  like runc's (container with given ID already exists)" "$out" "^parma-runc: create race: container with given ID already exists$"
check_eq "  the first succeeds" "$rc1" 0
check_eq "  the first's record is untouched" "$(cat "$STATE/$KEY/race/admission.json" 2>/dev/null)" "$before"
check_eq "  runc runs the bundle that record sealed" \
  "$(call state race | jq -r .bundle)" "$(jq -r .sealed_bundle <<<"$before")"
call delete --force race >/dev/null 2>&1

# ---- a full state filesystem ----------------------------------------------
if ! command -v mount >/dev/null || ! mkdir -p "$RT/full" || ! mount -t tmpfs -o size=2m,mode=0700 tmpfs "$RT/full" 2>/dev/null; then
  skip "full state filesystem" "cannot mount a tmpfs"
else
  conf=$PARMA_SYSCONFDIR/parma-runc/config.json
  cp "$conf" "$RT/conf.saved"
  jq --arg s "$RT/full/state" '.state_dir = $s' "$RT/conf.saved" >"$conf.tmp" && mv "$conf.tmp" "$conf"
  call list >/dev/null 2>&1 # pins the policy in the new state dir
  call create -b "$RT/b" fs0 >/dev/null 2>&1
  saved_state=$STATE
  STATE=$RT/full/state
  # fill it: whatever is left goes into one file
  dd if=/dev/zero of="$RT/full/filler" bs=4k >/dev/null 2>&1
  call exec -p "$RT/ok/proc.json" fs0 >"$RT/fs0.out" 2>&1; rc=$?
  out=$(grep -v -e 'SEV-SNP SIMULATOR' -e 'open-door' "$RT/fs0.out")
  check_eq "full state filesystem: exec --process exits 255 (runc's exec failure)" "$rc" 255
  check_match "  with one line naming the cause" "$(grep -c '' <<<"$out") $out" "^1 parma-runc: .*No space left on device"
  check_eq "  the record stays whole, no sealed process document" \
    "$(record fs0) $(ls "$STATE/$KEY/fs0" | grep -c '^process-')" "record 0"
  call create -b "$RT/b" fs1 >"$RT/fs1.out" 2>&1; rc=$?
  out=$(cat "$RT/fs1.out")
  out=$(grep -v -e 'SEV-SNP SIMULATOR' -e 'open-door' <<<"$out")
  check_eq "full state filesystem: create exits 1" "$rc" 1
  check_match "  with one line naming the cause" "$(grep -c '' <<<"$out") $out" "^1 parma-runc: .*No space left on device"
  check_eq "  no record, no leftovers, runc never ran" "$(record fs1) $([ -e "$STATE/$KEY/fs1" ] && echo dir) $(runc_knows fs1)" "none  no"
  check "  list still works" list_parses
  # the audit log on the full filesystem: a decision that cannot be logged
  # is not taken
  jq --arg s "$RT/full/state" --arg a "$RT/full/audit.log" '.state_dir = $s | .audit_log = $a' \
    "$RT/conf.saved" >"$conf.tmp" && mv "$conf.tmp" "$conf"
  call create -b "$RT/b" fs2 >"$RT/fs2.out" 2>&1; rc=$?
  out=$(grep -v -e 'SEV-SNP SIMULATOR' -e 'open-door' "$RT/fs2.out")
  check_eq "full filesystem under the audit log: create exits 1" "$rc" 1
  check_match "  with one line naming the audit log" "$(grep -c '' <<<"$out") $out" "^1 parma-runc: .*audit log.*No space left on device"
  check_eq "  no record, runc never ran" "$(record fs2) $([ -e "$STATE/$KEY/fs2" ] && echo dir) $(runc_knows fs2)" "none  no"
  jq --arg s "$RT/full/state" '.state_dir = $s' "$RT/conf.saved" >"$conf.tmp" && mv "$conf.tmp" "$conf"
  rm -f "$RT/full/filler"
  check "  with space again, create works" eval "quiet call create -b $RT/b fs1 && call delete --force fs1 && nothing_left fs1"
  check "  and delete --force of the earlier one" eval "quiet call delete --force fs0 && nothing_left fs0"
  STATE=$saved_state
  cp "$RT/conf.saved" "$conf"
  umount "$RT/full"
fi
done_testing
