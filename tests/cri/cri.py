#!/usr/bin/python3
"""A small test client for the Kubernetes CRI v1 API (runtime.v1), used by
tests/cri/cri.sh to drive containerd's CRI plugin the way a kubelet would.

Why Python with a hand-written protobuf codec: Debian 12 ships python3-grpcio
(1.51) but its python3-grpc-tools is 1.14, far older than the grpcio it would
generate code for, and protoc plus generated stubs would add a build step and
checked-in generated files for about 30 small messages.  Protobuf's wire
format is simple (varints and length-delimited fields), so this file carries
the messages it uses as field tables with CRI v1's field numbers (read from
k8s.io/cri-api pkg/apis/runtime/v1/api.proto) and a ~100-line encoder and
decoder, and calls gRPC's generic unary method with raw-bytes serializers.
The only dependency is python3-grpcio (python3-protobuf, where installed,
serves only `selftest`, which cross-checks this codec against it).  Exec
streaming speaks the WebSocket form of Kubernetes' remote-command protocol
(v4.channel.k8s.io) with the standard library; see crilib_ws.py.

Usage (prints the response as JSON; a gRPC error is one line on stderr,
"cri: METHOD: CODE: details", and exit status 1):
  cri.py [-s SOCKET] [-t SECONDS] call METHOD [JSON-REQUEST|@FILE]
  cri.py [-s SOCKET] [-t SECONDS] exec [--tty] [--stdin TEXT] CID -- CMD...
      runs CMD through the Exec RPC and the streaming server: copies its
      stdout/stderr, exits with its exit code, or 125 with the reason on
      stderr when the exec itself failed (e.g. the runtime refused it)
  cri.py [-s SOCKET] [-t SECONDS] serve
      one call per line on stdin, "SEQ METHOD JSON-REQUEST", one answer per
      line on stdout, "SEQ OK JSON-RESPONSE" or "SEQ ERR message"; this saves
      the interpreter's and grpc's start-up (~0.3 s) per call in the tests
  cri.py methods          lists the METHODs
  cri.py selftest         checks the protobuf codec against known bytes
                          (and python3-protobuf, where installed)
Request JSON uses the field names of api.proto; enums take names or numbers.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree when crilib_ws loads

# ---- protobuf wire format -------------------------------------------------

VARINT, I64, LEN, I32 = 0, 1, 2, 5


def put_varint(out, value):
    value &= (1 << 64) - 1          # negative ints: ten-byte two's complement
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def get_varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ValueError("varint longer than 10 bytes")


def put_key(out, number, wire_type):
    put_varint(out, number << 3 | wire_type)


def put_len(out, number, data):
    put_key(out, number, LEN)
    put_varint(out, len(data))
    out += data


def wire_fields(buf):
    """Yields (number, wire_type, value) for each field of a message."""
    pos = 0
    while pos < len(buf):
        key, pos = get_varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, pos = get_varint(buf, pos)
        elif wire_type == LEN:
            size, pos = get_varint(buf, pos)
            if pos + size > len(buf):
                raise ValueError("field %d: length past the end" % number)
            value, pos = bytes(buf[pos:pos + size]), pos + size
        elif wire_type in (I64, I32):
            size = 8 if wire_type == I64 else 4
            value, pos = int.from_bytes(buf[pos:pos + size], "little"), pos + size
        else:
            raise ValueError("field %d: wire type %d not supported" % (number, wire_type))
        yield number, wire_type, value


def signed(value, bits):
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


# ---- the CRI v1 messages this client uses ---------------------------------
# Each message: {field name: (number, kind[, message or enum name])}.
# kinds: str bytes bool i32 i64 u32 u64 enum msg map (map<string,string>)
# and the repeated forms rstr rmsg.

ENUMS = {
    "NamespaceMode": ["POD", "CONTAINER", "NODE", "TARGET"],
    "PodSandboxState": ["SANDBOX_READY", "SANDBOX_NOTREADY"],
    "ContainerState": ["CONTAINER_CREATED", "CONTAINER_RUNNING",
                       "CONTAINER_EXITED", "CONTAINER_UNKNOWN"],
}

MESSAGES = {
    "VersionRequest": {"version": (1, "str")},
    "VersionResponse": {"version": (1, "str"), "runtime_name": (2, "str"),
                        "runtime_version": (3, "str"), "runtime_api_version": (4, "str")},
    "StatusRequest": {"verbose": (1, "bool")},
    "RuntimeCondition": {"type": (1, "str"), "status": (2, "bool"),
                         "reason": (3, "str"), "message": (4, "str")},
    "RuntimeStatus": {"conditions": (1, "rmsg", "RuntimeCondition")},
    "StatusResponse": {"status": (1, "msg", "RuntimeStatus"), "info": (2, "map")},
    # sandboxes
    "PodSandboxMetadata": {"name": (1, "str"), "uid": (2, "str"),
                           "namespace": (3, "str"), "attempt": (4, "u32")},
    "NamespaceOption": {"network": (1, "enum", "NamespaceMode"),
                        "pid": (2, "enum", "NamespaceMode"),
                        "ipc": (3, "enum", "NamespaceMode"), "target_id": (4, "str")},
    "Int64Value": {"value": (1, "i64")},
    "LinuxSandboxSecurityContext": {
        "namespace_options": (1, "msg", "NamespaceOption"),
        "run_as_user": (3, "msg", "Int64Value"), "readonly_rootfs": (4, "bool"),
        "privileged": (6, "bool")},
    "LinuxPodSandboxConfig": {"cgroup_parent": (1, "str"),
                              "security_context": (2, "msg", "LinuxSandboxSecurityContext"),
                              "sysctls": (3, "map")},
    "PodSandboxConfig": {"metadata": (1, "msg", "PodSandboxMetadata"), "hostname": (2, "str"),
                         "log_directory": (3, "str"), "labels": (6, "map"),
                         "annotations": (7, "map"), "linux": (8, "msg", "LinuxPodSandboxConfig")},
    "RunPodSandboxRequest": {"config": (1, "msg", "PodSandboxConfig"),
                             "runtime_handler": (2, "str")},
    "RunPodSandboxResponse": {"pod_sandbox_id": (1, "str")},
    "PodSandboxIdRequest": {"pod_sandbox_id": (1, "str")},   # Stop/RemovePodSandboxRequest
    "Empty": {},
    "PodSandboxStatusRequest": {"pod_sandbox_id": (1, "str"), "verbose": (2, "bool")},
    "PodSandboxNetworkStatus": {"ip": (1, "str")},
    "PodSandboxStatus": {"id": (1, "str"), "metadata": (2, "msg", "PodSandboxMetadata"),
                         "state": (3, "enum", "PodSandboxState"), "created_at": (4, "i64"),
                         "network": (5, "msg", "PodSandboxNetworkStatus"),
                         "labels": (7, "map"), "annotations": (8, "map"),
                         "runtime_handler": (9, "str")},
    "PodSandboxStatusResponse": {"status": (1, "msg", "PodSandboxStatus"), "info": (2, "map")},
    "PodSandboxFilter": {"id": (1, "str")},
    "ListPodSandboxRequest": {"filter": (1, "msg", "PodSandboxFilter")},
    "PodSandbox": {"id": (1, "str"), "metadata": (2, "msg", "PodSandboxMetadata"),
                   "state": (3, "enum", "PodSandboxState"), "created_at": (4, "i64"),
                   "labels": (5, "map"), "annotations": (6, "map"),
                   "runtime_handler": (7, "str")},
    "ListPodSandboxResponse": {"items": (1, "rmsg", "PodSandbox")},
    # containers
    "ImageSpec": {"image": (1, "str"), "annotations": (2, "map")},
    "KeyValue": {"key": (1, "str"), "value": (2, "str")},
    "Mount": {"container_path": (1, "str"), "host_path": (2, "str"), "readonly": (3, "bool")},
    "LinuxContainerResources": {"cpu_period": (1, "i64"), "cpu_quota": (2, "i64"),
                                "cpu_shares": (3, "i64"), "memory_limit_in_bytes": (4, "i64"),
                                "oom_score_adj": (5, "i64")},
    "Capability": {"add_capabilities": (1, "rstr"), "drop_capabilities": (2, "rstr")},
    "LinuxContainerSecurityContext": {
        "capabilities": (1, "msg", "Capability"), "privileged": (2, "bool"),
        "namespace_options": (3, "msg", "NamespaceOption"),
        "run_as_user": (5, "msg", "Int64Value"), "run_as_username": (6, "str"),
        "readonly_rootfs": (7, "bool"), "no_new_privs": (11, "bool"),
        "masked_paths": (13, "rstr"), "readonly_paths": (14, "rstr")},
    "LinuxContainerConfig": {"resources": (1, "msg", "LinuxContainerResources"),
                             "security_context": (2, "msg", "LinuxContainerSecurityContext")},
    "ContainerMetadata": {"name": (1, "str"), "attempt": (2, "u32")},
    "ContainerConfig": {"metadata": (1, "msg", "ContainerMetadata"),
                        "image": (2, "msg", "ImageSpec"), "command": (3, "rstr"),
                        "args": (4, "rstr"), "working_dir": (5, "str"),
                        "envs": (6, "rmsg", "KeyValue"), "mounts": (7, "rmsg", "Mount"),
                        "labels": (9, "map"), "annotations": (10, "map"),
                        "log_path": (11, "str"), "stdin": (12, "bool"),
                        "stdin_once": (13, "bool"), "tty": (14, "bool"),
                        "linux": (15, "msg", "LinuxContainerConfig")},
    "CreateContainerRequest": {"pod_sandbox_id": (1, "str"),
                               "config": (2, "msg", "ContainerConfig"),
                               "sandbox_config": (3, "msg", "PodSandboxConfig")},
    "CreateContainerResponse": {"container_id": (1, "str")},
    "ContainerIdRequest": {"container_id": (1, "str")},  # Start/RemoveContainerRequest
    "StopContainerRequest": {"container_id": (1, "str"), "timeout": (2, "i64")},
    "ContainerStatusRequest": {"container_id": (1, "str"), "verbose": (2, "bool")},
    "ContainerStatus": {"id": (1, "str"), "metadata": (2, "msg", "ContainerMetadata"),
                        "state": (3, "enum", "ContainerState"), "created_at": (4, "i64"),
                        "started_at": (5, "i64"), "finished_at": (6, "i64"),
                        "exit_code": (7, "i32"), "image": (8, "msg", "ImageSpec"),
                        "image_ref": (9, "str"), "reason": (10, "str"),
                        "message": (11, "str"), "labels": (12, "map"),
                        "annotations": (13, "map"), "mounts": (14, "rmsg", "Mount"),
                        "log_path": (15, "str")},
    "ContainerStatusResponse": {"status": (1, "msg", "ContainerStatus"), "info": (2, "map")},
    "ContainerStateValue": {"state": (1, "enum", "ContainerState")},
    "ContainerFilter": {"id": (1, "str"), "state": (2, "msg", "ContainerStateValue"),
                        "pod_sandbox_id": (3, "str")},
    "ListContainersRequest": {"filter": (1, "msg", "ContainerFilter")},
    "Container": {"id": (1, "str"), "pod_sandbox_id": (2, "str"),
                  "metadata": (3, "msg", "ContainerMetadata"), "image": (4, "msg", "ImageSpec"),
                  "image_ref": (5, "str"), "state": (6, "enum", "ContainerState"),
                  "created_at": (7, "i64"), "labels": (8, "map"), "annotations": (9, "map")},
    "ListContainersResponse": {"containers": (1, "rmsg", "Container")},
    "ExecSyncRequest": {"container_id": (1, "str"), "cmd": (2, "rstr"), "timeout": (3, "i64")},
    "ExecSyncResponse": {"stdout": (1, "bytes"), "stderr": (2, "bytes"), "exit_code": (3, "i32")},
    "ExecRequest": {"container_id": (1, "str"), "cmd": (2, "rstr"), "tty": (3, "bool"),
                    "stdin": (4, "bool"), "stdout": (5, "bool"), "stderr": (6, "bool")},
    "ExecResponse": {"url": (1, "str")},
    # images
    "ImageFilter": {"image": (1, "msg", "ImageSpec")},
    "ListImagesRequest": {"filter": (1, "msg", "ImageFilter")},
    "Image": {"id": (1, "str"), "repo_tags": (2, "rstr"), "repo_digests": (3, "rstr"),
              "size": (4, "u64"), "uid": (5, "msg", "Int64Value"), "username": (6, "str"),
              "spec": (7, "msg", "ImageSpec"), "pinned": (8, "bool")},
    "ListImagesResponse": {"images": (1, "rmsg", "Image")},
    "ImageStatusRequest": {"image": (1, "msg", "ImageSpec"), "verbose": (2, "bool")},
    "ImageStatusResponse": {"image": (1, "msg", "Image"), "info": (2, "map")},
}

RUNTIME, IMAGE = "runtime.v1.RuntimeService", "runtime.v1.ImageService"
METHODS = {  # name: (service, request message, response message)
    "Version": (RUNTIME, "VersionRequest", "VersionResponse"),
    "Status": (RUNTIME, "StatusRequest", "StatusResponse"),
    "RunPodSandbox": (RUNTIME, "RunPodSandboxRequest", "RunPodSandboxResponse"),
    "StopPodSandbox": (RUNTIME, "PodSandboxIdRequest", "Empty"),
    "RemovePodSandbox": (RUNTIME, "PodSandboxIdRequest", "Empty"),
    "PodSandboxStatus": (RUNTIME, "PodSandboxStatusRequest", "PodSandboxStatusResponse"),
    "ListPodSandbox": (RUNTIME, "ListPodSandboxRequest", "ListPodSandboxResponse"),
    "CreateContainer": (RUNTIME, "CreateContainerRequest", "CreateContainerResponse"),
    "StartContainer": (RUNTIME, "ContainerIdRequest", "Empty"),
    "StopContainer": (RUNTIME, "StopContainerRequest", "Empty"),
    "RemoveContainer": (RUNTIME, "ContainerIdRequest", "Empty"),
    "ContainerStatus": (RUNTIME, "ContainerStatusRequest", "ContainerStatusResponse"),
    "ListContainers": (RUNTIME, "ListContainersRequest", "ListContainersResponse"),
    "ExecSync": (RUNTIME, "ExecSyncRequest", "ExecSyncResponse"),
    "Exec": (RUNTIME, "ExecRequest", "ExecResponse"),
    "ListImages": (IMAGE, "ListImagesRequest", "ListImagesResponse"),
    "ImageStatus": (IMAGE, "ImageStatusRequest", "ImageStatusResponse"),
}

SCALAR_WIRE = {"str": LEN, "bytes": LEN, "bool": VARINT, "i32": VARINT, "i64": VARINT,
               "u32": VARINT, "u64": VARINT, "enum": VARINT}


def enum_number(enum, value, where):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    names = ENUMS[enum]
    if value not in names:
        raise ValueError("%s: %r is not one of %s" % (where, value, ", ".join(names)))
    return names.index(value)


def encode_scalar(out, number, kind, value, where, sub=None):
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError("%s: not a string" % where)
        put_len(out, number, value.encode())
    elif kind == "bytes":
        put_len(out, number, value.encode() if isinstance(value, str) else bytes(value))
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("%s: not true or false" % where)
        put_key(out, number, VARINT)
        put_varint(out, int(value))
    else:
        if kind == "enum":
            value = enum_number(sub, value, where)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("%s: not an integer" % where)
        put_key(out, number, VARINT)
        put_varint(out, value)


def encode(name, obj, where=None):
    """Encodes the dict OBJ as message NAME; unknown keys are an error."""
    where = where or name
    if not isinstance(obj, dict):
        raise ValueError("%s: not an object" % where)
    fields = MESSAGES[name]
    out = bytearray()
    for key, value in obj.items():
        if key not in fields:
            raise ValueError("%s: unknown field %r" % (where, key))
        number, kind, sub = (fields[key] + (None,))[:3]
        here = where + "." + key
        if kind == "msg":
            put_len(out, number, encode(sub, value, here))
        elif kind == "rmsg":
            for i, item in enumerate(value):
                put_len(out, number, encode(sub, item, "%s[%d]" % (here, i)))
        elif kind == "rstr":
            for item in value:
                encode_scalar(out, number, "str", item, here)
        elif kind == "map":
            for k, v in sorted(value.items()):
                entry = bytearray()
                encode_scalar(entry, 1, "str", k, here)
                encode_scalar(entry, 2, "str", v, here + "." + k)
                put_len(out, number, entry)
        else:
            encode_scalar(out, number, kind, value, here, sub)
    return bytes(out)


def decode_value(kind, sub, value):
    if kind in ("str", "rstr"):
        return value.decode("utf-8", "replace")
    if kind == "bytes":
        return value.decode("utf-8", "replace")
    if kind == "bool":
        return bool(value)
    if kind == "i32":
        return signed(value & 0xFFFFFFFF, 32)
    if kind == "i64":
        return signed(value, 64)
    if kind == "enum":
        names = ENUMS[sub]
        return names[value] if value < len(names) else value
    if kind in ("msg", "rmsg"):
        return decode(sub, value)
    return value


def decode(name, buf):
    """Decodes message NAME into a dict; fields not listed here are skipped."""
    by_number = {spec[0]: (key,) + spec[1:] + (None,) for key, spec in MESSAGES[name].items()}
    obj = {}
    for number, wire_type, value in wire_fields(buf):
        if number not in by_number:
            continue
        key, kind, sub = by_number[number][:3]
        want = LEN if kind in ("msg", "rmsg", "rstr", "map") else SCALAR_WIRE[kind]
        if wire_type != want:
            raise ValueError("%s.%s: wire type %d, want %d" % (name, key, wire_type, want))
        if kind == "map":
            entry = {n: v for n, _, v in wire_fields(value)}
            obj.setdefault(key, {})[entry.get(1, b"").decode("utf-8", "replace")] = \
                entry.get(2, b"").decode("utf-8", "replace")
        elif kind in ("rmsg", "rstr"):
            obj.setdefault(key, []).append(decode_value(kind, sub, value))
        else:
            obj[key] = decode_value(kind, sub, value)
    for key, spec in MESSAGES[name].items():
        if spec[1] == "enum" and key not in obj:   # proto3 leaves out zero values
            obj[key] = ENUMS[spec[2]][0]
    return obj


# ---- gRPC ----------------------------------------------------------------

def call(channel, method, request, timeout):
    service, req_name, resp_name = METHODS[method]
    stub = channel.unary_unary("/%s/%s" % (service, method),
                               request_serializer=lambda b: b,
                               response_deserializer=lambda b: b)
    return decode(resp_name, stub(encode(req_name, request), timeout=timeout))


def load_request(arg):
    if arg is None:
        return {}
    if arg.startswith("@"):
        with open(arg[1:], encoding="utf-8") as f:
            return json.load(f)
    return json.loads(arg)


def serve(channel, timeout):
    for line in sys.stdin:
        seq, _, rest = line.strip().partition(" ")
        method, _, body = rest.partition(" ")
        try:
            if method not in METHODS:
                raise ValueError("unknown method")
            answer = "OK " + json.dumps(call(channel, method, load_request(body or None), timeout),
                                        sort_keys=True)
        except Exception as e:  # noqa: BLE001 -- every failure is one answer line
            code = getattr(e, "code", None)
            if callable(code):
                text = "%s: %s" % (code().name, e.details())
            else:
                text = str(e)
            answer = "ERR cri: %s: %s" % (method, text.replace("\n", " "))
        sys.stdout.write("%s %s\n" % (seq, answer))
        sys.stdout.flush()
    return 0


def reference_check(sample):
    """Where python3-protobuf is installed, parse our bytes with Google's
    implementation (messages built at run time from the same tables) and
    re-encode them: the codec must agree with it byte for byte."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        return []
    types = {"str": 9, "bytes": 12, "bool": 8, "i32": 5, "i64": 3, "u32": 13, "u64": 4,
             "enum": 14, "msg": 11, "rmsg": 11, "rstr": 9}
    fdp = descriptor_pb2.FileDescriptorProto(name="cri_subset.proto", package="crisub",
                                             syntax="proto3")
    for enum, names in ENUMS.items():
        e = fdp.enum_type.add(name=enum)
        for i, n in enumerate(names):
            e.value.add(name=n, number=i)
    for name, fields in MESSAGES.items():
        m = fdp.message_type.add(name=name)
        for key, spec in fields.items():
            f = m.field.add(name=key, number=spec[0], label=1)
            if spec[1] == "map":
                entry = m.nested_type.add(name=key.title().replace("_", "") + "Entry")
                entry.options.map_entry = True
                entry.field.add(name="key", number=1, label=1, type=9)
                entry.field.add(name="value", number=2, label=1, type=9)
                f.type, f.label, f.type_name = 11, 3, ".crisub.%s.%s" % (name, entry.name)
                continue
            f.type = types[spec[1]]
            if spec[1] in ("rmsg", "rstr"):
                f.label = 3
            if spec[1] in ("msg", "rmsg", "enum"):
                f.type_name = ".crisub." + spec[2]
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("crisub.ContainerStatus")) \
        if hasattr(message_factory, "GetMessageClass") else \
        message_factory.MessageFactory(pool).GetPrototype(
            pool.FindMessageTypeByName("crisub.ContainerStatus"))
    ours = encode("ContainerStatus", sample)
    ref = cls()
    ref.ParseFromString(ours)
    theirs = ref.SerializeToString(deterministic=True)
    if decode("ContainerStatus", theirs) != sample:
        return ["python3-protobuf re-encodes the sample differently: %r" % theirs]
    return []


