"""Data queries compiled to C (tests/conformance/specs/queries.toml) against Python
computations over the same products.json: string tests, not, checked arithmetic, orders
with several keys, lets over lets, first() without else, windows, a header read as text."""

import http.client
import json
import urllib.parse
from pathlib import Path

import pytest

from catalogue_model import EXAMPLE, PRODUCTS
from conftest import build_spec_server, start_server, stop_server

SPEC = Path(__file__).resolve().parent / "specs" / "queries.toml"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    work = tmp_path_factory.mktemp("queries-build")
    binary = build_spec_server(SPEC, work)
    server = start_server(tmp_path_factory.mktemp("queries"), name="queries", binary=binary,
                          extra_args=("--data-root", str(EXAMPLE / "data")))
    yield server
    stop_server(server)


def get(srv, path, **params):
    headers = params.pop("headers", {})
    target = path + ("?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote) if params else "")
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        c.request("GET", target, headers=headers)
        r = c.getresponse()
        body = r.read()
        return r.status, (json.loads(body) if r.status == 200 else body)
    finally:
        c.close()


@pytest.mark.parametrize("p", ["Cast", "Pocket Atlas of", "cast", "", "Zzz", "Field Guide to Tea"])
def test_starts_with_and_two_key_order(srv, p):
    expected = [x for x in PRODUCTS if x["name"].startswith(p)]
    expected.sort(key=lambda x: x["price"])  # second key first: Python's sort is stable
    expected.sort(key=lambda x: x["name"], reverse=True)
    assert get(srv, "/prefix", p=p) == (200, expected)


@pytest.mark.parametrize("s", ["Tea", "tea", "e", "Oven", "é"])
def test_contains_is_case_sensitive_and_not_negates(srv, s):
    expected = sorted((x for x in PRODUCTS if s in x["name"] and not x["active"]), key=lambda x: x["stock"])
    assert get(srv, "/contains", s=s) == (200, {"items": expected})


@pytest.mark.parametrize("c", ["BOOKS", "books", "bamboo ladle", "book", "AUDIO"])
def test_iequals_folds_ascii_case(srv, c):
    expected = [x for x in PRODUCTS if x["category"].lower() == c.lower() or x["name"].lower() == c.lower()]
    assert get(srv, "/iequals", c=c) == (200, {"n": len(expected), "found": expected})


@pytest.mark.parametrize("k", [0, 1, 70, 100, 1000, -5])
def test_arithmetic_in_a_condition(srv, k):
    expected = [x for x in PRODUCTS if x["price"] * k > 1000000 and x["stock"] % 2 == 0][:5]
    assert get(srv, "/math", k=k) == (200, {"items": expected})


def test_overflow_in_a_condition_answers_500(srv):
    status, _ = get(srv, "/math", k=2**62)
    assert status == 500
    assert get(srv, "/math", k=1)[0] == 200  # and the server carries on


@pytest.mark.parametrize("c", ["books", "toys", "nothing"])
def test_first_without_else_is_null_and_windows_from_the_front(srv, c):
    matches = sorted((x for x in PRODUCTS if x["category"] == c), key=lambda x: x["price"])
    expected = {"cheapest": matches[0] if matches else None, "tail": PRODUCTS[177:]}
    assert get(srv, "/first", c=c) == (200, expected)


@pytest.mark.parametrize("under", [1000, 5000, 100000, 0])
def test_a_let_over_a_let_with_extra_fields(srv, under):
    live = [x for x in PRODUCTS if x["active"]]
    cheap = [x for x in live if x["price"] < under]
    page = sorted(cheap, key=lambda x: x["stock"], reverse=True)[1:3]
    items = [{**x, "value": x["price"] * x["stock"]} for x in page]
    assert get(srv, "/lets", under=under) == (200, {"live": len(live), "cheap": len(cheap), "items": items})


@pytest.mark.parametrize("cat", [None, "garden", "office", "x"])
def test_a_header_parameter_read_as_text(srv, cat):
    headers = {} if cat is None else {"X-Cat": cat}
    expected = len([x for x in PRODUCTS if cat is None or x["category"] == cat])
    assert get(srv, "/header", headers=headers) == (200, {"n": expected, "none": []})


def _c_div(a, b):
    """C's truncating division (Python's // floors)."""
    return abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)


@pytest.mark.parametrize("d", [None, 3, -7])
def test_is_absent_guards_a_division_by_the_absent_parameter(srv, d):
    # d absent reads as 0: without short-circuit, price / d fails for every item (500).
    params = {} if d is None else {"d": d}
    expected = [x for x in PRODUCTS if d is None or _c_div(x["price"], d) > 1000]
    assert get(srv, "/guard/absent", **params) == (200, {"items": sorted(expected, key=lambda x: x["id"])})


@pytest.mark.parametrize("k", [1, 3])
def test_or_guards_a_division_by_a_zero_field(srv, k):
    assert any(x["stock"] == 0 for x in PRODUCTS)  # the data has items the guard must skip
    expected = [x for x in PRODUCTS if x["stock"] == 0 or _c_div(x["price"] * k, x["stock"]) > 100]
    assert get(srv, "/guard/zero", k=k) == (200, {"items": expected})


def test_and_guards_a_nested_or(srv):
    # not (stock == 0) and (price % stock == 1 or price / (stock - k) > 9)
    def keep(x, k):
        if x["stock"] == 0:
            return False
        rem = x["price"] - x["stock"] * _c_div(x["price"], x["stock"])  # C's %
        return rem == 1 or _c_div(x["price"], x["stock"] - k) > 9

    assert get(srv, "/guard/and", k=0) == (200, {"items": [x for x in PRODUCTS if keep(x, 0)]})
    # k = 1: an item with stock 1 passes both guards, so price / (stock - 1) really divides by zero
    assert any(x["stock"] == 1 and x["price"] % 1 != 1 for x in PRODUCTS)
    assert get(srv, "/guard/and", k=1)[0] == 500


def test_an_empty_first_else_answers_before_a_later_fields_arithmetic(srv):
    assert get(srv, "/guard/first", i=999999, k=0)[0] == 404  # not 500: the 404 comes first
    assert get(srv, "/guard/first", i=1, k=0)[0] == 500  # found: then 1000 / 0 fails
    product = next(x for x in PRODUCTS if x["id"] == 1)
    assert get(srv, "/guard/first", i=1, k=7) == (200, {"item": product, "per": 142})
