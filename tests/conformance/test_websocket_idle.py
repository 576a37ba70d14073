"""An idle WebSocket (no frame for the idle timeout) is closed with a close frame, not
a reset: 1001 "going away" with the reason "idle timeout" (ws_conn.c says why 1001),
then the close handshake, or the linger bound when the peer never answers. Each test
runs its own one-worker server with a 0.5 s idle timeout."""

import asyncio
import struct
import time

import pytest
import websockets

from conftest import start_server, stop_server
from server_stats import stats_now, stats_until
from wsclient import CLOSE, PING, PONG, TEXT, close_payload, upgraded

IDLE = 0.5
LINGER = 2.0  # RS_LINGER_MS in runtime/core/conn_lifecycle.h


@pytest.fixture
def idle_server(tmp_path):
    srv = start_server(tmp_path, name="ws-idle", idle_timeout=IDLE, extra_args=("--workers", "1", "--stats"))
    yield srv
    stop_server(srv)


def read_idle_close(c):
    """Waits for the idle close; returns the seconds it took."""
    t0 = time.monotonic()
    fin, op, data = c.read_frame(deadline=IDLE + 5)
    waited = time.monotonic() - t0
    assert (fin, op) == (True, CLOSE), (fin, op, data[:80])
    assert struct.unpack("!H", data[:2])[0] == 1001, data
    assert data[2:] == b"idle timeout", data
    return waited


def test_idle_close_then_close_handshake(idle_server):
    c = upgraded(idle_server.port)
    try:
        assert c.echo(TEXT, "x") == b"x"
        waited = read_idle_close(c)
        assert IDLE * 0.8 <= waited < IDLE + 3, waited
        c.send_frame(CLOSE, close_payload(1001))  # the client's half of the handshake
        c.expect_eof()  # the server closes the TCP connection first (RFC 6455 §7.1.1)
    finally:
        c.close()
    st = stats_until(idle_server, 1, lambda s: s["open"] == 0, timeout=LINGER)
    assert st["open"] == 0, st
    assert st["ws_closes_sent_1001"] == 1 and st["timeouts_idle"] == 1, st


def test_silent_peer_is_closed_after_the_linger_bound(idle_server):
    c = upgraded(idle_server.port)
    try:
        read_idle_close(c)
        c.expect_eof()  # the close frame came with the write side shut
        t0 = time.monotonic()
        # Neither a close reply nor our FIN: the server gives up after the linger bound.
        st = stats_until(idle_server, 1, lambda s: s["open"] == 0, timeout=LINGER + 3)
        assert st["open"] == 0, f"still open {time.monotonic() - t0:.1f} s after the idle close: {st}"
        assert st["timeouts_linger"] == 1, st
    finally:
        c.close()


def test_frames_keep_a_websocket_from_idling(idle_server):
    with upgraded(idle_server.port) as c:
        end = time.monotonic() + 3 * IDLE
        while time.monotonic() < end:
            c.send_frame(PING, b"alive")
            assert c.read_frame() == (True, PONG, b"alive")  # never the close
            time.sleep(IDLE / 4)
        assert stats_now(idle_server, 1)["ws_closes_sent_1001"] == 0
        read_idle_close(c)


def test_library_client_sees_1001_idle_timeout(idle_server):
    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{idle_server.port}/ws") as ws:
            await ws.send("hi")
            assert await ws.recv() == "hi"
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            return ws.close_code, ws.close_reason

    code, reason = asyncio.run(asyncio.wait_for(session(), 10))
    assert (code, reason) == (1001, "idle timeout")
