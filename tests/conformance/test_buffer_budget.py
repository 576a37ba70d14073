"""[server.limits] buffered: one per-worker budget for request data held in memory (JSON
bodies, WebSocket message reassembly), against a one-worker server built from
specs/buffer_budget/buffer_budget.toml (a 64 KiB budget).  Two 40 000-byte bodies or
fragments at once do not fit: the second gets 503 + Retry-After (JSON) or close 1013
(WebSocket), the first completes, and once it has the budget is free again."""

import struct
from pathlib import Path

import pytest

from conftest import build_spec_server, start_server, stop_server
from server_stats import stats_now, stats_until
from wsclient import BINARY, CONT, upgraded

HERE = Path(__file__).resolve().parent
SPEC = HERE / "specs" / "buffer_budget" / "buffer_budget.toml"
SIZE = 40000  # within body_limit (49152); two of them are over the budget (65536)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    binary = build_spec_server(SPEC, tmp_path_factory.mktemp("buffer-budget-build"))
    server = start_server(tmp_path_factory.mktemp("buffer-budget"), name="buffer_budget", binary=binary,
                          extra_args=("--workers", "1", "--stats"))
    yield server
    assert server.alive(), server.stderr()[-3000:]
    stop_server(server)


def ping_body(n):
    """A valid Ping body padded with JSON whitespace to SIZE bytes."""
    text = b'{"n": %d}' % n
    return text[:-1] + b" " * (SIZE - len(text)) + b"}"


def head(length):
    return (b"POST /ping HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % length)


def wait_buffered(srv, at_least):
    st = stats_until(srv, 1, lambda s: s["buffered_bytes"] >= at_least)
    assert st["buffered_bytes"] >= at_least, st
    return st


def test_second_json_body_over_the_budget_is_503_then_the_budget_is_released(srv):
    before = stats_now(srv, 1)
    assert before["buffered_bytes"] == 0, before
    body = ping_body(7)
    with srv.conn() as first, srv.conn() as second:
        first.send(head(SIZE) + body[:100])  # the buffer is sized from Content-Length: SIZE charged
        wait_buffered(srv, SIZE)
        resp = second.request(head(SIZE) + body, method="POST")
        assert resp.status == 503, resp
        assert resp.header("retry-after") == "1", resp
        assert resp.closes, resp
        second.expect_eof()
        first.send(body[100:])
        resp = first.read_response(method="POST")
        assert (resp.status, resp.body) == (200, b"n=7"), resp
    after = stats_until(srv, 1, lambda s: s["buffered_bytes"] == 0)
    assert after["buffered_bytes"] == 0, after
    assert after["budget_refused_bodies"] - before["budget_refused_bodies"] == 1, after
    with srv.conn() as third:  # the first body's bytes were given back
        resp = third.request(head(SIZE) + ping_body(9), method="POST")
        assert (resp.status, resp.body) == (200, b"n=9"), resp


def test_a_body_cut_off_by_the_client_releases_its_bytes(srv):
    body = ping_body(1)
    with srv.conn() as first:
        first.send(head(SIZE) + body[:100])
        wait_buffered(srv, SIZE)
    # The client went away mid-body: teardown gives the bytes back.
    st = stats_until(srv, 1, lambda s: s["buffered_bytes"] == 0)
    assert st["buffered_bytes"] == 0, st


def test_second_websocket_fragment_over_the_budget_is_1013_then_the_budget_is_released(srv):
    before = stats_now(srv, 1)
    a, b = upgraded(srv.port), upgraded(srv.port)
    try:
        a.send_frame(BINARY, b"a" * SIZE, fin=False)  # assembly buffer: doubled from 256 to 64 KiB
        wait_buffered(srv, SIZE)
        b.send_frame(BINARY, b"b" * SIZE, fin=False)
        fin, op, data = b.read_frame()
        assert (fin, op) == (True, 0x8), (fin, op, data[:80])
        assert struct.unpack("!H", data[:2])[0] == 1013, data
        a.send_frame(CONT, b"c" * 10, fin=True)
        fin, op, data = a.read_frame()
        assert (fin, op, data) == (True, BINARY, b"a" * SIZE + b"c" * 10)
    finally:
        a.close()
        b.close()
    after = stats_until(srv, 1, lambda s: s["buffered_bytes"] == 0 and s["open"] == 0, timeout=5)
    assert after["buffered_bytes"] == 0, after
    assert after["budget_refused_messages"] - before["budget_refused_messages"] == 1, after
    assert after["ws_closes_sent_1013"] - before["ws_closes_sent_1013"] == 1, after
    c = upgraded(srv.port)  # the first message's buffer was given back
    try:
        c.send_frame(BINARY, b"d" * SIZE, fin=False)
        c.send_frame(CONT, b"e", fin=True)
        fin, op, data = c.read_frame()
        assert (fin, op, data) == (True, BINARY, b"d" * SIZE + b"e")
    finally:
        c.close()
