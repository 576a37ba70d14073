"""WebSocket route /ws: the eight checks of the arena's validator (ARENA.md §3.20), the
load generator's exact exchange, and the opening handshake (RFC 6455 §4.2)."""

import os
import struct
import time

import pytest

from conftest import MAX_RESPONSE_HEAD, RawConn, check_response_head, get
from wsclient import (BINARY, CLOSE, TEXT, WsConn, accept_for, close_payload, frame, handshake_request,
                      upgraded)

# ---- ARENA.md §3.20 validate, checks 1-8 ------------------------------------------------


def test_1_upgrade_with_random_key_is_101(port):
    with WsConn(port) as c:
        assert c.response.status == 101, c.response
        assert b"101" in c.response.raw_head.split(b"\r\n")[0]


def test_2_accept_is_computed_from_the_key(port):
    with WsConn(port) as c:
        assert c.response.header("sec-websocket-accept") == accept_for(c.key)
        assert c.response.header("upgrade").lower() == "websocket"
        assert "upgrade" in c.response.tokens("connection")


def test_3_text_frame_echoed(port):
    msg = "HttpArena-validate-" + os.urandom(8).hex()
    with upgraded(port) as c:
        assert c.echo(TEXT, msg) == msg.encode()


def test_4_binary_256_bytes_echoed(port):
    data = os.urandom(256)  # 16-bit extended length
    with upgraded(port) as c:
        assert c.echo(BINARY, data) == data


def test_5_five_frames_back_to_back_echoed_in_order(port):
    msgs = [f"msg-{i}-{os.urandom(4).hex()}".encode() for i in range(5)]
    with upgraded(port) as c:
        c.send(b"".join(frame(TEXT, m) for m in msgs))  # one write, likely one segment
        for m in msgs:
            assert c.read_frame() == (True, TEXT, m)


def test_6_close_is_answered_with_close(port):
    with upgraded(port) as c:
        c.send_frame(CLOSE, close_payload(1000, b"validate done"))
        c.expect_close(1000)


def test_7_plain_get_is_400(port):
    with WsConn(port, request=get("/ws", b"Connection: keep-alive\r\n")) as c:
        assert c.response.status == 400, c.response
        check_response_head(c.response)


def test_8_health_echo_then_close(port):
    with upgraded(port) as c:
        assert c.echo(TEXT, "health") == b"health"
        c.send_frame(CLOSE, close_payload(1000))
        c.expect_close(1000)


# ---- the load generator's exchange (ARENA.md §3.20 bench) --------------------------------


def test_gcannon_fixed_key_and_hello_frames(port):
    req = (b"GET /ws HTTP/1.1\r\nHost: localhost:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    hello = bytes([0x81, 0x85, 0x12, 0x34, 0x56, 0x78]) + bytes(
        b ^ m for b, m in zip(b"hello", b"\x12\x34\x56\x78\x12"))
    with WsConn(port, request=req) as c:
        head = c.response.raw_head
        assert c.response.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        assert len(head) < MAX_RESPONSE_HEAD and len(c.response.headers) <= 16
        # 101 carries no body: neither Content-Length nor chunked (ARENA.md §1.3).
        assert c.response.header("content-length") is None
        assert c.response.header("transfer-encoding") is None
        for _ in range(3):
            c.send(hello)
            assert c.http._read_exact(7, time.monotonic() + 5) == bytes([0x81, 0x05]) + b"hello"


def test_readiness_probe_any_http_answer(port):
    with WsConn(port, request=get("/ws")) as c:
        assert 400 <= c.response.status < 500


# ---- handshake ----------------------------------------------------------------------------


def test_first_frame_in_the_same_write_as_the_handshake(port):
    """Bytes behind the head in one receive are frames, not lost."""
    with WsConn(port, first=frame(TEXT, "early") + frame(BINARY, b"\x00\x01")) as c:
        assert c.response.status == 101
        assert c.read_frame() == (True, TEXT, b"early")
        assert c.read_frame() == (True, BINARY, b"\x00\x01")


def test_handshake_split_byte_by_byte_then_frames(port):
    req = handshake_request() + frame(TEXT, "split")
    with RawConn(port) as raw:
        for i in range(len(req)):
            raw.send(req[i:i + 1])
        r = raw.read_response(check=False)
        assert r.status == 101
        assert raw._read_exact(7, time.monotonic() + 5) == bytes([0x81, 0x05]) + b"split"


@pytest.mark.parametrize("connection", [b"Upgrade", b"upgrade", b"keep-alive, Upgrade", b"Upgrade , close"])
def test_connection_is_a_token_list(port, connection):
    with WsConn(port, request=handshake_request(connection=connection)) as c:
        assert c.response.status == 101, c.response
        assert c.echo(TEXT, "t") == b"t"


@pytest.mark.parametrize("version", [b"8", b"12", b"14", b"13, 8", b""])
def test_other_versions_are_426_with_our_version(port, version):
    with WsConn(port, request=handshake_request(version=version)) as c:
        r = c.response
        assert r.status == 426, r
        assert r.header("sec-websocket-version") == "13"
        assert r.header("upgrade").lower() == "websocket"
        check_response_head(r)


def test_missing_version_is_426(port):
    with WsConn(port, request=handshake_request(version=None)) as c:
        assert c.response.status == 426


@pytest.mark.parametrize("what, kw", [
    ("no Upgrade", dict(upgrade=None)),
    ("Upgrade: h2c", dict(upgrade=b"h2c")),
    ("no Connection", dict(connection=None)),
    ("Connection: keep-alive", dict(connection=b"keep-alive")),
    ("no key", dict(key=b"")),
    ("key of 15 bytes", dict(key=b"AAAAAAAAAAAAAAAAAAAA")),
    ("key of 17 bytes", dict(key=b"AAAAAAAAAAAAAAAAAAAAAAA=")),
    ("key not base64", dict(key=b"!!!!!!!!!!!!!!!!!!!!!!==")),
    ("key with stray bits", dict(key=b"AAAAAAAAAAAAAAAAAAAAAB==")),
])
def test_bad_handshakes_are_400(port, what, kw):
    with WsConn(port, request=handshake_request(**kw)) as c:
        assert c.response.status == 400, (what, c.response)
        check_response_head(c.response)


def test_http10_handshake_is_400(port):
    req = handshake_request().replace(b"HTTP/1.1", b"HTTP/1.0", 1)
    with WsConn(port, request=req) as c:
        assert c.response.status == 400


def test_post_is_405(port):
    req = handshake_request().replace(b"GET", b"POST", 1)
    with WsConn(port, request=req) as c:
        assert c.response.status == 405
        assert "GET" in c.response.header("allow")


def test_connection_stays_http_after_a_refused_handshake(port):
    with WsConn(port, request=handshake_request(version=b"8")) as c:
        assert c.response.status == 426
        c.send(get("/pipeline"))
        r = c.http.read_response()
        assert (r.status, r.body) == (200, b"ok")


def test_upgrade_after_pipelined_http_requests(port):
    """HTTP responses queued before the 101 go out first, in order."""
    with WsConn(port, request=get("/pipeline") + get("/pipeline") + handshake_request(),
                first=frame(TEXT, "after")) as c:
        assert (c.response.status, c.response.body) == (200, b"ok")
        assert c.http.read_response().status == 200
        assert c.http.read_response(check=False).status == 101
        assert c.read_frame() == (True, TEXT, b"after")


def test_close_code_echoed_for_each_valid_code(port):
    for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999):
        with upgraded(port) as c:
            c.send_frame(CLOSE, struct.pack("!H", code) + b"bye")
            c.expect_close(code)
