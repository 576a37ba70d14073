"""Request smuggling and malformed framing: one table, one expected status each.

Every payload is followed by a second, valid request (SMUGGLED).  A server
that frames the first one differently from us would answer the second; we
must answer the first with its status and `Connection: close`, send nothing
more (no answer to the smuggled request), close gracefully (FIN, not RST),
and keep serving a connection opened before and a fresh one after
(assert_rejected in conftest.py).  test_noise.py covers the arena's noise
fixtures; this table follows the list of issue 7 group by group."""

import pytest

from conftest import BODY_LIMIT, HEAD_LIMIT, HEADER_COUNT_LIMIT, TARGET_LIMIT, assert_rejected

H = b"Host: localhost\r\n"
POST = b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
GET = b"GET /pipeline HTTP/1.1\r\n"
SMUGGLED = b"GET /pipeline HTTP/1.1\r\nHost: localhost\r\n\r\n"


def te(value, body=b"5\r\nhello\r\n0\r\n\r\n", version=b"HTTP/1.1"):
    return (b"POST /baseline11?a=1&b=2 " + version + b"\r\n" + H + b"Transfer-Encoding: " + value
            + b"\r\n\r\n" + body)


def cl(value, body=b"12345"):
    return POST + b"Content-Length: " + value + b"\r\n\r\n" + body


def chunked(body):
    return POST + b"Transfer-Encoding: chunked\r\n\r\n" + body


