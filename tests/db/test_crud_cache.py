"""GET /crud/items/{id} behind [cache.items] (ARENA.md §3.10): MISS then HIT, the body equal
to psql's row, an absolute 200 ms TTL (a row changed in Postgres is served from the cache
until the entry expires, then read again), 404 for a missing id, and one cache for the whole
process (new connections land on both workers and all hit)."""

import json
import time

import pytest

from db_server import items_from_psql

ROW = ("SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count FROM items "
       "WHERE id = {};")


def test_miss_then_hit_with_the_row_psql_returns(two_workers, pg):
    [item] = items_from_psql(pg, ROW.format(42))
    status, headers, body = two_workers.get("/crud/items/42")
    assert (status, headers["x-cache"], json.loads(body)) == (200, "MISS", item)
    status, headers, body = two_workers.get("/crud/items/00042")  # zero-padded, as the bench sends it
    assert (status, headers["x-cache"], json.loads(body)) == (200, "HIT", item)


def test_the_cache_is_process_wide(two_workers):
    assert two_workers.get("/crud/items/43")[1]["x-cache"] == "MISS"
    hits = [two_workers.get("/crud/items/43")[1]["x-cache"] for _ in range(20)]  # new connections
    assert hits == ["HIT"] * 20


def test_absolute_ttl_of_200_ms(two_workers, pg):
    """Stored at t0 (MISS); the row changes in Postgres; reads before t0 + 200 ms still get the
    stored body (HIT, and they do not extend it); after that, a MISS with the new row."""
    session = pg.session()
    try:
        for attempt in range(3):  # a loaded machine may be too slow to read within the TTL
            item_id = 44 + attempt
            t0 = time.monotonic()  # the entry is stored after t0 (expires after t0 + 200 ms) ...
            assert two_workers.get(f"/crud/items/{item_id}")[1]["x-cache"] == "MISS"
            t1 = time.monotonic()  # ... and before t1 (expired by t1 + 200 ms)
            session.run(f"UPDATE items SET price = price + 1000 WHERE id = {item_id};")
            status, headers, body = two_workers.get(f"/crud/items/{item_id}")
            time.sleep(max(0.0, t0 + 0.12 - time.monotonic()))
            later = two_workers.get(f"/crud/items/{item_id}")[1]["x-cache"]
            if time.monotonic() - t0 < 0.18:
                break
        else:
            pytest.skip("could not read within the 200 ms TTL three times")
        assert headers["x-cache"] == "HIT" and json.loads(body)["price"] < 1000  # the stored body
        assert later == "HIT"
        time.sleep(max(0.0, t1 + 0.22 - time.monotonic()))
        status, headers, body = two_workers.get(f"/crud/items/{item_id}")
        assert headers["x-cache"] == "MISS" and json.loads(body)["price"] > 1000
    finally:
        session.run("UPDATE items SET price = price - 1000 WHERE id BETWEEN 44 AND 46 AND price > 1000;")
        session.close()


def test_missing_id_is_404_and_not_cached(two_workers):
    for _ in range(2):
        status, headers, _ = two_workers.get("/crud/items/999999")
        assert status == 404 and "x-cache" not in headers
