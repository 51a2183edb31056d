#!/bin/bash
# parma-snp report --backend sim: the simulator announces itself, makes
# reports of every version with real signatures, and its chain is refused
# unless the verifier is told to accept exactly that ARK.
. "$PARMA_SRC/tests/lib/tap.sh"
W=$PARMA_WORK/snp/sim
SIM=$PARMA_WORK/snp-sim-cache # shared cache: RSA-4096 keys are made once
rm -rf "$W" && mkdir -p "$W"
HD=$(printf 'ab%.0s' {1..32})
RD=$(printf '01%.0s' {1..64})

parma-snp report --backend sim --sim-dir "$SIM" --sim-host-data "$HD" --report-data "$RD" \
  --out "$W/r5.bin" --certs "$W/chain.pem" 2>"$W/err"
check_eq "sim: report succeeds" "$?" 0
check_match "sim: announces itself on stderr" "$(cat "$W/err")" 'WARNING: SEV-SNP SIMULATOR in use.*NOT by an AMD secure processor'
show=$(parma-snp show "$W/r5.bin")
check_match "sim: version 5 by default" "$show" $'\nversion: 5\n'
check_match "sim: v5 mitigation vectors shown" "$show" $'\nlaunch_mit_vector: 0x0\ncurrent_mit_vector: 0x0\n'
check_match "sim: host_data from the caller" "$show" $'\nhost_data: '"$HD"$'\n'
check_match "sim: chip_id marked PARMASIM" "$show" $'\nchip_id: (5041524d4153494d){8}\n'
check_match "sim: Genoa by default" "$show" $'\nproduct: Genoa\n'
check_match "sim: chain names the simulator" "$(openssl x509 -in "$W/chain.pem" -noout -subject)" 'PARMA SIMULATOR - NOT AMD'

out=$(parma-snp verify "$W/r5.bin" --chain "$W/chain.pem" 2>&1); rc=$?
check_match "sim: refused without --allow-simulator" "$rc $out" \
  '^1 verify: chain: ARK `PARMA SIMULATOR - NOT AMD - ARK` .* is not a pinned AMD root \(it is the parma simulator'
out=$(parma-snp verify "$W/r5.bin" --chain "$W/chain.pem" --allow-simulator 2>&1)
check_match "sim: --allow-simulator alone is not enough" "$out" 'needs --simulator-ark'
out=$(parma-snp verify "$W/r5.bin" --chain "$W/chain.pem" --allow-simulator \
  --simulator-ark "$PARMA_TESTDATA/snp/amd-roots/ask_ark_genoa.pem" 2>&1)
check_match "sim: a different --simulator-ark is refused" "$out" 'verify: chain: .*not a pinned AMD root'
out=$(parma-snp verify "$W/r5.bin" --chain "$W/chain.pem" --allow-simulator \
  --simulator-ark "$SIM/Genoa/ark.pem" --host-data "$HD" --report-data "$RD" --vmpl 0 --product Genoa 2>&1)
check_match "sim: verifies with its ARK, loudly" "$out" 'WARNING: the chain ends at the parma SIMULATOR.*verify: OK: Genoa report v5'
out=$(parma-snp verify "$W/r5.bin" --chain "$W/chain.pem" --allow-simulator \
  --simulator-ark "$SIM/Genoa/ark.pem" --host-data "$(printf 'cd%.0s' {1..32})" 2>&1)
check_match "sim: other host_data refused" "$out" '^verify: host_data: report has abab'

for v in 2 3 4; do
  parma-snp report --backend sim --sim-dir "$SIM" --sim-version $v --out "$W/r$v.bin" --certs "$W/c$v.pem" 2>/dev/null
  check_eq "sim: version $v made" "$(parma-snp show "$W/r$v.bin" | sed -n 's/^version: //p')" $v
  check "sim: version $v verifies" parma-snp verify "$W/r$v.bin" --chain "$W/c$v.pem" \
    --allow-simulator --simulator-ark "$SIM/Genoa/ark.pem"
