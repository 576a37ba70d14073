"""Data queries in JSON replies (codegen/lang/query.py): the diagnostics of broken queries,
each with its id and the line:col of the offending token inside the expression string,
and what a good query generates."""

import pytest

from conftest import REPO, generate, ringspec

HEAD = '''[shape.P]
id = "int"
name = "string"
price = "int"
active = "bool"
tags = "[string]"

[data.ps]
file = "/data/ps.json"
type = "[P]"

[[route]]
path = "/p"
query = { q = { type = "string", required = false }, lo = "int = 0", on = { type = "bool", default = true }, sort = { type = "string", enum = ["price", "-name"], default = "price" }, id = { type = "int", required = false } }
'''


def check(tmp_path, json_lines: str) -> list:
    (tmp_path / "t.toml").write_text(HEAD + json_lines)
    result = ringspec("check", "t.toml", cwd=tmp_path)
    return [line for line in result.stderr.splitlines() if ": error[" in line or ": warning[" in line]


# Line 15 is the first line after HEAD; columns count from the line's first character.
@pytest.mark.parametrize("line, expected", [
    ('reply.json = { items = "ps where price == q" }',
     't.toml:15:34: error[RS042]: route[0].reply.json.items: cannot compare an int with a string'),
    ('reply.json = { items = "ps where name > 3" }',
     't.toml:15:34: error[RS042]: route[0].reply.json.items: cannot compare a string with an int'),
    ('reply.json = { items = "ps where price + 1" }',
     't.toml:15:34: error[RS042]: route[0].reply.json.items: a condition is true or false; this is an int'),
    ('reply.json = { items = "ps where icontains(price, q)" }',
     't.toml:15:44: error[RS042]: route[0].reply.json.items: icontains() compares strings; this is an int'),
    ('reply.json = { items = "ps where active and lo" }',
     't.toml:15:45: error[RS042]: route[0].reply.json.items: "and" joins conditions; this is an int'),
    ('reply.json = { items = "ps where lo is absent" }',
     't.toml:15:34: error[RS042]: route[0].reply.json.items: "lo" always has a value (it is required or has a '
     'default), so "is absent" is constant'),
    ('reply.json = { items = "ps where id == 3" }',
     't.toml:15:34: error[RS041]: route[0].reply.json.items: "id" is both a field of P and a parameter'),
    ('reply.json = { items = "ps where colour == 3" }',
     't.toml:15:34: error[RS041]: route[0].reply.json.items: unknown name "colour" (fields: id, name, price, active; '
     'parameters: q, lo, on, sort, id)'),
    ('reply.json = { items = "ps where sort == \'cheap\'" }',
     "t.toml:15:42: error[RS042]: route[0].reply.json.items: 'cheap' is not one of sort's values (price, -name)"),
    ('reply.json = { items = "ps where active < on" }',
     't.toml:15:34: error[RS042]: route[0].reply.json.items: "<" does not order true and false; use == or !='),
    ('reply.json = { items = "ps order by tags" }',
     't.toml:15:37: error[RS042]: route[0].reply.json.items: order by names an int, string or bool field of P (or '
     'a string enum parameter), got "tags"'),
    ('reply.json = { items = "ps order by lo" }',
     't.toml:15:37: error[RS042]: route[0].reply.json.items: "lo" orders only as a string enum whose values name '
     'fields ("price", "-price" for descending)'),
    ('reply.json = { items = "ps where price > lo order price" }',
     't.toml:15:51: error[RS041]: route[0].reply.json.items: expected "by" but found "price"'),
    ('reply.json = { items = "ps where (price > lo" }',
     't.toml:15:45: error[RS041]: route[0].reply.json.items: expected ")" but found the end'),
    ('reply.json = { items = "ps[lo : nope]" }',
     't.toml:15:33: error[RS041]: route[0].reply.json.items: unknown name "nope" in \'nope\' (known: q, lo, on, sort, id)'),
    ('reply.json = { item = "first(ps where price > lo) else 299" }',
     't.toml:15:56: error[RS040]: route[0].reply.json.item: 299 is not a status a reply can send'),
    ('reply.json = { item = "first(ps where price > lo) else gone" }',
     't.toml:15:56: error[RS040]: route[0].reply.json.item: unknown named error "gone" (known: none: declare one '
     'as [error.NAME] with status and message)'),
    ('reply.json = { n = "len(nothing)" }',
     't.toml:15:20: error[RS041]: route[0].reply.json.n: len(nothing): "nothing" is not an array field or let of '
     'this reply (arrays: none)'),
])
def test_query_diagnostics(tmp_path, line, expected):
    assert check(tmp_path, line + "\n") == [expected]


