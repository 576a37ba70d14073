"""The seeded table has the arena's columns, types and value ranges (ARENA.md §10.2)."""

import json

from seed_items import ROWS, vocabulary


def test_columns_and_types(pg):
    out = pg.psql("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                  "WHERE table_name = 'items' ORDER BY ordinal_position;")
    cols = [line.split("\t") for line in out.splitlines()]
    assert cols == [
        ["id", "integer", "NO"], ["name", "text", "NO"], ["category", "text", "NO"], ["price", "integer", "NO"],
        ["quantity", "integer", "NO"], ["active", "boolean", "NO"], ["tags", "jsonb", "NO"],
        ["rating_score", "integer", "NO"], ["rating_count", "integer", "NO"],
    ]
    assert pg.psql("SELECT indexdef FROM pg_indexes WHERE tablename = 'items';").strip().endswith("(id)")


def test_value_ranges(pg):
    out = pg.psql("SELECT count(*), min(id), max(id), min(price), max(price), min(quantity), max(quantity), "
                  "min(rating_score), max(rating_score), min(rating_count), max(rating_count), "
                  "count(DISTINCT category), min(jsonb_array_length(tags)), max(jsonb_array_length(tags)), "
                  "sum(active::int) FROM items;")
    v = [int(x) for x in out.strip().split("\t")]
    assert v[:3] == [ROWS, 1, ROWS]
    assert v[3:11] == [1, 500, 1, 1000, 1, 50, 1, 500]
    assert v[11] == 10 and v[12:14] == [1, 4]
    assert 0.45 * ROWS < v[14] < 0.55 * ROWS  # a coin flip
    # LIMIT 50 always fills for price 10..50 (the async-db bench depends on it).
    assert 7000 < int(pg.psql("SELECT count(*) FROM items WHERE price BETWEEN 10 AND 50;")) < 9500


def test_names_categories_and_tags_come_from_the_dataset(pg):
    names, categories, tags = vocabulary()
    out = pg.psql("SELECT id, name, category, tags FROM items WHERE id IN (1, 2, 99999) ORDER BY id;")
    for line in out.splitlines():
        rid, name, category, tag_text = line.split("\t")
        base, suffix = name.rsplit(" ", 1)
        assert suffix == rid and base in names and category in categories
        picked = json.loads(tag_text)
        assert picked and len(set(picked)) == len(picked) and set(picked) <= set(tags)
