"""ARENA.md §3.4 (json) and §3.5 (json-comp): every validate.sh check, with random
counts and multipliers, plus content negotiation (RFC 9110 §12.5.3)."""

import gzip
import json
import random

import brotli
import pytest

from conftest import DATA_ROOT, RawConn, arena_request, get, run_curl

DATASET = json.loads((DATA_ROOT / "dataset.json").read_text())


def expected(count, m):
    items = [dict(item, total=item["price"] * item["quantity"] * m) for item in DATASET[:count]]
    return {"items": items, "count": len(items)}


def check_body(doc, count, m):
    """The validate.sh checks (count, every item has total, exact totals) and then the
    whole document against the dataset."""
    assert doc["count"] == count
    assert len(doc["items"]) == count
    for item in doc["items"]:
        assert "total" in item
        assert item["total"] == item["price"] * item["quantity"] * m
    assert doc == expected(count, m)


def decode(resp):
    coding = resp.header("content-encoding")
    if coding is None:
        return resp.body
    if coding == "gzip":
        return gzip.decompress(resp.body)
    assert coding == "br", coding
    return brotli.decompress(resp.body)


def fetch(conn, path, accept=None):
    extra = b"" if accept is None else b"Accept-Encoding: " + accept.encode() + b"\r\n"
    resp = conn.request(get(path, extra))
    assert resp.status == 200
    return resp


# --------------------------------------------------------------------------
# §3.4 json


@pytest.mark.parametrize("count,m", [(12, 3), (22, 7), (31, 2), (50, 5)])
def test_json_validate_pairs(server, count, m):
    r = run_curl(server.url(f"/json/{count}?m={m}"))
    assert r.status == 200
    check_body(json.loads(r.body), count, m)


def test_json_random_counts_and_multipliers(conn):
    rng = random.Random(4)
    for _ in range(60):
        count, m = rng.randint(0, 50), rng.randint(-1000, 100000)
        check_body(json.loads(fetch(conn, f"/json/{count}?m={m}").body), count, m)


def test_json_content_type(server):
    r = run_curl(server.url("/json/50?m=1"))
    assert r.header("content-type") == "application/json"


def test_json_exact_body_of_arena_example(conn):
    body = fetch(conn, "/json/1?m=3").body
    assert body == (b'{"items":[{"id":1,"name":"Alpha Widget","category":"electronics","price":328,'
                    b'"quantity":15,"active":true,"tags":["sale","heavy-duty","popular"],'
                    b'"rating":{"score":48,"count":53},"total":14760}],"count":1}')


@pytest.mark.parametrize("count,m,size", [(1, 3, 203), (5, 7, 888), (10, 2, 1695), (15, 5, 2556),
                                          (25, 4, 4190), (40, 8, 6707), (50, 6, 8397), (50, 1, 8357)])
def test_json_compact_sizes(conn, count, m, size):
    assert len(fetch(conn, f"/json/{count}?m={m}").body) == size


def test_json_m_defaults_to_one_and_count_clamps(conn):
    check_body(json.loads(fetch(conn, "/json/7").body), 7, 1)
    check_body(json.loads(fetch(conn, "/json/51?m=2").body), 50, 2)
    check_body(json.loads(fetch(conn, "/json/100000?m=2").body), 50, 2)
    check_body(json.loads(fetch(conn, "/json/-3?m=2").body), 0, 2)
    check_body(json.loads(fetch(conn, "/json/007?m=02").body), 7, 2)


def test_json_overflow_is_500(conn):
    resp = conn.request(get("/json/2?m=9223372036854775807"))
    assert resp.status == 500
    resp = conn.request(get("/json/0?m=9223372036854775807"))  # no item, no multiplication
    assert resp.status == 200


def test_json_bad_params(conn):
    assert conn.request(get("/json/abc")).status == 404
    assert conn.request(get("/json/1?m=x")).status == 400


@pytest.mark.parametrize("name", ["json-1.raw", "json-5.raw", "json-10.raw", "json-15.raw",
                                  "json-25.raw", "json-40.raw", "json-50.raw"])
def test_json_bench_templates(server, name):
    raw = arena_request(name)
    path = raw.split(b" ")[1].decode()
    count, m = int(path.split("/")[2].split("?")[0]), int(path.split("m=")[1])
    with RawConn(server.port) as c:
        resp = c.request(raw)
        assert resp.status == 200
        assert resp.header("content-encoding") is None
        check_body(json.loads(resp.body), count, m)


def test_json_head_has_length_no_body(conn):
    resp = conn.request(get("/json/3", method=b"HEAD"), method="HEAD")
    assert resp.status == 200
    assert int(resp.header("content-length")) == len(fetch(conn, "/json/3").body)


