"""Static bodies sent by sendfile from the sealed memfd (runtime/core/send_direct.c, static_memfd.c):
the memory cache is one sealed memfd; large bodies leave by sendfile; ordering with heads and
pipelined responses, a full socket buffer (POLLOUT waits), many connections waiting at once, a
client that vanishes mid-body and SIGTERM with bodies pending.  Both cache modes are checked
where the behaviour must be the same (specs/static_modes.toml: /static/ memory, /disk/ none)."""

import fcntl
import os
import random
import shutil
import socket
import time

import pytest

from conftest import DATA_ROOT, REPO_ROOT, WORKERS, build_spec_server, get, start_server, stop_server
from server_stats import stats_now

HERE = REPO_ROOT / "tests" / "conformance"
STATIC = DATA_ROOT / "static"
F_GET_SEALS = 1034  # fcntl.h: F_LINUX_SPECIFIC_BASE + 10
F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE = 1, 2, 4, 8


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("sendfile-root")
    shutil.copytree(STATIC, root / "static")
    rng = random.Random(5)
    (root / "static" / "big.bin").write_bytes(rng.randbytes(3 << 20))
    (root / "static" / "edge.bin").write_bytes(rng.randbytes(4096))  # exactly one page
    (root / "static" / "under.bin").write_bytes(rng.randbytes(4095))
    (root / "static" / "empty.txt").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    return build_spec_server(HERE / "specs" / "static_modes.toml", tmp_path_factory.mktemp("sendfile-build"))


@pytest.fixture(scope="module")
def srv(tmp_path_factory, root, binary):
    s = start_server(tmp_path_factory.mktemp("sendfile"), name="sendfile", binary=binary,
                     extra_args=("--data-root", str(root)))
    s.root = root
    yield s
    stop_server(s)


def file_bytes(root, name):
    return (root / "static" / name).read_bytes()


def proc_io(pid):
    fields = dict(line.split(": ") for line in open(f"/proc/{pid}/io").read().splitlines())
    return {k: int(v) for k, v in fields.items()}


def memfds(pid):
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/memfd:ringspec-static"):
            out.append(int(fd))
    return out


