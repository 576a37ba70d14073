"""GET /async-db (ARENA.md §3.9) against the session Postgres: the reply is the rows psql
returns for the same query, serialized as the arena's items; parameters, defaults, the
limit clamp, pipelined order behind a parked request, and one bad statement."""

import json
import socket

import pytest

from db_server import items_from_psql

QUERY = ("SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count FROM items "
         "WHERE price BETWEEN {} AND {} LIMIT {};")


@pytest.mark.parametrize("low, high, limit", [(10, 50, 5), (10, 50, 10), (10, 50, 20), (10, 50, 35), (10, 50, 50),
                                              (5, 80, 7), (20, 150, 18), (100, 400, 33), (9999, 9999, 50)])
def test_reply_equals_psql(server, pg, low, high, limit):
    status, headers, body = server.get(f"/async-db?min={low}&max={high}&limit={limit}")
    assert status == 200 and headers["content-type"] == "application/json"
    expected = items_from_psql(pg, QUERY.format(low, high, limit))
    assert json.loads(body) == {"items": expected, "count": len(expected)}
    assert len(expected) == (0 if low == 9999 else limit)


def test_defaults_are_10_50_50(server, pg):
    assert server.get_json("/async-db") == {"items": (e := items_from_psql(pg, QUERY.format(10, 50, 50))),
                                            "count": len(e)}


@pytest.mark.parametrize("given, used", [(0, 1), (-5, 1), (51, 50), (1000, 50)])
def test_limit_is_clamped_to_1_50(server, given, used):
    assert server.get_json(f"/async-db?limit={given}")["count"] == used


def test_first_else_404(server, pg):
    [item] = items_from_psql(pg, QUERY.replace("price BETWEEN {} AND {} LIMIT {}", "id = 4242"))
    assert server.get_json("/items/4242") == item
    assert server.get("/items/100001")[0] == 404


def test_pipelined_requests_keep_their_order_behind_a_parked_one(server, pg):
    """A plain route pipelined behind two statements is answered after them, in order."""
    requests = (b"GET /async-db?limit=2 HTTP/1.1\r\nHost: t\r\n\r\n"
                b"GET /plain HTTP/1.1\r\nHost: t\r\n\r\n"
                b"GET /items/77 HTTP/1.1\r\nHost: t\r\n\r\n"
                b"GET /plain HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(requests)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    bodies = [part.split(b"\r\n\r\n", 1)[1] for part in data.split(b"HTTP/1.1 200 OK\r\n")[1:]]
    assert len(bodies) == 4, data
    assert json.loads(bodies[0])["count"] == 2
    assert bodies[1] == b"ok" and bodies[3] == b"ok"
    assert json.loads(bodies[2])["id"] == 77


def test_a_failing_statement_fails_only_its_request(server):
    """Division by zero in Postgres: that request gets the empty shape; the connection and
    the pool go on (the next requests, on the same pipeline, get their rows)."""
    good = server.get_json("/divided?d=4")
    assert good["count"] == 1 and good["items"][0]["id"] == 25
    assert server.get_json("/divided?d=0") == {"items": [], "count": 0}
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /divided?d=0 HTTP/1.1\r\nHost: t\r\n\r\n"
                  b"GET /divided?d=5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    bodies = [part.split(b"\r\n\r\n", 1)[1] for part in data.split(b"HTTP/1.1 200 OK\r\n")[1:]]
    assert json.loads(bodies[0]) == {"items": [], "count": 0}
    assert json.loads(bodies[1])["items"][0]["id"] == 20
    for _ in range(20):  # every connection of the pool still serves
        assert server.get_json("/divided?d=10")["items"][0]["id"] == 10
    assert "division by zero" in server.output()
