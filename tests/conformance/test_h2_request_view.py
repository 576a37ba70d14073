"""The request view of an HTTP/2 stream (runtime/h2/h2_stream.c): built from nghttp2's header
callbacks, it must give the routes what HTTP/1.1 gives them — method, path, query and every
field — whatever order the pseudo-headers come in, and nghttp2's RFC 9113 checks (missing or
repeated pseudo-headers, a content-length the DATA does not match) must still reset the stream.
Spec: tests/conformance/specs/h2_request_view.toml."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest
from h2client import DataFrame, HeadersFrame, RawH2, RstStreamFrame
from hpack import Decoder

from conftest import build_spec_server, start_server, stop_server

SPEC = Path(__file__).resolve().parent / "specs" / "h2_request_view.toml"
PROTOCOL_ERROR = 1


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    binary = build_spec_server(SPEC, tmp_path_factory.mktemp("h2-view-build"))
    s = start_server(tmp_path_factory.mktemp("h2-view"), name="h2-view", binary=binary)
    yield s
    stop_server(s)


def exchange(srv, fields: list, body: bytes | None = None):
    """One stream with exactly these fields (in this order); returns (status, headers, body) or
    ("reset", error_code) when the server resets the stream."""
    c = RawH2(srv.port)
    try:
        f = HeadersFrame(1)
        f.data = c.encoder.encode(fields)
        f.flags.add("END_HEADERS")
        if body is None:
            f.flags.add("END_STREAM")
            c.send(f)
        else:
            d = DataFrame(1)
            d.data = body
            d.flags.add("END_STREAM")
            c.send(f, d)
        ended = lambda fr: fr.stream_id == 1 and (isinstance(fr, RstStreamFrame) or "END_STREAM" in fr.flags)
        frames = c.frames(deadline=10, until=ended)
        rst = next((fr for fr in frames if isinstance(fr, RstStreamFrame) and fr.stream_id == 1), None)
        if rst is not None:
            return "reset", rst.error_code
        dec = Decoder()
        headers, data = {}, b""
        for fr in frames:
            if fr.stream_id != 1:
                continue
            if isinstance(fr, HeadersFrame):
                headers.update({k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
                                for k, v in dec.decode(fr.data)})
            elif isinstance(fr, DataFrame):
                data += fr.data
        assert ":status" in headers, frames
        return int(headers[":status"]), headers, data
    finally:
        c.close()


def h1_status(srv, method: str, path: str, headers: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


PSEUDO = {":method": "GET", ":scheme": "http", ":authority": "localhost", ":path": "/items/7?limit=3"}


@pytest.mark.parametrize("order", [(":method", ":scheme", ":authority", ":path"),
                                   (":path", ":authority", ":scheme", ":method"),
                                   (":authority", ":path", ":method", ":scheme")])
def test_pseudo_headers_in_any_order_give_the_same_request(srv, order):
    status, _, body = exchange(srv, [(k, PSEUDO[k]) for k in order] + [("x-api-key", "k-1234")])
    assert (status, body) == (200, b"7 3")


def test_the_first_field_after_the_request_line_is_read(srv):
    # No :authority (nghttp2 then wants a host field, RFC 9113 §8.3.1): x-api-key, the first
    # regular field, is the head's first line after the request line.
    status, _, body = exchange(srv, [(":method", "GET"), (":scheme", "http"), (":path", "/items/7"),
                                     ("x-api-key", "k-1234"), ("host", "x")])
    assert (status, body) == (200, b"7 10")


def test_a_missing_or_bad_header_parameter_is_refused_as_on_http1(srv):
    base = [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/items/7")]
    assert exchange(srv, base)[0] == 400
    assert exchange(srv, base + [("x-api-key", "nope")])[0] == 400
    assert exchange(srv, base + [("accept", "*/*"), ("x-api-key", "k-9999")])[:1] == (200,)


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "POST", "PATCH", "OPTIONS", "TRACE", "BREW"])
def test_every_method_is_routed_as_on_http1(srv, method):
    status, headers, body = exchange(srv, [(":method", method), (":scheme", "http"), (":authority", "x"),
                                           (":path", "/items/5"), ("x-api-key", "k-1234")])
    assert status == h1_status(srv, method, "/items/5", {"X-Api-Key": "k-1234"})
    if method == "HEAD":
        assert body == b"" and headers.get("content-length") == "4"


def test_a_missing_path_resets_the_stream(srv):
    assert exchange(srv, [(":method", "GET"), (":scheme", "http"), (":authority", "x")]) == ("reset", PROTOCOL_ERROR)


def test_a_repeated_path_resets_the_stream(srv):
    fields = [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/items/1"), (":path", "/items/2"),
              ("x-api-key", "k-1234")]
    assert exchange(srv, fields) == ("reset", PROTOCOL_ERROR)


def test_a_pseudo_header_after_a_field_resets_the_stream(srv):
    fields = [(":method", "GET"), (":scheme", "http"), (":authority", "x"), ("x-api-key", "k-1234"),
              (":path", "/items/1")]
    assert exchange(srv, fields) == ("reset", PROTOCOL_ERROR)


def test_a_body_shorter_than_its_content_length_resets_the_stream(srv):
    fields = [(":method", "POST"), (":scheme", "http"), (":authority", "x"), (":path", "/small"),
              ("content-length", "5")]
    assert exchange(srv, fields, body=b"123") == ("reset", PROTOCOL_ERROR)
    fields[-1] = ("content-length", "3")
    assert exchange(srv, fields, body=b"123")[::2] == (200, b"123")


def test_a_long_path_and_many_fields_fit_as_on_http1(srv):
    # The rebuilt head grows past its first 256 bytes (and past the allocator's small classes).
    path = "/items/9?limit=4&pad=" + "a" * 3000
    fields = [(":path", path), (":method", "GET"), (":scheme", "http"), (":authority", "x")]
    fields += [(f"x-f{i}", "v" * 100) for i in range(40)] + [("x-api-key", "k-1234")]
    assert exchange(srv, fields)[::2] == (200, b"9 4")