CASES = [
    # -- Content-Length together with Transfer-Encoding, in both orders
    ("cl-then-te", POST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("te-then-cl", POST + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
    ("cl-zero-then-te", POST + b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("te-identity-then-cl", POST + b"Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello", 400),
    # -- Transfer-Encoding values
    ("te-chunked-identity", te(b"chunked, identity"), 501),
    ("te-identity-chunked", te(b"identity, chunked"), 501),
    ("te-chunked-twice", te(b"chunked, chunked"), 501),
    ("te-xchunked", te(b"xchunked"), 501),
    ("te-chunkedx", te(b"chunkedx"), 501),
    ("te-chunked-param", te(b"chunked;q=1"), 501),
    ("te-quoted-chunked", te(b'"chunked"'), 400),
    ("te-vtab-after-chunked", te(b"chunked\x0b"), 400),
    ("te-formfeed-before-chunked", te(b"\x0cchunked"), 400),
    ("te-nbsp-after-chunked", te(b"chunked\xa0"), 400),
    ("te-empty", te(b""), 400),
    ("te-two-fields", POST + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     400),
    ("te-space-before-colon", POST + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ("te-on-http10", te(b"chunked", version=b"HTTP/1.0"), 400),
    # -- Content-Length values
    ("cl-plus", cl(b"+5"), 400),
    ("cl-minus", cl(b"-5"), 400),
    ("cl-space-inside", cl(b"1 2"), 400),
    ("cl-tab-inside", cl(b"1\t2"), 400),
    ("cl-comma-same", cl(b"5, 5"), 400),
    ("cl-comma-different", cl(b"5, 6"), 400),
    ("cl-comma-trailing", cl(b"5,"), 400),
    ("cl-duplicate-agree", POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n12345", 400),
    ("cl-duplicate-differ", POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n123456", 400),
    ("cl-decimal-point", cl(b"5.0"), 400),
    ("cl-hex", cl(b"0x5"), 400),
    ("cl-empty", cl(b""), 400),
    # -- chunk-size lines and chunk data
    ("chunk-size-overflow-16-digits", chunked(b"10000000000000000\r\nx\r\n0\r\n\r\n"), 400),
    ("chunk-size-overflow-ffff", chunked(b"ffffffffffffffffff\r\nx\r\n0\r\n\r\n"), 400),
    ("chunk-size-non-hex", chunked(b"5g\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk-size-0x-prefix", chunked(b"0x5\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk-size-negative", chunked(b"-5\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk-size-leading-space", chunked(b" 5\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk-size-empty", chunked(b"\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk-ext-bare-lf", chunked(b"5;a=b\nhello\r\n0\r\n\r\n"), 400),
    ("chunk-ext-bare-cr", chunked(b"5;a=b\rhello\r\n0\r\n\r\n"), 400),
    ("chunk-ext-unterminated-quote", chunked(b'5;a="b\r\nhello\r\n0\r\n\r\n'), 400),
    ("chunk-data-no-crlf", chunked(b"5\r\nhelloX0\r\n\r\n"), 400),
    ("chunk-data-bare-lf", chunked(b"5\r\nhello\n0\r\n\r\n"), 400),
    ("chunk-data-too-long", chunked(b"3\r\nhello\r\n0\r\n\r\n"), 400),
    ("last-chunk-bare-lf", chunked(b"5\r\nhello\r\n0\n\n"), 400),
    ("trailer-bare-lf", chunked(b"0\r\nX-T: v\n\r\n"), 400),
    # -- line endings
    ("request-line-bare-lf", b"GET /pipeline HTTP/1.1\n" + H + b"\r\n", 400),
    ("request-line-bare-cr", b"GET /pipeline HTTP/1.1\r" + H + b"\r\n", 400),
    ("header-bare-lf", GET + b"Host: localhost\n\r\n", 400),
    ("header-bare-cr", GET + b"Host: localhost\rX-A: b\r\n\r\n", 400),
    ("blank-line-bare-lf", GET + H + b"\n", 400),
    ("cr-cr-lf", GET + b"Host: localhost\r\r\n\r\n", 400),
    # -- whitespace before the colon
    ("space-before-colon-host", GET + b"Host : localhost\r\n\r\n", 400),
    ("tab-before-colon-cl", POST + b"Content-Length\t: 5\r\n\r\n12345", 400),
    ("space-before-colon-generic", GET + H + b"X-A : b\r\n\r\n", 400),
    # -- request line
    ("extra-space-after-method", b"GET  /pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("extra-space-before-version", b"GET /pipeline  HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("trailing-space-after-version", b"GET /pipeline HTTP/1.1 \r\n" + H + b"\r\n", 400),
    ("leading-space", b" GET /pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("tab-separator", b"GET\t/pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("absolute-form-userinfo", b"GET http://u@localhost/pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("absolute-form-other-scheme", b"GET ftp://localhost/pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("authority-form", b"CONNECT localhost:80 HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("lowercase-version", b"GET /pipeline http/1.1\r\n" + H + b"\r\n", 400),
    ("version-two-digits", b"GET /pipeline HTTP/1.10\r\n" + H + b"\r\n", 400),
    # -- Host
    ("host-missing", GET + b"\r\n", 400),
    ("host-duplicate", GET + H + b"Host: evil.example\r\n\r\n", 400),
    ("host-duplicate-http10", b"GET /pipeline HTTP/1.0\r\n" + H + H + b"\r\n", 400),
    # -- limits
    ("oversized-request-line", b"GET /" + b"a" * (TARGET_LIMIT + 1) + b" HTTP/1.1\r\n" + H + b"\r\n", 414),
    ("oversized-header-block", GET + H + b"".join(b"X-P%02d: %s\r\n" % (i, b"p" * 1000) for i in range(17))
     + b"\r\n", 431),
    ("oversized-one-header", GET + H + b"X-Big: " + b"b" * HEAD_LIMIT + b"\r\n\r\n", 431),
    ("too-many-headers", GET + H + b"".join(b"X-%d: v\r\n" % i for i in range(HEADER_COUNT_LIMIT)) + b"\r\n",
     431),
    ("oversized-body-cl", cl(b"%d" % (BODY_LIMIT + 1), body=b""), 413),
    ("oversized-body-chunk", chunked(b"%x\r\n" % (BODY_LIMIT + 1)), 413),
    # -- NUL and control bytes
    ("nul-in-method", b"G\x00T /pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("nul-in-target", b"GET /pipe\x00line HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("nul-in-field-name", GET + H + b"X-\x00A: b\r\n\r\n", 400),
    ("nul-in-field-value", GET + H + b"X-A: b\x00\r\n\r\n", 400),
    ("del-in-field-value", GET + H + b"X-A: b\x7f\r\n\r\n", 400),
    ("esc-in-field-value", GET + H + b"X-A: \x1b[2J\r\n\r\n", 400),
    ("ctl-in-target", b"GET /pipe\x7fline HTTP/1.1\r\n" + H + b"\r\n", 400),
]


def test_corpus_size():
    names = [name for name, _, _ in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    assert len(CASES) >= 50


@pytest.mark.parametrize("payload,status", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_smuggling(server, payload, status):
    assert_rejected(server, payload + SMUGGLED, status)


def test_http2_preface_smuggles_nothing(server):
    """spec/arena.toml's main listener speaks HTTP/1.1 and h2c, so the preface starts HTTP/2
    (on an HTTP/1.1-only listener the parser answers 505: tests/unit/test_http1_request_line.c).
    The HTTP/1.1 request after it is not a SETTINGS frame: GOAWAY PROTOCOL_ERROR, and it is
    never answered."""
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + SMUGGLED)
        got = b""
        try:
            while chunk := s.recv(4096):
                got += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    assert got[3] == 0x4  # the server's SETTINGS frame first
    goaway = got.find(b"\x07\x00\x00\x00\x00\x00")  # type GOAWAY, no flags, stream 0
    assert goaway > 0 and got[goaway + 10:goaway + 14] == b"\x00\x00\x00\x01"  # PROTOCOL_ERROR
    assert b"HTTP/1.1" not in got
