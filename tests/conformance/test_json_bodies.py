"""JSON request bodies (spec v2) against a server built from
tests/conformance/specs/json_bodies/json_bodies.toml: body = { shape = ... } with
constraints on shape fields, nested shapes and arrays, parsed with libjansson into a typed
struct that a reply expression (body.qty) and a C handler (in->body) read. Every broken
field of a body is listed in one 400; malformed JSON is one violation with a byte offset;
415 for a body that is not application/json; 413 over body_limit; chunked bodies and
100-continue work as for any other body."""

import json
from pathlib import Path

import pytest

from conftest import build_spec_server, get, start_server, stop_server

HERE = Path(__file__).resolve().parent
SPEC = HERE / "specs" / "json_bodies" / "json_bodies.toml"
JSON = b"Content-Type: application/json\r\n"

VALID = {"customer": "ann", "qty": 3, "ship_to": {"city": "Oslo", "zip": 150},
         "lines": [{"sku": "ABC-1234", "qty": 2}]}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    binary = build_spec_server(SPEC, tmp_path_factory.mktemp("json-bodies-build"))
    server = start_server(tmp_path_factory.mktemp("json-bodies"), name="json_bodies", binary=binary)
    yield server
    assert server.alive(), server.stderr()[-3000:]
    stop_server(server)


