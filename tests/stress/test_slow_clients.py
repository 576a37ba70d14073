"""Clients that read too slowly or write too slowly.

slow reader: 100 connections pipeline requests without ever reading.  Each
must be paused at its output cap (backpressure: no parsing, no receiving),
so the server's RSS stays under connections x output cap + 16 MiB, and a
well-behaved client is still answered meanwhile.

slowloris: 1000 connections each send one header byte every few seconds.
The header deadline runs from a request's first byte, so each gets 408 and
is closed at the deadline however it trickles; others are unaffected."""

import selectors
import socket
import threading
import time

from conftest import ASAN, MIB, OUTPUT_CAP, report, rss_bytes, scaled
from clients import take_responses

REQ = b"GET /pipeline HTTP/1.1\r\nHost: s\r\n\r\n"


class Bystander(threading.Thread):
    """One keep-alive client doing request/response round trips; records
    every latency and any failure."""

    def __init__(self, port, seconds):
        super().__init__(daemon=True)
        self.port, self.seconds = port, seconds
        self.latencies, self.errors = [], []

    def run(self):
        end = time.monotonic() + self.seconds
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        buf = b""
        try:
            while time.monotonic() < end and len(self.latencies) < 100000:
                t0 = time.monotonic()
                s.sendall(b"GET /baseline11?a=%d&b=1 HTTP/1.1\r\nHost: s\r\n\r\n" % len(self.latencies))
                got = []
                while not got:
                    chunk = s.recv(4096)
                    if not chunk:
                        raise ConnectionError("EOF")
                    buf += chunk
                    got, buf = take_responses(buf)
                want = b"%d" % (len(self.latencies) + 1)
                if got[0] != (200, want):
                    self.errors.append(f"got {got[0]!r}, want {want!r}")
                self.latencies.append(time.monotonic() - t0)
                time.sleep(0.02)
        except OSError as e:
            self.errors.append(repr(e))
        finally:
            s.close()

    def summary(self):
        lat = sorted(self.latencies) or [0.0]
        return {"bystander_requests": len(self.latencies), "bystander_p99_ms": round(
            lat[int(len(lat) * 0.99) - 1 if len(lat) > 1 else 0] * 1000, 1),
            "bystander_max_ms": round(lat[-1] * 1000, 1)}


def test_slow_reader(stressed, monkeypatch):
    conns, seconds = 100, scaled(6, 30)
    # ASan keeps 256 MiB of freed blocks in quarantine by default: that would
    # measure ASan, not us.  A small quarantine still catches use-after-free
    # of recently freed chunks.
    monkeypatch.setenv("ASAN_OPTIONS", "quarantine_size_mb=1")
    # The write timeout would drop the stalled output; keep it out of the way
    # so the pressure lasts the whole run.
    srv = stressed("--write-timeout", str(seconds + 30))
    block = REQ * 2000  # 72 KB of requests per send attempt
    socks = []
    for _ in range(conns):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.setblocking(False)
        socks.append(s)
    by = Bystander(srv.port, seconds)
    by.start()
    sent, rss_max = 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in socks:
            try:
                sent += s.send(block)
            except BlockingIOError:
                pass
        rss_max = max(rss_max, rss_bytes(srv.pid))
        time.sleep(0.05)
    by.join(10)
    st = srv.stats_settled(conns)  # the bystander's close may not have reached the server yet
    for s in socks:
        s.close()  # unread answers pending: the kernel resets them
    st_after, fds = srv.wait_quiet()
    final = srv.stop()
    bound = conns * OUTPUT_CAP + 16 * MIB
    report("slow_reader", connections=conns, seconds=seconds, bytes_sent=sent,
           rss_before_kib=srv.rss_before // 1024, rss_max_kib=rss_max // 1024, bound_kib=bound // 1024,
           backpressure_pauses=final["backpressure_pauses"], open_during=st["open"],
           fds_before=srv.fds_before, fds_after=fds, **by.summary())
    assert st["backpressure_pauses"] >= conns, st
    assert st["open"] == conns, "a slow reader was dropped before its write timeout"
    # What the clients make the server hold is the growth over its idle RSS (the
    # idle RSS is mostly shared-library pages: libcrypto, libpq and their
    # dependencies are ~7 MiB of it since TLS and Postgres were linked in).
    # ASan's shadow memory, redzones and allocator caches are not ours: there,
    # bound the growth by twice the budget.
    grown = rss_max - srv.rss_before
    assert grown < (2 if ASAN else 1) * bound, f"RSS {rss_max / MIB:.1f} MiB (before {srv.rss_before / MIB:.1f})"
    assert not by.errors and len(by.latencies) > 10, by.errors
    assert max(by.latencies) < 1.0, by.summary()
    assert fds == srv.fds_before and st_after["open"] == 0
    assert final["stale_cqes"] == 0


def test_slowloris(stressed):
    conns = 1000
    timeout, every = scaled((2, 0.5), (10, 5))
    srv = stressed("--header-timeout", str(timeout))
    trickle = b"GET /pipeline HTTP/1.1\r\nHost: s\r\nX-Slow: " + b"a" * 4000
    sel = selectors.DefaultSelector()
    state = {}
    for i in range(conns):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.setblocking(False)
        state[s] = {"pos": 0, "first": None, "buf": b"", "closed": None}
        sel.register(s, selectors.EVENT_READ)
    by = Bystander(srv.port, timeout + 2 * every + 1)
    by.start()
    end = time.monotonic() + timeout + 2 * every + 3
    next_tick = 0.0
    while time.monotonic() < end and any(v["closed"] is None for v in state.values()):
        now = time.monotonic()
        if now >= next_tick:  # one more byte on every open connection
            next_tick = now + every
            for s, v in state.items():
                if v["closed"] is None and v["pos"] < len(trickle):
                    try:
                        s.send(trickle[v["pos"]:v["pos"] + 1])
                        v["pos"] += 1
                        v["first"] = v["first"] or time.monotonic()
                    except OSError:
                        pass  # closed under us: the read side reports it
        for key, _ in sel.select(timeout=0.05):
            s, v = key.fileobj, state[key.fileobj]
            try:
                chunk = s.recv(4096)
            except OSError:
                chunk = b""
            if chunk:
                v["buf"] += chunk
            else:
                v["closed"] = time.monotonic()
                sel.unregister(s)
    by.join(10)
    lifetimes = [v["closed"] - v["first"] for v in state.values() if v["closed"] and v["first"]]
    got_408 = sum(1 for v in state.values() if v["buf"].startswith(b"HTTP/1.1 408 "))
    open_left = sum(1 for v in state.values() if v["closed"] is None)
    for s in state:
        s.close()
    st, fds = srv.wait_quiet()
    final = srv.stop()
    report("slowloris", connections=conns, header_timeout_s=timeout, byte_every_s=every, got_408=got_408,
           still_open=open_left, min_life_s=round(min(lifetimes), 2), max_life_s=round(max(lifetimes), 2),
           timeouts_header=final["timeouts_header"], fds_before=srv.fds_before, fds_after=fds,
           **by.summary())
    assert open_left == 0 and got_408 == conns
    assert min(lifetimes) > timeout - 0.3 and max(lifetimes) < timeout + 1.5, (min(lifetimes), max(lifetimes))
    assert final["timeouts_header"] >= conns and final["parse_errors_408"] >= conns
    assert not by.errors and max(by.latencies) < 1.0, (by.errors, by.summary())
    assert fds == srv.fds_before and st["open"] == 0
    assert final["stale_cqes"] == 0
