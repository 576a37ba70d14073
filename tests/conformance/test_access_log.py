"""The access log (issue 17) against a running server: one line per request in the
common log format (+ microseconds) or as JSON lines, over HTTP/1.1 (python http.client)
and HTTP/2 (curl); a destination that blocks (a FIFO nobody reads) never stalls serving,
and the lines it cannot take are counted in --stats."""

import http.client
import json
import os
import re
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from conftest import build_spec_server, start_server, stop_server
from server_stats import parse_stats, stats_lines, stats_now

HERE = Path(__file__).resolve().parent
CLF = re.compile(r'^(\S+) - - \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000)\] "(\S+) (\S+) (HTTP/\d\.\d)" '
                 r'(\d{3}) (\d+|-) (\d+)$')


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    return build_spec_server(HERE / "specs" / "cors" / "cors.toml", tmp_path_factory.mktemp("log-build"))


def lines_of(path: Path, count: int, timeout=5.0) -> list:
    """The first `count` complete lines of path, waiting for them (written through the ring)."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text() if path.exists() else ""
        lines = text.split("\n")[:-1]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def traffic(srv):
    """Known requests on one HTTP/1.1 connection, then one over HTTP/2: (method, target,
    protocol, status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    expected = []
    for method, target, body, status, sent in [
        ("GET", "/books?limit=3", None, 200, len(b"list 3")),
        ("POST", "/books", b"5", 201, len(b"created 5")),
        ("HEAD", "/books", None, 200, 0),
        ("GET", "/nowhere", None, 404, len(b"Not Found")),
        ("GET", '/books?limit="x', None, 400, None),  # a '"' in the target is escaped in the line
    ]:
        conn.request(method, target, body=body)
        resp = conn.getresponse()
        data = resp.read()
        assert resp.status == status
        expected.append((method, target, "HTTP/1.1", status, len(data) if sent is None else sent))
    conn.close()
    p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--http2-prior-knowledge", "-o", "/dev/null",
                        srv.url("/books?limit=2")], capture_output=True, timeout=10)
    assert p.returncode == 0, p.stderr
    expected.append(("GET", "/books?limit=2", "HTTP/2.0", 200, len(b"list 2")))
    return expected


def test_common_log_lines(tmp_path, binary):
    log = tmp_path / "access.log"
    srv = start_server(tmp_path, binary=binary, extra_args=("--access-log", str(log)))
    try:
        expected = traffic(srv)
        lines = lines_of(log, len(expected))
    finally:
        stop_server(srv)
    got = []
    for line in lines:
        m = CLF.match(line)
        assert m, line
        remote, _, method, target, proto, status, size, micros = m.groups()
        assert remote == "127.0.0.1" and int(micros) < 5_000_000
        got.append((method, target.replace("\\x22", '"'), proto, int(status), 0 if size == "-" else int(size)))
    assert sorted(got) == sorted(expected)  # HTTP/2 may be another worker's line
    assert '"GET /books?limit=\\x22x HTTP/1.1"' in "\n".join(lines)


def test_json_lines(tmp_path, binary):
    log = tmp_path / "access.jsonl"
    srv = start_server(tmp_path, binary=binary,
                       extra_args=("--access-log", str(log), "--access-log-format", "json"))
    try:
        expected = traffic(srv)
        lines = lines_of(log, len(expected))
    finally:
        stop_server(srv)
    records = [json.loads(line) for line in lines]
    assert sorted((r["method"], r["target"], r["protocol"], r["status"], r["bytes"]) for r in records) == \
        sorted(expected)
    for r in records:
        assert r["remote"] == "127.0.0.1" and isinstance(r["duration_us"], int)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["time"])


def test_spec_log_section_writes_to_stdout(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "access_log" / "access_log.toml",
                               tmp_path_factory.mktemp("log-spec-build"))
    tmp = tmp_path_factory.mktemp("log-spec")
    srv = start_server(tmp, binary=binary)  # stdout goes to the same file as stderr
    try:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/hello?x=1")
        assert conn.getresponse().read() == b"hello"
        conn.close()
        deadline = time.monotonic() + 5
        while '"target":"/hello?x=1"' not in srv.stderr() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop_server(srv)
    line = next(line for line in srv.stderr().split("\n") if line.startswith("{"))
    assert json.loads(line)["status"] == 200 and json.loads(line)["bytes"] == 5