def test_caret_points_at_the_token(tmp_path):
    (tmp_path / "t.toml").write_text(HEAD + 'reply.json = { items = "ps where price == q" }\n')
    result = ringspec("check", "t.toml", cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert lines[1] == ' 15 | reply.json = { items = "ps where price == q" }'
    assert lines[2] == '    |                                  ^^^^^^^^^^'


def test_caret_inside_a_multi_line_string(tmp_path):
    (tmp_path / "t.toml").write_text(HEAD + '[route.reply.let]\nm = """ps where\n    (q is absent or price >= q)"""\n'
                                     '[route.reply.json]\nn = "len(m)"\n')
    lines = ringspec("check", "t.toml", cwd=tmp_path).stderr.splitlines()
    assert lines[0] == "t.toml:17:21: error[RS042]: route[0].reply.let.m: cannot compare an int with a string"
    assert lines[2] == "    |                     ^^^^^^^^^^"


def test_every_problem_of_a_reply_is_reported_once(tmp_path):
    found = check(tmp_path, '[route.reply.let]\nm = "ps where price == q"\n[route.reply.json]\n'
                  'a = "ps where name == 1"\nb = "ps order by nope"\nc = "len(m)"\nd = "m[0:2]"\n')
    # c and d use the broken let m: its own error stands for them
    assert [f.split(": ")[0] for f in found] == ["t.toml:16:15", "t.toml:18:15", "t.toml:19:18"]


def test_a_good_query_generates_a_filter_a_stable_sort_and_a_window(tmp_path):
    (tmp_path / "t.toml").write_text(HEAD + '[route.reply.let]\n'
                                     'm = "ps where (q is absent or icontains(name, q)) and item.active == on '
                                     'and (query.id is absent or item.id != query.id)"\n'
                                     '[route.reply.json]\nitems = "m order by sort [lo : lo + 10]"\n'
                                     'total = "len(m)"\n')
    routes = generate(tmp_path / "t.toml", tmp_path / "gen").read_text()
    assert "rs_reply_index_scratch(rs_r, rs_data_ps.n + rs_data_ps.n)" in routes
    assert "rs_text_icontains(rs_e->name.ptr, rs_e->name.len, rs_s_q.ptr, rs_s_q.len)" in routes
    assert "rs_request_text(req, 256)" in routes  # q kept for the reply (max_length 256)
    # one comparator per enum value; ties fall back to the index: a stable order
    assert routes.count("return (rs_ia > rs_ib) - (rs_ia < rs_ib);") == 2
    assert "return -rs_c;" in routes  # "-name" descends


def test_arena_json_route_does_not_use_queries(tmp_path):
    """/json keeps its direct loop over the data: no index array, no request text (the json
    profile's build: the crud list keeps its category as request text)."""
    routes = generate(REPO / "spec" / "arena.toml", tmp_path / "gen", "json").read_text()
    for absent in ("rs_reply_index_scratch", "rs_request_text", "qsort", "<stdlib.h>"):
        assert absent not in routes
    assert "for (size_t rs_i = 0; rs_i < rs_n0; rs_i++) {" in routes


def test_an_unguarded_optional_parameter_is_a_warning_and_the_route_stays(tmp_path):
    (tmp_path / "t.toml").write_text(HEAD + 'reply.json = { items = "ps where price <= query.id and name != q" }\n')
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("ok: 1 route")
    warnings = [line for line in result.stderr.splitlines() if ": warning[RS043]" in line]
    assert warnings == [
        't.toml:15:43: warning[RS043]: route[0].reply.json.items: optional parameter "id" is read without '
        '"id is absent": when the request leaves it out it reads as 0',
        't.toml:15:64: warning[RS043]: route[0].reply.json.items: optional parameter "q" is read without '
        '"q is absent": when the request leaves it out it reads as ""',
    ]


def test_a_guarded_optional_parameter_is_not_a_warning(tmp_path):
    (tmp_path / "t.toml").write_text(HEAD + 'reply.json = { items = "ps where (query.id is absent or price <= '
                                     'query.id) and (q is present and name != q) and active == on order by sort '
                                     '[lo:lo + 1]" }\n'
                                     '[[route.test]]\nrequest = "GET /p"\nstatus = 200\n')
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


def test_else_a_named_error_writes_its_body(tmp_path):
    (tmp_path / "t.toml").write_text('[error.gone]\nstatus = 410\nmessage = "sold out"\n' + HEAD +
                                     'reply.json = "first(ps where price > lo and active == on and '
                                     '(query.id is absent or item.id == query.id) and (q is absent or name == q) '
                                     'order by sort) else gone"\n')
    routes = generate(tmp_path / "t.toml", tmp_path / "gen").read_text()
    assert "/* nothing matched: [error.gone] */" in routes
    assert 'HTTP/1.1 410 Gone\\r\\nContent-Type: application/json\\r\\n' in routes
    assert '{\\"error\\":\\"gone\\",\\"message\\":\\"sold out\\"' in routes