def selftest():
    """Known wire bytes (protobuf's encoding guide) and a round trip through
    every kind the tables use; prints what differs, returns 0 when nothing."""
    bad = []

    def expect(what, got, want):
        if got != want:
            bad.append("%s: got %r, want %r" % (what, got, want))
    expect("varint 150", encode("ExecSyncRequest", {"timeout": 150}), bytes([0x18, 0x96, 0x01]))
    expect("string", encode("ExecResponse", {"url": "testing"}), b"\x0a\x07testing")
    expect("negative int64", encode("ExecSyncRequest", {"timeout": -1}), b"\x18" + b"\xff" * 9 + b"\x01")
    expect("map entry", encode("PodSandboxConfig", {"labels": {"a": "b"}}), b"\x32\x06\x0a\x01a\x12\x01b")
    expect("enum by name", encode("NamespaceOption", {"network": "NODE"}), b"\x08\x02")
    sample = {"id": "x", "metadata": {"name": "n", "attempt": 3}, "state": "CONTAINER_EXITED",
              "created_at": 1, "exit_code": -2, "labels": {"k": "v", "k2": ""},
              "mounts": [{"container_path": "/a", "readonly": True}, {"host_path": "/b"}],
              "image": {"image": "i", "annotations": {"x": "y"}}}
    expect("round trip", decode("ContainerStatus", encode("ContainerStatus", sample)), sample)
    expect("zero enum filled in", decode("ContainerStatus", b""), {"state": "CONTAINER_CREATED"})
    for bad_input in ({"nope": 1}, {"id": 5}, {"state": "RUNNING"}):
        try:
            encode("ContainerStatus", bad_input)
            bad.append("accepted %r" % bad_input)
        except ValueError:
            pass
    bad += reference_check(sample)
    for line in bad:
        print("selftest: " + line)
    return 1 if bad else 0


