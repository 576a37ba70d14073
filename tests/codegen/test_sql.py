"""[database] and [sql.NAME]: checks at generation time (RS065, RS041) and the generated
statement table and row writers (codegen/spec/sql_spec.py, sql_reply.py, sql_emit.py)."""

from __future__ import annotations

import pytest

from codegen.emit import emit
from codegen.spec.diagnostics import SpecErrors
from codegen.spec.spec_loader import load
from codegen.spec.validate import validate_all

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
    ("sql.by_price(min, max, clamp(limit, 50, 1))",
     "clamp() in {clamp(limit, 50, 1)} needs low <= high: clamp(x, low, high): x held within low..high"),
    ("sql.by_price(min, max, clamp(limit, 1))",
     "bad expression {clamp(limit, 1)}: clamp() takes 3 arguments, got 2: clamp(x, low, high): x held within low..high"),
    ("sql.by_price(min, max, cap(limit, 1))", "bad expression {cap(limit, 1)}: unknown function \"cap\" (known: "
     "clamp(x, low, high): x held within low..high, within(x, low, high, otherwise): x when low <= x <= high, "
     "else otherwise)"),
])
def test_bad_calls_in_a_reply(tmp_path, call, message):
    text = HEAD + ITEM_SQL + ASYNC_DB.replace("sql.by_price(min, max, clamp(limit, 1, 50))", call)
    assert message in [m for _, _, m, _ in errors_of(tmp_path, text)]


BY_CATEGORY = ('[sql.by_category]\ntext = "SELECT id, name, active, tags, rating_score, rating_count FROM items '
               'WHERE category = $1 LIMIT $2 OFFSET $3"\nparams = ["string", "int", "int"]\nrow = "Item"\n')
LIST = '''
[[route]]
path = "/list"
query = { category = { type = "string", required = false }, page = "int = 1", limit = "int = 10", cat = { type = "string", enum = ["a", "b"], default = "b" } }
[route.reply.json]
items = 'sql.by_category(ARGS)'
limit = "within(limit, 1, 50, 10)"
'''


@pytest.mark.parametrize("args, message", [
    ("page, limit, 0", "$1 is a string: pass a string parameter of the route, or `name else \"text\"` "
     "(page is an int parameter; string parameters: category, cat)"),
    ("category, category, 0", "$2 of sql.by_category is an int but category is a string parameter of the route "
     "(declare the statement's $2 \"string\", or pass an int)"),
    ("category, limit, len(category)", "unknown function \"len\""),
    ('category else electronics, limit, 0', "$1 is a string"),
])
def test_statement_parameter_types_match_route_parameter_types(tmp_path, args, message):
    found = [m for _, _, m, _ in errors_of(tmp_path, HEAD + BY_CATEGORY + LIST.replace("ARGS", args))]
    assert any(message in m for m in found), found


def test_string_arguments_are_bound_as_text(tmp_path):
    text = HEAD + BY_CATEGORY + LIST.replace("ARGS", 'category else "electronics", within(limit, 1, 50, 10), '
                                             "(clamp(page, 1, 1000) - 1) * within(limit, 1, 50, 10)")
    spec, _ = check(tmp_path, text)
    sql_c = emit.render(spec, None)["sql.c"]
    assert 'rs_args[0] = (rs_str){rs_text + 0, (size_t)rs_p->value[0]};' in sql_c
    assert 'rs_args[0] = (rs_str){"electronics", 11};' in sql_c  # not sent
    assert "rs_within(rs_v_limit, 1, 50, 10)" in sql_c and "rs_clamp(rs_v_page, 1, 1000)" in sql_c
    routes_c = emit.render(spec, None)["routes.c"]
    assert "rs_request_text(req, 256)" in routes_c  # dispatch keeps the category's decoded text
    enum = text.replace('category else "electronics"', "cat")
    sql_c = emit.render(check(tmp_path, enum)[0], None)["sql.c"]
    assert 'static const rs_str rs_enum_0[] = {{"a", 1}, {"b", 1}};' in sql_c
    assert "rs_args[0] = rs_enum_0[rs_p->value[3]];" in sql_c


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


WRITES = '''
[cache.items]
[shape.Change]
name = "string"
price = "int"
[sql.update]
text = "UPDATE items SET name = $2, price = $3 WHERE id = $1 RETURNING id, name, active, tags, rating_score, rating_count"
params = ["int", "string", "int"]
row = "Item"
[[route]]
path = "/i/{id:int}"
methods = ["PUT"]
body = { shape = "Change" }
invalidate = "INVALIDATE"
reply = { json = "first(sql.update(ARGS)) else 404" }
'''


def test_body_fields_are_statement_arguments_of_their_type(tmp_path):
    good = HEAD + WRITES.replace("ARGS", "id, body.name, body.price * 2").replace("INVALIDATE", "items(id)")
    spec, _ = check(tmp_path, good)
    sql_c = emit.render(spec, None)["sql.c"]
    assert "rs_args[1] = rs_body_p->name;" in sql_c
    assert "__builtin_mul_overflow(rs_body_p->price, 2, &rs_t1)" in sql_c
    assert "rs_cache_invalidate(0, rs_key, 1);" in sql_c
    assert "(rs_p, rs_r, &rs_body); /* parks the request" in emit.render(spec, None)["routes.c"]
    for args, message in [("id, body.price, body.price", "$2 is a string"),
                          ("id, body.name, body.name", "$3 of sql.update is an int but body.name is a string"),
                          ("id, body.nope, 1", "$2 is a string")]:
        text = HEAD + WRITES.replace("ARGS", args).replace("INVALIDATE", "items(id)")
        found = [m for _, _, m, _ in errors_of(tmp_path, text)]
        assert any(message in m for m in found), (args, found)


@pytest.mark.parametrize("invalidate, message", [
    ("nope(id)", 'unknown cache "nope" (known: items)'),
    ("items(body.price)", "unknown name body.price in key part 1"),
    ("items", 'expected "CACHE(arg, ...)"'),
])
def test_invalidate_names_a_cache_and_a_key_from_the_route(tmp_path, invalidate, message):
    text = HEAD + WRITES.replace("ARGS", "id, body.name, body.price").replace("INVALIDATE", invalidate)
    found = [m for _, _, m, _ in errors_of(tmp_path, text)]
    assert any(message in m for m in found), found


def test_a_writing_route_is_not_cached(tmp_path):
    text = HEAD + WRITES.replace("ARGS", "id, body.name, body.price").replace(
        'invalidate = "INVALIDATE"', 'cache = "items"')
    found = [m for _, _, m, _ in errors_of(tmp_path, text)]
    assert any("a route with a JSON body writes" in m for m in found), found


def test_a_profile_keeps_every_method_of_a_path(tmp_path):
    """profile_tuning.select kept one route per path: a profile serving GET and PUT of
    /i/{id} built the PUT twice (its functions defined twice, the GET's missing)."""
    from codegen.spec import profile_tuning
    text = (HEAD + WRITES.replace("ARGS", "id, body.name, body.price").replace("INVALIDATE", "items(id)") +
            '[[route]]\npath = "/i/{id:int}"\ncache = "items"\nreply = { json = "first(sql.by_price(id, id, 1)) else 404" }\n'
            + ITEM_SQL + '[profile.p]\nroutes = ["/i/{id:int}"]\n')
    spec, _ = check(tmp_path, text)
    chosen = profile_tuning.select(spec, "p", {})
    sql_c = emit.render(chosen, "p")["sql.c"]
    assert sql_c.count("void rs_sql_start_i_id(") == 1 and sql_c.count("void rs_sql_start_i_id_get(") == 1
