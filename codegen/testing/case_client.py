"""The client side of `ringspec test`: sends one [[route.test]] case to a running server.

HTTP cases go through http.client on a fresh connection, with exactly the headers the case
lists (http.client would otherwise add `Accept-Encoding: identity`, which changes what a
compressing route answers). WebSocket cases use a small RFC 6455 client over a socket, so
`ringspec test` needs nothing beyond the standard library; decoding a `br` body needs
python3-brotli, imported only when a response is brotli-encoded.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import os
import socket
import struct
from dataclasses import dataclass, field

from ..spec.route_tests import TestCase

TIMEOUT = 10.0  # seconds for any one read or write of a case
_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HEAD = 64 * 1024  # a 101 head larger than this is a failure, not a reason to read forever


class CaseError(Exception):
    """The exchange itself failed (refused, reset, timed out, undecodable): the message
    says what happened, and the case fails with it."""


@dataclass
class Exchange:
    status: int
    reason: str
    headers: list  # (name, value) as received
    body: bytes = b""  # decoded (Content-Encoding undone)
    raw_size: int = 0  # bytes on the wire, before decoding
    echoes: list = field(default_factory=list)  # WebSocket: (opcode, payload) per message sent
    ws_problems: list = field(default_factory=list)  # WebSocket: handshake/close problems

    def header_values(self, name: str) -> list:
        return [v for n, v in self.headers if n.lower() == name.lower()]


def run(case: TestCase, port: int) -> Exchange:
    try:
        if case.websocket is not None:
            return _websocket(case, port)
        return _http(case, port)
    except (OSError, http.client.HTTPException) as exc:
        raise CaseError(f"no response: {type(exc).__name__}: {exc}".rstrip(": ")) from None


def _http(case: TestCase, port: int) -> Exchange:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        names = {n.lower() for n, _ in case.headers}
        conn.putrequest(case.method, case.target, skip_host="host" in names, skip_accept_encoding=True)
        for name, value in case.headers:
            conn.putheader(name, value)
        body = case.body
        if case.chunked:
            body = b"" if body is None else body
            body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
        elif body is not None or case.method in ("POST", "PUT", "PATCH"):
            body = body or b""
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        raw = response.read()
        headers = list(response.getheaders())
    finally:
        conn.close()
    exchange = Exchange(response.status, response.reason, headers, raw, len(raw))
    exchange.body = decode(raw, exchange.header_values("Content-Encoding"))
    return exchange


def decode(body: bytes, encodings: list) -> bytes:
    """Undoes Content-Encoding, last coding first (RFC 9110 §8.4)."""
    codings = [c.strip().lower() for value in encodings for c in value.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError) as exc:
                raise CaseError(f"Content-Encoding gzip: the body does not decompress ({exc})") from None
        elif coding == "br":
            try:
                import brotli  # python3-brotli; only needed for brotli-encoded answers
            except ImportError:
                raise CaseError("Content-Encoding br: cannot decode without python3-brotli "
                                "(apt-get install python3-brotli)") from None
            try:
                body = brotli.decompress(body)
            except brotli.error as exc:
                raise CaseError(f"Content-Encoding br: the body does not decompress ({exc})") from None
        elif coding != "identity":
            raise CaseError(f"Content-Encoding {coding}: not a coding ringspec test can decode")
    return body


# -- WebSocket (RFC 6455) ---------------------------------------------------------------


def _websocket(case: TestCase, port: int) -> Exchange:
    key = base64.b64encode(os.urandom(16)).decode()
    fields = {"host": ("Host", f"127.0.0.1:{port}"), "upgrade": ("Upgrade", "websocket"),
              "connection": ("Connection", "Upgrade"), "sec-websocket-key": ("Sec-WebSocket-Key", key),
              "sec-websocket-version": ("Sec-WebSocket-Version", "13")}
    for name, value in case.headers:  # the case may override any of them
        fields[name.lower()] = (name, value)
    head = f"GET {case.target} HTTP/1.1\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields.values()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(head.encode("latin-1"))
        reader = _Reader(sock)
        status, reason, headers = _read_head(reader)
        exchange = Exchange(status, reason, headers)
        if status != 101:
            return exchange
        sent_key = fields["sec-websocket-key"][1].encode()
        want = base64.b64encode(hashlib.sha1(sent_key + _WS_GUID).digest()).decode()
        got = exchange.header_values("Sec-WebSocket-Accept")
        if got != [want]:
            exchange.ws_problems.append(f"Sec-WebSocket-Accept: expected {want!r}, got "
                                        f"{', '.join(map(repr, got)) or 'absent'}")
        for message in case.websocket:
            sock.sendall(_frame(0x1, message.encode()))
            exchange.echoes.append(_read_frame(reader))
            if exchange.echoes[-1][0] == 0x8:
                return exchange  # the server closed: nothing more will be echoed
        sock.sendall(_frame(0x8, struct.pack("!H", 1000) + b"done"))
        try:
            opcode, payload = _read_frame(reader)
        except CaseError as exc:
            exchange.ws_problems.append(f"close: expected a close frame back, got {exc}")
        else:
            if opcode != 0x8:
                exchange.ws_problems.append(f"close: expected a close frame back, got opcode {opcode:#x}")
            elif payload[:2] != struct.pack("!H", 1000):
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                exchange.ws_problems.append(f"close: expected code 1000 back, got {code}")
    return exchange


class _Reader:
    """Buffered exact reads from a socket (bytes after the 101 head belong to frames)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, b""

    def fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise CaseError("connection closed by the server")
        self.buf += chunk

    def exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def _read_head(reader: _Reader) -> tuple:
    while b"\r\n\r\n" not in reader.buf:
        if len(reader.buf) > _MAX_HEAD:
            raise CaseError(f"response head larger than {_MAX_HEAD} bytes")
        reader.fill()
    head, reader.buf = reader.buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise CaseError(f"not an HTTP/1.1 status line: {lines[0]!r}")
    headers = [tuple(s.strip() for s in line.split(":", 1)) for line in lines[1:] if ":" in line]
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers


def _frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _read_frame(reader: _Reader) -> tuple:
    """(opcode, payload) of the next whole server message (continuations joined)."""
    opcode, payload = None, b""
    while True:
        b0, b1 = reader.exactly(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", reader.exactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", reader.exactly(8))[0]
        if b1 & 0x80:
            raise CaseError("the server sent a masked frame (RFC 6455 §5.1: servers must not mask)")
        data = reader.exactly(n)
        if opcode is None:
            opcode = b0 & 0x0F
        payload += data
        if b0 & 0x80:
            return opcode, payload
