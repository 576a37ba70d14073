"""ARENA.md §3.7 (upload): every validate.sh check, exact counts for Content-Length and
chunked bodies of many sizes, the 64 MiB limit (413 before reading / at crossing),
100-continue, and the memory bound (RSS during a 20 MiB upload within 4 MiB of idle)."""

import base64
import os
import random
import subprocess
import time

import pytest

from conftest import RawConn, post, run_curl

LIMIT = 64 << 20
SIZES = [0, 1, 17, 512000, 20 << 20]


def upload_cl(conn, n):
    """POST n random bytes with Content-Length, in 1 MiB pieces (never all in memory twice)."""
    conn.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % n)
    piece = os.urandom(min(n, 1 << 20))
    sent = 0
    while sent < n:
        take = min(len(piece), n - sent)
        conn.send(piece[:take])
        sent += take
    return conn.read_response(deadline=30)


def upload_chunked(conn, n, rng):
    conn.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
    data = os.urandom(min(n, 1 << 20) or 1)
    sent = 0
    while sent < n:
        size = min(n - sent, rng.choice([1, 7, 100, 4096, 65536, 300001]))
        conn.send(b"%x\r\n" % size + data[: min(size, len(data))] * (size // len(data)) +
                  data[: size % len(data)] + b"\r\n")
        sent += size
    conn.send(b"0\r\n\r\n")
    return conn.read_response(deadline=30)


@pytest.mark.parametrize("n", SIZES)
def test_content_length_counts(port, n):
    with RawConn(port) as c:
        resp = upload_cl(c, n)
    assert resp.status == 200
    assert resp.header("content-type") == "text/plain"
    assert resp.body == str(n).encode()


@pytest.mark.parametrize("n", SIZES)
def test_chunked_counts(port, n):
    with RawConn(port) as c:
        resp = upload_chunked(c, n, random.Random(n))
    assert resp.status == 200
    assert resp.body == str(n).encode()


def test_keep_alive_across_uploads(port):
    with RawConn(port) as c:
        for n in (5, 0, 70000, 3):
            resp = c.request(post("/upload", os.urandom(n)))
            assert resp.body == str(n).encode()


def test_validate_hello(server):
    r = run_curl(server.url("/upload"), "-X", "POST", "-H", "Content-Type: application/octet-stream",
                 "--data-binary", "Hello, HttpArena!")
    assert (r.status, r.body) == (200, b"17")


def test_validate_base64_48(server):
    text = base64.b64encode(os.urandom(36)).decode()
    assert len(text) == 48
    r = run_curl(server.url("/upload"), "-X", "POST", "--data-binary", text)
    assert (r.status, r.body) == (200, b"48")


@pytest.mark.parametrize("n", [512000, 2097152, 10485760, 20971520])
def test_validate_dd_streamed(server, n):
    """validate.sh: dd | curl --data-binary @- (curl sends Expect: 100-continue)."""
    dd = subprocess.Popen(["dd", "if=/dev/urandom", f"bs={n}", "count=1", "iflag=fullblock"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--max-time", "30", "-X", "POST",
                        "--data-binary", "@-", server.url("/upload")], stdin=dd.stdout,
                       capture_output=True, timeout=35)
    dd.wait(timeout=5)
    assert p.returncode == 0, p.stderr
    assert p.stdout == str(n).encode()


def test_expect_continue(port):
    with RawConn(port) as c:
        c.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
               b"Expect: 100-continue\r\n\r\n")
        interim = c.read_response()
        assert interim.status == 100
        c.send(b"hello")
        resp = c.read_response()
    assert (resp.status, resp.body) == (200, b"5")


def test_declared_length_over_limit_is_413_before_reading(port):
    with RawConn(port) as c:
        c.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % (LIMIT + 1))
        resp = c.read_response()  # no body byte sent: the answer cannot wait for it
        assert resp.status == 413
        assert resp.closes


def test_declared_length_at_limit_is_accepted_with_continue(port):
    with RawConn(port) as c:
        c.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n"
               b"Expect: 100-continue\r\n\r\n" % LIMIT)
        assert c.read_response().status == 100


def test_chunk_announcing_over_limit_is_413(port):
    with RawConn(port) as c:
        c.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"%x\r\nabc" % (LIMIT + 1))
        resp = c.read_response()
        assert resp.status == 413
        assert resp.closes


def test_chunked_crossing_limit_is_413_and_close(port):
    piece = b"%x\r\n" % (1 << 20) + os.urandom(1 << 20) + b"\r\n"
    with RawConn(port, timeout=10) as c:
        c.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(LIMIT // (1 << 20) + 2):
                c.send(piece)
        except OSError:
            pass  # the server may close while we still send
        resp = c.read_response(deadline=20)
        assert resp.status == 413
        assert resp.closes


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_upload_memory_bound(server):
    """Server RSS during a 20 MiB upload stays within 4 MiB of idle (CL and chunked)."""
    pid = server.proc.pid
    with RawConn(server.port) as warm:  # first-touch allocations are not what we measure
        upload_cl(warm, 1 << 20)
    time.sleep(0.2)
    idle = rss_kib(pid)
    peak = idle
    piece = os.urandom(256 << 10)
    for chunked in (False, True):
        with RawConn(server.port) as c:
            n = 20 << 20
            if chunked:
                c.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
            else:
                c.send(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % n)
            for _ in range(n // len(piece)):
                c.send(b"%x\r\n" % len(piece) + piece + b"\r\n" if chunked else piece)
                peak = max(peak, rss_kib(pid))
            if chunked:
                c.send(b"0\r\n\r\n")
            assert c.read_response(deadline=30).body == str(n).encode()
            peak = max(peak, rss_kib(pid))
    assert peak - idle <= 4096, f"RSS grew {peak - idle} KiB during 20 MiB uploads (idle {idle} KiB)"
