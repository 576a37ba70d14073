"""Malformed input (ARENA.md §6 noise fixtures and RFC 9112 framing errors).

Every rejected request must get its canned status with `Connection: close`,
then a graceful close (EOF, not a reset); the server must keep serving a
connection opened before the bad one, and new connections after it."""

import socket
import struct
import time

import pytest

from conftest import (BODY_LIMIT, BODY_TIMEOUT, HEAD_LIMIT, HEADER_COUNT_LIMIT, TARGET_LIMIT,
                      RawConn, arena_request, assert_ok, assert_rejected, assert_server_healthy,
                      baseline, get)

# --------------------------------------------------------------------------
# §6 fixtures


def test_noise_badpath(server):
    raw = arena_request("noise-badpath.raw")
    with server.conn() as c:
        for i in range(3):
            r = c.request(raw)
            assert r.status == 404, r
            assert not r.closes, r
            assert_ok(c.request(arena_request("valid-get2.raw")), 100)
    assert_server_healthy(server, n=1)


@pytest.mark.parametrize("name", ["noise-binary.raw", "noise-badheader.raw", "noise-bare-cr.raw",
                                  "noise-null-byte.raw", "noise-obs-fold.raw",
                                  "noise-empty-header.raw"])
def test_noise_rejected_400(server, name):
    assert_rejected(server, arena_request(name), 400)


def test_noise_double_crlf(server):
    with server.conn() as bystander:
        assert_ok(bystander.request(get("/pipeline")), b"ok")
        with server.conn() as c:
            c.send(arena_request("noise-double-crlf.raw"))
            assert_ok(c.read_response(), b"2")
            r = c.read_response()
            assert r.status == 400, r
            assert r.closes, r
            c.expect_eof()
        assert_server_healthy(server, bystander, 2)


def test_noise_huge_header(server):
    raw = arena_request("noise-huge-header.raw")
    assert len(raw) == 8260
    with server.conn() as c:
        assert_ok(c.request(raw), b"2")
        assert_ok(c.request(raw), b"2")  # keep-alive continues
    assert_server_healthy(server, n=3)


def test_noise_badcl_times_out(server):
    """Declared 999 body bytes never arrive: after the body timeout the
    server answers 408 and closes, or just closes (bounded wait)."""
    with server.conn() as bystander:
        assert_ok(bystander.request(get("/pipeline")), b"ok")
        with server.conn(timeout=BODY_TIMEOUT + 3) as c:
            t0 = time.monotonic()
            c.send(arena_request("noise-badcl.raw"))
            try:
                data = c.read_until_eof(deadline=BODY_TIMEOUT + 2.5)
            except ConnectionResetError:
                pytest.fail("connection reset instead of a 408 or a graceful close")
            except TimeoutError:
                pytest.fail(f"incomplete body still pending after {BODY_TIMEOUT + 2.5}s "
                            "(no body timeout?)")
            elapsed = time.monotonic() - t0
        assert elapsed >= BODY_TIMEOUT - 0.5, f"gave up after {elapsed:.2f}s, before the body timeout"
        if data:
            rd = RawConn.from_bytes(data)
            r = rd.read_response()
            assert r.status == 408, r
            assert r.closes, r
            assert rd.buf == b"", f"bytes after the 408: {bytes(rd.buf)!r}"
        assert_server_healthy(server, bystander, 4)


# --------------------------------------------------------------------------
# Error statuses (one per framing rule)

H = b"Host: localhost\r\n"

