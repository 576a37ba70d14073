"""CORS (issue 17) against a running server (tests/conformance/specs/cors/): OPTIONS
preflights answered by the generated server, Access-Control-Allow-Origin (+ Vary: Origin)
on replies to allowed origins, over HTTP/1.1 (python http.client) and HTTP/2 (curl)."""

import http.client
import subprocess
from pathlib import Path

import pytest

from conftest import build_spec_server, start_server, stop_server

HERE = Path(__file__).resolve().parent
APP = "https://app.example"
PREFLIGHT_KEYS = ("access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers",
                  "access-control-max-age", "access-control-allow-credentials")


@pytest.fixture(scope="module")
def cors_server(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "cors" / "cors.toml", tmp_path_factory.mktemp("cors-build"))
    srv = start_server(tmp_path_factory.mktemp("cors"), name="cors", binary=binary)
    yield srv
    stop_server(srv)


def ask(srv, method, target, headers=None, body=None):
    """(status, {lower-case name: [values]}, body) over HTTP/1.1."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        fields = {}
        for name, value in resp.getheaders():
            fields.setdefault(name.lower(), []).append(value)
        return resp.status, fields, resp.read()
    finally:
        conn.close()


def preflight(srv, target, origin=APP, method="POST", request_headers=None):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    return ask(srv, "OPTIONS", target, headers)


def test_preflight_of_an_allowed_origin_and_method(cors_server):
    status, h, body = preflight(cors_server, "/books", request_headers="Content-Type, X-Token")
    assert status == 204 and body == b""
    assert h["access-control-allow-origin"] == [APP]
    assert h["access-control-allow-methods"] == ["POST, DELETE"]  # the POST route's methods
    assert h["access-control-allow-headers"] == ["content-type, x-token"]
    assert h["access-control-max-age"] == ["600"]
    assert h["access-control-allow-credentials"] == ["true"]
    assert "Origin" in h["vary"]
    assert "content-length" not in h  # 204


def test_preflight_for_get_uses_the_get_routes_policy(cors_server):
    status, h, _ = preflight(cors_server, "/books", method="GET")
    assert status == 204 and h["access-control-allow-methods"] == ["GET, HEAD"]


@pytest.mark.parametrize("origin, method, request_headers", [
    ("https://evil.example", "POST", None),   # origin not listed
    ("https://app.example.evil", "POST", None),  # prefix of a listed origin is not it
    (APP, "PUT", None),                       # no route of the path answers PUT
    (APP, "post", None),                      # method names are case-sensitive
    (APP, "POST", "x-other"),                 # a header the policy does not list
    (APP, "POST", "content-type, x-other"),
])
def test_refused_preflight_gets_no_allow_headers(cors_server, origin, method, request_headers):
    status, h, _ = preflight(cors_server, "/books", origin, method, request_headers)
    assert status == 204
    assert not any(k in h for k in PREFLIGHT_KEYS), h
    assert "Origin" in h["vary"]


def test_actual_request_of_an_allowed_origin(cors_server):
    status, h, body = ask(cors_server, "GET", "/books?limit=3", {"Origin": "http://localhost:3000"})
    assert (status, body) == (200, b"list 3")
    assert h["access-control-allow-origin"] == ["http://localhost:3000"]
    assert h["access-control-allow-credentials"] == ["true"]
    assert h["access-control-expose-headers"] == ["x-total"]
    assert h["vary"] == ["Origin"]
    assert "access-control-allow-methods" not in h  # preflight only


def test_post_after_preflight(cors_server):
    status, h, body = ask(cors_server, "POST", "/books", {"Origin": APP, "Content-Type": "text/plain"}, b"5")
    assert (status, body) == (201, b"created 5") and h["access-control-allow-origin"] == [APP]


@pytest.mark.parametrize("headers", [{}, {"Origin": "https://evil.example"}])
def test_actual_request_without_an_allowed_origin(cors_server, headers):
    status, h, body = ask(cors_server, "GET", "/books", headers)
    assert (status, body) == (200, b"list 10")
    assert "access-control-allow-origin" not in h and "access-control-expose-headers" not in h
    assert h["vary"] == ["Origin"]  # the reply still depends on Origin


def test_errors_of_a_cors_route_are_readable_cross_origin(cors_server):
    status, h, _ = ask(cors_server, "PUT", "/books", {"Origin": APP})
    assert status == 405 and h["allow"] == ["GET, HEAD, POST, DELETE"]
    assert h["access-control-allow-origin"] == [APP]
    status, h, _ = ask(cors_server, "GET", "/books?limit=x", {"Origin": APP})
    assert status == 400 and h["access-control-allow-origin"] == [APP]


def test_any_origin_route(cors_server):
    status, h, body = ask(cors_server, "GET", "/public", {"Origin": "https://anyone.example"})
    assert (status, body) == (200, b"public")
    assert h["access-control-allow-origin"] == ["*"]
    assert "vary" not in h and "access-control-allow-credentials" not in h
    status, h, _ = preflight(cors_server, "/public", "https://anyone.example", "GET")
    assert status == 204 and h["access-control-allow-origin"] == ["*"] and h["access-control-max-age"] == ["60"]


def test_options_without_cors_stays_405_with_allow(cors_server):
    status, h, _ = preflight(cors_server, "/private", method="GET")
    assert status == 405 and h["allow"] == ["GET, HEAD"]
    assert not any(k in h for k in PREFLIGHT_KEYS)
    status, h, body = ask(cors_server, "GET", "/private", {"Origin": APP})
    assert (status, body) == (200, b"private") and "access-control-allow-origin" not in h


def test_a_route_answering_options_is_not_a_preflight(cors_server):
    status, h, body = preflight(cors_server, "/own-options", method="GET")
    assert (status, body) == (200, b"own options")
    assert "access-control-allow-methods" not in h


def test_unknown_path_preflight_is_404(cors_server):
    status, _, _ = preflight(cors_server, "/nowhere")
    assert status == 404


class Curl:
    """One HTTP/2 exchange by curl: status, fields (lower-case name -> value) and body."""

    def __init__(self, srv, target, *args):
        p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--max-time", "5", "--http2-prior-knowledge",
                            "-D", "-", "-o", "/dev/stderr", *args, srv.url(target)], capture_output=True,
                           timeout=10)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.decode().split("\r\n")
        self.status_line, self.body = lines[0], p.stderr
        self.status = int(lines[0].split()[1])
        self.fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                assert name.lower() not in self.fields, f"{name} sent twice"
                self.fields[name.lower()] = value.strip()

    def header(self, name):
        return self.fields.get(name)


def h2(srv, target, *args):
    return Curl(srv, target, *args)


def test_h2_preflight_and_actual(cors_server):
    r = h2(cors_server, "/books", "-X", "OPTIONS", "-H", f"Origin: {APP}", "-H",
           "Access-Control-Request-Method: DELETE", "-H", "Access-Control-Request-Headers: x-token")
    assert r.status_line.startswith("HTTP/2 204") and r.body == b""
    assert r.header("access-control-allow-origin") == APP
    assert r.header("access-control-allow-methods") == "POST, DELETE"
    assert r.header("access-control-allow-headers") == "content-type, x-token"
    r = h2(cors_server, "/books", "-X", "OPTIONS", "-H", "Origin: https://evil.example", "-H",
           "Access-Control-Request-Method: DELETE")
    assert r.status == 204 and r.header("access-control-allow-origin") is None
    r = h2(cors_server, "/books?limit=2", "-H", f"Origin: {APP}")
    assert (r.status, r.body) == (200, b"list 2")
    assert r.header("access-control-allow-origin") == APP and r.header("access-control-expose-headers") == "x-total"
    r = h2(cors_server, "/public", "-H", "Origin: https://x.example")
    assert r.header("access-control-allow-origin") == "*"
