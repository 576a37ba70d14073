"""io-wq worker threads under clients that half-close and never read.

Accepted sockets are blocking, so a ring send the kernel cannot finish at once goes to
one of the ring's io-wq worker threads and sleeps there until the peer reads.  A peer
that half-closed (shutdown(SHUT_WR)) sends every such send there: its EPOLLRDHUP wakes
the send's internal poll at once and the retry still finds the socket buffer full.
Without a cap the kernel starts one thread per such connection (64 connections, 64
threads).  runtime/core/reactor.c caps them per ring (RS_IOWQ_MAX_UNBOUNDED = 8): the
threads stay bounded, fresh clients are still answered at once (their sends complete
without io-wq), and the write timeout still aborts every stalled connection (its queued
or sleeping send is cancelled) so all slots close."""

import os
import socket
import time

from conftest import report, scaled

JSON_REQ = b"GET /json/50?m=1 HTTP/1.1\r\nHost: s\r\n\r\n"
PROBE_REQ = b"GET /baseline11?a=13&b=42 HTTP/1.1\r\nHost: s\r\n\r\n"
IOWQ_CAP = 8  # RS_IOWQ_MAX_UNBOUNDED in runtime/core/reactor.c (one worker, one ring)
STALLED = 64  # reliably one io-wq send per connection without the cap
WRITE_TIMEOUT = 6  # seconds: ends the stalled connections after the sampling window


def iowq_threads(pid):
    """Threads of pid that are io-wq workers (the kernel names them iou-wrk-<tid>)."""
    n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                n += f.read().startswith("iou-wrk")
        except OSError:
            pass  # the thread exited while we listed
    return n


def half_closed_non_reader(port):
    """Pipelines 1500 /json/50 (12 MB of responses), half-closes, and never reads."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    try:
        s.send(JSON_REQ * 1500)  # 57 KB: our socket buffer takes it all, this never blocks
    except BlockingIOError:
        pass
    s.shutdown(socket.SHUT_WR)
    return s


def probe(port):
    """One request on a fresh connection: (seconds to the answer, body)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(PROBE_REQ)
        data = b""
        while not data.endswith(b"\r\n\r\n55"):
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
    return time.monotonic() - t0, data[-2:]


def test_half_closed_non_readers_do_not_multiply_threads(stressed):
    srv = stressed("--write-timeout", str(WRITE_TIMEOUT), workers=1)
    clients = [half_closed_non_reader(srv.port) for _ in range(STALLED)]
    try:
        peak, probes = 0, []
        # Sends reach io-wq once the server has answered enough of each client's 1500
        # requests to fill its socket buffer.  Sample for 2 s, longer while no io-wq thread
        # has been seen yet (an ASan server at load 9 had none after 2 s), but stop well
        # before the write timeout starts ending the stalled connections.
        start = time.monotonic()
        while True:
            elapsed = time.monotonic() - start
            if elapsed >= 2.0 and (peak > 0 or elapsed >= WRITE_TIMEOUT - 1.5):
                break
            peak = max(peak, iowq_threads(srv.pid))
            probes.append(probe(srv.port))
            time.sleep(0.05)
        during = srv.stats_settled(STALLED)  # the last probe's close may still be on its way
        slowest = max(t for t, _ in probes)
        report("iowq_cap", stalled=STALLED, iowq_peak=peak, cap=IOWQ_CAP,
               threads=len(os.listdir(f"/proc/{srv.pid}/task")), probes=len(probes),
               slowest_probe_s=round(slowest, 3), open_during=during["open"])
        assert peak <= IOWQ_CAP, peak
        assert peak > 0, "no send reached io-wq: the scenario no longer exercises the cap"
        assert during["open"] == STALLED, during  # the stalled clients still hold their slots
        assert all(body == b"55" for _, body in probes), probes
        assert slowest < scaled(1.0, 1.0), probes

        # The write timeout aborts every stalled connection, including those whose
        # send sleeps in a worker or waits in io-wq's queue behind the cap.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and srv.stats()["timeouts_write"] < STALLED:
            time.sleep(0.2)
        st, fds = srv.wait_quiet(timeout=5)
        report("iowq_cap_release", timeouts_write=st["timeouts_write"], open_after=st["open"], fds_after=fds,
               fds_before=srv.fds_before)
        assert st["timeouts_write"] == STALLED, st
        assert st["open"] == 0 and st["conns_closing"] == 0, st
        assert fds == srv.fds_before, (fds, srv.fds_before)
    finally:
        for s in clients:
            s.close()
    srv.stop()
