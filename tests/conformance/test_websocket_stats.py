"""WebSocket counters in the --stats / SIGUSR1 line: upgrades, frames and messages each
way, ping/pong, closes received, and close frames sent by code. One worker, so every
count is exact; each test compares the counters before and after its own traffic."""

import pytest

from conftest import start_server, stop_server
from server_stats import delta, parse_stats, stats_lines, stats_now
from wsclient import BINARY, CLOSE, CONT, PING, PONG, TEXT, WsConn, close_payload, frame, handshake_request, \
    upgraded

MAX_MESSAGE = 16 * 1024 * 1024  # [server.limits] ws_message in spec/arena.toml


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("ws-stats"), name="ws-stats", extra_args=("--workers", "1", "--stats"))
    yield srv
    stop_server(srv)


def test_every_counter_of_a_session(one_worker):
    before = stats_now(one_worker, 1)
    with upgraded(one_worker.port) as c:
        assert c.echo(TEXT, "a") == b"a"
        assert c.echo(BINARY, b"bb") == b"bb"
        c.send(frame(TEXT, "he", fin=False) + frame(CONT, "ll", fin=False) + frame(CONT, "o"))
        assert c.read_frame() == (True, TEXT, b"hello")
        c.send_frame(PING, b"p")
        assert c.read_frame() == (True, PONG, b"p")
        c.send_frame(PONG, b"unsolicited")
        assert c.echo(TEXT, "sync") == b"sync"  # the pong above has been read by now
        c.send_frame(CLOSE, close_payload(1000))
        c.expect_close(1000)
    after = stats_now(one_worker, 1)
    assert delta(after, before, "ws_") == {
        "ws_upgrades": 1,
        "ws_frames_in": 9,  # a, bb, 3 fragments, ping, pong, sync, close
        "ws_frames_out": 6,  # a, bb, hello, pong, sync, close
        "ws_messages_in": 4,
        "ws_messages_out": 4,
        "ws_pings_in": 1,
        "ws_pongs_out": 1,
        "ws_pongs_in": 1,
        "ws_closes_in": 1,
        "ws_closes_sent_1000": 1,
    }
    assert after["1xx"] - before["1xx"] == 1  # the 101


# (what the client sends after the upgrade, the close code the server answers, its counter)
CLOSES = [
    (frame(CLOSE, close_payload(1000)), 1000, "1000"),
    (frame(CLOSE, close_payload(1001)), 1001, "1001"),
    (frame(TEXT, "reserved bits", rsv=1), 1002, "1002"),
    (frame(TEXT, b"\xc3\x28"), 1007, "1007"),  # invalid UTF-8
    (frame(BINARY, b"", length=MAX_MESSAGE + 1), 1009, "1009"),
    (frame(CLOSE, close_payload(3000)), 3000, "other"),  # a peer's code, echoed
    (frame(CLOSE), None, "none"),
]


@pytest.mark.parametrize("data,code,kind", CLOSES, ids=[k for _, _, k in CLOSES])
def test_close_frames_sent_are_counted_by_code(one_worker, data, code, kind):
    before = stats_now(one_worker, 1)
    with upgraded(one_worker.port) as c:
        c.send(data)
        c.expect_close(code)
    after = stats_now(one_worker, 1)
    assert delta(after, before, "ws_closes_sent_") == {f"ws_closes_sent_{kind}": 1}
    assert after["ws_upgrades"] - before["ws_upgrades"] == 1


def test_refused_handshake_is_no_upgrade(one_worker):
    before = stats_now(one_worker, 1)
    with WsConn(one_worker.port, request=handshake_request(version=b"8")) as c:
        assert c.response.status == 426
    after = stats_now(one_worker, 1)
    assert delta(after, before, "ws_") == {}
    assert after["4xx"] - before["4xx"] == 1


def test_sigterm_1001_in_the_exit_stats(tmp_path):
    srv = start_server(tmp_path, name="ws-stats-exit", extra_args=("--workers", "1", "--stats"))
    conns = [upgraded(srv.port) for _ in range(3)]
    try:
        for c in conns:
            assert c.echo(TEXT, "x") == b"x"
        n = len(stats_lines(srv))
        srv.proc.terminate()
        for c in conns:
            c.expect_close(1001)
    finally:
        for c in conns:
            c.close()
        stop_server(srv, already_signalled=True)
    final = parse_stats(stats_lines(srv)[n:])
    assert final["ws_closes_sent_1001"] == 3
    assert final["ws_upgrades"] == 3 and final["ws_messages_in"] == 3 and final["ws_messages_out"] == 3
