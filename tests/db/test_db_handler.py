"""Statements from C handlers (tests/db/specs/handlers/stock.c): rs_db_run sends
sql.item_by_id and parks the request; the handler's callback writes the response from the
row. Over HTTP/1.1 (pipelined order kept) and HTTP/2, 404 without a row, 503 without the
database, and requests whose statement had to queue (the handler runs again)."""

import json
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from h2client import H2  # noqa: E402

from db_server import Server, items_from_psql, wait_for_rows  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402
from test_h2_db import responses  # noqa: E402

ROW = ("SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count FROM items "
       "WHERE id = {};")


def expected(pg, item_id: int) -> dict:
    [item] = items_from_psql(pg, ROW.format(item_id))
    q = item["quantity"]
    return {"id": item_id, "quantity": q, "in_stock": q > 0, "reserve": 2 * q}


def test_the_callback_answers_from_the_row(server, pg):
    for item_id in (1, 42, 99999):
        assert server.get_json(f"/stock/{item_id}") == expected(pg, item_id)
    assert server.get("/stock/999999")[0] == 404


def test_pipelined_behind_and_before_a_handler_statement(server, pg):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /stock/5 HTTP/1.1\r\nHost: t\r\n\r\n"
                  b"GET /plain HTTP/1.1\r\nHost: t\r\n\r\n"
                  b"GET /stock/6 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    bodies = [part.split(b"\r\n\r\n", 1)[1] for part in data.split(b"HTTP/1.1 200 OK\r\n")[1:]]
    assert [json.loads(bodies[0]), bodies[1], json.loads(bodies[2])] == [expected(pg, 5), b"ok", expected(pg, 6)]


def test_over_h2_with_statements_queued(pg_running, server_binary):
    """One pool connection: of 60 streams, those past its 16 in flight queue, and their
    handler runs again when there is room. Each gets its own row."""
    s = Server(server_binary, pg_running.url, max_conn=1, args=("--max-connections", "4"))
    try:
        assert wait_for_rows(s, "/async-db?limit=1", 10), s.output()
        client = H2(s.port)
        try:
            ids = {client.request(f"/stock/{n}"): n for n in range(300, 360)}
            got, _ = responses(client, list(ids))
        finally:
            client.sock.close()
        assert {sid: json.loads(got[sid][2]) for sid in ids} == {sid: expected(pg_running, n) for sid, n in ids.items()}
    finally:
        out = s.stop()
    assert "answered nothing" not in out and "handler" not in out


def test_without_a_database_the_callback_says_503(server_binary):
    cluster = PgCluster(rows=10).init()  # not started
    try:
        s = Server(server_binary, cluster.url)
        try:
            assert s.get("/stock/1")[0] == 503
        finally:
            out = s.stop()
        assert "answered nothing" not in out
    finally:
        cluster.destroy()
