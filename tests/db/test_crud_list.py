"""GET /crud/items?category=&page=&limit= (ARENA.md §3.10) against the session Postgres: the
category is a string statement argument bound as text, the page an OFFSET; the reply is
the rows psql returns for the same query, with total (rows on this page), page and limit."""

import json

import pytest

from db_server import items_from_psql

QUERY = ("SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count FROM items "
         "WHERE category = '{}' ORDER BY id LIMIT {} OFFSET {};")


@pytest.mark.parametrize("category, page, limit", [("electronics", 1, 5), ("office", 3, 10), ("toys", 10, 50),
                                                   ("garden", 2, 1)])
def test_page_equals_psql(server, pg, category, page, limit):
    status, headers, body = server.get(f"/crud/items?category={category}&page={page}&limit={limit}")
    assert status == 200 and headers["content-type"] == "application/json"
    expected = items_from_psql(pg, QUERY.format(category, limit, (page - 1) * limit))
    assert len(expected) == limit
    assert json.loads(body) == {"items": expected, "total": limit, "page": page, "limit": limit}
    assert all(item["category"] == category for item in expected)


def test_defaults_electronics_page_1_limit_10(server, pg):
    assert server.get_json("/crud/items") == {"items": items_from_psql(pg, QUERY.format("electronics", 10, 0)),
                                              "total": 10, "page": 1, "limit": 10}


def test_zero_padded_page_as_gcannon_sends_it(server, pg):
    reply = server.get_json("/crud/items?category=office&page=07&limit=10")
    assert reply["page"] == 7 and reply["items"] == items_from_psql(pg, QUERY.format("office", 10, 60))


@pytest.mark.parametrize("given", [0, -3, 51, 1000])
def test_limit_outside_1_50_is_10(server, given):
    reply = server.get_json(f"/crud/items?category=books&limit={given}")
    assert reply["limit"] == 10 and reply["total"] == 10 and len(reply["items"]) == 10


def test_page_below_1_is_page_1(server, pg):
    reply = server.get_json("/crud/items?category=books&page=0&limit=3")
    assert reply["page"] == 1 and reply["items"] == items_from_psql(pg, QUERY.format("books", 3, 0))


def test_text_is_bound_not_spliced(server, pg):
    """A category holding SQL is one text value: no rows, and the table is untouched."""
    before = pg.psql("SELECT count(*) FROM items;").strip()
    evil = "x'%20OR%20'1'='1"
    assert server.get_json(f"/crud/items?category={evil}") == {"items": [], "total": 0, "page": 1, "limit": 10}
    assert server.get_json("/crud/items?category=electron%69cs&limit=2")["total"] == 2  # percent-decoded
    assert pg.psql("SELECT count(*) FROM items;").strip() == before


def test_unknown_category_and_page_past_the_end_are_empty(server):
    assert server.get_json("/crud/items?category=nothing")["items"] == []
    assert server.get_json("/crud/items?category=office&page=100000&limit=50")["items"] == []


def test_a_nul_in_a_statement_argument_is_refused(server):
    """Postgres text holds no NUL and libpq takes text arguments as C strings: "electronics%00x"
    would silently be bound as "electronics". Dispatch refuses it with a 400 instead."""
    status, _, _ = server.get("/crud/items?category=electronics%00x")
    assert status == 400
    assert server.get_json("/crud/items?category=electronics&limit=2")["total"] == 2
