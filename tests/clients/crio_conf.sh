#!/bin/bash
# Validates contrib/crio/parma.conf, the CRI-O drop-in, against CRI-O's
# documented schema of a runtime handler.  CRI-O is not packaged in Debian
# 12, so the file is parsed with python3's tomllib and every key, type and
# cross-field rule is checked against this schema, taken from:
#   cri-o/cri-o @ f954a17 (2026-08-21): docs/crio.conf.5.md, section
#   "CRIO.RUNTIME.RUNTIMES TABLE"; pkg/config/config.go, type RuntimeHandler
#   (toml tags) and RuntimeHandler.Validate / ValidateRuntimeType /
#   ValidateRuntimeConfigPath / ValidateNoSyncLog / ValidateWebsocketStreaming
#   / TranslateMonitorFieldsForHandler; RuntimeConfig.ValidateDefaultRuntime.
# Mutated copies check that the validator rejects what CRI-O rejects.
. "$PARMA_SRC/tests/lib/tap.sh"

DROPIN=$PARMA_SRC/contrib/crio/parma.conf
# Debian's python3 (3.11 in Debian 12); a python3 earlier in PATH may be a
# slow version-manager shim.
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import tomllib' 2>/dev/null; then
  skip "CRI-O drop-in schema" "python3 >= 3.11 (tomllib) is missing"
  done_testing; exit 0
fi
W=$PARMA_WORK/clients/crio.$$
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"

# crio_validate FILE [ALLOWED_DIRS_JSON]: one line per violation, exit 1 if any.
crio_validate() {
  "$PY" - "$@" <<'PY'
import json, os, sys, tomllib

path = sys.argv[1]
allowed_dirs = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
STR, BOOL, INT, STRLIST, STRMAP = "string", "bool", "integer", "array of strings", "table of strings"
# [crio.runtime.runtimes.<handler>] keys and their TOML types (RuntimeHandler).
HANDLER = {
    "runtime_config_path": STR, "runtime_path": STR, "runtime_type": STR,
    "runtime_root": STR, "privileged_without_host_devices": BOOL,
    "allowed_annotations": STRLIST, "monitor_path": STR, "monitor_cgroup": STR,
    "monitor_env": STRLIST, "monitor_exec_cgroup": STR,
    "platform_runtime_paths": STRMAP, "runtime_pull_image": BOOL,
    "container_min_memory": STR, "no_sync_log": BOOL,
    "inherit_default_runtime": BOOL, "default_annotations": STRMAP,
    "stream_websockets": BOOL, "exec_cpu_affinity": STR,
    "seccomp_profile": STR, "container_create_timeout": INT,
}
# The [crio.runtime] keys this drop-in may set (RuntimeConfig).
RUNTIME = {"default_runtime": STR, "runtimes": "table"}

def has_type(v, t):
    if t == STR: return isinstance(v, str)
    if t == BOOL: return isinstance(v, bool)
    if t == INT: return isinstance(v, int) and not isinstance(v, bool)
    if t == STRLIST: return isinstance(v, list) and all(isinstance(x, str) for x in v)
    if t == STRMAP: return isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
    if t == "table": return isinstance(v, dict)
    return False

errors = []
def err(msg): errors.append(msg)

try:
    with open(path, "rb") as f:
        doc = tomllib.load(f)
except (OSError, tomllib.TOMLDecodeError) as e:
    print(f"{path}: not valid TOML: {e}"); sys.exit(1)

for k in doc:
    if k != "crio": err(f"top level: unknown table [{k}] (everything is under [crio])")
crio = doc.get("crio", {})
for k in crio:
    if k != "runtime": err(f"crio.{k}: not a key this drop-in may set")
rt = crio.get("runtime", {})
for k, v in rt.items():
    if k not in RUNTIME: err(f"crio.runtime.{k}: unknown or unchecked key")
    elif not has_type(v, RUNTIME[k]): err(f"crio.runtime.{k}: must be a {RUNTIME[k]}")
runtimes = rt.get("runtimes", {})
if not runtimes: err("crio.runtime.runtimes: no handler defined")
for name, h in runtimes.items():
    where = f"crio.runtime.runtimes.{name}"
    if not isinstance(h, dict): err(f"{where}: must be a table"); continue
    for k, v in h.items():
        if k not in HANDLER: err(f"{where}.{k}: unknown key")
        elif not has_type(v, HANDLER[k]): err(f"{where}.{k}: must be a {HANDLER[k]}")
    typ = h.get("runtime_type", "oci")
    if typ not in ("", "oci", "vm", "pod"):
        err(f"{where}.runtime_type: must be oci, vm or pod, not {typ!r}")
    for k in ("runtime_path", "monitor_path", "runtime_root", "runtime_config_path", "seccomp_profile"):
        v = h.get(k)
        if isinstance(v, str) and v and not v.startswith("/"):
            err(f"{where}.{k}: must be an absolute path")
    if h.get("runtime_config_path") and typ != "vm":
        err(f"{where}.runtime_config_path: only with runtime_type vm")
    if h.get("no_sync_log") and typ not in ("", "oci"):
        err(f"{where}.no_sync_log: only with runtime_type oci")
    if h.get("stream_websockets") and typ != "pod":
        err(f"{where}.stream_websockets: only with runtime_type pod")
    mc = h.get("monitor_cgroup", "")
    if typ in ("", "oci") and isinstance(mc, str) and mc not in ("", "pod") and not mc.endswith(".slice"):
        err(f"{where}.monitor_cgroup: must be pod, empty (cgroupfs) or a systemd .slice, not {mc!r}")
    mec = h.get("monitor_exec_cgroup", "")
    if isinstance(mec, str) and mec not in ("", "container"):
        err(f"{where}.monitor_exec_cgroup: must be empty or container")
    aff = h.get("exec_cpu_affinity", "")
    if isinstance(aff, str) and aff not in ("", "first"):
        err(f"{where}.exec_cpu_affinity: must be empty or first")
    for e in h.get("monitor_env", []) if isinstance(h.get("monitor_env"), list) else []:
        if isinstance(e, str) and "=" not in e:
            err(f"{where}.monitor_env: {e!r} is not NAME=VALUE")
    # parma-runc honours --root only under its allowed_dirs
    root = h.get("runtime_root")
    if allowed_dirs is not None and isinstance(root, str) and root:
        if not any(root == d or root.startswith(d.rstrip("/") + "/") for d in allowed_dirs):
            err(f"{where}.runtime_root: {root} is outside parma-runc's allowed_dirs {allowed_dirs}")
dr = rt.get("default_runtime")
if isinstance(dr, str) and dr and dr not in runtimes:
    err(f"crio.runtime.default_runtime: {dr!r} names no [crio.runtime.runtimes.{dr}] table")
for e in errors: print(e)
sys.exit(1 if errors else 0)
PY
}