def request(path, body, headers=JSON, method=b"POST", chunks=None):
    """Bytes of a request; chunks: a list of body pieces sent as chunks."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    head = method + b" " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n" + headers
    if chunks is not None:
        encoded = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + encoded + b"0\r\n\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def send(srv, path, body, **kw):
    with srv.conn() as c:
        return c.request(request(path, body, **kw), method=kw.get("method", b"POST").decode())


def violations(resp):
    assert resp.status == 400, resp
    assert resp.header("content-type") == "application/json"
    body = json.loads(resp.body)
    assert body["error"] == "invalid request"
    for v in body["violations"]:
        assert v["in"] == "body"  # [server.violations] renames "where"
    return [(v["name"], v["what"], v["expected"]) for v in body["violations"]]


def test_valid_body_reaches_the_reply_expression(srv):
    r = send(srv, "/orders", VALID)
    assert (r.status, r.body) == (201, b"qty*2=6 zip=150")


def test_handler_reads_the_typed_body_with_defaults(srv):
    r = send(srv, "/orders/summary", VALID)
    assert r.status == 200, r
    assert r.body == (b"customer=ann priority=low gift=0 note=(none) city=Oslo lines=1 units=2 "
                      b"tags=0 codes=0 first_sku=ABC-1234\n")


def test_handler_reads_every_field_given(srv):
    order = dict(VALID, customer="Zo\u00eb", priority="high", gift=True, note="ring twice",
                 lines=[{"sku": "ABC-1234", "qty": 2}, {"sku": "XYZ-0001", "qty": 40}],
                 tags=["a", "b"], codes=[0, 9, 9])
    r = send(srv, "/orders/summary", order, method=b"PUT")
    assert r.status == 200, r
    assert r.body.decode() == ("customer=Zo\u00eb priority=high gift=1 note=ring twice city=Oslo lines=2 "
                               "units=42 tags=2 codes=3 first_sku=ABC-1234\n")


def test_escaped_strings_are_decoded_before_checks(srv):
    # "\u0041BC-1234" is ABC-1234 once decoded: the pattern sees the decoded value.
    body = json.dumps(VALID).replace("ABC-1234", "\\u0041BC-1234").replace('"ann"', '"a\\"n"')
    r = send(srv, "/orders/summary", body)
    assert r.status == 200, r
    assert b'customer=a"n ' in r.body and b"first_sku=ABC-1234" in r.body


def test_null_is_absent_for_an_optional_field_and_a_type_error_otherwise(srv):
    assert send(srv, "/orders", dict(VALID, note=None, tags=None)).status == 201
    assert violations(send(srv, "/orders", dict(VALID, qty=None))) == [("qty", "type", "an integer")]


def test_every_violation_is_listed(srv):
    bad = {"customer": "", "qty": 0, "priority": "mid", "gift": 1, "note": 5,
           "ship_to": {"city": "O"}, "lines": [{"sku": "abc", "qty": 100}, {"qty": "x"}, {}, {}],
           "tags": ["a", "toolongtag", "c"], "codes": [1, 10, 2.5], "extra": 1}
    assert violations(send(srv, "/orders", bad)) == [
        ("customer", "min_length", "at least 1 bytes"),
        ("qty", "min", ">= 1"),
        ("priority", "enum", 'one of: "low", "high"'),
        ("gift", "type", "true or false"),
        ("note", "type", "a string"),
        ("ship_to.city", "min_length", "at least 2 bytes"),
        ("ship_to.zip", "missing", "an integer"),
        ("lines", "max_items", "at most 3 items"),
        ("lines[0].sku", "pattern", "matches [A-Z]{3}-[0-9]{4}"),
        ("lines[0].qty", "max", "<= 99"),
        ("lines[1].sku", "missing", "a string"),
        ("lines[1].qty", "type", "an integer"),
        ("lines[2].sku", "missing", "a string"),
        ("lines[2].qty", "missing", "an integer"),
        ("tags", "max_items", "at most 2 items"),
        ("tags[1]", "max_length", "at most 8 bytes"),
        ("codes[1]", "max", "<= 9"),
        ("codes[2]", "type", "an integer"),
        ("extra", "unknown", "one of: customer, qty, priority, gift, note, ship_to, lines, tags, codes"),
    ]


@pytest.mark.parametrize("change, expected", [
    ({"customer": None}, [("customer", "type", "a string")]),
    ({"qty": "3"}, [("qty", "type", "an integer")]),
    ({"qty": 3.0}, [("qty", "type", "an integer")]),  # 3.0 is a real to JSON parsers
    ({"customer": "x" * 21}, [("customer", "max_length", "at most 20 bytes")]),
    ({"customer": "\u00e9" * 11}, [("customer", "max_length", "at most 20 bytes")]),  # 22 bytes
    ({"lines": []}, [("lines", "min_items", "at least 1 items")]),
    ({"lines": {}}, [("lines", "type", "an array of an object (Line)")]),
    ({"ship_to": [1]}, [("ship_to", "type", "an object (Address)")]),
    ({"ship_to": {"city": "Oslo", "zip": 1, "street": "x"}}, [("ship_to.street", "unknown", "one of: city, zip")]),
])
def test_each_violation(srv, change, expected):
    assert violations(send(srv, "/orders", dict(VALID, **change))) == expected


def test_missing_fields(srv):
    assert violations(send(srv, "/orders", {"customer": "ann"})) == [
        ("qty", "missing", "an integer"),
        ("ship_to", "missing", "an object (Address)"),
        ("lines", "missing", "an array of an object (Line)"),
    ]


def test_unknown_members_allowed_with_additional(srv):
    r = send(srv, "/ping", {"n": 4, "zz": [1, {"deep": True}]})
    assert (r.status, r.body) == (200, b"pong 4")
    assert violations(send(srv, "/ping", {"n": -1})) == [("n", "min", ">= 0")]


@pytest.mark.parametrize("body, offset, reason", [
    (b'{"customer": "ann", "qty": 3', 28, "'}' expected near end of file"),           # truncated
    (b'{"qty": 3} x', 12, "end of file expected near 'x'"),                           # trailing garbage
    (b'{"qty": 3, "qty": 4}', 16, "duplicate object key near '\"qty\"'"),
    (b'{"qty": 99999999999999999999}', 28, "too big integer near '99999999999999999999'"),
    (b'{"qty": 1e400}', 13, "real number overflow near '1e400'"),
    (b'{"customer": "a\xff"}', 15, "unable to decode byte 0xff near '\"a'"),          # invalid UTF-8
    (b'{"customer": "a\\u0000"}', 22, "\\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000\"'"),
    (b"[1, 2]", None, None),                                                           # not an object
])
def test_malformed_json_is_one_violation_with_the_byte_offset(srv, body, offset, reason):
    v = violations(send(srv, "/orders", body))
    if offset is None:
        assert v == [("", "type", "a JSON object")]
    else:
        assert v == [("", "malformed", f"valid JSON (byte {offset}: {reason})")]


def test_nesting_bomb_is_refused_and_cheap(srv):
    bomb = b'{"customer": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    v = violations(send(srv, "/orders", bomb))
    assert len(v) == 1 and v[0][:2] == ("", "malformed"), v
    assert "maximum parsing depth reached" in v[0][2] or "memory" in v[0][2], v


def test_costly_structure_is_refused_by_the_memory_budget(srv):
    # 300 KB of empty objects would cost jansson ~74 bytes per input byte: over the budget.
    costly = b'{"customer": [' + b",".join([b"{}"] * 100_000) + b"]}"
    v = violations(send(srv, "/orders", costly))
    assert len(v) == 1 and v[0][:2] == ("", "malformed") and "memory" in v[0][2], v
    assert send(srv, "/orders", VALID).status == 201


def test_missing_body(srv):
    with srv.conn() as c:
        r = c.request(b"POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", method="POST")
    assert violations(r) == [("", "missing", "a JSON object")]


@pytest.mark.parametrize("content_type", [b"application/json; charset=utf-8", b"Application/JSON",
                                          b"application/json ;charset=UTF-8"])
def test_json_media_type_with_parameters_is_accepted(srv, content_type):
    r = send(srv, "/orders", VALID, headers=b"Content-Type: " + content_type + b"\r\n")
    assert r.status == 201, r


@pytest.mark.parametrize("headers", [b"Content-Type: text/plain\r\n", b"", b"Content-Type: application/jsonx\r\n",
                                     b"Content-Type: application/x-www-form-urlencoded\r\n"])
def test_body_that_is_not_json_is_415(srv, headers):
    with srv.conn() as c:
        r = c.request(request("/orders", VALID, headers=headers), method="POST")
        assert r.status == 415, r
        assert b"application/json" in r.body
        assert not r.closes  # the body was read: the connection carries on
        assert c.request(request("/orders", VALID), method="POST").status == 201


def test_body_over_the_limit_is_413(srv):
    with srv.conn() as c:
        r = c.request(request("/ping", {"n": 1, "pad": "x" * 64}), method="POST")
        assert r.status == 413
    with srv.conn() as c:  # chunked: refused once the chunks exceed the limit
        r = c.request(request("/ping", b"", chunks=[b'{"n": 1, ', b'"pad": "' + b"x" * 80 + b'"}']), method="POST")
        assert r.status == 413
    assert send(srv, "/ping", {"n": 7}).body == b"pong 7"


def test_chunked_body_split_anywhere(srv):
    text = json.dumps(VALID).encode()
    pieces = [text[i:i + 7] for i in range(0, len(text), 7)]
    with srv.conn() as c:
        r = c.request(request("/orders", b"", chunks=pieces), method="POST")
        assert (r.status, r.body) == (201, b"qty*2=6 zip=150")
        # and byte by byte on the wire, keep-alive after it
        raw = request("/orders", b"", chunks=[text[:10], text[10:]])
        c.send_slowly([raw[i:i + 1] for i in range(len(raw))], 0)
        r = c.read_response(method="POST")
        assert (r.status, r.body) == (201, b"qty*2=6 zip=150")


def test_expect_100_continue(srv):
    text = json.dumps(VALID).encode()
    with srv.conn() as c:
        c.send(b"POST /orders HTTP/1.1\r\nHost: localhost\r\n" + JSON +
               b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(text))
        interim = c.read_response(method="POST", check=False)
        assert interim.status == 100
        c.send(text)
        r = c.read_response(method="POST")
        assert (r.status, r.body) == (201, b"qty*2=6 zip=150")
    with srv.conn() as c:  # not JSON: refused without inviting the body
        c.send(b"POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
               b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(text))
        r = c.read_response(method="POST")
        assert r.status == 415


def test_violation_keeps_the_connection(srv):
    with srv.conn() as c:
        r = c.request(request("/orders", {"qty": 0}), method="POST")
        assert r.status == 400 and not r.closes
        r = c.request(request("/orders", VALID), method="POST")
        assert r.status == 201


def test_pipelined_bodies_answered_in_order(srv):
    good = request("/orders", VALID)
    bad = request("/orders", b"{")
    with srv.conn() as c:
        c.send(good + bad + good)
        statuses = [r.status for r in c.read_responses(["POST"] * 3)]
    assert statuses == [201, 400, 201]


def test_get_on_a_body_route_is_405(srv):
    with srv.conn() as c:
        r = c.request(get("/orders"))
    assert r.status == 405 and r.header("allow") == "POST"


def test_many_bodies_with_curl(srv):
    """A real client, many requests on a few connections: no leak shows up as a failure
    or in the sanitizer log checked at shutdown."""
    import subprocess
    text = json.dumps(VALID)
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\n", "-H", "Content-Type: application/json"]
    urls = []
    for i in range(60):
        urls += ["--next", *args[1:], "--data-binary", text if i % 3 else "{\"qty\": 0}",
                 f"http://127.0.0.1:{srv.port}/orders"]
    out = subprocess.run(["curl", *urls[1:]], capture_output=True, text=True, timeout=30)
    codes = out.stdout.split()
    assert codes == ["400" if i % 3 == 0 else "201" for i in range(60)], out.stderr


def test_in_spec_cases_pass(tmp_path):
    """The spec's own [[route.test]] cases, run by `ringspec test` (same build flavour)."""
    import subprocess
    from conftest import REPO_ROOT, server_binary
    sanitize = ["--sanitize"] if "asan" in str(server_binary()) else []
    r = subprocess.run([str(REPO_ROOT / "ringspec"), "test", str(SPEC), "-o", str(tmp_path / "build"), *sanitize],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "8 passed, 0 failed" in r.stdout + r.stderr


def test_body_cut_off_by_the_client_or_the_body_timeout(srv):
    """The buffered body is freed when the client goes away or stalls mid-body (an ASan
    build reports a leak at shutdown otherwise); others are served meanwhile."""
    text = json.dumps(VALID).encode()
    head = (b"POST /orders HTTP/1.1\r\nHost: localhost\r\n" + JSON + b"Content-Length: %d\r\n\r\n" % len(text))
    for _ in range(5):
        c = srv.conn()
        c.send(head + text[:40])
        c.close()
    with srv.conn() as c:
        c.send(head + text[:40])
        r = c.read_response(method="POST", deadline=8)
        assert r.status == 408 and r.closes
    assert send(srv, "/orders", VALID).status == 201


def test_at_most_32_violations_are_listed(srv):
    many = dict(VALID, **{f"k{i}": i for i in range(40)})
    v = violations(send(srv, "/orders", many))
    assert v == [(f"k{i}", "unknown", "one of: customer, qty, priority, gift, note, ship_to, lines, tags, codes")
                 for i in range(32)]


def test_deep_nesting_then_garbage_does_not_take_the_server_down(srv):
    """Found by fuzz_json_body: 2085 '[' then junk. When jansson's allocations were capped
    mid-parse, its lexer hit an assert() and the process aborted; the cost is now
    estimated before jansson runs."""
    seed = (HERE.parent / "fuzz" / "seeds-json_body" / "deep-then-garbage.json").read_bytes()
    for path in ("/orders", "/orders/summary"):
        v = violations(send(srv, path, seed[1:]))
        assert len(v) == 1 and v[0][:2] == ("", "malformed"), v
    assert send(srv, "/orders", VALID).status == 201
