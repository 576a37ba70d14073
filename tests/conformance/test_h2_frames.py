"""HTTP/2 at the frame level, in the spirit of h2spec (not packaged for Debian): the
connection preface and SETTINGS, stream ids, the concurrent-stream limit, floods, header
lists over the limit, flow control both ways. Against spec/arena.toml's listeners: "h2c"
(HTTP/2 only) and the main one (HTTP/1.1 and HTTP/2 told apart by the preface)."""

from __future__ import annotations

import socket
import time

import pytest
from h2client import (H2, DataFrame, GoAwayFrame, HeadersFrame, PingFrame, RawH2, RstStreamFrame, SettingsFrame,
                      WindowUpdateFrame, goaway_of, h2)
from hpack import Decoder
from hyperframe.frame import ContinuationFrame

PROTOCOL_ERROR, FLOW_CONTROL_ERROR, REFUSED_STREAM = 0x1, 0x3, 0x7


@pytest.fixture(scope="module")
def h2port(server):
    if "h2c" not in server.listener_ports:
        pytest.skip("the server under test has no h2c listener")
    return server.listener_ports["h2c"]


def assert_served(port: int) -> None:
    """Another connection is answered (one misbehaving client harms no other)."""
    c = H2(port)
    try:
        status, headers, body = c.response(c.request("/baseline2?a=2&b=3"))
        assert (status, body) == (200, b"5")
    finally:
        c.close()


# ---- preface and SETTINGS ------------------------------------------------------------


def test_settings_advertise_the_limits(h2port):
    c = H2(h2port)
    try:
        c.until(lambda: any(isinstance(e, h2.events.RemoteSettingsChanged) for e in c.log))
        changed = next(e for e in c.log if isinstance(e, h2.events.RemoteSettingsChanged)).changed_settings
        got = {k: v.new_value for k, v in changed.items()}
        S = h2.settings.SettingCodes
        assert got[S.MAX_CONCURRENT_STREAMS] == 128
        assert got[S.ENABLE_PUSH] == 0
        assert got[S.HEADER_TABLE_SIZE] == 4096
        assert got[S.MAX_HEADER_LIST_SIZE] == 16384  # [server.limits] head of spec/arena.toml
        c.until(lambda: any(isinstance(e, h2.events.SettingsAcknowledged) for e in c.log))
        assert any(isinstance(e, h2.events.SettingsAcknowledged) for e in c.log)
    finally:
        c.close()


def test_get_on_the_h2c_listener(h2port):
    c = H2(h2port)
    try:
        status, headers, body = c.response(c.request("/baseline2?a=13&b=42"))
        assert (status, headers["content-type"], headers["content-length"], body) == (200, "text/plain", "2", b"55")
        assert "connection" not in headers  # connection-specific fields never go out over h2
    finally:
        c.close()


def test_preface_is_recognised_on_the_mixed_listener(server):
    c = H2(server.port)
    try:
        status, _, body = c.response(c.request("/baseline2?a=1&b=2"))
        assert (status, body) == (200, b"3")
    finally:
        c.close()
    # and HTTP/1.1 still works there
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /baseline2?a=1&b=2 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")


def test_http1_on_the_h2c_listener_never_gets_200(h2port):
    with socket.create_connection(("127.0.0.1", h2port), timeout=5) as s:
        s.sendall(b"GET /baseline2?a=1&b=2 HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        s.settimeout(5)
        try:
            while chunk := s.recv(4096):
                got += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    assert b"HTTP/1.1 200" not in got
    assert_served(h2port)


def test_bad_preface_closes(h2port):
    with socket.create_connection(("127.0.0.1", h2port), timeout=5) as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + b"\0" * 16)
        s.settimeout(5)
        data = b""
        try:
            while chunk := s.recv(4096):
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    assert b"HTTP/1.1 200" not in data  # closed, nothing answered


# ---- stream ids -------------------------------------------------------------------------


def test_even_stream_id_is_a_protocol_error(h2port):
    c = RawH2(h2port)
    try:
        c.send(c.headers(2, "/baseline2?a=1&b=1"))
        g = goaway_of(c.frames(until=lambda f: isinstance(f, GoAwayFrame)))
        assert g is not None and g.error_code == PROTOCOL_ERROR
    finally:
        c.close()


def test_reused_lower_stream_id_is_a_protocol_error(h2port):
    c = RawH2(h2port)
    try:
        c.send(c.headers(5, "/baseline2?a=1&b=1"))
        c.send(c.headers(3, "/baseline2?a=1&b=1"))
        frames = c.frames(until=lambda f: isinstance(f, GoAwayFrame))
        assert any(isinstance(f, HeadersFrame) and f.stream_id == 5 for f in frames)  # 5 was answered
        g = goaway_of(frames)
        assert g is not None and g.error_code == PROTOCOL_ERROR
    finally:
        c.close()


