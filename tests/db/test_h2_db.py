"""HTTP/2 streams that wait on the database (h2c with prior knowledge, python3-h2): a stream
whose statement is slow stays open while the connection's other streams are answered; its
answer arrives on it later; a write and the cache work over HTTP/2 as over HTTP/1.1; a
stream the client resets while it waits is dropped without harm."""

import json
import sys
import time
from pathlib import Path

import h2.events

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from h2client import H2  # noqa: E402

from db_server import Server, items_from_psql, wait_for_rows  # noqa: E402

ROW = ("SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count FROM items "
       "WHERE id = {};")


def responses(client: H2, ids: list, deadline: float = 15.0) -> tuple:
    """({stream: (status, headers, body)}, [stream ids in the order they ended])."""
    ended, heads, bodies = [], {}, {sid: b"" for sid in ids}

    def done():
        return all(sid in ended for sid in ids)

    end = time.monotonic() + deadline
    while not done() and not client.closed and time.monotonic() < end:
        for ev in client.read(max(0.1, end - time.monotonic())):
            if isinstance(ev, h2.events.ResponseReceived):
                heads[ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                bodies[ev.stream_id] += ev.data
            elif isinstance(ev, h2.events.StreamEnded):
                ended.append(ev.stream_id)
    out = {sid: (int(heads[sid][":status"]), heads[sid], bodies[sid]) for sid in ended if sid in heads}
    return out, ended


def test_other_streams_finish_while_one_waits_on_a_slow_statement(server, pg):
    [item1] = items_from_psql(pg, ROW.format(1))
    [item42] = items_from_psql(pg, ROW.format(42))
    client = H2(server.port)
    try:
        started = time.monotonic()
        slow = client.request("/slow?ms=1500")
        plain = client.request("/plain")
        fast = client.request("/items/42")
        listing = client.request("/async-db?limit=3")
        got, order = responses(client, [slow, plain, fast, listing])
        elapsed = time.monotonic() - started
    finally:
        client.sock.close()
    assert order[-1] == slow and set(order[:3]) == {plain, fast, listing}, order
    assert got[plain][0] == 200 and got[plain][2] == b"ok"
    assert got[fast][0] == 200 and json.loads(got[fast][2]) == item42
    assert got[listing][0] == 200 and json.loads(got[listing][2])["count"] == 3
    assert got[slow][0] == 200 and json.loads(got[slow][2]) == item1
    assert elapsed >= 1.4


def test_many_streams_wait_together(server):
    """More streams than the pool has pipeline slots free at once: all answered, each with
    its own row."""
    client = H2(server.port)
    try:
        ids = {client.request(f"/items/{n}"): n for n in range(100, 160)}
        got, _ = responses(client, list(ids))
    finally:
        client.sock.close()
    assert sorted(json.loads(got[sid][2])["id"] for sid in ids) == list(range(100, 160))


def test_queued_streams_outnumber_connections(pg_running, server_binary):
    """One pool connection (16 statements in flight) and room for 4 client connections: the
    queue of waiting requests starts at one entry per connection, and an HTTP/2 connection
    parks many streams, so it grows (within the worker's budget). Every stream gets its row,
    none a 503 for want of queue room."""
    s = Server(server_binary, pg_running.url, max_conn=1, args=("--max-connections", "4"))
    try:
        assert wait_for_rows(s, "/async-db?limit=1", 10), s.output()
        client = H2(s.port)
        try:
            ids = {client.request(f"/items/{n}"): n for n in range(200, 260)}
            got, _ = responses(client, list(ids))
        finally:
            client.sock.close()
        assert sorted((got[sid][0], json.loads(got[sid][2])["id"]) for sid in ids) == [(200, n) for n in range(200, 260)]
    finally:
        s.stop()


def test_write_and_cache_over_h2(server, pg):
    [before] = items_from_psql(pg, ROW.format(90))
    client = H2(server.port)
    try:
        body = json.dumps({"name": "h2 item", "category": "t", "price": 7, "quantity": 3}).encode()
        first = client.request("/crud/items/90")
        got, _ = responses(client, [first])
        assert got[first][1]["x-cache"] in ("MISS", "HIT")
        put = client.request("/crud/items/90", method="PUT", body=body,
                             headers=[("content-type", "application/json"), ("content-length", str(len(body)))])
        got, _ = responses(client, [put])
        assert got[put][0] == 200 and json.loads(got[put][2])["name"] == "h2 item"
        again = client.request("/crud/items/90")
        got, _ = responses(client, [again])
        assert got[again][1]["x-cache"] == "MISS" and json.loads(got[again][2])["name"] == "h2 item"
    finally:
        client.sock.close()
        pg.psql(f"UPDATE items SET name = '{before['name']}', price = {before['price']}, "
                f"quantity = {before['quantity']} WHERE id = 90;")


def test_a_stream_reset_while_it_waits(server):
    client = H2(server.port)
    try:
        slow = client.request("/slow?ms=500")
        client.h2.reset_stream(slow)
        client.flush()
        after = client.request("/items/7")
        got, _ = responses(client, [after])
        assert json.loads(got[after][2])["id"] == 7
        time.sleep(0.7)  # the slow answer arrives for a stream that is gone
        last = client.request("/plain")
        got, _ = responses(client, [last])
        assert got[last][2] == b"ok"
    finally:
        client.sock.close()
    assert server.alive()
