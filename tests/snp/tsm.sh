#!/bin/bash
# The configfs-tsm code path of libsnp against a FUSE stand-in that behaves
# like /sys/kernel/config/tsm/report (mkdir an entry; provider, generation,
# privlevel, inblob, outblob, auxblob; rmdir).  The stand-in answers with
# reports from parma-snp's simulator, so the real mkdir/write/read/rmdir and
# generation logic runs on a machine without SEV or configfs-tsm.
. "$PARMA_SRC/tests/lib/tap.sh"
W=$PARMA_WORK/snp/tsm
SIM=$PARMA_WORK/snp-sim-cache
rm -rf "$W" && mkdir -p "$W"

PY=/usr/bin/python3
if ! [ -c /dev/fuse ] || ! $PY -c 'import fusepy' 2>/dev/null; then
  skip "configfs-tsm stand-in" "needs /dev/fuse and python3-fusepy"
  done_testing; exit
fi

cat > "$W/standin.py" <<'PY'
# configfs-tsm stand-in: see tests/snp/tsm.sh.  MODE: ok | race | tdx
import errno, os, stat, subprocess, sys, time, base64
from fusepy import FUSE, FuseOSError, Operations

MNT, SIMDIR, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
GUIDS = {"vcek": "63da758d-e664-4564-adc5-f4b93be8accd",
         "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
         "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae"}
RO = ("provider", "generation", "outblob", "auxblob", "privlevel_floor")
WO = ("inblob", "privlevel")

def der(pem_path):
    body = [l for l in open(pem_path).read().splitlines() if l and not l.startswith("-----")]
    return base64.b64decode("".join(body))

def cert_table():
    certs = [(k, der(os.path.join(SIMDIR, "Genoa", k + ".pem"))) for k in ("vcek", "ask", "ark")]
    off, head, body = 24 * (len(certs) + 1), b"", b""
    for k, d in certs:
        head += bytes.fromhex(GUIDS[k].replace("-", "")) + (off + len(body)).to_bytes(4, "little") \
            + len(d).to_bytes(4, "little")
        body += d
    return head + bytes(24) + body

class Entry:
    def __init__(self):
        self.gen, self.inblob, self.priv, self.out, self.pending = 0, b"", 0, None, {}

