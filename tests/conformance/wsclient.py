"""A raw-socket WebSocket client for the conformance tests (RFC 6455, client side).

Frames are built byte by byte so tests can send what a real client never would (bad
RSV bits, unmasked frames, split headers); reads are strict and time-bounded.
"""

import base64
import hashlib
import os
import struct
import time

from conftest import RawConn

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONT = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


def accept_for(key: bytes) -> str:
    return base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()


def new_key() -> bytes:
    return base64.b64encode(os.urandom(16))


def handshake_request(path=b"/ws", key=None, version=b"13", connection=b"Upgrade", upgrade=b"websocket",
                      extra=b""):
    key = new_key() if key is None else key
    head = b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n"
    if upgrade is not None:
        head += b"Upgrade: " + upgrade + b"\r\n"
    if connection is not None:
        head += b"Connection: " + connection + b"\r\n"
    if key:
        head += b"Sec-WebSocket-Key: " + key + b"\r\n"
    if version is not None:
        head += b"Sec-WebSocket-Version: " + version + b"\r\n"
    return head + extra + b"\r\n"


def mask_bytes(payload: bytes, mask: bytes) -> bytes:
    if not payload:
        return b""
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, length=None):
    """A client frame; `length` overrides the announced payload length."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n <= 0xFFFF:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + mask_bytes(payload, key)


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + reason


class WsConn:
    """An upgraded connection (or a refused one: see `response`)."""

    def __init__(self, port, request=None, first=b"", timeout=3.0):
        self.http = RawConn(port, timeout=timeout)
        self.key = new_key()
        self.http.send((request or handshake_request(key=self.key)) + first)
        self.response = self.http.read_response(check=False)

    @property
    def sock(self):
        return self.http.sock

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.http.close()

    def send(self, data: bytes):
        self.http.send(data)

    def send_frame(self, opcode, payload=b"", **kw):
        self.send(frame(opcode, payload, **kw))

    def read_frame(self, deadline=5.0):
        """(fin, opcode, payload) of the next server frame; servers never mask."""
        end = time.monotonic() + deadline
        b0, b1 = self.http._read_exact(2, end)
        assert b1 & 0x80 == 0, "server frames must not be masked"
        assert b0 & 0x70 == 0, f"server set RSV bits: {b0:#x}"
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self.http._read_exact(2, end))
        elif n == 127:
            (n,) = struct.unpack("!Q", self.http._read_exact(8, end))
        return bool(b0 & 0x80), b0 & 0x0F, self.http._read_exact(n, end)

    def echo(self, opcode, payload, deadline=5.0):
        """Sends one message and returns the echoed payload (checks one unfragmented frame)."""
        if isinstance(payload, str):
            payload = payload.encode()
        self.send_frame(opcode, payload)
        fin, op, data = self.read_frame(deadline)
        assert (fin, op) == (True, opcode), (fin, op, data[:80])
        return data

    def expect_close(self, code, deadline=5.0):
        """The next frame is a close with `code` (None: an empty close), then EOF."""
        fin, op, data = self.read_frame(deadline)
        assert (fin, op) == (True, CLOSE), (fin, op, data[:80])
        if code is None:
            assert data == b"", data
        else:
            assert len(data) >= 2 and struct.unpack("!H", data[:2])[0] == code, data
        self.expect_eof()

    def expect_eof(self, deadline=5.0):
        try:
            rest = self.http.read_until_eof(deadline)
        except ConnectionResetError:
            rest = None  # the peer may close with data unread: still a close
        assert not rest, f"bytes after the close frame: {rest[:80]!r}"

    def nothing_within(self, wait):
        return not self.http.readable(wait)


def upgraded(port, **kw) -> WsConn:
    c = WsConn(port, **kw)
    assert c.response.status == 101, c.response
    return c


def rss_kib(pid) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def send_nonblocking(sock, data: bytes, deadline: float, stall: float) -> int:
    """Sends as much of data as the peer takes; stops at the deadline or after `stall`
    seconds without progress. Returns the bytes sent."""
    sock.setblocking(False)
    sent, last = 0, time.monotonic()
    view = memoryview(data)
    while sent < len(data) and time.monotonic() < deadline and time.monotonic() - last < stall:
        try:
            n = sock.send(view[sent:])
        except BlockingIOError:
            time.sleep(0.005)
            continue
        sent += n
        last = time.monotonic()
    sock.setblocking(True)
    return sent


__all__ = ["accept_for", "new_key", "handshake_request", "frame", "close_payload", "WsConn", "upgraded",
           "rss_kib", "send_nonblocking", "TEXT", "BINARY", "CLOSE", "PING", "PONG", "CONT"]
