"""The OpenAPI document (`ringspec openapi`) describes what the running server answers:
for each request below, the status is one the document lists for that operation, the
Content-Type is the documented media type, and a JSON body validates against the
documented schema (python3-jsonschema, draft 2020-12, $refs into components).

Runs against the arena server under test (spec/arena.toml), the constraints server
(specs/constraints.toml, whose violations body is renamed) and the JSON bodies server
(specs/json_bodies: request bodies are also checked against the documented request schema,
which must accept what the server accepts and refuse what it refuses as invalid)."""

import http.client
import json
import re
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, RefResolver

from conftest import REPO_ROOT, build_spec_server, server_binary, start_server, stop_server

HERE = Path(__file__).resolve().parent


def openapi(spec) -> dict:
    r = subprocess.run([str(REPO_ROOT / "ringspec"), "openapi", str(spec)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def operation(doc: dict, method: str, path: str):
    """The operation whose path template matches the request path."""
    for template, item in doc["paths"].items():
        pattern = "".join("[^/]+" if part.startswith("{") and part != "{path}" else
                          ".+" if part == "{path}" else re.escape(part)
                          for part in re.split(r"(\{[^}]+\})", template))
        if re.fullmatch(pattern, path.split("?")[0]):
            return item[method.lower()]
    raise AssertionError(f"no path of the document matches {path}")


def deref(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        node = RefResolver("", doc).resolve(node["$ref"])[1]
    return node


def check(doc: dict, port: int, method: str, path: str, headers=None, body=None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    op = operation(doc, method, path)
    documented = op["responses"].get(str(resp.status)) or op["responses"].get("default")
    assert documented is not None, f"{method} {path}: {resp.status} is not documented ({sorted(op['responses'])})"
    documented = deref(doc, documented)
    content = documented.get("content")
    if content and method != "HEAD" and "*/*" not in content:
        media = (resp.getheader("Content-Type") or "").split(";")[0].strip()
        assert media in content, f"{method} {path}: Content-Type {media} not in {list(content)}"
        schema = content[media].get("schema")
        if schema is not None:
            value = json.loads(data) if media == "application/json" else data.decode()
            Draft202012Validator(schema, resolver=RefResolver("", doc)).validate(value)
    return resp.status


@pytest.fixture(scope="module")
def arena_doc():
    return openapi(REPO_ROOT / "spec" / "arena.toml")


@pytest.mark.parametrize("method, path, headers, body, status", [
    ("GET", "/baseline11?a=13&b=42", None, None, 200),
    ("HEAD", "/baseline11?a=13&b=42", None, None, 200),
    ("POST", "/baseline11?a=13&b=42", {"Content-Type": "text/plain"}, b"20", 200),
    ("GET", "/baseline11?a=13", None, None, 400),
    ("GET", "/baseline11?a=x&b=1", None, None, 400),
    ("GET", "/pipeline", None, None, 200),
    # Only the head is sent: the server answers 413 on the Content-Length alone.
    ("GET", "/pipeline", {"Content-Type": "text/plain", "Content-Length": "2000000"}, None, 413),
    ("GET", "/baseline11?a=13&b=42", {"Content-Type": "text/plain"}, b"20", 200),
    ("GET", "/baseline11?a=13&b=42", {"Content-Type": "text/plain"}, b"abc", 400),
    ("GET", "/pipeline?" + "x" * 9000, None, None, 414),
    ("GET", "/json/3?m=2", None, None, 200),
    ("GET", "/json/0", None, None, 200),
    ("GET", "/json/5", {"Accept-Encoding": "identity"}, None, 200),
    ("GET", "/json/3?m=nope", None, None, 400),
    ("GET", "/json/3?m=9223372036854775807", None, None, 500),
    ("POST", "/upload", {"Content-Type": "application/octet-stream"}, b"x" * 5000, 200),
    ("GET", "/static/analytics.js", None, None, 200),
    ("GET", "/static/missing.css", None, None, 404),
    ("GET", "/ws", None, None, 400),
    ("HEAD", "/ws", None, None, 400),
    ("GET", "/ws", {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "12",
                    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, None, 426),
])
def test_arena_replies_match_the_document(server, arena_doc, method, path, headers, body, status):
    assert check(arena_doc, server.port, method, path, headers, body) == status


def test_websocket_upgrade_is_documented(server, arena_doc):
    """101 with a real handshake (http.client cannot speak frames; the status is enough)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/ws", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                            "Sec-WebSocket-Version": "13",
                                            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        resp = conn.getresponse()
        assert resp.status == 101
        assert "101" in operation(arena_doc, "GET", "/ws")["responses"]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def cons_server(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "constraints.toml", tmp_path_factory.mktemp("openapi-cons-build"))
    srv = start_server(tmp_path_factory.mktemp("openapi-cons"), name="openapi-cons", binary=binary)
    yield srv
    stop_server(srv)


@pytest.mark.parametrize("path, headers, status", [
    ("/items/5", {"X-Api-Key": "k-1234"}, 200),
    ("/items/0?limit=0&sort=size&q=A", {"X-Api-Key": "k-12", "X-N": "7"}, 400),
    ("/items/5", {}, 400),
])
def test_constraint_violations_match_the_document(cons_server, path, headers, status):
    doc = openapi(HERE / "specs" / "constraints.toml")
    assert check(doc, cons_server.port, "GET", path, headers) == status


def build_and_start(tmp_path_factory, spec, name, extra_args=()):
    """`ringspec build` (which also compiles the spec's handlers/), with ASan + UBSan when the
    suite runs against an ASan build, then the server."""
    out = tmp_path_factory.mktemp(f"{name}-build")
    sanitize = ["--sanitize"] if "asan" in str(server_binary()) else []
    r = subprocess.run([str(REPO_ROOT / "ringspec"), "build", str(spec), "-o", str(out), *sanitize],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return start_server(tmp_path_factory.mktemp(name), name=name, binary=out / "server", extra_args=extra_args)


BODIES = HERE / "specs" / "json_bodies" / "json_bodies.toml"


@pytest.fixture(scope="module")
def bodies_server(tmp_path_factory):
    srv = build_and_start(tmp_path_factory, BODIES, "openapi-bodies")
    yield srv
    stop_server(srv)


ORDER = {"customer": "ann", "qty": 2, "ship_to": {"city": "Oslo", "zip": 150},
         "lines": [{"sku": "ABC-1234", "qty": 1}]}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("path, headers, body, status", [
    ("/orders", JSON, ORDER, 201),
    ("/orders", JSON, {**ORDER, "note": None, "tags": ["a"], "priority": "high"}, 201),
    ("/orders", JSON, {**ORDER, "qty": 0, "lines": [], "extra": 1, "ship_to": {"city": "O", "zip": 1, "x": 2}}, 400),
    ("/orders", JSON, b'{"customer": ', 400),
    ("/orders", {"Content-Type": "text/plain"}, ORDER, 415),
    ("/ping", JSON, {"n": 3, "other": True}, 200),
    ("/ping", JSON, {"n": -1}, 400),
])
def test_json_bodies_match_the_document(bodies_server, path, headers, body, status):
    doc = openapi(BODIES)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    op = operation(doc, "POST", path)
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    request_ok = Draft202012Validator(schema, resolver=RefResolver("", doc)).is_valid(
        json.loads(data) if status != 400 or not isinstance(body, bytes) else None)
    # What the server accepts the request schema accepts; what it refuses as invalid, it refuses.
    assert request_ok == (status < 300) or status == 415
    assert check(doc, bodies_server.port, "POST", path, headers, data) == status


CATALOGUE = REPO_ROOT / "spec" / "examples" / "catalogue" / "catalogue.toml"


@pytest.fixture(scope="module")
def catalogue_server(tmp_path_factory):
    srv = build_and_start(tmp_path_factory, CATALOGUE, "openapi-catalogue",
                          extra_args=("--data-root", str(CATALOGUE.parent / "data")))
    yield srv
    stop_server(srv)


@pytest.mark.parametrize("path, status", [
    ("/products", 200),
    ("/products?category=books&min_price=500&max_price=2000&q=a&active=true&sort=-price&limit=5&offset=1", 200),
    ("/products?limit=0&sort=weight&active=maybe", 400),
    ("/products/3", 200),       # first(...): the item itself
    ("/products/99999", 404),   # ... else 404
    ("/categories", 200),
])
def test_catalogue_example_matches_the_document(catalogue_server, path, status):
    assert check(openapi(CATALOGUE), catalogue_server.port, "GET", path) == status

