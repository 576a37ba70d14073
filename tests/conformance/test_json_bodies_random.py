"""JSON request bodies under generated input (hypothesis), against the server built from
specs/json_bodies/json_bodies.toml:

* orders generated to satisfy every constraint of NewOrder are accepted, and the reply
  computes from the values sent (so parsing, typing and the expression are right);
* arbitrary JSON documents and byte-level corruptions of a valid body get 201 or a 400
  whose body is the violations reply (valid JSON, every entry where="body"), never
  anything else, and the server stays up (an ASan build checks memory on the way).
"""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build_spec_server, start_server, stop_server

HERE = Path(__file__).resolve().parent
SPEC = HERE / "specs" / "json_bodies" / "json_bodies.toml"
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    binary = build_spec_server(SPEC, tmp_path_factory.mktemp("json-random-build"))
    server = start_server(tmp_path_factory.mktemp("json-random"), name="json_random", binary=binary)
    yield server
    assert server.alive(), server.stderr()[-3000:]
    stop_server(server)


def post(srv, body: bytes):
    head = (b"POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    with srv.conn() as c:
        return c.request(head + body, method="POST")


def assert_answered(r):
    assert r.status in (201, 400), r
    if r.status == 400:
        doc = json.loads(r.body)
        assert doc["error"] == "invalid request" and doc["violations"], doc
        assert len(doc["violations"]) <= 32
        for v in doc["violations"]:
            assert v["in"] == "body" and isinstance(v["name"], str) and v["what"] and v["expected"], v


# -- valid orders -----------------------------------------------------------------------

ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=20)
unicode_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                       min_size=2, max_size=10).filter(lambda s: 2 <= len(s.encode()) <= 40)
sku = st.from_regex(r"[A-Z]{3}-[0-9]{4}", fullmatch=True)
line = st.fixed_dictionaries({"sku": sku, "qty": st.integers(1, 99)})
INT64 = st.integers(-(2**63), 2**63 - 1)
valid_order = st.fixed_dictionaries(
    {"customer": ascii_text, "qty": st.integers(1, 99), "ship_to": st.fixed_dictionaries(
        {"city": unicode_text, "zip": INT64}), "lines": st.lists(line, min_size=1, max_size=3)},
    optional={"priority": st.sampled_from(["low", "high", None]), "gift": st.booleans() | st.none(),
              "note": st.text(max_size=50).filter(lambda s: "\x00" not in s and len(s.encode()) <= 200) | st.none(),
              "tags": st.lists(st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), max_size=8),
                               max_size=2) | st.none(),
              "codes": st.lists(st.integers(0, 9), max_size=4) | st.none()})


@SETTINGS
@given(order=valid_order)
def test_orders_that_keep_every_constraint_are_accepted(srv, order):
    r = post(srv, json.dumps(order, ensure_ascii=bool(order["qty"] % 2)).encode())
    assert r.status == 201, (order, r)
    assert r.body == b"qty*2=%d zip=%d" % (order["qty"] * 2, order["ship_to"]["zip"])


# -- anything else ------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
keys = st.sampled_from(["customer", "qty", "priority", "gift", "note", "ship_to", "lines", "tags", "codes", "x"])


@SETTINGS
@given(doc=st.dictionaries(keys, json_values, max_size=10) | json_values)
def test_arbitrary_documents_get_201_or_the_violations_reply(srv, doc):
    assert_answered(post(srv, json.dumps(doc).encode()))


@SETTINGS
@given(order=valid_order, cut=st.integers(0, 400), junk=st.binary(max_size=6))
def test_corrupted_bodies_get_201_or_the_violations_reply(srv, order, cut, junk):
    text = json.dumps(order).encode()
    cut = min(cut, len(text))
    assert_answered(post(srv, text[:cut] + junk + text[cut + len(junk) // 2:]))
