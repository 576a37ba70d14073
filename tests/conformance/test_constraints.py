"""Spec v2 constraints enforced by the running server (tests/conformance/specs/constraints.toml):
required/default, int min/max/enum, string enum/length/pattern (Ragel matchers), on path,
query and header parameters. Every violation of a request is listed in one 400 JSON body
whose member names come from [server.violations]."""

import json
from pathlib import Path

import pytest

from conftest import build_spec_server, get, start_server, stop_server

HERE = Path(__file__).resolve().parent
KEY = b"X-Api-Key: k-1234\r\n"


@pytest.fixture(scope="module")
def cons_server(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "constraints.toml", tmp_path_factory.mktemp("constraints-build"))
    srv = start_server(tmp_path_factory.mktemp("constraints"), name="constraints", binary=binary)
    yield srv
    stop_server(srv)


def ask(srv, path, headers=KEY):
    with srv.conn() as c:
        return c.request(get(path, extra=headers))


def violations(resp):
    assert resp.status == 400, resp
    assert resp.header("content-type") == "application/json"
    body = json.loads(resp.body)
    assert body["error"] == "bad parameters"
    return [(v["in"], v["name"], v["what"], v["expected"]) for v in body["violations"]]


def test_valid_request_gets_defaults(cons_server):
    r = ask(cons_server, "/items/5")
    assert (r.status, r.body) == (200, b"5 10 name")  # limit default 10, sort default "name" (its text)


def test_valid_values(cons_server):
    r = ask(cons_server, "/items/1000?limit=100&sort=price&q=ab%5Fc-1")  # %5F decodes to "_"
    assert (r.status, r.body) == (200, b"1000 100 price")


@pytest.mark.parametrize("path, headers, expected", [
    ("/items/0", KEY, [("path", "id", "min", ">= 1")]),
    ("/items/1001", KEY, [("path", "id", "max", "<= 1000")]),
    ("/items/5?limit=0", KEY, [("query", "limit", "min", ">= 1")]),
    ("/items/5?limit=x", KEY, [("query", "limit", "type", "an integer")]),
    ("/items/5?limit=1&limit=2", KEY, [("query", "limit", "repeated", "at most one value")]),
    # a header parameter sent twice is repeated too: neither copy wins (issue 21)
    ("/items/5", KEY + b"X-N: 1\r\nx-n: 2\r\n", [("header", "x-n", "repeated", "at most one value")]),
    ("/items/5", KEY + KEY, [("header", "x-api-key", "repeated", "at most one value")]),
    ("/items/5?sort=size", KEY, [("query", "sort", "enum", "one of: price, name")]),
    ("/items/5?q=a", KEY, [("query", "q", "min_length", "at least 2 bytes")]),
    ("/items/5?q=" + "a" * 17, KEY, [("query", "q", "max_length", "at most 16 bytes")]),
    ("/items/5?q=Ab", KEY, [("query", "q", "pattern", "matches [a-z][a-z0-9_-]*")]),
    ("/items/5?q=a%zz", KEY, [("query", "q", "type", "valid percent-encoding")]),
    ("/items/5", b"", [("header", "x-api-key", "missing", "a string")]),
    ("/items/5", b"X-Api-Key: k-12\r\n", [("header", "x-api-key", "pattern", "matches k-\\d{4}")]),
    ("/items/5", KEY + b"X-N: 4\r\n", [("header", "x-n", "enum", "one of: 1, 2, 3")]),
])
def test_each_violation(cons_server, path, headers, expected):
    assert violations(ask(cons_server, path, headers)) == expected


def test_every_violation_is_listed(cons_server):
    r = ask(cons_server, "/items/0?limit=500&sort=x&q=QQ", b"X-N: x\r\n")
    assert violations(r) == [
        ("path", "id", "min", ">= 1"),
        ("query", "limit", "max", "<= 100"),
        ("query", "sort", "enum", "one of: price, name"),
        ("query", "q", "pattern", "matches [a-z][a-z0-9_-]*"),
        ("header", "x-api-key", "missing", "a string"),
        ("header", "x-n", "type", "an integer"),
    ]


def test_connection_stays_usable_after_violation(cons_server):
    with cons_server.conn() as c:
        assert c.request(get("/items/0", extra=KEY)).status == 400
        assert c.request(get("/items/2", extra=KEY)).body == b"2 10 name"
