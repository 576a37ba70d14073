"""Typed responses and named errors against running servers: the inventory example
(spec/examples/inventory: several typed responses, named errors, stock shared by the
worker threads) and tests/conformance/specs/typed (a custom [error_body], text and array
responses, compression, and handlers that break their route's contract on purpose: each
must answer 500 and be logged once)."""

import gzip
import http.client
import json
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, build_spec_server, get, start_server, stop_server

HERE = Path(__file__).resolve().parent


def serve(tmp_path_factory, spec, name):
    binary = build_spec_server(spec, tmp_path_factory.mktemp(f"{name}-build"))
    return start_server(tmp_path_factory.mktemp(name), name=name, binary=binary)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    srv = serve(tmp_path_factory, REPO_ROOT / "spec" / "examples" / "inventory" / "inventory.toml", "inventory")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    srv = serve(tmp_path_factory, HERE / "specs" / "typed" / "typed.toml", "typed")
    yield srv
    stop_server(srv)


def ask(srv, method, target, body=None, headers=None):
    """One request through http.client; returns (status, headers dict, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        c.request(method, target, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def ask_json(srv, method, target, body=None):
    status, headers, data = ask(srv, method, target, body)
    assert headers["content-type"] == "application/json", headers
    assert int(headers["content-length"]) == len(data)
    return status, json.loads(data)


# -- the inventory example --------------------------------------------------------------


def test_item_200(inventory):
    assert ask_json(inventory, "GET", "/items/1") == (200, {"id": 1, "name": "espresso beans 1 kg", "in_stock": 12})


def test_unknown_item_is_the_named_404(inventory):
    for target in ("/items/0", "/items/6", "/items/-3"):
        assert ask_json(inventory, "GET", target) == (404, {"error": "not_found", "message": "no such item"})


def test_list_is_an_array_of_items(inventory):
    status, items = ask_json(inventory, "GET", "/items")
    assert status == 200
    assert [i["id"] for i in items] == [1, 2, 3, 4, 5]
    assert items[3] == {"id": 4, "name": "milk jug 600 ml", "in_stock": 0}


def test_head_has_the_length_of_the_get(inventory):
    _, _, body = ask(inventory, "GET", "/items/5")
    status, headers, head_body = ask(inventory, "HEAD", "/items/5")
    assert (status, head_body) == (200, b"")
    assert int(headers["content-length"]) == len(body)


def test_reserve_201_then_409_with_detail(inventory):
    # item 3 starts with 3 units; nothing else in this module reserves it
    assert ask_json(inventory, "POST", "/items/3/reserve?quantity=2") == (201, {"item": 3, "quantity": 2, "left": 1})
    assert ask_json(inventory, "POST", "/items/3/reserve?quantity=2") == (
        409, {"error": "out_of_stock", "message": "not enough stock", "detail": "1 left"})
    assert ask_json(inventory, "GET", "/items/3")[1]["in_stock"] == 1
    assert ask_json(inventory, "POST", "/items/9/reserve")[0] == 404


def test_restock_200_and_422(inventory):
    assert ask_json(inventory, "POST", "/items/5/restock", body=b"5") == (
        200, {"id": 5, "name": "tamper 58 mm", "in_stock": 30})
    status, body = ask_json(inventory, "POST", "/items/5/restock", body=b"0")
    assert (status, body["error"], body["detail"]) == (422, "bad_quantity", "a delivery is 1..1000000 units")
    assert ask_json(inventory, "POST", "/items/77/restock", body=b"1")[0] == 404


def test_constraints_still_answer_400_before_the_handler(inventory):
    status, body = ask_json(inventory, "POST", "/items/1/reserve?quantity=101")
    assert status == 400 and body["violations"][0]["name"] == "quantity"


def test_concurrent_reservations_never_oversell(inventory):
    """Item 2 has 200 units; 8 threads x 40 reservations of 1 on fresh connections spread
    over both workers. Exactly 200 succeed, the rest get 409, and the stock ends at 0."""
    results, lock = [], threading.Lock()

    def worker():
        mine = []
        for _ in range(40):
            status, body = ask_json(inventory, "POST", "/items/2/reserve")
            mine.append((status, body.get("left")))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 320
    ok = [left for status, left in results if status == 201]
    assert len(ok) == 200 and sorted(ok) == list(range(200))  # every count seen exactly once
    assert all(status == 409 for status, _ in results if status != 201)
    assert ask_json(inventory, "GET", "/items/2")[1]["in_stock"] == 0


# -- typed.toml: shapes, text, arrays, [error_body], compression --------------------------


def test_shape_response_escapes_strings(typed):
    assert ask_json(typed, "GET", "/point/1") == (200, {"x": 1, "label": 'one "quoted"\n'})
    assert ask_json(typed, "GET", "/point/4") == (200, {"x": 0, "label": ""})


def test_text_response_keeps_its_content_type(typed):
    status, headers, body = ask(typed, "GET", "/point/2")
    assert (status, body) == (202, b"accepted 2")
    assert headers["content-type"] == "text/plain; charset=utf-8"


def test_error_body_members_come_from_the_spec(typed):
    assert ask_json(typed, "GET", "/point/3") == (410, {"code": "gone", "msg": "it left", "status": 410})
    assert ask_json(typed, "GET", "/point/9") == (
        410, {"code": "gone", "msg": "it left", "status": 410, "why": 'n "was"\tbad'})


def test_array_response_is_compressed_when_asked(typed):
    status, headers, plain = ask(typed, "GET", "/big/1000")
    assert status == 200 and headers["vary"] == "Accept-Encoding" and "content-encoding" not in headers
    points = json.loads(plain)
    assert len(points) == 1000 and points[999] == {"x": 999, "label": "a point on a line"}
    status, headers, packed = ask(typed, "GET", "/big/1000", headers={"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and len(packed) < len(plain) // 10
    assert gzip.decompress(packed) == plain


def log_lines(srv, needle):
    return [line for line in srv.stderr().splitlines() if needle in line]


@pytest.mark.parametrize("target, needle", [
    ("/nothing", "handler nothing (GET, HEAD /nothing): returned no response"),
    ("/undeclared", "handler undeclared (GET, HEAD /undeclared): returned status 429 error busy, "
                    "which the route does not declare"),
    ("/mismatch", "handler mismatch (GET, HEAD /mismatch): returned 200 but prepared 410 error gone last"),
    ("/forged", "handler forged (GET, HEAD /forged): returned 200 without preparing it"),
    ("/untyped", "handler untyped (GET, HEAD /untyped): answered nothing"),
    ("/borrowed", "handler borrowed (GET, HEAD /borrowed): returned status 200 of another route, "
                  "which the route does not declare"),
])
def test_contract_breaches_answer_500_and_log_once(typed, target, needle):
    for _ in range(3):
        status, _, _ = ask(typed, "GET", target)
        assert status == 500
    deadline = time.monotonic() + 2
    while not log_lines(typed, needle) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(log_lines(typed, needle)) == 1, typed.stderr()[-2000:]
    # the connection that got the 500 is still usable, like after any other reply
    with typed.conn() as c:
        assert c.request(get(target)).status == 500
        assert c.request(get("/point/1")).status == 200


def test_a_raw_reply_on_a_typed_route_is_sent_but_logged_once(typed):
    for _ in range(2):
        assert ask(typed, "GET", "/raw")[::2] == (200, b"raw")  # already queued: cannot be taken back
    needle = "handler raw (GET, HEAD /raw): wrote a 200 reply itself instead of returning a typed response"
    deadline = time.monotonic() + 2
    while not log_lines(typed, needle) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(log_lines(typed, needle)) == 1, typed.stderr()[-2000:]


def test_openapi_documents_every_answer_of_the_example(inventory):
    """`ringspec openapi` lists each declared response and named error with its schema; each
    live answer validates against it (the checks of test_openapi_live.py). Item 5 gets one
    unit reserved and one delivered, so its stock ends where it started."""
    from test_openapi_live import check, openapi

    doc = openapi(REPO_ROOT / "spec" / "examples" / "inventory" / "inventory.toml")
    reserve = doc["paths"]["/items/{id}/reserve"]["post"]["responses"]
    assert {"201", "404", "409", "500"} <= set(reserve)
    assert reserve["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Reservation"}
    cases = [("GET", "/items", None, 200), ("GET", "/items/1", None, 200), ("GET", "/items/99", None, 404),
             ("HEAD", "/items/1", None, 200), ("POST", "/items/4/reserve", None, 409),
             ("POST", "/items/99/reserve", None, 404), ("POST", "/items/5/reserve", None, 201),
             ("POST", "/items/5/restock", "1", 200), ("POST", "/items/1/restock", "0", 422),
             ("POST", "/items/1/reserve?quantity=0", None, 400)]
    for method, path, body, status in cases:
        assert check(doc, inventory.port, method, path, body=body) == status, (method, path)
