# parma-runc's HOST_DATA binding end to end through one of the secure
# processor stand-ins (tests/lib/snp_standins.sh), for tests/snp/runtime_*.sh.
# Source after tap.sh, rootfs.sh, runtime.sh, attacks.sh, snp_standins.sh,
# after at_init, with these defined by the caller:
#   SNP_BACKEND           sev-guest | tsm
#   snp_backend_filter    prints the jq filter that selects the backend
#   snp_set MODE HEX      the stand-in's mode and the HOST_DATA it reports
#   snp_fetches           how many reports the stand-in made since snp_set
#
#   snp_reboot            a new boot: the state tmpfs is emptied
#   snp_rt_config [DELEGATE] [JQ]
#                         at_config with the backend, then a reboot
#   snp_rt_mismatch       a different HOST_DATA denies every state-changing verb
#   snp_rt_fail FILE-RE NAME MODE RE
#                         with the stand-in in MODE, create fails closed,
#                         naming RE; nothing is pinned
#   snp_rt_real           the matching HOST_DATA admits a real runc container;
#                         one report for the whole boot; the cached report is
#                         the one asked for; a broken device afterwards does
#                         not matter (the cache is used)
: "${SNP_BACKEND:?}"

snp_reboot() { find "$RT/state" -mindepth 1 -maxdepth 1 ! -name .snp-sim -exec rm -rf {} + 2>/dev/null; }

snp_rt_config() {
  at_config "${1:-$FAKE}" "$(snp_backend_filter)${2:+ | $2}"
  snp_reboot
}

# the denial line of a policy that does not match the report's HOST_DATA
snp_mismatch_re() { # HOST-DATA
  echo "policy: expected HOST_DATA of the $SNP_REPORT_NAME report, found policy $HASH .*host_data: the report's HOST_DATA $1 is not the policy hash $HASH"
}

snp_rt_mismatch() {
  local other args want
  other=$(printf '%064d' 7)
  snp_rt_config
  snp_set ok "$other"
  for args in "create -b $B c1" "run -d -b $B c1" "exec c1 /bin/echo probe" "kill c1 KILL" \
    "start c1" "delete c1" "delete --force c1" "pause c1" "resume c1" "update --pids-limit 5 c1" "checkpoint c1"; do
    set -- $args
    want=1; [ "$1" = exec ] && want=255
    denied "$SNP_BACKEND, wrong HOST_DATA: $*" "$(snp_mismatch_re "$other")" $want "$@"
  done
  check_eq "$SNP_BACKEND, wrong HOST_DATA: nothing pinned" "$(ls -A "$RT/state/.pinned" 2>/dev/null)" ""
  check_match "$SNP_BACKEND, wrong HOST_DATA: denial in the audit log" "$(tail -n1 "$RT/audit.log")" \
    '"decision":"deny".*"failed_rules":\["policy"\]'
  # every refused call asked again: no cache of a failure
  check_eq "$SNP_BACKEND, wrong HOST_DATA: each call attested anew" "$(snp_fetches)" 11
}

snp_rt_fail() {
  local name=$1 mode=$2 re=$3
  snp_reboot
  snp_set "$mode" "$HASH"
  denied "$SNP_BACKEND, $name" "policy: expected HOST_DATA of the $SNP_REPORT_NAME report, found policy $HASH .*$re" 1 create -b "$B" c1
  check_eq "$SNP_BACKEND, $name: nothing pinned" "$(ls -A "$RT/state/.pinned" 2>/dev/null)" ""
}

snp_rt_real() {
  local t0 t1 rd nonce report rc
  snp_rt_config /usr/sbin/runc
  snp_set ok "$HASH"
  AT_REAL=1
  t0=${EPOCHREALTIME/./}
  rt create -b "$B" web </dev/null >/dev/null 2>"$RT/create.err"; rc=$?
  check_eq "$SNP_BACKEND, matching HOST_DATA: create with real runc ($(head -c 300 "$RT/create.err"))" "$rc" 0
  t1=${EPOCHREALTIME/./}
  echo "# $SNP_BACKEND: first call (attestation, pinning, create) $(( (t1 - t0) / 1000 )) ms"
  check "$SNP_BACKEND: start" rt start web
  check "$SNP_BACKEND: running" rt_wait_status web running
  t0=${EPOCHREALTIME/./}
  check_eq "$SNP_BACKEND: exec probe" "$(rt exec --process "$RT/p.json" web 2>/dev/null)" probe
  t1=${EPOCHREALTIME/./}
  echo "# $SNP_BACKEND: later call (exec, cached binding) $(( (t1 - t0) / 1000 )) ms"
  denied "$SNP_BACKEND: a pinned boot still enforces the policy" "command" 255 exec web /bin/sh -c id
  check_eq "$SNP_BACKEND: one report for the whole boot" "$(snp_fetches)" 1
  check_eq "$SNP_BACKEND: pinned hash" "$(cat "$RT/state/.pinned/policy.sha256")" "$HASH"
  check_eq "$SNP_BACKEND: cached record names the backend, not simulated" \
    "$(jq -r '.backend + " " + (.simulated | tostring)' "$RT/state/.pinned/attest.json")" "$SNP_BACKEND false"
  report=$(jq -r .report "$RT/state/.pinned/attest.json")
  nonce=$(jq -r .boot_nonce "$RT/state/.pinned/attest.json")
  echo "$report" >"$RT/report.hex"
  check_eq "$SNP_BACKEND: cached report's host_data is the policy hash" \
    "$(parma-snp show "$RT/report.hex" | sed -n 's/^host_data: //p')" "$HASH"
  rd=$( (printf 'parma-policy-v1'; echo "$HASH$nonce" | xxd -r -p) | sha512sum | cut -d' ' -f1)
  check_eq "$SNP_BACKEND: report_data = SHA-512(parma-policy-v1 || policy hash || boot nonce)" \
    "$(parma-snp show "$RT/report.hex" | sed -n 's/^report_data: //p')" "$rd"
  # the secure processor is never asked again this boot: a broken one is not noticed
  snp_set "$SNP_BROKEN_MODE" "$HASH"
  check "$SNP_BACKEND: KILL after the device broke (cached binding)" rt kill web KILL
  check "$SNP_BACKEND: stopped" rt_wait_status web stopped
  check "$SNP_BACKEND: delete" rt delete web
  check_eq "$SNP_BACKEND: no report asked after pinning" "$(snp_fetches)" 0
  check_eq "$SNP_BACKEND: runc list empty" "$(/usr/sbin/runc --root "$ROOT" list -q)" ""
  AT_REAL=
}