def test_streams_over_the_limit_are_refused(h2port):
    """Before the client acknowledges SETTINGS: RST_STREAM(REFUSED_STREAM) for the 129th."""
    c = RawH2(h2port)
    try:
        # 129 uploads whose bodies never come: the 129th is over MAX_CONCURRENT_STREAMS
        c.send(*[c.headers(2 * i + 1, "/upload", "POST", end_stream=False) for i in range(129)])
        frames = c.frames(until=lambda f: isinstance(f, (RstStreamFrame, GoAwayFrame)))
        rst = [f for f in frames if isinstance(f, RstStreamFrame)]
        assert rst and rst[0].stream_id == 2 * 128 + 1 and rst[0].error_code == REFUSED_STREAM
        assert goaway_of(frames) is None
    finally:
        c.close()
    assert_served(h2port)


def test_streams_over_the_acknowledged_limit_end_the_connection(h2port):
    """Once the client has acknowledged the limit, exceeding it is nghttp2's connection error
    (RFC 9113 §5.1.2 allows PROTOCOL_ERROR): GOAWAY naming the last stream it will serve."""
    c = RawH2(h2port)
    try:
        c.frames(deadline=2, until=lambda f: isinstance(f, SettingsFrame) and "ACK" not in f.flags)
        c.send(SettingsFrame(0, flags=["ACK"]))
        c.send(*[c.headers(2 * i + 1, "/upload", "POST", end_stream=False) for i in range(129)])
        g = goaway_of(c.frames(until=lambda f: isinstance(f, GoAwayFrame)))
        assert g is not None and g.error_code == PROTOCOL_ERROR and g.last_stream_id == 2 * 127 + 1
    finally:
        c.close()
    assert_served(h2port)


# ---- floods -----------------------------------------------------------------------------


def test_rapid_reset_ends_in_goaway(h2port):
    c = RawH2(h2port)
    try:
        frames = []
        for i in range(3000):
            sid = 2 * i + 1
            frames += [c.headers(sid, "/baseline2?a=1&b=1", end_stream=False), RstStreamFrame(sid, error_code=8)]
        try:
            c.send(*frames)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before it has read everything
        got = c.frames(deadline=10, until=lambda f: isinstance(f, GoAwayFrame))
        assert goaway_of(got) is not None or c.closed
    finally:
        c.close()
    assert_served(h2port)


def test_continuation_flood_ends_in_goaway(h2port):
    c = RawH2(h2port)
    try:
        first = HeadersFrame(1)
        first.data = c.headers_block("/baseline2?a=1&b=1")
        try:
            c.send(first, *[ContinuationFrame(1, data=c.encoder.encode([("x-a", "b")])) for _ in range(10000)])
        except (BrokenPipeError, ConnectionResetError):
            pass
        got = c.frames(deadline=10, until=lambda f: isinstance(f, GoAwayFrame))
        assert goaway_of(got) is not None or c.closed
        assert not any(isinstance(f, HeadersFrame) for f in got)  # nothing was answered
    finally:
        c.close()
    assert_served(h2port)


@pytest.mark.parametrize("kind", ["ping", "settings"])
def test_ping_and_settings_floods_end_in_goaway(h2port, kind):
    """Frames that each call for an ACK, sent without reading a byte: nghttp2 queues at
    most 1000 ACKs, then GOAWAY; the connection's output stays bounded meanwhile."""
    c = RawH2(h2port)
    try:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # let the server's output back up
        frame = PingFrame(0, opaque_data=b"12345678") if kind == "ping" else SettingsFrame(0)
        blob = frame.serialize() * 2000
        sent_ok = True
        deadline = time.monotonic() + 15
        c.sock.settimeout(2)
        while time.monotonic() < deadline:
            try:
                c.sock.sendall(blob)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                sent_ok = False
                break
        assert not sent_ok, "the server kept reading a flood for 15 s"
        got = c.frames(deadline=10, until=lambda f: isinstance(f, GoAwayFrame))
        assert goaway_of(got) is not None or c.closed
    finally:
        c.close()
    assert_served(h2port)


# ---- header lists ------------------------------------------------------------------------


def test_header_list_over_the_limit_is_refused_and_the_connection_goes_on(h2port):
    c = RawH2(h2port)
    try:
        big = [(f"x-big-{i}", "v" * 1000) for i in range(20)]  # ~20 KB > [server.limits] head 16384
        block = c.headers_block("/baseline2?a=1&b=1", extra=big)
        first = HeadersFrame(1, data=block[:16000], flags=["END_STREAM"])  # frames are at most 16384
        rest = ContinuationFrame(1, data=block[16000:], flags=["END_HEADERS"])
        c.send(first, rest, c.headers(3, "/baseline2?a=1&b=1"))
        frames = c.frames(until=lambda f: isinstance(f, DataFrame) and f.stream_id == 3)
        dec = Decoder()  # one decoder, frames in order
        status = {f.stream_id: dict(dec.decode(f.data))[":status"] for f in frames if isinstance(f, HeadersFrame)}
        assert status == {1: "431", 3: "200"}
        assert goaway_of(frames) is None
    finally:
        c.close()


# ---- flow control ---------------------------------------------------------------------------