# --------------------------------------------------------------------------
# §3.5 json-comp


def test_comp_v1_content_encoding_raw(server):
    r = run_curl(server.url("/json/50?m=1"), "-H", "Accept-Encoding: gzip, br")
    assert r.header("content-encoding").split(",")[0].strip().lower() in ("gzip", "br")


@pytest.mark.parametrize("count,m", [(25, 3), (40, 7), (50, 2)])
def test_comp_v2_curl_compressed(server, count, m):
    r = run_curl(server.url(f"/json/{count}?m={m}"), "--compressed", "-H", "Accept-Encoding: gzip, br")
    assert r.status == 200
    check_body(json.loads(r.body), count, m)


def test_comp_v3_no_accept_encoding(server):
    r = run_curl(server.url("/json/50?m=1"))
    assert r.header("content-encoding") is None
    assert r.header("vary") == "Accept-Encoding"


@pytest.mark.parametrize("name", ["json-gzip-25.raw", "json-gzip-40.raw", "json-gzip-50.raw"])
def test_comp_bench_templates(server, name):
    raw = arena_request(name)
    path = raw.split(b" ")[1].decode()
    count, m = int(path.split("/")[2].split("?")[0]), int(path.split("m=")[1])
    with RawConn(server.port) as c:
        resp = c.request(raw)
        assert resp.header("content-encoding") in ("br", "gzip")
        # Really compressed: the default br quality 0 packs these bodies to 0.26-0.28 of their size.
        assert len(resp.body) < len(json.dumps(expected(count, m), separators=(",", ":"))) / 3
        check_body(json.loads(decode(resp)), count, m)


@pytest.mark.parametrize("accept,coding", [
    ("gzip, br", "br"),
    ("br", "br"),
    ("gzip", "gzip"),
    ("x-gzip", "gzip"),
    ("GZIP;Q=1", "gzip"),
    ("gzip;q=0, br", "br"),
    ("br;q=0, gzip", "gzip"),
    ("br;q=0.5, gzip;q=0.8", "gzip"),
    ("br;q=1, gzip;q=0.8", "br"),
    ("gzip;q=0.001", "gzip"),
    ("*", "br"),
    ("*;q=0.5, br;q=0", "gzip"),
    ("identity", None),
    ("", None),
    ("deflate, zstd", None),
    ("*;q=0", None),  # nothing acceptable: identity anyway (documented, no 406)
    ("*;q=0, identity;q=0", None),
    ("gzip;q=0.5, identity", None),  # identity preferred by the client
    ("gzip;q=2", None),  # a malformed element is ignored
    ("gzip;q=0.5000", None),
    ("br;level=3", "br"),  # other parameters are ignored
])
def test_negotiation(conn, accept, coding):
    resp = fetch(conn, "/json/9?m=3", accept)
    assert resp.header("content-encoding") == coding
    assert resp.header("vary") == "Accept-Encoding"
    check_body(json.loads(decode(resp)), 9, 3)


def test_negotiation_repeated_field_means_identity(conn):
    resp = conn.request(get("/json/2", b"Accept-Encoding: gzip\r\nAccept-Encoding: br\r\n"))
    assert resp.header("content-encoding") is None


def test_compressed_and_identity_bodies_agree_random(conn):
    rng = random.Random(5)
    for _ in range(30):
        count, m = rng.randint(0, 50), rng.randint(1, 1000)
        ident = json.loads(fetch(conn, f"/json/{count}?m={m}").body)
        for accept in ("gzip", "br"):
            resp = fetch(conn, f"/json/{count}?m={m}", accept)
            assert resp.header("content-encoding") == accept
            assert json.loads(decode(resp)) == ident


def test_pipelined_mixed_codings(conn):
    reqs = b"".join(get(f"/json/{n}?m=2", b"Accept-Encoding: " + a + b"\r\n")
                    for n, a in [(3, b"br"), (4, b"gzip"), (5, b"identity"), (6, b"br")])
    conn.send(reqs)
    resps = conn.read_responses(["GET"] * 4)
    assert [r.header("content-encoding") for r in resps] == ["br", "gzip", None, "br"]
    for n, r in zip((3, 4, 5, 6), resps):
        check_body(json.loads(decode(r)), n, 2)


def test_text_routes_do_not_vary(conn):
    resp = conn.request(get("/baseline11?a=1&b=2", b"Accept-Encoding: gzip, br\r\n"))
    assert resp.header("vary") is None
    assert resp.header("content-encoding") is None
