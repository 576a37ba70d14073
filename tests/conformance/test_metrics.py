"""The metrics route (issue 17, `metrics = true`) against a running server: the counters
of every worker in the Prometheus text format, checked by a strict parser of that format,
move as known traffic says they must."""

import http.client
import re
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import WORKERS, build_spec_server, start_server, stop_server

HERE = Path(__file__).resolve().parent
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (\S+)$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_prometheus(text: str) -> dict:
    """Strict Prometheus text format 0.0.4: {(name, ((label, value), ...)): float}. Every
    sample belongs to a family declared by one HELP and one TYPE line before it, a family's
    samples are contiguous, no sample is given twice, counters are named *_total and are
    not negative, and the text ends with a newline."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    samples, types, helps, finished = {}, {}, set(), set()
    current = None
    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {number}: {line!r}"
        if line.startswith("#"):
            m = re.fullmatch(rf"# (HELP|TYPE) ({NAME}) (.*)", line)
            assert m, where
            kind, name, rest = m.groups()
            if kind == "HELP":
                assert name not in helps, f"second HELP for {name}"
                helps.add(name)
            else:
                assert rest in TYPES and name not in types, where
                assert name in helps, f"TYPE before HELP for {name}"
                types[name] = rest
            if current != name:
                assert name not in finished, f"{name} declared again after its samples"
                if current:
                    finished.add(current)
                current = name
            continue
        m = SAMPLE.match(line)
        assert m, where
        name = m.group(1)
        assert name == current and name in types, f"{where}: a sample outside its family's block"
        labels = tuple(re.findall(LABEL, m.group(2) or ""))
        assert len({k for k, _ in labels}) == len(labels), f"{where}: a label twice"
        raw = m.group(m.lastindex)
        assert re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?Inf", raw), f"{where}: not a value"
        value = float(raw)
        key = (name, labels)
        assert key not in samples, f"{where}: the same sample twice"
        if types[name] == "counter":
            assert name.endswith("_total") and value >= 0, where
        samples[key] = value
    assert all(any(k[0] == name for k in samples) for name in types), "a family without samples"
    return samples


def test_the_strict_parser_refuses_what_it_must():
    good = "# HELP a_total x\n# TYPE a_total counter\na_total 1\n"
    parse_prometheus(good)
    for bad in [good[:-1], good + "a_total 2\n", good.replace("a_total 1", "a_total{x=1} 1"),
                "# TYPE a_total counter\na_total 1\n", good.replace("counter", "count"),
                good + "# HELP b x\n# TYPE b gauge\nb 1\na_total{x=\"y\"} 1\n",
                good.replace("a_total 1", "a_total one")]:
        with pytest.raises(AssertionError):
            parse_prometheus(bad)


@pytest.fixture(scope="module")
def metrics_server(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "cors" / "cors.toml", tmp_path_factory.mktemp("metrics-build"))
    srv = start_server(tmp_path_factory.mktemp("metrics"), name="metrics", binary=binary)
    yield srv
    stop_server(srv)


def scrape(srv) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/metrics")
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    return parse_prometheus(body)


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))] if labels else samples[(name, ())]


def test_counters_move_with_known_traffic(metrics_server):
    srv = metrics_server
    before = scrape(srv)
    assert value(before, "ringspec_workers") == WORKERS
    sent = 0
    statuses = {2: 0, 4: 0}
    for i in range(12):  # new connections: spread over the workers by SO_REUSEPORT
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            target, status = [("/books", 2), ("/nowhere", 4), ("/books?limit=x", 4)][i % 3]
            request = f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            s.sendall(request)
            sent += len(request)
            while s.recv(65536):
                pass
            statuses[status] += 1
    p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--http2-prior-knowledge", "-o", "/dev/null",
                        srv.url("/books")], capture_output=True, timeout=10)
    assert p.returncode == 0, p.stderr
    statuses[2] += 1
    idle = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(3)]
    try:
        for s in idle:  # one request each, so the server has surely accepted them
            s.sendall(b"GET /books HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"list 10" in s.recv(65536)
        statuses[2] += 3
        after = scrape(srv)
    finally:
        for s in idle:
            s.close()
    # The first scrape counted itself as a request but not yet its response; the second the reverse.
    assert value(after, "ringspec_requests_total") - value(before, "ringspec_requests_total") == 12 + 1 + 3 + 1
    assert value(after, "ringspec_responses_total", **{"class": "2xx"}) - \
        value(before, "ringspec_responses_total", **{"class": "2xx"}) == statuses[2] + 1
    assert value(after, "ringspec_responses_total", **{"class": "4xx"}) - \
        value(before, "ringspec_responses_total", **{"class": "4xx"}) == statuses[4]
    assert value(after, "ringspec_connections_accepted_total") - \
        value(before, "ringspec_connections_accepted_total") >= 12 + 1 + 3 + 1
    assert value(after, "ringspec_connections", state="open") >= 3 + 1  # the idle ones and the scrape's
    assert value(after, "ringspec_received_bytes_total") - value(before, "ringspec_received_bytes_total") >= sent
    assert value(after, "ringspec_sent_bytes_total") > value(before, "ringspec_sent_bytes_total")
    for name in ("ringspec_timeouts_total", "ringspec_budget_refusals_total", "ringspec_websocket_upgrades_total",
                 "ringspec_tls_handshakes_total"):
        assert any(k[0] == name for k in after), name


def test_head_and_other_methods(metrics_server):
    conn = http.client.HTTPConnection("127.0.0.1", metrics_server.port, timeout=5)
    conn.request("HEAD", "/metrics")
    resp = conn.getresponse()
    assert resp.status == 200 and resp.read() == b"" and int(resp.getheader("Content-Length")) > 500
    conn.request("POST", "/metrics", body=b"")
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 405 and resp.getheader("Allow") == "GET, HEAD"
    conn.close()