class TSM(Operations):
    def __init__(self):
        self.entries = {}

    def _split(self, path):
        parts = [p for p in path.split("/") if p]
        return (parts + [None, None])[:2] if len(parts) <= 2 else (None, None)

    def getattr(self, path, fh=None):
        e, a = self._split(path)
        now = time.time()
        base = dict(st_uid=0, st_gid=0, st_atime=now, st_mtime=now, st_ctime=now)
        if e is None:
            return dict(base, st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
        if e not in self.entries:
            raise FuseOSError(errno.ENOENT)
        if a is None:
            return dict(base, st_mode=stat.S_IFDIR | 0o700, st_nlink=2)
        if a in RO:
            return dict(base, st_mode=stat.S_IFREG | 0o444, st_nlink=1, st_size=4096)
        if a in WO:
            return dict(base, st_mode=stat.S_IFREG | 0o200, st_nlink=1, st_size=4096)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        e, _ = self._split(path)
        return [".", ".."] + (list(self.entries) if e is None else list(RO + WO))

    def mkdir(self, path, mode):
        e, a = self._split(path)
        if e is None or a is not None or e in self.entries:
            raise FuseOSError(errno.EEXIST if e in self.entries else errno.EPERM)
        self.entries[e] = Entry()

    def rmdir(self, path):
        e, a = self._split(path)
        if e not in self.entries or a is not None:
            raise FuseOSError(errno.ENOENT)
        del self.entries[e]

    def open(self, path, flags):
        self.getattr(path)
        return 0

    def truncate(self, path, length, fh=None):
        return 0

    def write(self, path, data, offset, fh):
        e, a = self._split(path)
        if a not in WO:
            raise FuseOSError(errno.EACCES)
        buf = self.entries[e].pending.setdefault(a, bytearray())
        buf[offset:offset + len(data)] = data
        return len(data)

    def release(self, path, fh):
        # configfs commits a binary attribute on close; the kernel checks
        # the length there (inblob: exactly 64 bytes for sev_guest).
        e, a = self._split(path)
        ent = self.entries.get(e)
        if ent is None or a not in ent.pending:
            return 0
        data = bytes(ent.pending.pop(a))
        if a == "inblob":
            if len(data) != 64:
                raise FuseOSError(errno.EINVAL)
            ent.inblob, ent.out = data, None
        elif a == "privlevel":
            ent.priv = int(data.strip())
        ent.gen += 1
        return 0

    def read(self, path, size, offset, fh):
        e, a = self._split(path)
        ent = self.entries[e]
        if a == "provider":
            data = b"tdx_guest\n" if MODE == "tdx" else b"sev_guest\n"
        elif a == "privlevel_floor":
            data = b"0\n"
        elif a == "generation":
            data = b"%d\n" % ent.gen
        elif a == "outblob":
            if ent.out is None:
                hexrep = subprocess.run(
                    ["parma-snp", "report", "--backend", "sim", "--sim-dir", SIMDIR,
                     "--report-data", ent.inblob.hex(), "--vmpl", str(ent.priv),
                     "--sim-host-data", "5a" * 32],
                    check=True, capture_output=True).stdout.strip()
                ent.out = bytes.fromhex(hexrep.decode())
            if MODE == "race" and offset == 0:
                ent.gen += 1  # another writer raced us
            data = ent.out
        elif a == "auxblob":
            data = cert_table()
        else:
            raise FuseOSError(errno.EACCES)
        return data[offset:offset + size]

FUSE(TSM(), MNT, foreground=True, direct_io=True, attr_timeout=0, entry_timeout=0)
PY

PIDS=()
cleanup() {
  for m in "$W"/mnt-*; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

start_standin() { # MODE -> sets MNT
  MNT=$W/mnt-$1
  mkdir -p "$MNT"
  $PY "$W/standin.py" "$MNT" "$SIM" "$1" 2>"$W/standin-$1.log" &
  PIDS+=($!)
  for _ in $(seq 50); do mountpoint -q "$MNT" && return 0; sleep 0.1; done
  return 1
}

# The simulator's chain must exist before the stand-in serves auxblob.
parma-snp report --backend sim --sim-dir "$SIM" >/dev/null 2>&1
if ! start_standin ok; then
  skip "configfs-tsm stand-in" "FUSE mount failed: $(head -3 "$W/standin-ok.log")"
  done_testing; exit
fi
RD=$(printf 'c3%.0s' {1..64})
check "tsm: report through the stand-in" \
  parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" --out "$W/r.bin" --certs "$W/chain.pem"
check_eq "tsm: report_data round trip" "$(parma-snp show "$W/r.bin" | sed -n 's/^report_data: //p')" "$RD"
check_eq "tsm: a v5 report" "$(parma-snp show "$W/r.bin" | sed -n 's/^version: //p')" 5
check_eq "tsm: auxblob gave VCEK, ASK, ARK" "$(grep -c 'BEGIN CERTIFICATE' "$W/chain.pem")" 3
check "tsm: report verifies with the auxblob chain" parma-snp verify "$W/r.bin" --chain "$W/chain.pem" \
  --allow-simulator --simulator-ark "$SIM/Genoa/ark.pem" --report-data "$RD" --host-data "$(printf '5a%.0s' {1..32})"
check_eq "tsm: entry removed afterwards" "$(ls -A "$MNT")" ""
check "tsm: privlevel 2 requested" \
  parma-snp report --backend tsm --tsm-dir "$MNT" --vmpl 2 --report-data "$RD" --out "$W/r2.bin"
check_eq "tsm: report VMPL 2" "$(parma-snp show "$W/r2.bin" | sed -n 's/^vmpl: //p')" 2

if start_standin race; then
  out=$(parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" 2>&1); rc=$?
  check_match "tsm: racing writer detected by generation" "$rc $out" '^1 .*generation changed 1 -> 2'
  check_eq "tsm: entry removed after the failure" "$(ls -A "$MNT")" ""
else
  not_ok "tsm: race stand-in mounts"
fi
if start_standin tdx; then
  out=$(parma-snp report --backend tsm --tsm-dir "$MNT" --report-data "$RD" 2>&1)
  check_match "tsm: foreign provider refused" "$out" 'provider is `tdx_guest`, not sev_guest'
else
  not_ok "tsm: tdx stand-in mounts"
fi
out=$(parma-snp report --backend tsm --tsm-dir "$W/nonexistent" 2>&1)
check_match "tsm: missing configfs named" "$out" 'is configfs-tsm mounted'
done_testing