def test_off_by_default(tmp_path, binary):
    srv = start_server(tmp_path, binary=binary, extra_args=("--stats",))
    try:
        traffic(srv)
        stats = stats_now(srv, 2)
    finally:
        stop_server(srv)
    assert "access_log_lines" not in stats
    assert not any(CLF.match(line) for line in srv.stderr().split("\n"))


def test_a_blocked_destination_never_stalls_serving(tmp_path, binary):
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader that never reads (until the end)
    srv = start_server(tmp_path, binary=binary, extra_args=("--access-log", str(fifo), "--workers", "1"))
    try:
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        batches, per_batch = 60, 100  # ~6000 lines: far more than the pipe and both buffers hold
        request = b"GET /books?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n"
        answer = b"list 1"
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            for _ in range(batches):
                t0 = time.monotonic()
                s.sendall(request * per_batch)
                got = b""
                while got.count(answer) < per_batch:
                    chunk = s.recv(65536)
                    assert chunk, "the server closed the connection"
                    got += chunk
                assert time.monotonic() - t0 < 2.0, "a batch stalled behind the log"
        assert time.monotonic() - started < 20
        stats = stats_now(srv, 1)
        assert stats["requests"] >= batches * per_batch
        assert stats["access_log_dropped"] > 0
        # Reading the FIFO now: the lines that were kept are whole lines of the right requests.
        data = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                chunk = os.read(reader, 1 << 20)
            except BlockingIOError:
                chunk = None
            if chunk:
                data += chunk
                deadline = time.monotonic() + 0.5  # keep reading while the server flushes
            else:
                time.sleep(0.02)
        lines = data.decode().split("\n")[:-1]
        assert lines and all(CLF.match(line) and '"GET /books?limit=1 HTTP/1.1" 200 6 ' in line for line in lines)
        assert len(lines) + stats["access_log_dropped"] <= batches * per_batch
        after = stats_now(srv, 1)
        assert after["access_log_lines"] == len(lines)
    finally:
        stop_server(srv)
        os.close(reader)


def test_the_last_lines_reach_the_log_at_stop(tmp_path, binary):
    """SIGTERM while the lines of the last requests still wait for a slow destination: the
    stopping worker keeps its loop turning until they are written (for at most 2 s, then they
    are counted as dropped), so every request is either in the log or counted."""
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # reads only once SIGTERM is sent
    srv = start_server(tmp_path, binary=binary,
                       extra_args=("--access-log", str(fifo), "--workers", "1", "--stats"))
    try:
        requests, per_batch = 1500, 100  # ~700 lines fill the pipe, the rest wait in the ring's buffers
        request = b"GET /books?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n"
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            for _ in range(requests // per_batch):
                s.sendall(request * per_batch)
                got = b""
                while got.count(b"list 1") < per_batch:
                    chunk = s.recv(65536)
                    assert chunk, "the server closed the connection"
                    got += chunk
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)  # the worker has no connection left, only its pending log lines
        data, deadline = b"", time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                chunk = os.read(reader, 1 << 20)
            except BlockingIOError:
                time.sleep(0.02)
                continue
            if not chunk:
                break  # the server closed its end: it has exited
            data += chunk
    finally:
        stop_server(srv, already_signalled=True)
        os.close(reader)
    lines = data.decode().split("\n")[:-1]
    assert all(CLF.match(line) and '"GET /books?limit=1 HTTP/1.1" 200 6 ' in line for line in lines)
    final = parse_stats(stats_lines(srv)[-1:])
    assert final["access_log_lines"] == len(lines), final
    assert len(lines) + final["access_log_dropped"] == requests, (len(lines), final)
    assert len(lines) > 1000, "the lines waiting in the buffers at SIGTERM were not written"
