"""POST /crud/items (upsert, 201) and PUT /crud/items/{id} (update, 200 or 404), ARENA.md
§3.10, against the session Postgres: the JSON body's fields are the statement's parameters,
the reply is the row RETURNING gives (equal to psql's), a PUT drops the id's cache entry so
the next GET reads the new row, and a write the database did not confirm is a 503, never a
201 or 200."""

import json
import threading

import pytest

from db_server import Server, items_from_psql
from pg_cluster import PgCluster

ROW = ("SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count FROM items "
       "WHERE id = {};")


TOUCHED = "id BETWEEN 77 AND 81"  # the rows these tests change


@pytest.fixture(autouse=True)
def restore_rows(pg_running):
    """The session's table is shared with the other tests (test_seed checks its ranges): rows
    changed here are put back, rows added are removed."""
    pg_running.psql(f"DROP TABLE IF EXISTS items_saved; CREATE TABLE items_saved AS SELECT * FROM items WHERE {TOUCHED};")
    yield
    if pg_running.running():
        pg_running.psql("UPDATE items i SET name = s.name, category = s.category, price = s.price, quantity = s.quantity "
                        "FROM items_saved s WHERE i.id = s.id; DROP TABLE items_saved; DELETE FROM items WHERE id > 100000;")


def test_post_inserts_then_upserts(server, pg):
    pg.psql("DELETE FROM items WHERE id = 200001;")
    new = {"id": 200001, "name": "ValidateItem", "category": "test", "price": 42, "quantity": 7}
    status, headers, body = server.send("POST", "/crud/items", new)
    assert status == 201 and headers["content-type"] == "application/json", body
    [row] = items_from_psql(pg, ROW.format(200001))
    assert json.loads(body) == row == dict(new, active=True, tags=["bench"], rating={"score": 0, "count": 0})
    again = dict(new, name="Again", category="other", price=43, quantity=8)
    status, _, body = server.send("POST", "/crud/items", again)
    [row] = items_from_psql(pg, ROW.format(200001))
    assert status == 201 and json.loads(body) == row
    assert (row["name"], row["category"], row["price"], row["quantity"]) == ("Again", "test", 43, 8)  # category kept


def test_put_updates_and_answers_the_row(server, pg):
    status, _, body = server.send("PUT", "/crud/items/77", {"name": "Updated Product", "category": "test",
                                                             "price": 200, "quantity": 25})
    [row] = items_from_psql(pg, ROW.format(77))
    assert status == 200 and json.loads(body) == row
    assert (row["name"], row["price"], row["quantity"]) == ("Updated Product", 200, 25)


def test_put_of_a_missing_id_is_404(server, pg):
    status, _, _ = server.send("PUT", "/crud/items/999999", {"name": "x", "category": "t", "price": 1, "quantity": 1})
    assert status == 404
    assert pg.psql("SELECT count(*) FROM items WHERE id = 999999;").strip() == "0"


def test_a_body_breaking_the_shape_never_reaches_postgres(server, pg):
    status, _, body = server.send("POST", "/crud/items", {"id": 300001, "name": "n", "category": "c", "price": "1",
                                                          "quantity": 1})
    assert status == 400 and b"price" in body
    status, _, _ = server.send("POST", "/crud/items", b"{not json")
    assert status == 400
    assert pg.psql("SELECT count(*) FROM items WHERE id = 300001;").strip() == "0"


def test_text_from_the_body_is_bound_not_spliced(server, pg):
    name = "Robert'); DROP TABLE items; --"
    status, _, body = server.send("PUT", "/crud/items/78", {"name": name, "category": "t", "price": 5, "quantity": 6})
    assert status == 200 and json.loads(body)["name"] == name
    assert items_from_psql(pg, ROW.format(78))[0]["name"] == name


def test_a_failing_write_is_503_not_a_fake_201(server, pg):
    """price 3,000,000,000 fits the body's int64 but not the INTEGER column: Postgres refuses."""
    status, _, _ = server.send("POST", "/crud/items", {"id": 300002, "name": "n", "category": "c",
                                                       "price": 3_000_000_000, "quantity": 1})
    assert status == 503
    assert pg.psql("SELECT count(*) FROM items WHERE id = 300002;").strip() == "0"
    status, _, _ = server.send("PUT", "/crud/items/79", {"name": "n", "category": "c", "price": 3_000_000_000,
                                                         "quantity": 1})
    assert status == 503
    assert server.send("PUT", "/crud/items/79", {"name": "ok", "category": "c", "price": 3, "quantity": 1})[0] == 200


def test_writes_without_a_database_are_503(server_binary):
    cluster = PgCluster(rows=10).init()  # not started: nothing listens on its port
    try:
        s = Server(server_binary, cluster.url)
        try:
            new = {"id": 1, "name": "n", "category": "c", "price": 1, "quantity": 1}
            assert s.send("POST", "/crud/items", new)[0] == 503
            assert s.send("PUT", "/crud/items/1", new)[0] in (400, 503)  # id is not a member of ItemChange
            change = {"name": "n", "category": "c", "price": 1, "quantity": 1}
            assert s.send("PUT", "/crud/items/1", change)[0] == 503
        finally:
            s.stop()
    finally:
        cluster.destroy()


def test_get_after_put_reads_the_new_row(two_workers, pg):
    """ARENA.md §3.10 validate step 7: warm GET (HIT), PUT, next GET is a MISS with the new row."""
    item = 80
    two_workers.get(f"/crud/items/{item}")
    assert two_workers.get(f"/crud/items/{item}")[1]["x-cache"] == "HIT"
    change = {"name": "UpdatedItem", "category": "test", "price": 99, "quantity": 1}
    assert two_workers.send("PUT", f"/crud/items/{item}", change)[0] == 200
    status, headers, body = two_workers.get(f"/crud/items/{item}")
    assert (status, headers["x-cache"], json.loads(body)["name"]) == (200, "MISS", "UpdatedItem")


def test_no_get_after_a_put_returns_the_old_row_while_reads_race(two_workers):
    """Readers keep missing and refilling the entry of one id on both workers while a writer
    changes it: a read that began before a PUT committed must not store the old row after the
    PUT dropped the entry. After each PUT's answer, a GET returns that PUT's name."""
    item, stop, stale = 81, threading.Event(), []

    def reader():
        while not stop.is_set():
            two_workers.get(f"/crud/items/{item}")

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        for i in range(150):
            name = f"race-{i}"
            status, _, _ = two_workers.send("PUT", f"/crud/items/{item}", {"name": name, "category": "t",
                                                                          "price": i + 1, "quantity": 1})
            assert status == 200
            got = json.loads(two_workers.get(f"/crud/items/{item}")[2])["name"]
            if got != name:
                stale.append((name, got))
    finally:
        stop.set()
        for t in readers:
            t.join(10)
    assert stale == []
