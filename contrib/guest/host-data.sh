#!/bin/sh
# host-data.sh: the QEMU -object argument that binds an execution policy to
# an SEV-SNP guest at launch.  The host runs it; the guest's parma-runc later
# checks SHA-256(canonical policy) against HOST_DATA in the signed report.
#
#   host-data.sh [--id ID] [--object-options OPTS] POLICY
#     prints: sev-snp-guest,id=ID,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on,host-data=<base64>
#   qemu-system-x86_64 ... -machine q35,confidential-guest-support=sev0 \
#       -object "$(host-data.sh policy.json)" ...
#
# POLICY is the authoring or canonical policy JSON; the digest is always of
# the canonical form, so reformatting the file does not change it.
# --object-options replaces "cbitpos=51,reduced-phys-bits=1,kernel-hashes=on"
# (the values for EPYC Milan/Genoa with direct kernel boot; check
# `cpuid -1 -l 0x8000001f` for the C-bit position of other parts).
# PARMA_POLICY names the parma-policy binary (default: the one in PATH).
set -eu
prog=host-data.sh
die() { echo "$prog: $*" >&2; exit 1; }

id=sev0
opts="cbitpos=51,reduced-phys-bits=1,kernel-hashes=on"
while [ $# -gt 0 ]; do
  case "$1" in
    --id) [ $# -ge 2 ] || die "--id needs a value"; id=$2; shift 2 ;;
    --id=*) id=${1#*=}; shift ;;
    --object-options) [ $# -ge 2 ] || die "--object-options needs a value"; opts=$2; shift 2 ;;
    --object-options=*) opts=${1#*=}; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "usage: $prog [--id ID] [--object-options OPTS] POLICY"
policy=$1
[ -f "$policy" ] || die "policy: $policy: no such file"
case "$id" in *[!A-Za-z0-9_.-]*|'') die "--id: $id: only letters, digits, _ . - allowed" ;; esac
case "$opts" in *host-data=*|*id=*) die "--object-options: must not set id or host-data" ;; esac

pp=${PARMA_POLICY:-parma-policy}
command -v "$pp" >/dev/null 2>&1 || die "parma-policy: not found (set PARMA_POLICY or PATH)"

# Both forms from the documented CLI: `hash` prints the hex digest alone on
# its first line, `hash --base64` adds the base64 form (on its own line).
# They must agree (fail closed).
hex=$("$pp" hash "$policy" | head -n 1) || die "parma-policy hash $policy failed"
printf '%s\n' "$hex" | grep -Eqx '[0-9a-f]{64}' || die "parma-policy hash: not a SHA-256 in hex: $hex"
out=$("$pp" hash --base64 "$policy") || die "parma-policy hash --base64 $policy failed"
b64=$(printf '%s\n' "$out" | grep -Ex '[A-Za-z0-9+/]{43}=' | head -n 1) ||
  die "parma-policy hash --base64: no line with 32 bytes in base64"
decoded=$(printf '%s' "$b64" | base64 -d | od -An -v -tx1 | tr -d ' \n')
[ "$decoded" = "$hex" ] || die "parma-policy hash: hex $hex and base64 $b64 disagree"

printf 'sev-snp-guest,id=%s%s,host-data=%s\n' "$id" "${opts:+,$opts}" "$b64"
