"""A small HTTP/2 client over a plain socket for the frame-level tests: python3-h2 (Debian)
for well-behaved exchanges, hyperframe + hpack for frames a conforming client would never
send (even stream ids, floods, overflowing windows)."""

from __future__ import annotations

import socket
import time

import h2.config
import h2.connection
import h2.events
import h2.settings
from hpack import Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


class H2:
    """A client connection: send() with h2's state machine, events() until a condition."""

    def __init__(self, port: int, settings: dict | None = None, timeout: float = 5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.h2 = h2.connection.H2Connection(config=config)
        self.h2.initiate_connection()
        if settings:
            self.h2.update_settings(settings)
        self.flush()
        self.log: list = []  # every event seen
        self.closed = False

    def flush(self) -> None:
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def read(self, timeout: float = 5.0) -> list:
        """Events from one receive (empty on EOF, which sets closed)."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            data = b""
        if not data:
            self.closed = True
            return []
        events = self.h2.receive_data(data)
        for ev in events:
            if isinstance(ev, h2.events.DataReceived):
                self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        self.flush()
        self.log += events
        return events

    def until(self, done, deadline: float = 10.0) -> None:
        end = time.monotonic() + deadline
        while not done() and not self.closed and time.monotonic() < end:
            self.read(max(0.1, end - time.monotonic()))

    def request(self, path: str, method: str = "GET", headers: list | None = None, body: bytes = b"",
                stream_id: int | None = None) -> int:
        sid = stream_id or self.h2.get_next_available_stream_id()
        hdrs = [(":method", method), (":scheme", "http"), (":authority", "localhost"), (":path", path)]
        hdrs += headers or []
        self.h2.send_headers(sid, hdrs, end_stream=not body)
        self.flush()
        if body:
            self.send_body(sid, body)
        return sid

    def send_body(self, sid: int, body: bytes) -> None:
        """Sends within the flow-control windows, reading WINDOW_UPDATEs as needed."""
        off = 0
        while off < len(body):
            window = min(self.h2.local_flow_control_window(sid), self.h2.max_outbound_frame_size)
            if window <= 0:
                if self.closed:
                    return
                self.read(5)
                continue
            chunk = body[off:off + window]
            off += len(chunk)
            self.h2.send_data(sid, chunk, end_stream=off == len(body))
            self.flush()

    def response(self, sid: int, deadline: float = 10.0) -> tuple:
        """(status, headers dict, body) of stream sid once it ended."""
        self.until(lambda: self.ended(sid), deadline)
        status, headers, body = None, {}, b""
        for ev in self.log:
            if getattr(ev, "stream_id", None) != sid:
                continue
            if isinstance(ev, h2.events.ResponseReceived):
                headers = dict(ev.headers)
                status = int(headers[":status"])
            elif isinstance(ev, h2.events.DataReceived):
                body += ev.data
        return status, headers, body

    def ended(self, sid: int) -> bool:
        return any(isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)) and ev.stream_id == sid
                   for ev in self.log)

    def reset_code(self, sid: int):
        for ev in self.log:
            if isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                return ev.error_code
        return None

    def goaway(self):
        for ev in self.log:
            if isinstance(ev, h2.events.ConnectionTerminated):
                return ev
        return None

    def close(self) -> None:
        self.sock.close()


class RawH2:
    """Frames written by hand after the preface and an empty SETTINGS; frames read back
    parsed by hyperframe. For what h2's state machine refuses to send."""

    def __init__(self, port: int, timeout: float = 5.0, settings: dict | None = None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.encoder = Encoder()
        self.buf = b""
        self.closed = False
        first = SettingsFrame(0)
        for k, v in (settings or {}).items():
            first.settings[k] = v
        self.sock.sendall(PREFACE + first.serialize())

    def send(self, *frames: Frame) -> None:
        self.sock.sendall(b"".join(f.serialize() for f in frames))

    def headers_block(self, path: str, method: str = "GET", extra: list | None = None) -> bytes:
        return self.encoder.encode([(":method", method), (":scheme", "http"), (":authority", "localhost"),
                                    (":path", path)] + (extra or []))

    def headers(self, sid: int, path: str, method: str = "GET", end_stream: bool = True,
                extra: list | None = None) -> HeadersFrame:
        f = HeadersFrame(sid)
        f.data = self.headers_block(path, method, extra)
        f.flags.add("END_HEADERS")
        if end_stream:
            f.flags.add("END_STREAM")
        return f

    def frames(self, deadline: float = 5.0, until=None) -> list:
        """Frames read until EOF, the deadline, or until(frame) is true for one of them."""
        out = []
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            while len(self.buf) >= 9:
                frame, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
                if len(self.buf) < 9 + length:
                    break
                frame.parse_body(memoryview(self.buf[9:9 + length]))
                self.buf = self.buf[9 + length:]
                out.append(frame)
                if until and until(frame):
                    return out
            self.sock.settimeout(max(0.05, end - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
                break
            self.buf += data
        return out

    def close(self) -> None:
        self.sock.close()


def goaway_of(frames: list):
    return next((f for f in frames if isinstance(f, GoAwayFrame)), None)


__all__ = ["H2", "RawH2", "goaway_of", "PREFACE", "ContinuationFrame", "DataFrame", "GoAwayFrame",
           "HeadersFrame", "PingFrame", "RstStreamFrame", "SettingsFrame", "WindowUpdateFrame", "h2"]
