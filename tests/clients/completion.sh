#!/bin/bash
# contrib/completion/*: each file sources cleanly in a plain bash (no
# bash-completion package), registers its function, and completes verbs,
# flags and flag values.  Words are split the way interactive bash splits
# them for completion (checked under tmux): `--opt=` is "--opt" "=", and
# `--opt=va` is "--opt" "=" "va".  Verbs are also checked against the real
# `runc --help` and, once built, each tool's own --help.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"

C=$PARMA_SRC/contrib/completion
W=$PARMA_WORK/clients/completion.$$
cleanup() {
  [ -d "$W/root" ] && /usr/sbin/runc --root "$W/root" delete --force cmpl1 >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP   # so that a timeout still cleans up
rm -rf "$W"; mkdir -p "$W"

# comp FILE WORD...: the replies for completing the last WORD, one per line, sorted
comp() {
  local file=$1; shift
  bash --norc --noprofile -c '
    . "$1"
    fn=$(complete -p "$(basename "$1")" | sed -n "s/.*-F \([^ ]*\).*/\1/p"); shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}" | sed "/^$/d" | sort' _ "$file" "$@"
}
words() { printf '%s\n' "$@" | sort; }

for tool in parma-runc parma-policy parma-snp parma-verity; do
  f=$C/$tool
  out=$(bash --norc --noprofile -c '. "$1" && complete -p "$2"' _ "$f" "$tool" 2>&1)
  check_match "$tool: sources cleanly and registers a completion function" "$out" "^complete -F _[a-z_]+ $tool\$"
done

# ---- parma-runc: runc's verbs and flags ----
R=$C/parma-runc
check_eq "parma-runc: verbs" "$(comp "$R" parma-runc '')" "$(words checkpoint create delete events exec \
  features help kill list pause ps restore resume run spec start state update)"
check_eq "parma-runc: verb prefix" "$(comp "$R" parma-runc st)" "$(words start state)"
check_eq "parma-runc: global flags" "$(comp "$R" parma-runc --l)" "$(words --log --log-format)"
check_eq "parma-runc: exec flags" "$(comp "$R" parma-runc exec --pi)" --pid-file
check_eq "parma-runc: create flags after global flags with values" \
  "$(comp "$R" parma-runc --root /run/x --log-format json create --no)" "$(words --no-new-keyring --no-pivot)"
check_eq "parma-runc: --log-format value" "$(comp "$R" parma-runc --log-format '')" "$(words json text)"
check_eq "parma-runc: --log-format= value" "$(comp "$R" parma-runc --log-format =)" "$(words json text)"
check_eq "parma-runc: --log-format=j value" "$(comp "$R" parma-runc --log-format = j)" json
check_eq "parma-runc: verb after --opt=value" "$(comp "$R" parma-runc --log-format = json de)" delete
check_eq "parma-runc: list --format" "$(comp "$R" parma-runc list --format '')" "$(words json table)"
check_eq "parma-runc: kill signal" "$(comp "$R" parma-runc kill c1 KI)" KILL
check_eq "parma-runc: help VERB" "$(comp "$R" parma-runc help ch)" checkpoint
mkdir -p "$W/dirs/bundle-a" "$W/dirs/bundle-b"; touch "$W/dirs/bundle-file"
check_eq "parma-runc: --bundle completes directories" \
  "$(comp "$R" parma-runc create --bundle "$W/dirs/bun")" "$(words "$W/dirs/bundle-a" "$W/dirs/bundle-b")"
# container ids come from `<runtime> --root R list -q`: a real runc container
make_bundle "$W/b" /bin/sleep 100
if /usr/sbin/runc --root "$W/root" create --bundle "$W/b" cmpl1 >/dev/null 2>&1 </dev/null; then
  check_eq "parma-runc: container ids from list -q under --root" \
    "$(comp "$R" /usr/sbin/runc --root "$W/root" state '')" cmpl1
  check_eq "parma-runc: container ids for kill under -root=" \
    "$(comp "$R" /usr/sbin/runc -root = "$W/root" kill c)" cmpl1
else
  not_ok "parma-runc: container ids from list -q under --root" "runc create failed"
  not_ok "parma-runc: container ids for kill under -root=" "runc create failed"
