"""HttpArena's echo-ws validation (scripts/validate-ws.py, ARENA.md §3.20), raw sockets.

Standalone on purpose: tests/conformance/wsclient.py needs the conformance conftest. The
checks and what counts as a pass follow §3.20 items 1-8; item 6 (the close reply) is
read but not asserted, as in validate-ws.py.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TIMEOUT = 5


def _upgrade(host: str, port: int) -> tuple:
    """(socket, status line, headers dict, expected accept) after an opening handshake."""
    key = base64.b64encode(os.urandom(16))
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: localhost:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (port, key))
    head = b""
    for _ in range(1000):  # bounded: a 101 head is a few hundred bytes
        if b"\r\n\r\n" in head:
            break
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    return s, lines[0], fields, accept


def _send(s: socket.socket, opcode: int, payload: bytes) -> None:
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def _exact(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data


def _recv(s: socket.socket) -> tuple:
    """(opcode, payload) of one unmasked server frame."""
    b0, b1 = _exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _exact(s, 8))[0]
    if b1 & 0x80:
        _exact(s, 4)  # a masked server frame would be a server bug; validate-ws.py unmasks none
    return b0 & 0x0F, _exact(s, n)


def echo_ws(r, host: str, port: int) -> None:
    try:
        s, status, fields, accept = _upgrade(host, port)
    except OSError as exc:
        r.record("ws upgrade -> 101", False, str(exc))
        return
    with s:
        r.record("ws upgrade -> 101", "101" in status, status)
        r.record("ws Sec-WebSocket-Accept", fields.get("sec-websocket-accept") == accept,
                 f"got {fields.get('sec-websocket-accept')!r}, expected {accept!r}")
        try:
            text = b"HttpArena-validate-" + os.urandom(8).hex().encode()
            _send(s, 0x1, text)
            got = _recv(s)
            r.record("ws text echo", got == (0x1, text), f"got {got!r}")
            blob = os.urandom(256)
            _send(s, 0x2, blob)
            got = _recv(s)
            r.record("ws binary echo (256 bytes)", got == (0x2, blob), f"got opcode {got[0]}, {len(got[1])} bytes")
            msgs = [b"msg-%d-%s" % (i, os.urandom(4).hex().encode()) for i in range(5)]
            for m in msgs:
                _send(s, 0x1, m)
            got = [_recv(s) for _ in msgs]
            r.record("ws five messages in order", got == [(0x1, m) for m in msgs], f"got {got!r}")
            _send(s, 0x8, struct.pack("!H", 1000) + b"validate done")
            try:
                _recv(s)  # the close reply: read, not asserted
            except OSError:
                pass
        except (OSError, ValueError) as exc:
            r.record("ws echo", False, f"{type(exc).__name__}: {exc}")
    # A plain GET /ws: 400..499 passes, so does a socket error or timeout; a clean close
    # with no bytes parses as status 0 and fails.
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as p:
            p.sendall(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n")
            line = p.recv(4096).split(b"\r\n")[0].split()
            code = int(line[1]) if len(line) > 1 and line[1].isdigit() else 0
            r.record("ws plain GET -> 4xx", 400 <= code <= 499, f"status {code}")
    except OSError:
        r.record("ws plain GET -> 4xx", True)
    try:
        s, status, _, _ = _upgrade(host, port)
        with s:
            _send(s, 0x1, b"health")
            got = _recv(s)
            _send(s, 0x8, struct.pack("!H", 1000))
        r.record("ws server alive", got == (0x1, b"health"), f"got {got!r}")
    except (OSError, ValueError) as exc:
        r.record("ws server alive", False, str(exc))