def test_window_update_overflow_is_a_flow_control_error(h2port):
    c = RawH2(h2port)
    try:
        c.send(WindowUpdateFrame(0, window_increment=2**31 - 1))
        g = goaway_of(c.frames(until=lambda f: isinstance(f, GoAwayFrame)))
        assert g is not None and g.error_code == FLOW_CONTROL_ERROR
    finally:
        c.close()


def test_stream_window_overflow_resets_the_stream(h2port):
    c = RawH2(h2port)
    try:
        c.send(c.headers(1, "/upload", "POST", end_stream=False))
        c.send(WindowUpdateFrame(1, window_increment=2**31 - 1))
        frames = c.frames(until=lambda f: isinstance(f, (RstStreamFrame, GoAwayFrame)))
        rst = [f for f in frames if isinstance(f, RstStreamFrame) and f.stream_id == 1]
        assert rst and rst[0].error_code == FLOW_CONTROL_ERROR
    finally:
        c.close()


def test_response_under_a_tiny_window(h2port, server):
    """The client grants 16 bytes at a time: the JSON body still arrives whole and equal to
    the HTTP/1.1 body."""
    c = H2(h2port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 16})
    try:
        status, headers, body = c.response(c.request("/json/50?m=2"), deadline=20)
    finally:
        c.close()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /json/50?m=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    assert status == 200 and headers["content-type"] == "application/json"
    assert body == raw.split(b"\r\n\r\n", 1)[1]


def test_request_body_beyond_the_initial_window(h2port):
    """An upload larger than the server's 65,535-byte windows goes through only as the
    server credits it back (the client waits for WINDOW_UPDATE)."""
    c = H2(h2port)
    try:
        sid = c.request("/upload", "POST", body=b"x" * 300_000)
        status, _, body = c.response(sid, deadline=20)
        assert (status, body) == (200, b"300000")
    finally:
        c.close()


def test_integer_and_json_bodies(h2port):
    c = H2(h2port)
    try:
        status, _, body = c.response(c.request("/baseline11?a=1&b=2", "POST", body=b" 20 "))
        assert (status, body) == (200, b"23")
        status, _, body = c.response(c.request("/baseline11?a=1&b=2", "POST", body=b"2x"))
        assert status == 400
        # no body at all (END_STREAM on HEADERS): the spec's default 0
        status, _, body = c.response(c.request("/baseline11?a=1&b=2", "POST"))
        assert (status, body) == (200, b"3")
    finally:
        c.close()


def test_zero_window_reader_does_not_hold_the_worker(h2port):
    """A client that grants no window gets no DATA; other clients are served, and the
    stalled connection is ended (GOAWAY or close) after the body timeout."""
    c = H2(h2port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    try:
        sid = c.request("/json/50?m=1")
        c.until(lambda: c.closed or c.goaway() is not None, deadline=2 + 6)
        assert not any(isinstance(e, h2.events.DataReceived) and e.stream_id == sid for e in c.log)
        assert c.closed or c.goaway() is not None
    finally:
        c.close()
    assert_served(h2port)


def test_head_and_errors_like_http1(h2port):
    c = H2(h2port)
    try:
        status, headers, body = c.response(c.request("/baseline2?a=1&b=2", "HEAD"))
        assert (status, headers["content-length"], body) == (200, "1", b"")
        status, headers, _ = c.response(c.request("/baseline11?a=1&b=2", "DELETE"))
        assert status == 405 and headers["allow"] == "GET, HEAD, POST"
        status, _, _ = c.response(c.request("/nope"))
        assert status == 404
        status, headers, body = c.response(c.request("/baseline2?a=x&b=2"))
        assert status == 400 and headers["content-type"] == "application/json" and b"violations" in body
    finally:
        c.close()


def test_compression_is_negotiated(h2port):
    import gzip
    c = H2(h2port)
    try:
        status, headers, body = c.response(c.request("/json/10?m=1", headers=[("accept-encoding", "gzip")]))
        plain_status, plain_headers, plain = c.response(c.request("/json/10?m=1"))
    finally:
        c.close()
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == plain and "content-encoding" not in plain_headers


def test_early_refusal_resets_the_unfinished_upload(h2port):
    """413 at the head (Content-Length over the route's limit): the response, then
    RST_STREAM(NO_ERROR) so the client stops sending a body nobody reads."""
    c = RawH2(h2port)
    try:
        c.send(c.headers(1, "/baseline11?a=1&b=2", "POST", end_stream=False, extra=[("content-length", "999999999")]))
        frames = c.frames(until=lambda f: isinstance(f, RstStreamFrame))
        on1 = [f for f in frames if f.stream_id == 1]
        assert isinstance(on1[0], HeadersFrame) and dict(Decoder().decode(on1[0].data))[":status"] == "413"
        assert isinstance(on1[-1], RstStreamFrame) and on1[-1].error_code == 0
        assert any(isinstance(f, DataFrame) and "END_STREAM" in f.flags for f in on1)  # the body came first
    finally:
        c.close()
    assert_served(h2port)