def usage():
    sys.stderr.write(__doc__.split("Usage ")[1])
    return 2


def main(argv):
    sock, timeout = os.environ.get("CRI_SOCKET", "/run/containerd/containerd.sock"), 30.0
    while argv and argv[0] in ("-s", "-t"):
        if len(argv) < 2:
            return usage()
        if argv[0] == "-s":
            sock = argv[1]
        else:
            timeout = float(argv[1])
        argv = argv[2:]
    if not argv:
        return usage()
    if argv[0] == "selftest":
        return selftest()
    if argv[0] == "methods":
        print("\n".join(sorted(METHODS)))
        return 0
    import grpc  # only now: `methods` and the codec work without grpcio
    channel = grpc.insecure_channel("unix://" + sock)
    method = "?"
    try:
        if argv[0] == "call" and len(argv) in (2, 3) and argv[1] in METHODS:
            method = argv[1]
            resp = call(channel, method, load_request(argv[2] if len(argv) == 3 else None), timeout)
            print(json.dumps(resp, sort_keys=True))
            return 0
        if argv[0] == "serve" and len(argv) == 1:
            return serve(channel, timeout)
        if argv[0] == "exec":
            import crilib_ws
            method = "Exec"
            return crilib_ws.exec_main(lambda req: call(channel, "Exec", req, timeout),
                                       argv[1:], timeout)
        return usage()
    except grpc.RpcError as e:
        sys.stderr.write("cri: %s: %s: %s\n" % (method, e.code().name, e.details()))
        return 1
    except (ValueError, OSError) as e:
        sys.stderr.write("cri: %s: %s\n" % (method, e))
        return 1
    finally:
        channel.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