REJECTED = {
    # 400: syntax
    "bare-lf": (b"GET /pipeline HTTP/1.1\nHost: localhost\n\n", 400),
    "bare-lf-in-header": (b"GET /pipeline HTTP/1.1\r\nHost: localhost\nX-A: b\r\n\r\n", 400),
    "bare-cr-in-value": (b"GET /pipeline HTTP/1.1\r\nHost: localhost\r\nX-A: b\rc\r\n\r\n", 400),
    "nul-in-value": (b"GET /pipeline HTTP/1.1\r\nHost: localhost\r\nX-A: b\x00c\r\n\r\n", 400),
    "ctl-in-target": (b"GET /pipe\x01line HTTP/1.1\r\n" + H + b"\r\n", 400),
    "space-in-target": (b"GET /pipe line HTTP/1.1\r\n" + H + b"\r\n", 400),
    "obs-fold": (b"GET /pipeline HTTP/1.1\r\n" + H + b"X-A: b\r\n  c\r\n\r\n", 400),
    "leading-ws-first-header": (b"GET /pipeline HTTP/1.1\r\n Host: localhost\r\n\r\n", 400),
    "empty-field-name": (b"GET /pipeline HTTP/1.1\r\n" + H + b": v\r\n\r\n", 400),
    "space-before-colon": (b"GET /pipeline HTTP/1.1\r\nHost : localhost\r\n\r\n", 400),
    "bad-char-in-field-name": (b"GET /pipeline HTTP/1.1\r\n" + H + b"X(A): v\r\n\r\n", 400),
    "no-colon": (b"GET /pipeline HTTP/1.1\r\n" + H + b"X-Bad\r\n\r\n", 400),
    "missing-version": (b"GET /pipeline\r\n" + H + b"\r\n", 400),
    "garbage-request-line": (b"HELLO\r\n\r\n", 400),
    "bad-method-char": (b"G(T /pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    "double-space": (b"GET  /pipeline HTTP/1.1\r\n" + H + b"\r\n", 400),
    # 400: host
    "missing-host": (b"GET /pipeline HTTP/1.1\r\n\r\n", 400),
    "two-hosts": (b"GET /pipeline HTTP/1.1\r\n" + H + b"Host: example.com\r\n\r\n", 400),
    "two-identical-hosts": (b"GET /pipeline HTTP/1.1\r\n" + H + H + b"\r\n", 400),
    # 400: Content-Length
    "cl-not-a-number": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                        + b"Content-Length: abc\r\n\r\n", 400),
    "cl-negative": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                    + b"Content-Length: -1\r\n\r\n", 400),
    "cl-plus-sign": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                     + b"Content-Length: +1\r\n\r\n1", 400),
    "cl-empty": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H + b"Content-Length:\r\n\r\n", 400),
    "cl-two-values": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                      + b"Content-Length: 1 1\r\n\r\n1", 400),
    "cl-hex": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H + b"Content-Length: 0x1\r\n\r\n1", 400),
    "duplicate-cl": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                     + b"Content-Length: 1\r\nContent-Length: 1\r\n\r\n1", 400),
    "duplicate-cl-different": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                               + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n12", 400),
    "cl-and-te": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "te-and-cl": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n"
                  b"Content-Length: 5\r\n\r\n0\r\n\r\n", 400),
    # 400: chunked framing
    "bad-chunk-size": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                       + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n1\r\n0\r\n\r\n", 400),
    "chunk-size-overflow": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                            + b"Transfer-Encoding: chunked\r\n\r\n"
                            + b"1" + b"0" * 16 + b"1\r\n1\r\n0\r\n\r\n", (400, 413)),
    "chunk-missing-crlf": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                           + b"Transfer-Encoding: chunked\r\n\r\n1\r\n1XX0\r\n\r\n", 400),
    # 501, 505
    "te-gzip": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                + b"Transfer-Encoding: gzip\r\n\r\n", 501),
    "te-deflate": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                   + b"Transfer-Encoding: deflate\r\n\r\n", 501),
    "http-2.0": (b"GET /pipeline HTTP/2.0\r\n" + H + b"\r\n", 505),
    "http-3.0": (b"GET /pipeline HTTP/3.0\r\n" + H + b"\r\n", 505),
    # 413, 414, 431
    "cl-over-limit": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                      + b"Content-Length: %d\r\n\r\n" % (BODY_LIMIT + 1), 413),
    "cl-huge": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                + b"Content-Length: 9223372036854775807\r\n\r\n", 413),
    "cl-beyond-uint64": (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\n" + H
                         + b"Content-Length: 99999999999999999999999\r\n\r\n", (400, 413)),
    "target-too-long": (b"GET /" + b"a" * TARGET_LIMIT + b" HTTP/1.1\r\n" + H + b"\r\n", 414),
    "head-too-large": (b"GET /pipeline HTTP/1.1\r\n" + H
                       + b"".join(b"X-Pad-%02d: %s\r\n" % (i, b"p" * 990) for i in range(20))
                       + b"\r\n", 431),
    "one-huge-header": (b"GET /pipeline HTTP/1.1\r\n" + H + b"X-Big: " + b"b" * (HEAD_LIMIT + 10)
                        + b"\r\n\r\n", 431),
    "too-many-headers": (b"GET /pipeline HTTP/1.1\r\n" + H
                         + b"".join(b"X-H%d: v\r\n" % i for i in range(HEADER_COUNT_LIMIT))
                         + b"\r\n", 431),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_rejected_with_close(server, case):
    payload, status = REJECTED[case]
    if isinstance(status, tuple):
        with server.conn() as c:
            c.send(payload)
            r = c.read_response()
            assert r.status in status, r
            assert r.closes, r
            c.expect_eof()
        assert_server_healthy(server, n=5)
    else:
        assert_rejected(server, payload, status)


def test_garbage_after_valid_pipeline(server):
    """Pipelined valid requests are answered in order before the 400."""
    with server.conn() as c:
        c.send(get(baseline(1, 1)) + get(baseline(2, 2)) + b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n")
        r1, r2 = c.read_responses(["GET", "GET"])
        assert_ok(r1, 2)
        assert_ok(r2, 4)
        r3 = c.read_response()
        assert r3.status == 400 and r3.closes, r3
        c.expect_eof()
    assert_server_healthy(server, n=6)


def test_tls_client_hello_on_plain_port(server):
    hello = bytes.fromhex("160301020001000200fc03030000000000000000")
    assert_rejected(server, hello + b"\x00" * 64, 400)


def test_many_bad_connections_do_not_disturb_a_good_one(server):
    payloads = [REJECTED[k][0] for k in ("bare-lf", "missing-host", "te-gzip", "http-2.0",
                                         "duplicate-cl", "obs-fold")]
    with server.conn() as good:
        for i in range(60):
            with server.conn() as bad:
                bad.send(payloads[i % len(payloads)])
                r = bad.read_response(deadline=1)
                assert r.status >= 400 and r.closes, r
                bad.expect_eof()
            if i % 10 == 0:
                assert_ok(good.request(get(baseline(i, 1))), i + 1)
        assert_ok(good.request(get(baseline(7, 7))), 14)


def test_client_abort_mid_request(server):
    """Clients that vanish mid-head, mid-body or mid-pipeline (even with a
    reset) do not affect anyone else."""
    with server.conn() as good:
        for partial in (b"GET /pipe", b"POST /baseline11?a=1&b=1 HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Length: 10\r\n\r\n12", get("/pipeline") * 50):
            for reset in (False, True):
                c = server.conn()
                c.send(partial)
                if reset:
                    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.close()
        time.sleep(0.2)
        assert_ok(good.request(get(baseline(5, 5))), 10)
    assert_server_healthy(server, n=7)
