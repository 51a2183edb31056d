#!/bin/bash
# Revocation: `parma-snp verify --crl` against the ARK-issued CRL a relying
# party fetched from AMD's KDS (.../vcek/v1/<Product>/crl).  No AMD CRL is
# in the test vectors, so the CRLs here are issued with the simulator's ARK
# key by `openssl ca` (RSASSA-PSS, SHA-384, salt 48, as AMD signs): an empty
# one passes; one listing the ASK, a stale one, one not yet valid, one
# signed by another key, one from another issuer and a non-CRL all fail
# with the reason; a real AMD chain refuses the simulator's CRL.
. "$PARMA_SRC/tests/lib/tap.sh"
W=$PARMA_WORK/snp/crl
rm -rf "$W" && mkdir -p "$W/ca"
TD=$PARMA_TESTDATA/snp
# a fresh simulator chain: the shared cache may predate ark-key.pem
SIM=$W/sim
RD=$(printf 'ab%.0s' {1..64})
check "simulator report with its chain" \
  parma-snp report --backend sim --sim-dir "$SIM" --report-data "$RD" --out "$W/r.bin" --certs "$W/chain.pem"
G=$SIM/Genoa
if [ ! -f "$G/ark-key.pem" ]; then
  not_ok "the simulator keeps its ARK key"; done_testing; exit
fi
cat >"$W/ca.cnf" <<CNF
[ ca ]
default_ca = sim
[ sim ]
database = $W/ca/index.txt
crlnumber = $W/ca/crlnumber
default_md = sha384
default_crl_days = 7
CNF
: >"$W/ca/index.txt"; echo 01 >"$W/ca/crlnumber"
ca() { openssl ca -config "$W/ca.cnf" -batch -keyfile "${KEY:-$G/ark-key.pem}" -cert "${CERT:-$G/ark.pem}" \
  -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 "$@" 2>>"$W/ca.log"; }
ca -gencrl -out "$W/empty.pem"
check "an empty CRL issued by the ARK" test -s "$W/empty.pem"
check_match "it is RSASSA-PSS like AMD's" "$(openssl crl -in "$W/empty.pem" -noout -text)" 'Signature Algorithm: rsassaPss'
v() { parma-snp verify "$W/r.bin" --chain "$W/chain.pem" --allow-simulator --simulator-ark "$G/ark.pem" "$@" 2>&1; }
check "verify with the empty CRL" v --crl "$W/empty.pem"
openssl crl -in "$W/empty.pem" -outform DER -out "$W/empty.der"
check "verify with the same CRL in DER" v --crl "$W/empty.der"

ca -revoke "$G/ask.pem" >/dev/null
ca -gencrl -out "$W/revoked.pem"
out=$(v --crl "$W/revoked.pem"); rc=$?
check_match "ASK listed: refused, named" "$rc $out" "^1 .*crl: the SEV-Genoa \\(serial [0-9A-F]+\\) is revoked"
check_eq "ASK listed: the only failure" "$(echo "$out" | grep -c '^verify: ')" 1

now=$(date +%s)
out=$(v --crl "$W/empty.pem" --at $((now + 8 * 86400)))
check_match "CRL past its nextUpdate: refused" "$out" 'crl: out of date \(nextUpdate before the verification time\)'
out=$(v --crl "$W/empty.pem" --at $((now - 86400)))
check_match "CRL not yet valid: refused" "$out" 'crl: not valid yet'

# the ARK's name on another key: the signature tells them apart
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/fake-key.pem" -out "$W/fake-ark.pem" -days 30 \
  -subj "$(openssl x509 -in "$G/ark.pem" -noout -subject -nameopt compat | sed 's/^subject=//')" 2>>"$W/ca.log"
KEY=$W/fake-key.pem CERT=$W/fake-ark.pem ca -gencrl -out "$W/forged.pem"
out=$(v --crl "$W/forged.pem")
check_match "CRL under the ARK's name, another key: refused" "$out" "crl: its signature does not verify with the ARK's key"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/o-key.pem" -out "$W/other.pem" -days 30 -subj "/CN=Other CA" 2>>"$W/ca.log"
KEY=$W/o-key.pem CERT=$W/other.pem ca -gencrl -out "$W/other-crl.pem"
out=$(v --crl "$W/other-crl.pem")
check_match "CRL from another issuer: refused" "$out" "crl: issued by \`/CN=Other CA\`, not by the chain's ARK"
head -c 300 /dev/urandom >"$W/junk"
out=$(v --crl "$W/junk")
check_match "not a CRL: refused" "$out" "crl: .*is not a PEM or DER CRL"
out=$(v --crl "$W/missing.pem")
check_match "missing CRL file: refused" "$out" "crl: .*missing.pem.*No such file"

# a real AMD chain (Azure ACI vector) with the simulator's CRL
out=$(parma-snp verify "$TD/aci-sidecar/snp_report.bin" --chain "$TD/aci-sidecar/uvm_host_amd_certificate.pem" \
  --at 1748736000 --crl "$W/empty.pem" 2>&1); rc=$?
check_match "real Milan chain, simulator CRL: refused as another issuer" "$rc $out" "^1 .*crl: issued by .*PARMA SIMULATOR.*not by the chain's ARK"
check_eq "real Milan chain: every other check passes" "$(echo "$out" | grep -c '^verify: ')" 1
done_testing