done
parma-snp report --backend sim --sim-dir "$SIM" --sim-product Turin --out "$W/turin.bin" --certs "$W/turin.pem" 2>/dev/null
show=$(parma-snp show "$W/turin.bin")
check_match "sim: Turin TCB layout (fmc first)" "$show" $'\nreported_tcb: 0x7300000008000301\nreported_tcb.fmc: 1\nreported_tcb.bootloader: 3\n'
check_match "sim: Turin chip_id is 8 bytes" "$show" $'\nchip_id: 5041524d4153494d(00){56}\n'
check "sim: Turin verifies (8-byte hwID, FMC SPL)" parma-snp verify "$W/turin.bin" --chain "$W/turin.pem" \
  --allow-simulator --simulator-ark "$SIM/Turin/ark.pem" --product Turin --min-tcb fmc=1,bl=3,snp=8,ucode=115
out=$(parma-snp verify "$W/turin.bin" --chain "$W/turin.pem" --allow-simulator \
  --simulator-ark "$SIM/Turin/ark.pem" --min-tcb fmc=2 2>&1)
check_match "sim: Turin FMC below minimum refused" "$out" 'verify: min-tcb: current TCB'
out=$(parma-snp verify "$W/r5.bin" --chain "$W/turin.pem" --vcek "$W/chain.pem" 2>&1)
check_match "sim: two different VCEKs refused" "$out" 'two different VCEK/VLEK certificates'

parma-snp report --backend sim --sim-dir "$SIM" --sim-policy 0xb0000 --out "$W/dbg.bin" 2>/dev/null
check_eq "sim: --sim-policy sets the guest policy" "$(parma-snp show "$W/dbg.bin" | sed -n 's/^policy.debug: //p')" true
out=$(parma-snp verify "$W/dbg.bin" --chain "$W/chain.pem" --allow-simulator --simulator-ark "$SIM/Genoa/ark.pem" 2>&1)
check_match "sim: DEBUG=1 refused" "$out" '^verify: debug: guest policy 0xb0000'
out=$(parma-snp report --backend sim --sim-dir "$SIM" --sim-policy 0x1 2>&1)
check_match "sim: policy without bit 17 refused by the parser" "$out" 'bit 17 must be 1'
out=$(parma-snp report --backend sim 2>&1)
check_match "sim: needs --sim-dir" "$out" 'needs --sim-dir'
out=$(parma-snp report --backend nope 2>&1)
check_match "report: unknown backend" "$out" "--backend: \`nope\` is not sev-guest, tsm or sim"
out=$(parma-snp frobnicate 2>&1); rc=$?
check_match "unknown verb" "$rc $out" "^2 parma-snp: unknown verb"

bad=""
for f in "$W"/r*.bin "$W/turin.bin" "$PARMA_TESTDATA"/snp/trustee/az-hcl-report.bin; do
  parma-snp show --json "$f" | jq -e . >/dev/null || bad="$bad $f"
done
check_eq "show --json is valid JSON for every simulator report" "$bad" ""
# Two first uses at once: both make a chain, one wins the rename, and both
# reports verify against the chain that stayed.
FRESH=$W/fresh-cache
parma-snp report --backend sim --sim-dir "$FRESH" --out "$W/p1.bin" 2>/dev/null & p1=$!
parma-snp report --backend sim --sim-dir "$FRESH" --out "$W/p2.bin" 2>/dev/null & p2=$!
wait $p1; rc1=$?; wait $p2; rc2=$?
check_eq "sim: concurrent first uses both succeed" "$rc1 $rc2" "0 0"
check_eq "sim: one chain left, no temporaries" "$(ls -A "$FRESH")" "Genoa"
cat "$FRESH/Genoa/vcek.pem" "$FRESH/Genoa/ask.pem" "$FRESH/Genoa/ark.pem" > "$W/fresh-chain.pem"
for p in p1 p2; do
  check "sim: concurrent report $p verifies with the surviving chain" parma-snp verify "$W/$p.bin" \
    --chain "$W/fresh-chain.pem" --allow-simulator --simulator-ark "$FRESH/Genoa/ark.pem"
done
start=${EPOCHREALTIME/./}
for i in 1 2 3 4 5; do parma-snp report --backend sim --sim-dir "$SIM" >/dev/null 2>&1; done
echo "# simulator report via the CLI: $(( (${EPOCHREALTIME/./} - start) / 5000 )) ms each (chain cached)"
done_testing
