# MOCK, loudly: a FUSE stand-in for /sys/kernel/config/tsm/report (this
# machine has neither SEV nor configfs-tsm).  It behaves like configfs-tsm
# (mkdir an entry; provider, generation, privlevel, inblob, outblob,
# auxblob; rmdir) and answers with reports from parma-snp's simulator, so
# the real mkdir/write/read/rmdir and generation logic runs.  Started by
# tests/lib/snp_standins.sh (tsm_standin_start).
#   python3 tsm-standin.py MOUNTPOINT SIMDIR CTLDIR
# CTLDIR/mode (read on every request): ok | race | tdx | ebusy:N | eagain:N
# (the first N outblob reads of the mount fail with that errno) | eio;
# CTLDIR/host_data: HOST_DATA hex (default 5a...); CTLDIR/log gets a line
# per outblob read.
import errno, os, stat, subprocess, sys, time, base64
from fusepy import FUSE, FuseOSError, Operations

MNT, SIMDIR, CTL = sys.argv[1], sys.argv[2], sys.argv[3]
GUIDS = {"vcek": "63da758d-e664-4564-adc5-f4b93be8accd",
         "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
         "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae"}
RO = ("provider", "generation", "outblob", "auxblob", "privlevel_floor")
WO = ("inblob", "privlevel")

def ctl(name, default):
    try:
        return open(os.path.join(CTL, name)).read().strip() or default
    except OSError:
        return default

def log(line):
    with open(os.path.join(CTL, "log"), "a") as f:
        f.write(line + "\n")

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
        self.failed = 0  # transient failures served so far (ebusy:N / eagain:N)

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

    def _transient(self, mode):
        if mode != getattr(self, "mode", None):  # a new mode counts afresh
            self.mode, self.failed = mode, 0
        for name, code in (("ebusy", errno.EBUSY), ("eagain", errno.EAGAIN)):
            if mode.startswith(name + ":") and self.failed < int(mode.split(":")[1]):
                self.failed += 1
                log(name)
                raise FuseOSError(code)
        if mode == "eio":
            log("eio")
            raise FuseOSError(errno.EIO)

    def read(self, path, size, offset, fh):
        e, a = self._split(path)
        ent = self.entries[e]
        mode = ctl("mode", "ok")
        if a == "provider":
            data = b"tdx_guest\n" if mode == "tdx" else b"sev_guest\n"
        elif a == "privlevel_floor":
            data = b"0\n"
        elif a == "generation":
            data = b"%d\n" % ent.gen
        elif a == "outblob":
            if offset == 0:
                self._transient(mode)
            if ent.out is None:
                hexrep = subprocess.run(
                    ["parma-snp", "report", "--backend", "sim", "--sim-dir", SIMDIR,
                     "--report-data", ent.inblob.hex(), "--vmpl", str(ent.priv),
                     "--sim-host-data", ctl("host_data", "5a" * 32)],
                    check=True, capture_output=True).stdout.strip()
                ent.out = bytes.fromhex(hexrep.decode())
                log("outblob")
            if mode == "race" and offset == 0:
                ent.gen += 1  # another writer raced us
            data = ent.out
        elif a == "auxblob":
            data = cert_table()
        else:
            raise FuseOSError(errno.EACCES)
        return data[offset:offset + size]

FUSE(TSM(), MNT, foreground=True, direct_io=True, attr_timeout=0, entry_timeout=0)
