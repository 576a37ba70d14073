"""Many connections: held idle, or opened and closed at full rate.

idle: 16384 keep-alive connections, each after one answered request, held
by one worker: RSS <= 24 MiB (no per-connection buffers at rest), and every
one of them is closed at the idle timeout.

accept storm: one request per connection at full rate (bench/loadgen -r 1):
no errors, every answer right, no fd leak, accepted == closed."""

import json
import selectors
import socket
import subprocess
import time
from pathlib import Path

from conftest import ASAN, MIB, fd_count, raise_nofile, raise_sysctls, report, rss_bytes, scaled

REPO = Path(__file__).resolve().parents[2]
LOADGEN = REPO / "bench" / "loadgen" / "loadgen"


def open_idle(port, n, batch=1000, timeout=30):
    """n connections, each with one answered request; returns the sockets."""
    socks, deadline = [], time.monotonic() + timeout
    req = b"GET /pipeline HTTP/1.1\r\nHost: s\r\n\r\n"
    want = b"HTTP/1.1 200 "
    while len(socks) < n and time.monotonic() < deadline:
        group = []
        for _ in range(min(batch, n - len(socks))):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            group.append(s)
        sel = selectors.DefaultSelector()
        for s in group:
            sel.register(s, selectors.EVENT_WRITE)
        pending = set(group)
        while pending and time.monotonic() < deadline:
            for key, ev in sel.select(timeout=1):
                s = key.fileobj
                if ev & selectors.EVENT_WRITE:
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    assert err == 0, f"connect failed: {err}"
                    s.send(req)
                    sel.modify(s, selectors.EVENT_READ)
                else:
                    data = s.recv(4096)
                    assert data.startswith(want) and data.endswith(b"ok"), data
                    sel.unregister(s)
                    pending.discard(s)
        sel.close()
        assert not pending, f"{len(pending)} connections unanswered"
        socks += group
    assert len(socks) == n, f"opened {len(socks)} of {n} within {timeout}s"
    return socks


def test_idle_keep_alive(stressed):
    hard = raise_nofile()
    raise_sysctls()
    n = min(16384, hard - 512)
    # Long enough that all n connections are open before the first expires, even when the
    # machine is busy (an ASan server under load took 5.4 s to accept 16384).
    idle = scaled(8, 10)
    srv = stressed("--idle-timeout", str(idle), "--max-connections", "20000", workers=1)
    t0 = time.monotonic()
    socks = open_idle(srv.port, n)
    opened_s = time.monotonic() - t0
    opened_at = time.monotonic()
    st = srv.stats()
    rss = rss_bytes(srv.pid)
    fds_held = fd_count(srv.pid)
    # Every connection must now be closed by the server at the idle timeout.
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed, deadline = [], opened_at + idle + 5
    while len(closed) < n and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            try:
                data = key.fileobj.recv(64)
            except OSError:
                data = b""
            assert data == b"", f"bytes on an idle connection: {data!r}"
            closed.append(time.monotonic())
            sel.unregister(key.fileobj)
    sel.close()
    for s in socks:
        s.close()
    st_after, fds = srv.wait_quiet()
    final = srv.stop()
    report("idle", connections=n, opened_in_s=round(opened_s, 1), rss_before_kib=srv.rss_before // 1024,
           rss_held_kib=rss // 1024, fds_before=srv.fds_before, fds_held=fds_held, fds_after=fds,
           closed_by_server=len(closed), first_close_s=round(min(closed) - opened_at, 2) if closed else None,
           last_close_s=round(max(closed) - opened_at, 2) if closed else None, idle_timeout_s=idle,
           timeouts_idle=final["timeouts_idle"], open_after_opening=st["open"])
    # Under load opening n connections can outlast the idle timeout (21.2 s for an ASan
    # server at load 9, timeout 8 s): the first ones are then already closed, by that timer.
    # Every connection was accepted and is either still open or ended by the idle timer.
    assert st["open"] + st["timeouts_idle"] == n, st
    if not ASAN:  # ASan's shadow memory is not ours
        assert rss <= 24 * MIB, f"RSS {rss / MIB:.1f} MiB with {n} idle connections"
    assert len(closed) == n, f"{n - len(closed)} idle connections outlived the idle timeout"
    # opened_at is after the last one opened: the first ones close earlier.
    assert max(closed) - opened_at < idle + 1.5
    assert final["timeouts_idle"] >= n
    assert fds == srv.fds_before and st_after["open"] == 0
    assert final["stale_cqes"] == 0


def test_accept_storm(stressed, tmp_path):
    assert LOADGEN.is_file(), "build bench/loadgen first (make -C bench/loadgen)"
    raise_sysctls()
    seconds = scaled(5, 60)
    srv = stressed()
    out = tmp_path / "storm.json"
    p = subprocess.run(
        [str(LOADGEN), f"http://127.0.0.1:{srv.port}/baseline11?a=20&b=22", "-c", "64", "-t", "1",
         "-d", str(seconds), "-r", "1", "--expect-body", "url:42", "--json", str(out), "-q"],
        capture_output=True, timeout=seconds + 60)
    assert p.returncode == 0, p.stderr.decode()
    r = json.loads(out.read_text())
    st, fds = srv.wait_quiet()
    final = srv.stop()
    report("accept_storm", seconds=seconds, responses=r["responses"], conn_per_s=round(r["requests_per_sec"]),
           errors=r["errors"], status_2xx=r["status_2xx"], accepted=final["accepted"], closed=final["closed"],
           accept_errors=final["accept_errors"], stale_cqes=final["stale_cqes"],
           fds_before=srv.fds_before, fds_after=fds)
    assert r["responses"] > 1000
    assert all(v == 0 for v in r["errors"].values()), r["errors"]
    assert r["status_2xx"] == r["responses"]
    assert final["accept_errors"] == 0 and final["refused_full"] == 0
    assert final["accepted"] == final["closed"] >= r["responses"]
    assert fds == srv.fds_before and st["open"] == 0
    assert final["stale_cqes"] == 0
