"""Request ids (issue 17, [server] request_id = "pass") against a running server: a safe
X-Request-Id passes through, a missing or unsafe one is replaced by a generated id; the id
is echoed in the response (HTTP/1.1 and HTTP/2) and written to the access log."""

import http.client
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import build_spec_server, start_server, stop_server

HERE = Path(__file__).resolve().parent
GENERATED = re.compile(r"[0-9a-f]{16}-[0-9a-f]+")


@pytest.fixture(scope="module")
def rid_server(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "request_id" / "request_id.toml",
                               tmp_path_factory.mktemp("rid-build"))
    tmp = tmp_path_factory.mktemp("rid")
    log = tmp / "access.log"
    srv = start_server(tmp, name="rid", binary=binary, extra_args=("--access-log", str(log)))
    srv.log = log
    yield srv
    stop_server(srv)


def ask(srv, headers):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.putrequest("GET", "/hello", skip_host=False)
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.read() == b"hello"
    ids = resp.headers.get_all("X-Request-Id") or []
    conn.close()
    assert len(ids) == 1, ids
    return ids[0]


def logged_ids(srv, *wanted):
    """The ids at the end of the log's lines, once every wanted id is there (lines are
    written through each worker's ring, a moment after the response)."""
    deadline = time.monotonic() + 5
    while True:
        lines = srv.log.read_text().split("\n")[:-1] if srv.log.exists() else []
        ids = [re.search(r' "([^"]*)"$', line).group(1) for line in lines]
        if all(w in ids for w in wanted) or time.monotonic() > deadline:
            return ids
        time.sleep(0.02)


def test_a_safe_id_passes_through_and_is_logged(rid_server):
    rid = "req-42_a.b:c@d/e+f=g"
    assert ask(rid_server, [("X-Request-Id", rid)]) == rid
    assert rid in logged_ids(rid_server, rid)


@pytest.mark.parametrize("headers", [
    [],                                      # none sent
    [("X-Request-Id", "has space")],         # unsafe characters
    [("X-Request-Id", 'quote"d')],
    [("X-Request-Id", "x" * 65)],            # too long
    [("X-Request-Id", "")],                  # empty
])
def test_missing_or_unsafe_ids_are_replaced(rid_server, headers):
    first, second = ask(rid_server, headers), ask(rid_server, headers)
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second
    ids = logged_ids(rid_server, first, second)
    assert first in ids and second in ids


def test_the_longest_safe_id_is_kept(rid_server):
    rid = "y" * 64
    assert ask(rid_server, [("X-Request-Id", rid)]) == rid


def test_h2_echoes_the_id(rid_server):
    p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--http2-prior-knowledge", "-D", "-", "-o", "/dev/null",
                        "-H", "X-Request-Id: h2-id-7", rid_server.url("/hello")], capture_output=True, timeout=10)
    assert p.returncode == 0, p.stderr
    assert "x-request-id: h2-id-7\r\n" in p.stdout.decode()
    assert "h2-id-7" in logged_ids(rid_server, "h2-id-7")


def test_untyped_handler_replies_get_the_spec_headers(rid_server):
    conn = http.client.HTTPConnection("127.0.0.1", rid_server.port, timeout=5)
    conn.request("GET", "/handled", headers={"X-Request-Id": "by-hand-1"})
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"by hand")
    assert resp.getheader("Cache-Control") == "no-store" and resp.getheader("X-Frame-Options") == "DENY"
    assert resp.getheader("X-Request-Id") == "by-hand-1"
    conn.close()
    p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--http2-prior-knowledge", "-D", "-", "-o", "/dev/null",
                        rid_server.url("/handled")], capture_output=True, timeout=10)
    head = p.stdout.decode()
    assert "cache-control: no-store\r\n" in head and "x-frame-options: DENY\r\n" in head