fi
rc_verbs=$(/usr/sbin/runc --help 2>/dev/null | awk '/^COMMANDS:/ { on = 1; next } /^[A-Z]/ { on = 0 }
  on && NF { split($1, a, ","); print a[1] }' | sort)
check_match "runc --help lists its commands" "$rc_verbs" 'exec'
missing=$(comm -23 <(echo "$rc_verbs") <(comp "$R" parma-runc ''))
check_eq "parma-runc completes every verb of the real runc --help" "$missing" ""
# every flag of every verb in `BINARY VERB --help` (runc's urfave/cli format),
# as "VERB --flag" lines; the completion's side in one bash for all verbs
flags_missing() { # BINARY VERB...
  local bin=$1 verb; shift
  comm -23 <(for verb in "$@"; do
      "$bin" "$verb" --help 2>/dev/null | sed -n '/^OPTIONS:/,$p' |
        sed -n "s/^ *\(--[a-z][a-z0-9-]*\).*/$verb \1/p"
    done | grep -v ' --help$' | sort -u) \
    <(bash --norc --noprofile -c '. "$1"; shift
      for v in "$@"; do
        COMP_WORDS=(parma-runc "$v" --); COMP_CWORD=2; _parma_runc
        printf "$v %s\n" "${COMPREPLY[@]}"
      done' _ "$R" "$@" | sort -u)
}
# shellcheck disable=SC2046
check_eq "parma-runc completes every flag of the real runc VERB --help" \
  "$(flags_missing /usr/sbin/runc $(grep -vx help <<<"$rc_verbs"))" ""
if [ -x "$PARMA_BUILD/parma-runc" ]; then
  # shellcheck disable=SC2046
  check_eq "parma-runc completes every flag of its own VERB --help" \
    "$(flags_missing "$PARMA_BUILD/parma-runc" $(grep -vx help <<<"$rc_verbs"))" ""
else
  skip "parma-runc completes every flag of its own VERB --help" "parma-runc is not built"
fi
if [ -x "$PARMA_BUILD/parma-runc" ]; then
  pr_verbs=$("$PARMA_BUILD/parma-runc" --help 2>/dev/null | awk '/^COMMANDS:/ { on = 1; next } /^[A-Z]/ { on = 0 }
    on && NF { split($1, a, ","); print a[1] }' | sort)
  missing=$(comm -23 <(echo "$pr_verbs") <(comp "$R" parma-runc ''))
  if [ -z "$pr_verbs" ]; then
    skip "parma-runc completes every verb of its own --help" "its --help has no COMMANDS: section"
  else
    check_eq "parma-runc completes every verb of its own --help" "$missing" ""
  fi
else
  skip "parma-runc completes every verb of its own --help" "parma-runc is not built"
fi

# ---- parma-policy ----
P=$C/parma-policy
check_eq "parma-policy: verbs" "$(comp "$P" parma-policy '')" "$(words check compile diff gen hash lint owner)"
check_eq "parma-policy: owner subcommands" "$(comp "$P" parma-policy owner '')" \
  "$(words inspect keygen sign verify-challenge)"
check_eq "parma-policy: owner sign --op values" "$(comp "$P" parma-policy owner sign --op '')" \
  "$(words checkpoint exec fragment signal)"
check_eq "parma-policy: gen --p flags" "$(comp "$P" parma-policy gen --p)" "$(words --pause-image --pod)"
check_eq "parma-policy: hash flags" "$(comp "$P" parma-policy hash p.json --)" --base64
check_eq "parma-policy: gen flags" "$(comp "$P" parma-policy gen --o)" "$(words --oci-layout --open-door)"
check_eq "parma-policy: gen --bundle=DIR" "$(comp "$P" parma-policy gen --bundle = "$W/dirs/bundle-")" \
  "$(words "$W/dirs/bundle-a" "$W/dirs/bundle-b")"
check_eq "parma-policy: check flags" "$(comp "$P" parma-policy check p.json --bundle "$W/dirs" --e)" --explain

# ---- parma-snp ----
S=$C/parma-snp
check_eq "parma-snp: verbs" "$(comp "$S" parma-snp '')" "$(words help report show verify)"
check_eq "parma-snp: show flags" "$(comp "$S" parma-snp show r.bin --)" --json
check_eq "parma-snp: verify flags" "$(comp "$S" parma-snp verify r.bin --chain c.pem --allow-)" \
  "$(words --allow-debug --allow-provisional-tcb --allow-simulator)"
check_eq "parma-snp: report --backend values" "$(comp "$S" parma-snp report --backend '')" "$(words sev-guest sim tsm)"

# ---- parma-verity ----
V=$C/parma-verity
check_eq "parma-verity: verbs" "$(comp "$V" parma-verity '')" \
  "$(words check-rootfs close close-rootfs dump format mkimage open open-rootfs root-hash verify)"
check_eq "parma-verity: verb prefix" "$(comp "$V" parma-verity open)" "$(words open open-rootfs)"
check_eq "parma-verity: --hash= values" "$(comp "$V" parma-verity format --hash =)" "$(words sha1 sha256 sha512)"
check_eq "parma-verity: --hash-block-size value" "$(comp "$V" parma-verity format --hash-block-size 4)" 4096
check_eq "parma-verity: open flags" "$(comp "$V" parma-verity open --st)" "--state-dir"
check_eq "parma-verity: open-rootfs flags" "$(comp "$V" parma-verity open-rootfs --)" \
  "$(words --scratch-size --state-dir --verbose)"
check_eq "parma-verity: check-rootfs flags (no scratch option any more)" \
  "$(comp "$V" parma-verity check-rootfs --)" "$(words --layer --state-dir --verbose)"
check_eq "parma-verity: close-rootfs flags" "$(comp "$V" parma-verity close-rootfs --)" \
  "$(words --state-dir --verbose)"
# Layer and rootfs names come from the records in --state-dir.
VS=$W/vstate; mkdir -p "$VS/layers" "$VS/rootfs/rf.d" "$W/vtarget"
echo '{}' >"$VS/layers/base.json"; echo '{}' >"$VS/layers/top.json"; echo '{}' >"$VS/rootfs/rf.json"
check_eq "parma-verity: open-rootfs layer names from --state-dir (split at =)" \
  "$(comp "$V" parma-verity open-rootfs --state-dir = "$VS" rf2 "$W/vtarget" '')" "$(words base top)"
check_eq "parma-verity: open-rootfs layer names, --state-dir DIR form, after one layer" \
  "$(comp "$V" parma-verity open-rootfs rf2 "$W/vtarget" --state-dir "$VS" base t)" top
check_eq "parma-verity: open-rootfs target completes directories" \
  "$(comp "$V" parma-verity open-rootfs --state-dir = "$VS" rf2 "$W/vt")" "$W/vtarget"
check_eq "parma-verity: open-rootfs offers nothing for the new name" \
  "$(comp "$V" parma-verity open-rootfs --state-dir = "$VS" '')" ""
check_eq "parma-verity: close-rootfs names from --state-dir" \
  "$(comp "$V" parma-verity close-rootfs --state-dir = "$VS" '')" rf
check_eq "parma-verity: close names from --state-dir" \
  "$(comp "$V" parma-verity close --state-dir = "$VS" '')" "$(words base top)"
check_eq "parma-verity: --scratch-size takes a value (no layer name offered for it)" \
  "$(comp "$V" parma-verity open-rootfs --state-dir = "$VS" rf2 "$W/vtarget" --scratch-size '')" ""
check_eq "parma-verity: ... and the layer names follow it" \
  "$(comp "$V" parma-verity open-rootfs --state-dir = "$VS" rf2 "$W/vtarget" --scratch-size 4096 b)" base

# ---- the verbs each built tool lists in its --help ----
for tool in parma-policy parma-snp parma-verity; do
  bin=$PARMA_BUILD/$tool
  if [ ! -x "$bin" ]; then
    skip "$tool: completes every verb of its --help" "$tool is not built"
    continue
  fi
  listed=$("$bin" --help 2>&1 | sed -n "s/^ *\(usage: \)\{0,1\}$tool \([a-z][a-z-]*\).*/\2/p" | sort -u)
  if [ -z "$listed" ]; then
    skip "$tool: completes every verb of its --help" "its --help lists no '$tool VERB' lines"
    continue
  fi
  missing=$(comm -23 <(echo "$listed") <(comp "$C/$tool" "$tool" ''))
  check_eq "$tool: completes every verb of its --help" "$missing" ""
done
done_testing