check "the drop-in is valid TOML" "$PY" -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], "rb"))' "$DROPIN"
check "every key and type matches CRI-O's runtime-handler schema" crio_validate "$DROPIN"
field() { "$PY" -c 'import sys, tomllib; d = tomllib.load(open(sys.argv[1], "rb")); print(eval(sys.argv[2], {"d": d}))' "$DROPIN" "$1"; }
check_eq "the handler is named parma (RuntimeClass handler)" \
  "$(field 'list(d["crio"]["runtime"]["runtimes"])')" "['parma']"
check_eq "the handler runs parma-runc as installed by make install" \
  "$(field 'd["crio"]["runtime"]["runtimes"]["parma"]["runtime_path"]')" /usr/local/bin/parma-runc
check_eq "runtime_type is oci (conmon drives a runc-compatible binary)" \
  "$(field 'd["crio"]["runtime"]["runtimes"]["parma"]["runtime_type"]')" oci
check_match "the RuntimeClass names the same handler" \
  "$(cat "$PARMA_SRC/contrib/k8s/runtimeclass.yaml")" $'\nhandler: parma\n'
allowed=$(jq -c '.allowed_dirs // ["/run", "/tmp"]' "$PARMA_SRC/contrib/config.json" 2>/dev/null || echo '["/run","/tmp"]')
check "runtime_root is inside the default config's allowed_dirs $allowed" crio_validate "$DROPIN" "$allowed"
mon=$(field 'd["crio"]["runtime"]["runtimes"]["parma"].get("monitor_path", "")')
if [ -x /usr/bin/conmon ]; then
  check "monitor_path is conmon ($mon)" bash -c "[ -x '$mon' ] && '$mon' --version | grep -qi conmon"
else
  skip "monitor_path is conmon ($mon)" "conmon is not installed"
fi

# The validator must reject what CRI-O rejects: one mutation per rule.
mutate() { # NAME SED-EXPR: writes $W/NAME.conf
  sed "$2" "$DROPIN" >"$W/$1.conf"
  cmp -s "$DROPIN" "$W/$1.conf" && echo "# mutation $1 changed nothing" >&2
  echo "$W/$1.conf"
}
check_fails "rejects an unknown key" crio_validate "$(mutate unknown 's/^runtime_root =/runtime_rot =/')"
check_fails "rejects a wrong type" crio_validate "$(mutate type 's/^privileged_without_host_devices = true/privileged_without_host_devices = "yes"/')"
check_fails "rejects runtime_type shim" crio_validate "$(mutate rtype 's/^runtime_type = "oci"/runtime_type = "shim"/')"
check_fails "rejects runtime_config_path with oci" crio_validate "$(mutate cfgpath '/^runtime_type/a runtime_config_path = "/etc/x.toml"')"
check_fails "rejects a relative runtime_path" crio_validate "$(mutate relpath 's|^runtime_path = .*|runtime_path = "parma-runc"|')"
check_fails "rejects monitor_cgroup that is neither pod nor a slice" crio_validate "$(mutate mcg 's|^monitor_cgroup = .*|monitor_cgroup = "/machine"|')"
check_fails "rejects stream_websockets without runtime_type pod" crio_validate "$(mutate ws '/^runtime_type/a stream_websockets = true')"
check_fails "rejects a default_runtime with no handler table" crio_validate "$(mutate dr 's/^default_runtime = .*/default_runtime = "kata"/')"
check_fails "rejects invalid TOML" crio_validate "$(mutate toml 's/^runtime_root = .*/runtime_root = \/run\/runc/')"
check_fails "rejects a runtime_root outside allowed_dirs" crio_validate \
  "$(mutate root 's|^runtime_root = .*|runtime_root = "/var/lib/runc"|')" "$allowed"
done_testing