def test_memory_cache_is_one_sealed_memfd(srv):
    fds = memfds(srv.proc.pid)
    assert len(fds) == 1, fds  # one memory-mode mount in static_modes.toml
    fd = os.open(f"/proc/{srv.proc.pid}/fd/{fds[0]}", os.O_RDONLY)
    try:
        seals = fcntl.fcntl(fd, F_GET_SEALS)
        assert seals & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == \
            F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
        # every file starts on a page: the memfd holds at least their page-rounded sizes
        files = [p for p in (srv.root / "static").iterdir() if p.is_file() and not p.name.startswith(".")]
        assert os.fstat(fd).st_size >= sum(-(-p.stat().st_size // 4096) * 4096 for p in files)
    finally:
        os.close(fd)
    fd = os.open(f"/proc/{srv.proc.pid}/fd/{fds[0]}", os.O_WRONLY)
    try:
        with pytest.raises(PermissionError):  # F_SEAL_WRITE: no one can change a served byte
            os.pwrite(fd, b"x", 0)
    finally:
        os.close(fd)


def test_memory_bodies_go_by_sendfile(srv):
    """sendfile counts as a read and a write syscall in /proc/PID/io; ring sends and reads do
    not.  Memory-mode bodies, small and large, must take it; the same files from disk (cache =
    "none": ring reads and sends) must not, and neither must HEAD or 304 (no body)."""
    pid = srv.proc.pid
    with srv.conn() as c:
        assert c.request(get("/disk/under.bin")).status == 200  # warm the connection
        etag = c.request(get("/static/edge.bin")).header("etag").encode()
        start = proc_io(pid)
        for _ in range(20):
            assert c.request(get("/disk/under.bin")).body == file_bytes(srv.root, "under.bin")
            assert c.request(get("/disk/big.bin"), deadline=20).body == file_bytes(srv.root, "big.bin")
            assert c.request(get("/static/edge.bin", method=b"HEAD"), method="HEAD").status == 200
            assert c.request(get("/static/edge.bin", b"If-None-Match: " + etag + b"\r\n")).status == 304
        no_bodies = proc_io(pid)
        for name in ("manifest.json", "under.bin", "edge.bin", "app.js"):
            for _ in range(5):
                assert c.request(get("/static/" + name)).body == file_bytes(srv.root, name)
        memory = proc_io(pid)
    assert no_bodies["syscw"] - start["syscw"] == 0
    assert memory["syscw"] - no_bodies["syscw"] >= 20


@pytest.mark.parametrize("prefix", ["/static/", "/disk/"])
def test_pipelined_mixed_burst_in_order(srv, prefix):
    """GET, HEAD, Range, conditional and error requests for small, threshold-sized, large and
    empty files, pipelined in one write: every answer in order with exact bytes."""
    root = srv.root
    rng = random.Random(7)
    names = ["reset.css", "big.bin", "manifest.json", "edge.bin", "under.bin", "app.js", "empty.txt",
             "hero.webp", "vendor.js"]
    etag = {}
    with srv.conn() as c:
        for n in names:
            etag[n] = c.request(get(prefix + n)).header("etag")
    plan = []
    for _ in range(120):
        n = rng.choice(names)
        data = file_bytes(root, n)
        kind = rng.choice(["get", "get", "head", "range", "304", "404", "br"])
        if kind == "get":
            plan.append((get(prefix + n), "GET", 200, data))
        elif kind == "head":
            plan.append((get(prefix + n, method=b"HEAD"), "HEAD", 200, b""))
        elif kind == "range" and len(data) > 1:
            a = rng.randrange(len(data) - 1)
            b = rng.randrange(a, len(data))
            plan.append((get(prefix + n, b"Range: bytes=%d-%d\r\n" % (a, b)), "GET", 206, data[a:b + 1]))
        elif kind == "304":
            plan.append((get(prefix + n, b"If-None-Match: " + etag[n].encode() + b"\r\n"), "GET", 304, b""))
        elif kind == "br" and (root / "static" / (n + ".br")).exists():
            plan.append((get(prefix + n, b"Accept-Encoding: br\r\n"), "GET", 200,
                         file_bytes(root, n + ".br")))
        else:
            plan.append((get(prefix + "missing-" + n), "GET", 404, None))
    with srv.conn(timeout=10) as c:
        c.send(b"".join(p[0] for p in plan))
        time.sleep(0.3)  # let the server fill the socket buffer and wait for POLLOUT
        for i, (_, method, status, body) in enumerate(plan):
            resp = c.read_response(method=method, deadline=20)
            assert resp.status == status, (i, plan[i][0])
            if body is not None:
                assert resp.body == body, (i, plan[i][0][:60])
        assert c.request(get("/ok")).body == b"ok"


def test_many_connections_waiting_for_pollout(srv):
    """64 connections each ask for 3 MiB and read nothing at first: every one waits with its
    socket buffer full; then all are read to the last byte."""
    big = file_bytes(srv.root, "big.bin")
    conns = [srv.conn(timeout=10) for _ in range(64)]
    try:
        for c in conns:
            c.send(get("/static/big.bin"))
        time.sleep(0.5)
        with srv.conn() as probe:  # the reactor is not stuck behind them
            assert probe.request(get("/ok")).body == b"ok"
        for c in conns:
            resp = c.read_response(deadline=20)
            assert resp.status == 200 and resp.body == big
    finally:
        for c in conns:
            c.close()


@pytest.mark.parametrize("how", ["fin", "reset"])
def test_client_vanishes_mid_body(srv, how):
    """Clients that close (or reset) while large bodies are queued and the socket is full: the
    server drops them and goes on serving; the sanitizer build checks nothing leaks or is
    touched after free (stop_server at module end)."""
    for _ in range(8):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"".join(get("/static/big.bin") for _ in range(4)))
        s.recv(1000)  # the head and some body have left
        if how == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    time.sleep(0.2)
    with srv.conn(timeout=10) as c:
        resp = c.request(get("/static/big.bin"), deadline=20)
        assert resp.body == file_bytes(srv.root, "big.bin")
    assert srv.alive()


def test_sigterm_drains_pending_bodies(tmp_path, root, binary):
    """SIGTERM while a connection waits for POLLOUT with 3 MiB bodies queued: the queued
    answers are still delivered whole, then the connection closes and the server exits 0."""
    s = start_server(tmp_path, name="sendfile-stop", binary=binary, extra_args=("--data-root", str(root)))
    big = file_bytes(root, "big.bin")
    try:
        with s.conn(timeout=10) as c:
            c.send(get("/static/big.bin") + get("/static/edge.bin"))
            time.sleep(0.3)
            s.proc.send_signal(15)
            first = c.read_response(deadline=20)
            second = c.read_response(deadline=20)
            assert first.body == big and second.body == file_bytes(root, "edge.bin")
            c.expect_eof(deadline=10, what="after the drained answers")
    finally:
        stop_server(s, already_signalled=True)


@pytest.mark.parametrize("prefix", ["/static/", "/disk/"])
def test_conditional_fields_found_in_any_case_and_position(srv, prefix):
    """The quick 'may this head be conditional' pass must not miss a field: lower/odd case
    names, and the field first or last among others."""
    data = file_bytes(srv.root, "reset.css")
    with srv.conn() as c:
        etag = c.request(get(prefix + "reset.css")).header("etag").encode()
        assert c.request(get(prefix + "reset.css", b"if-none-match: " + etag + b"\r\n")).status == 304
        assert c.request(get(prefix + "reset.css", b"X-A: 1\r\nIF-NONE-MATCH: " + etag + b"\r\nX-B: 2\r\n")).status == 304
        r = c.request(get(prefix + "reset.css", b"X-A: 1\r\nrAnGe: bytes=1-2\r\n"))
        assert r.status == 206 and r.body == data[1:3]
        r = c.request(get(prefix + "reset.css", b"Referer: x\r\nX-Range: bytes=1-2\r\n"))  # not Range
        assert r.status == 200 and r.body == data


def test_sendfile_bodies_count_in_bytes_out(srv):
    """--stats/SIGUSR1 bytes_out (and the metrics route's sent_bytes_total) count every byte
    sent, including bodies that left by sendfile rather than through a ring send."""
    big = file_bytes(srv.root, "big.bin")
    with srv.conn() as c:
        assert c.request(get("/static/edge.bin")).status == 200  # warm the connection
        before = stats_now(srv, WORKERS)["bytes_out"]
        for _ in range(3):
            assert c.request(get("/static/big.bin"), deadline=20).body == big
        after = stats_now(srv, WORKERS)["bytes_out"]
    assert after - before >= 3 * len(big), (before, after)
