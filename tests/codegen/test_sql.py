"""[database] and [sql.NAME]: checks at generation time (RS065, RS041) and the generated
statement table and row writers (codegen/sql_spec.py, sql_reply.py, sql_emit.py)."""

from __future__ import annotations

import pytest

from codegen import emit
from codegen.diagnostics import SpecErrors
from codegen.spec_loader import load
from codegen.validate import validate_all

HEAD = '''
[database]
[shape.Rating]
score = "int"
count = "int"
[shape.Item]
id = "int"
name = "string"
active = "bool"
tags = "[string]"
rating = "Rating"
'''
ITEM_SQL = ('[sql.by_price]\ntext = "SELECT id, name, active, tags, rating_score, rating_count FROM items '
            'WHERE price BETWEEN $1 AND $2 LIMIT $3"\nparams = ["int", "int", "int"]\nrow = "Item"\n')
ASYNC_DB = '''
[[route]]
path = "/async-db"
query = { min = "int = 10", max = "int = 50", limit = "int = 50" }
[route.reply.json]
items = "sql.by_price(min, max, clamp(limit, 1, 50))"
count = "len(items)"
'''


def check(tmp_path, text):
    spec = tmp_path / "s.toml"
    spec.write_text(text)
    return validate_all(load(str(spec)))


PLAIN = '[[route]]\npath = "/a"\nreply = { text = "x" }\n'


def errors_of(tmp_path, text) -> list:
    if "[[route]]" not in text:
        text += PLAIN
    with pytest.raises(SpecErrors) as caught:
        check(tmp_path, text)
    return [(e.code, e.key, e.message, e.hint) for e in caught.value.errors if e.severity == "error"]


def test_a_valid_statement_maps_nested_fields_to_underscored_columns(tmp_path):
    spec, warnings = check(tmp_path, HEAD + ITEM_SQL + ASYNC_DB)
    st = spec.statements["by_price"]
    assert st.columns == ["id", "name", "active", "tags", "rating_score", "rating_count"]
    assert [(leaf.path, leaf.column, leaf.kind) for leaf in st.leaves] == [
        (("id",), 0, "int"), (("name",), 1, "string"), (("active",), 2, "bool"), (("tags",), 3, "json"),
        (("rating", "score"), 4, "int"), (("rating", "count"), 5, "int")]
    assert not st.writes
    assert not [w for w in warnings if w.code == "RS090"]  # min, max, limit are read by the statement


def test_a_missing_column_is_named_with_a_guess(tmp_path):
    sql = ITEM_SQL.replace("rating_count", "rating_cnt")
    [(code, key, message, hint)] = errors_of(tmp_path, HEAD + sql)
    assert code == "RS065" and key == "sql.by_price.row"
    assert "'rating.count'" in message and '"rating_count"' in message
    assert hint == 'did you mean "rating_cnt"?'


def test_placeholders_must_match_the_declared_params(tmp_path):
    sql = ITEM_SQL.replace('params = ["int", "int", "int"]', 'params = ["int", "int"]')
    [(code, key, message, _)] = errors_of(tmp_path, HEAD + sql)
    assert (code, key) == ("RS065", "sql.by_price.text")
    assert message == "uses $1, $2, $3 but params declares $1, $2"


def test_a_dollar_inside_a_string_literal_is_not_a_placeholder(tmp_path):
    sql = '[sql.s]\ntext = "SELECT id FROM items WHERE name <> \'$2\' AND id = $1"\nparams = ["int"]\n'
    spec, _ = check(tmp_path, HEAD + sql + '[[route]]\npath = "/a"\nreply = { text = "x" }\n')
    assert spec.statements["s"].params == ("int",)


def test_select_star_cannot_be_checked_against_a_row_shape(tmp_path):
    sql = '[sql.s]\ntext = "SELECT * FROM items"\nrow = "Item"\n'
    [(code, key, message, _)] = errors_of(tmp_path, HEAD + sql)
    assert (code, key) == ("RS065", "sql.s.text") and "not *" in message


def test_statements_need_a_database_table(tmp_path):
    text = (HEAD + ITEM_SQL + ASYNC_DB).replace("[database]\n", "")
    assert ("RS065", "sql") in [(c, k) for c, k, _, _ in errors_of(tmp_path, text)]


