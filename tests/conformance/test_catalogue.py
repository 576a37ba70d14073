"""The catalogue example (spec/examples/catalogue) against its running server: data
queries (where / order by / slices / let / first() else 404) compiled to C.

The spec's own [[route.test]] cases run through `ringspec test` (make test-specs); here:
* 400 seeded random queries compared with catalogue_model.py, an independent Python
  model of the same spec over the same file, item by item;
* request-scoped text: a string filter must survive the head's bytes being gone (a body
  arriving later) and pipelined requests must not see each other's values.
"""

import http.client
import json
import random
import time
import tomllib
import urllib.parse

import pytest

from catalogue_model import EXAMPLE, PRODUCTS, product, products
from conftest import build_spec_server, start_server, stop_server

SPEC = EXAMPLE / "catalogue.toml"
CASES = [(route["path"], case) for route in tomllib.loads(SPEC.read_text())["route"]
         for case in route.get("test", [])]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    work = tmp_path_factory.mktemp("catalogue-build")
    binary = build_spec_server(SPEC, work)
    srv = start_server(tmp_path_factory.mktemp("catalogue"), name="catalogue", binary=binary,
                       extra_args=("--data-root", str(EXAMPLE / "data")))
    yield srv
    stop_server(srv)


def fetch(srv, target, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        c.request("GET", target, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def test_the_spec_has_cases_for_every_route():
    """`ringspec test` runs them; they must cover every route, filters, pages and errors."""
    paths = {path for path, _ in CASES}
    assert paths == {"/products", "/products/{id:int}", "/categories", "/categories/{slug:string}"}
    assert len(CASES) >= 15
    statuses = {case["status"] for _, case in CASES}
    assert statuses == {200, 303, 400, 404, 405}  # 303: POST /categories redirects


def random_query(rng):
    params = {}
    if rng.random() < 0.4:
        params["category"] = rng.choice(["books", "kitchen", "garden", "toys", "office", "audio", "none"])
    if rng.random() < 0.3:
        params["min_price"] = rng.randrange(0, 16000, 50)
    if rng.random() < 0.3:
        params["max_price"] = rng.randrange(0, 16000, 50)
    if rng.random() < 0.3:
        params["q"] = rng.choice(["tea", "TEA", "cast iron", "o", "er", "x", "Atlas of", "é", "-"])
    if rng.random() < 0.3:
        params["active"] = rng.random() < 0.5
    if rng.random() < 0.6:
        params["sort"] = rng.choice(["id", "price", "-price", "name"])
    if rng.random() < 0.6:
        params["limit"] = rng.randint(1, 100)
    if rng.random() < 0.5:
        params["offset"] = rng.choice([0, 1, 5, 19, 20, 100, 179, 180, 181, 10**6])
    return params


def test_random_queries_match_the_model(catalogue):
    rng = random.Random(20261128)
    conn = http.client.HTTPConnection("127.0.0.1", catalogue.port, timeout=5)
    nonempty = 0
    try:
        for _ in range(400):  # bounded: 400 requests on one keep-alive connection
            params = random_query(rng)
            wire = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items()}
            target = "/products?" + urllib.parse.urlencode(wire, quote_via=urllib.parse.quote)
            conn.request("GET", target)
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200, (target, body)
            expected = products(**params)
            assert json.loads(body) == expected, target
            nonempty += bool(expected["items"])
    finally:
        conn.close()
    assert nonempty > 100  # the seed really exercises matches, not only empty pages


def test_every_product_by_id_and_misses(catalogue):
    conn = http.client.HTTPConnection("127.0.0.1", catalogue.port, timeout=5)
    try:
        for id in [*range(-1, 183), 2**62]:
            conn.request("GET", f"/products/{id}")
            r = conn.getresponse()
            body = r.read()
            expected = product(id)
            if expected is None:  # first(...) else not_found: the [error.not_found] body
                assert (r.status, r.getheader("Content-Type")) == (404, "application/json"), (id, body)
                assert json.loads(body) == {"error": "not_found", "message": "no such product"}
            else:
                assert (r.status, json.loads(body)) == (200, expected)
    finally:
        conn.close()


def test_string_filter_survives_a_body_that_arrives_later(catalogue):
    """The reply runs after the body; by then the head's receive buffer is gone, so
    the decoded q and category must live in request-scoped text."""
    with catalogue.conn() as c:
        c.send(b"GET /products?q=cast%20iron&category=kitchen&sort=name HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 5\r\n\r\nab")
        time.sleep(0.3)  # the head has been dispatched and its buffer recycled
        c.send(b"cde")
        r = c.read_response()
    assert r.status == 200
    assert json.loads(r.body) == products(q="cast iron", category="kitchen", sort="name")


def test_pipelined_requests_keep_their_own_text(catalogue):
    queries = ["tea", "iron", "robot", "lamp", "x", "Atlas"] * 3
    batch = b"".join(f"GET /products?q={q}&limit=100 HTTP/1.1\r\nHost: x\r\n\r\n".encode() for q in queries)
    with catalogue.conn() as c:
        c.send(batch)
        for q in queries:
            r = c.read_response()
            assert r.status == 200
            assert json.loads(r.body) == products(q=q, limit=100), q


def test_refused_request_then_a_good_one_on_the_same_connection(catalogue):
    with catalogue.conn() as c:
        c.send(b"GET /products?q=tea&limit=0 HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /products?q=tea HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_response().status == 400
        r = c.read_response()
    assert r.status == 200 and json.loads(r.body)["total"] == products(q="tea")["total"]


def test_longest_allowed_search_and_one_byte_more(catalogue):
    status, _, body = fetch(catalogue, "/products?q=" + "a" * 64)
    assert status == 200 and json.loads(body)["total"] == 0
    status, _, body = fetch(catalogue, "/products?q=" + "a" * 65)
    assert status == 400 and json.loads(body)["violations"][0]["what"] == "max_length"


def test_the_data_is_what_the_model_reads():
    assert len(PRODUCTS) == 180 and [p["id"] for p in PRODUCTS] == list(range(1, 181))
