"""WebSocket traffic: a real client library (python3-websockets) for normal use, and
backpressure: a client that sends without reading is paused at the output cap with its
memory bounded, while other clients keep being served."""

import asyncio
import os
import signal
import threading
import time

import pytest
import websockets

from conftest import server_binary, start_server, stop_server
from wsclient import BINARY, TEXT, frame, rss_kib, send_nonblocking, upgraded

OUTPUT_CAP = 65536  # [server.limits] output_queue in spec/arena.toml


def sanitized():
    """ASan keeps freed memory in quarantine and maps shadow pages, so RSS measures ASan
    there, not the server: the memory bound is asserted on the release build only."""
    return b"__asan_init" in server_binary().read_bytes()


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


# ---- python3-websockets ----------------------------------------------------------------------


def test_library_client_text_binary_ping_close(server):
    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws", max_size=None) as ws:
            for msg in ["hello", "\u00e9t\u00e9 \U0001f600", "x" * 70000, b"\x00\xff" * 5000, b""]:
                await ws.send(msg)
                assert await ws.recv() == msg
            latency = await (await ws.ping(b"lib"))
            assert latency >= 0
            await ws.close(code=1000, reason="done")
            assert ws.close_code == 1000
    run(session())


def test_library_client_fragmented_message(server):
    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
            await ws.send(["frag", "men", "ted"])  # an iterable is sent as fragments
            assert await ws.recv() == "fragmented"
    run(session())


def test_library_clients_concurrently(server):
    async def one(i):
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
            for j in range(50):
                msg = f"client {i} message {j}"
                await ws.send(msg)
                assert await ws.recv() == msg

    async def many():
        await asyncio.gather(*(one(i) for i in range(50)))
    run(many())


def test_library_client_pipelined_depth_16(server):
    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
            for _ in range(20):
                for k in range(16):
                    await ws.send(f"m{k}")
                for k in range(16):
                    assert await ws.recv() == f"m{k}"
    run(session())


# ---- backpressure ------------------------------------------------------------------------------


@pytest.fixture
def fresh_server(tmp_path):
    """One worker of its own, so its RSS is this test's alone."""
    srv = start_server(tmp_path, name="ws-backpressure", extra_args=("--workers", "1"))
    yield srv
    stop_server(srv)


def echo_latency(port, msg=b"probe"):
    with upgraded(port) as c:
        t0 = time.monotonic()
        data = c.echo(TEXT, msg)
        elapsed = time.monotonic() - t0
        assert data == msg
        return elapsed


def warm_up(port, megabytes=24):
    """Touches the receive buffers and chunk pools a busy server uses anyway."""
    block = os.urandom(60000)
    with upgraded(port) as c:
        for _ in range(megabytes * 1000000 // len(block)):
            assert c.echo(BINARY, block) == block


def test_slow_reader_is_paused_with_bounded_memory(fresh_server):
    port, pid = fresh_server.port, fresh_server.proc.pid
    warm_up(port)
    baseline = rss_kib(pid)

    total = 100 * 1000 * 1000
    msg = os.urandom(16000)
    stream = frame(BINARY, msg) * (total // (len(msg) + 14))
    peak = [baseline]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    slow = upgraded(port)
    try:
        # Sends 100 MB and reads nothing; stops when the server stops taking bytes.
        sent = send_nonblocking(slow.sock, stream, deadline=time.monotonic() + 20, stall=1.0)
        assert sent < len(stream), "the server read 100 MB from a client that never read its echoes"
        # Paused: another client is answered at once.
        latencies = [echo_latency(port) for _ in range(5)]
        assert max(latencies) < 0.1, f"echo latencies while a client is paused: {latencies}"
        # And the slow client's memory stays bounded.
        time.sleep(0.2)
        stop.set()
        sampler.join()
        growth = peak[0] - baseline
        print(f"slow reader: sent {sent} of {len(stream)} bytes, RSS {baseline} KiB + {growth} KiB")
        assert sanitized() or growth <= (OUTPUT_CAP + 4 * 1024 * 1024) // 1024, \
            f"server RSS grew by {growth} KiB (sent {sent} bytes unread)"
        # Once the client reads, everything it was owed arrives, in order.
        slow.sock.settimeout(5)
        owed = sent // (len(msg) + 14)
        for _ in range(min(owed, 50)):
            assert slow.read_frame(deadline=5) == (True, BINARY, msg)
    finally:
        stop.set()
        sampler.join()
        slow.close()
    assert echo_latency(port) < 0.1


def test_sigterm_closes_websockets_with_1001(tmp_path):
    srv = start_server(tmp_path, name="ws-sigterm")
    try:
        c = upgraded(srv.port)
        assert c.echo(TEXT, "before") == b"before"
        srv.proc.send_signal(signal.SIGTERM)
        c.expect_close(1001)
        c.close()
    finally:
        stop_server(srv, already_signalled=True)
