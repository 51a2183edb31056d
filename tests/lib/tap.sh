# Shell TAP helpers, sourced by tests/<suite>/*.sh.
#   ok NAME / not_ok NAME [DETAIL] / skip NAME REASON
#   check NAME CMD...         pass when CMD exits 0
#   check_fails NAME CMD...   pass when CMD exits non-zero
#   check_eq NAME GOT WANT
#   done_testing              prints the plan; exits 1 if anything failed
set -u
TAP_N=0 TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() {
  TAP_N=$((TAP_N + 1)) TAP_FAILED=$((TAP_FAILED + 1))
  echo "not ok $TAP_N - $1"
  [ $# -gt 1 ] && printf '%s\n' "$2" | head -20 | sed 's/^/# /'
  return 0
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP ${2:-}"; }
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}
check_fails() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then not_ok "$name" "unexpectedly succeeded: $out"; else ok "$name"; fi
}
check_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2
want: $3"; fi
}
check_match() { # NAME STRING REGEX
  if [[ "$2" =~ $3 ]]; then ok "$1"; else not_ok "$1" "no match for /$3/ in: $2"; fi
}
done_testing() {
  echo "1..$TAP_N"
  [ "$TAP_FAILED" = 0 ]
}