@pytest.mark.parametrize("call, message", [
    ("sql.nope(min)", 'unknown statement "nope" (known: by_price)'),
    ("sql.by_price(min, max)", "sql.by_price takes 3 argument(s) ($1..$3), got 2"),
    ("sql.by_price(min, max, lim)", "unknown name lim in $3 (known: min, max, limit)"),
    ("sql.by_price(min, max, clamp(limit, 50, 1))", "clamp(expr, low, high) with low <= high: clamp(limit, 50, 1)"),
])
def test_bad_calls_in_a_reply(tmp_path, call, message):
    text = HEAD + ITEM_SQL + ASYNC_DB.replace("sql.by_price(min, max, clamp(limit, 1, 50))", call)
    assert message in [m for _, _, m, _ in errors_of(tmp_path, text)]


def test_database_bounds(tmp_path):
    text = HEAD.replace("[database]", "[database]\npipeline_depth = 0\nreconnect_min = 60\nreconnect_max = 2\n"
                        'url_env = "A-B"') + '[[route]]\npath = "/a"\nreply = { text = "x" }\n'
    found = {(c, k) for c, k, _, _ in errors_of(tmp_path, text)}
    assert {("RS013", "database.pipeline_depth"), ("RS065", "database.reconnect_min"),
            ("RS065", "database.url_env")} <= found


def test_generated_sql_c(tmp_path):
    spec, _ = check(tmp_path, HEAD + ITEM_SQL + ASYNC_DB + '[[route]]\npath = "/i/{id:int}"\n'
                    'reply = { json = "first(sql.by_price(id, id, 1)) else 404" }\n')
    sql_c = emit.render(spec, None)["sql.c"]
    assert '.url_env = "DATABASE_URL"' in sql_c and ".pipeline_depth = 16" in sql_c
    assert "const unsigned rs_sql_statement_count = 1;" in sql_c
    # nested shape from two columns; jsonb and ints verbatim, bool from t/f
    assert 'rs_json_raw(rs_w, ",\\"rating\\":{\\"score\\":", 19);' in sql_c
    assert "rs_json_bool(rs_w, v.len > 0 && v.ptr[0] == 't');" in sql_c
    assert "rs_clamp(rs_v_limit, 1, 50)" in sql_c
    assert "rs_reply_error(rs_r, 404);" in sql_c and "rs_reply_error(rs_r, 503);" in sql_c


def test_no_sql_c_without_a_database(tmp_path):
    spec, _ = check(tmp_path, '[[route]]\npath = "/a"\nreply = { text = "x" }\n')
    assert "sql.c" not in emit.render(spec, None)


def test_a_cache_needs_a_first_reply_and_a_declared_table(tmp_path):
    cached = ('[cache.items]\nttl = 0.2\n[[route]]\npath = "/i/{id:int}"\ncache = "%s"\n'
              'reply = { json = "first(sql.by_price(id, id, 1)) else 404" }\n')
    spec, _ = check(tmp_path, HEAD + ITEM_SQL + cached % "items")
    assert spec.routes[0].cache.ttl_ms == 200 and spec.caches["items"].entries == 65536
    sql_c = emit.render(spec, None)["sql.c"]
    assert 'X-Cache: HIT\\r\\n"' in sql_c and 'X-Cache: MISS\\r\\n"' in sql_c and "rs_cache_store(" in sql_c
    assert ("RS065", "route[0].cache") in [(c, k) for c, k, _, _ in errors_of(tmp_path, HEAD + ITEM_SQL + cached % "nope")]
    listing = HEAD + ITEM_SQL + ASYNC_DB.replace("[[route]]", '[cache.items]\n[[route]]').replace(
        'query =', 'cache = "items"\nquery =')
    [(code, key, message, _)] = errors_of(tmp_path, listing)
    assert (code, key) == ("RS065", "route[0].cache") and "first(sql.NAME(...))" in message


def test_without_a_database_the_failure_replies(harness, tmp_path):
    """Generated code compiled against the harness, which has no database: the routes' failure
    replies, 503 for first() (never a 404 it could not know), the empty rows for a listing."""
    spec = tmp_path / "db.toml"
    spec.write_text(HEAD + ITEM_SQL + ASYNC_DB + '[[route]]\npath = "/i/{id:int}"\n'
                    'reply = { json = "first(sql.by_price(id, id, 1)) else 404" }\n')
    h = harness(spec)
    assert h.request("GET", "/i/7").status == 503
    response = h.request("GET", "/async-db")
    assert (response.status, response.body) == (200, '{"items":[],"count":0}')
