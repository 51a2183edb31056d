# Stand-ins for the secure processor's two kernel interfaces (MOCKS, loudly:
# this machine has no SEV, no CUSE and no configfs-tsm).  Source after
# tap.sh.  Both answer with reports from parma-snp's simulator (parma-snp
# must be in PATH), so the real request and response code of libsnp runs.
#
#   snp_sim_cache         SNP_SIM=$PARMA_WORK/snp-sim-cache, the simulator's
#                         test chain (made once: RSA keys cost seconds)
#   snp_cert_table OUT    the GHCB cert table (VCEK, ASK, ARK DER) of it
#   sev_shim_build DIR    compiles tests/snp/fake-sev-guest.c into
#                         DIR/shim.so; SEV_DEV=DIR/fake-sev-guest (the
#                         stand-in device path), SEV_LOG=DIR/log (one line
#                         per ioctl answered), DIR/certs.bin (cert table)
#   sev_shim MODE HOSTDATA CMD...
#                         runs CMD with the shim preloaded (modes: see
#                         fake-sev-guest.c); SEV_LOG is emptied first
#   tsm_standin_start DIR sets TSM_MNT=DIR/mnt (the stand-in report
#                         directory) and TSM_CTL=DIR/ctl (mode, host_data,
#                         log: see tsm-standin.py); returns 1 when FUSE is
#                         missing or the mount fails (TSM_WHY says why)
#   tsm_standin_stop      unmounts and stops every stand-in started
: "${PARMA_SRC:?}" "${PARMA_WORK:?}"

snp_sim_cache() {
  SNP_SIM=$PARMA_WORK/snp-sim-cache
  parma-snp report --backend sim --sim-dir "$SNP_SIM" >/dev/null 2>&1
}

snp_cert_table() {
  /usr/bin/python3 - "$SNP_SIM/Genoa" "$1" <<'PY'
import base64, sys
d, out = sys.argv[1], sys.argv[2]
guids = {"vcek": "63da758d-e664-4564-adc5-f4b93be8accd", "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
         "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae"}
ders = []
for k in ("vcek", "ask", "ark"):
    body = [l for l in open(f"{d}/{k}.pem").read().splitlines() if l and not l.startswith("-----")]
    ders.append((k, base64.b64decode("".join(body))))
off, head, body = 24 * 4, b"", b""
for k, der in ders:
    head += bytes.fromhex(guids[k].replace("-", "")) + (off + len(body)).to_bytes(4, "little") + len(der).to_bytes(4, "little")
    body += der
open(out, "wb").write(head + bytes(24) + body)
PY
}

sev_shim_build() {
  SEV_DIR=$1 SEV_DEV=$1/fake-sev-guest SEV_LOG=$1/log
  mkdir -p "$1" && : >"$SEV_DEV" || return 1
  cc -shared -fPIC -O1 -o "$1/shim.so" "$PARMA_SRC/tests/snp/fake-sev-guest.c" -ldl 2>"$1/cc.log" || return 1
  snp_sim_cache && snp_cert_table "$1/certs.bin"
}

sev_shim() {
  local m=$1 hd=$2; shift 2
  : >"$SEV_LOG"
  LD_PRELOAD=$SEV_DIR/shim.so ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
    FAKE_SEV_SIM=$SNP_SIM FAKE_SEV_LOG=$SEV_LOG FAKE_SEV_CERTS=$SEV_DIR/certs.bin \
    FAKE_SEV_MODE=$m FAKE_SEV_HOST_DATA=$hd "$@"
}

TSM_PIDS=()
tsm_standin_start() {
  TSM_MNT=$1/mnt TSM_CTL=$1/ctl TSM_WHY=
  if ! [ -c /dev/fuse ] || ! /usr/bin/python3 -c 'import fusepy' 2>/dev/null; then
    TSM_WHY="needs /dev/fuse and python3-fusepy"
    return 1
  fi
  mkdir -p "$TSM_MNT" "$TSM_CTL"
  echo ok >"$TSM_CTL/mode"
  snp_sim_cache # the chain must exist before the stand-in serves auxblob
  /usr/bin/python3 "$PARMA_SRC/tests/snp/tsm-standin.py" "$TSM_MNT" "$SNP_SIM" "$TSM_CTL" \
    2>"$1/standin.log" &
  TSM_PIDS+=($!)
  local i
  for i in $(seq 50); do mountpoint -q "$TSM_MNT" && return 0; sleep 0.1; done
  TSM_WHY="FUSE mount failed: $(head -3 "$1/standin.log")"
  return 1
}

tsm_standin_stop() {
  local p
  for p in "${TSM_PIDS[@]}"; do
    # the mount of each stand-in is its only argument ending in /mnt
    local m; m=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n 3p)
    [ -n "$m" ] && mountpoint -q "$m" 2>/dev/null && umount -l "$m"
    kill "$p" 2>/dev/null
  done
  TSM_PIDS=()
}
