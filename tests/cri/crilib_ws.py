"""Exec streaming for cri.py: the CRI Exec RPC only returns a URL of the
runtime's streaming server; the command runs when a client connects there.
containerd's streaming server (kubelet's, vendored) accepts SPDY or
WebSocket; this speaks the WebSocket form (RFC 6455) with the binary
"v4.channel.k8s.io" subprotocol, where each message starts with a channel
byte: 0 stdin, 1 stdout, 2 stderr, 3 the final status (a metav1.Status as
JSON), 4 terminal resize.  Standard library only.
"""
import base64
import hashlib
import json
import os
import socket
import sys
import time
import urllib.parse

PROTOCOL = "v4.channel.k8s.io"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
EXIT_STREAM_ERROR = 125       # the stream failed, not the command


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("exec stream: deadline exceeded")
        return left


def recv_exact(sock, size, deadline):
    data = bytearray()
    while len(data) < size:
        sock.settimeout(deadline.left())
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("exec stream: connection closed mid-frame")
        data += chunk
    return bytes(data)


def send_frame(sock, opcode, payload):
    """Client frames are masked (RFC 6455 5.3)."""
    head = bytearray([0x80 | opcode])
    size = len(payload)
    if size < 126:
        head.append(0x80 | size)
    elif size < 1 << 16:
        head.append(0x80 | 126)
        head += size.to_bytes(2, "big")
    else:
        head.append(0x80 | 127)
        head += size.to_bytes(8, "big")
    mask = os.urandom(4)
    head += mask
    sock.sendall(bytes(head) + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def recv_frame(sock, deadline):
    """Returns (fin, opcode, payload) or None when the peer closed the TCP stream."""
    sock.settimeout(deadline.left())
    try:
        first = sock.recv(1)
    except ConnectionResetError:
        first = b""  # a reset between frames is an end of stream like any other
    if not first:
        return None
    b0, b1 = first[0], recv_exact(sock, 1, deadline)[0]
    size = b1 & 0x7F
    if size == 126:
        size = int.from_bytes(recv_exact(sock, 2, deadline), "big")
    elif size == 127:
        size = int.from_bytes(recv_exact(sock, 8, deadline), "big")
    if size > 64 << 20:
        raise ValueError("exec stream: frame of %d bytes" % size)
    mask = recv_exact(sock, 4, deadline) if b1 & 0x80 else None
    payload = recv_exact(sock, size, deadline)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bool(b0 & 0x80), b0 & 0x0F, payload


def handshake(url, deadline):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http":
        raise ValueError("exec stream: URL %r: only plain http is supported" % url)
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=deadline.left())
    key = base64.b64encode(os.urandom(16)).decode()
    path = parts.path + ("?" + parts.query if parts.query else "")
    request = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: %s\r\n\r\n" % (path, parts.netloc, key, PROTOCOL))
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += recv_exact(sock, 1, deadline)
        if len(head) > 16384:
            raise ValueError("exec stream: response header too long")
    lines = head.decode("latin-1").split("\r\n")
    if lines[0].split(" ")[1:2] != ["101"]:
        raise ConnectionError("exec stream: upgrade refused: %s" % lines[0])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != accept:
        raise ConnectionError("exec stream: bad Sec-WebSocket-Accept")
    if headers.get("sec-websocket-protocol") != PROTOCOL:
        raise ConnectionError("exec stream: server chose protocol %r"
                              % headers.get("sec-websocket-protocol"))
    return sock


def exit_code_of(status):
    """The command's exit code from the v4 status message, or raises."""
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        for cause in status.get("details", {}).get("causes", []):
            if cause.get("reason") == "ExitCode":
                return int(cause.get("message"))
    raise RuntimeError(status.get("message") or json.dumps(status))


def stream(url, stdin_data, out, err, seconds):
    """Runs the exec behind URL; returns the command's exit code."""
    deadline = Deadline(seconds)
    sock = handshake(url, deadline)
    try:
        if stdin_data:
            send_frame(sock, OP_BINARY, b"\x00" + stdin_data)
        status, message = None, bytearray()
        while True:
            frame = recv_frame(sock, deadline)
            if frame is None:
                break
            fin, opcode, payload = frame
            if opcode == OP_PING:
                send_frame(sock, OP_PONG, payload)
                continue
            if opcode == OP_CLOSE:
                try:
                    send_frame(sock, OP_CLOSE, payload[:2])
                except OSError:
                    pass  # the server may already have gone: the status is what counts
                break
            if opcode not in (OP_CONT, OP_BINARY, OP_TEXT):
                continue
            message += payload
            if not fin:
                continue
            channel, data = (message[0], bytes(message[1:])) if message else (None, b"")
            message = bytearray()
            if channel == 1:
                out.write(data)
                out.flush()
            elif channel == 2:
                err.write(data)
                err.flush()
            elif channel == 3:
                status = json.loads(data.decode("utf-8", "replace"))
    finally:
        sock.close()
    if status is None:
        raise ConnectionError("exec stream: closed without a status message")
    return exit_code_of(status)


def exec_main(exec_rpc, argv, seconds):
    """cri.py exec [--tty] [--stdin TEXT] CID -- CMD..."""
    tty, stdin_data = False, None
    while argv and argv[0] in ("--tty", "--stdin"):
        if argv[0] == "--tty":
            tty, argv = True, argv[1:]
        else:
            if len(argv) < 2:
                raise ValueError("--stdin needs a value")
            stdin_data, argv = argv[1].encode(), argv[2:]
    if len(argv) < 3 or argv[1] != "--":
        raise ValueError("usage: exec [--tty] [--stdin TEXT] CID -- CMD...")
    request = {"container_id": argv[0], "cmd": argv[2:], "tty": tty,
               "stdin": stdin_data is not None, "stdout": True, "stderr": not tty}
    url = exec_rpc(request)["url"]
    try:
        return stream(url, stdin_data, sys.stdout.buffer, sys.stderr.buffer, seconds)
    except RuntimeError as e:
        sys.stderr.write("cri: Exec: %s\n" % e)
        return EXIT_STREAM_ERROR
