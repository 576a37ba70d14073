"""[server.limits] buffered: one per-worker budget for every byte held for clients (JSON
bodies, WebSocket message reassembly, queued output, spills), against a one-worker server
built from specs/buffer_budget/buffer_budget.toml (a 64 KiB budget, output_queue 48 KiB).
Two 40 000-byte bodies or fragments at once do not fit: the second gets 503 + Retry-After
(JSON) or close 1013 (WebSocket), the first completes, and once it has the budget is free
again.  Output queued for clients that do not read is charged too: at the budget such a
connection pauses (before its own output_queue), and a body is refused meanwhile.  (The
WebSocket echo of clients that never read is tests/stress/test_buffer_budget.py.)"""

import struct
import threading
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


# --------------------------------------------------------------------------
# Output held for clients that do not read counts against the same budget.

REQUESTS = 20000  # ~22 MB of answers per connection: more than the kernel buffers hold
PAD = b"." * 1000  # the /filler/{i} answer: PAD then i


class UnreadPipeline:
    """An HTTP/1.1 client that pipelines REQUESTS GETs from a thread and reads
    nothing until told to: the server's answers pile up in its output queue."""

    def __init__(self, srv):
        self.conn = srv.conn(timeout=30)
        blob = b"".join(b"GET /filler/%d HTTP/1.1\r\nHost: s\r\n\r\n" % i for i in range(REQUESTS))
        self.error = None
        self.thread = threading.Thread(target=self._send, args=(blob,), daemon=True)
        self.thread.start()

    def _send(self, blob):
        try:
            self.conn.sock.sendall(blob)
        except OSError as e:
            self.error = e

    def read_all(self):
        """Every answer, whole and in order; then the sender has finished."""
        for i in range(REQUESTS):
            resp = self.conn.read_response(deadline=20, check=False)  # held on purpose: Date is old
            assert (resp.status, resp.body) == (200, PAD + b"%d" % i), (i, resp)
        self.thread.join(20)
        assert not self.thread.is_alive() and self.error is None, self.error

    def close(self):
        self.conn.close()


def test_unread_output_is_charged_and_pauses_at_the_budget(srv):
    before = stats_now(srv, 1)
    a = UnreadPipeline(srv)
    b = UnreadPipeline(srv)
    try:
        # Neither is read: both stop (backpressure), at the latest when the budget is
        # spent, one of them before its own output_queue (49152) is full.
        st = stats_until(srv, 1, lambda s: s.get("budget_pauses", 0) > before.get("budget_pauses", 0)
                         and s["backpressure_pauses"] - before["backpressure_pauses"] >= 2
                         and s["buffered_bytes"] >= 65536, timeout=20)
        assert st.get("budget_pauses", 0) - before.get("budget_pauses", 0) >= 1, st
        assert st.get("buffered_output", 0) > 0 and st["buffered_bytes"] >= 65536, st  # charged while held
        # Bounded (buffer_budget.h): the budget, plus per connection one step of output
        # (an answer, in a chunk of at most 16 KiB) and what lands after its pause (the
        # spill's bound: head 16384 + one recv budget 16 x 2048 + one buffer 2048).
        assert st["buffered_bytes"] <= 65536 + 2 * (16384 + 51200), st
        # A body that would fit an empty budget is refused: the queued output holds it.
        with srv.conn() as other:
            resp = other.request(head(SIZE) + ping_body(3), method="POST")
            assert resp.status == 503 and resp.header("retry-after") == "1", resp
        a.read_all()
        b.read_all()
    finally:
        a.close()
        b.close()
    after = stats_until(srv, 1, lambda s: s["buffered_bytes"] == 0 and s["open"] == 0, timeout=5)
    assert after["buffered_bytes"] == 0 and after.get("buffered_output") == 0, after
    assert after["2xx"] - before["2xx"] == 2 * REQUESTS, after
    with srv.conn() as other:  # given back with the output
        resp = other.request(head(SIZE) + ping_body(4), method="POST")
        assert (resp.status, resp.body) == (200, b"n=4"), resp


def test_stats_show_the_held_bytes_per_kind(srv):
    st = stats_now(srv, 1)
    kinds = ("buffered_output", "buffered_input", "buffered_messages", "buffered_bodies", "buffered_h2", "buffered_db")
    assert all(k in st for k in kinds), st
    assert st["buffered_bytes"] == sum(st[k] for k in kinds), st
    assert st["buffered_peak"] >= SIZE, st  # the earlier tests held a 40 000-byte body
