"""JSON request bodies in codegen: the typed struct a shape becomes, what a handler and a
reply expression see, the hint for a misspelt shape, and that specs without a JSON body
generate exactly what they did before (no jansson in their routes.c)."""

import re

from conftest import REPO, generate, ringspec

BODY_SPEC = REPO / "tests" / "conformance" / "specs" / "json_bodies" / "json_bodies.toml"


def test_typed_struct_and_handler_member(tmp_path):
    generate(BODY_SPEC, tmp_path)
    shapes_h = (tmp_path / "shapes.h").read_text()
    order = re.search(r"typedef struct rs_body_NewOrder \{(.*?)\} rs_body_NewOrder;", shapes_h, re.S).group(1)
    members = [line.split("/*")[0].strip() for line in order.strip().splitlines()]
    assert members == [
        "rs_str customer;", "int64_t qty;", "rs_str priority;", "bool gift;",
        "bool rs_has_note;", "rs_str note;", "rs_body_Address ship_to;",
        "struct {", "size_t n;", "rs_body_Line v[3];", "} lines;",
        "bool rs_has_tags;", "struct {", "size_t n;", "rs_str v[2];", "} tags;",
        "bool rs_has_codes;", "struct {", "size_t n;", "int64_t v[4];", "} codes;",
    ]
    # Nested shapes are defined before the struct that holds them.
    assert shapes_h.index("} rs_body_Line;") < shapes_h.index("} rs_body_NewOrder;")
    handlers_h = (tmp_path / "handlers.h").read_text()
    assert "const rs_body_NewOrder *body; /* the JSON body, valid during the call */" in handlers_h


def test_reply_expression_reads_body_fields(tmp_path):
    routes_c = generate(BODY_SPEC, tmp_path).read_text()
    assert "__builtin_mul_overflow(rs_body.qty, 2," in routes_c
    assert "rs_format_i64(rs_buf + rs_len, rs_body.ship_to.zip)" in routes_c
    assert ".body_kind = RS_BODY_JSON," in routes_c


def test_optional_and_array_fields_are_not_expression_names(tmp_path):
    spec = tmp_path / "t.toml"
    spec.write_text('[shape.P]\nn = { type = "int", required = false }\nm = { type = "int", default = 2 }\n'
                    'v = "[int]"\n[[route]]\npath = "/p"\nmethods = ["POST"]\nbody = { shape = "P" }\n'
                    'reply = { text = "{body.m} {body.n} {body.v}" }\n')
    result = ringspec("check", spec)
    assert result.returncode == 1
    assert 'unknown name "body.n" in {body.n} (known: body.m)' in result.stderr
    assert 'unknown name "body.v" in {body.v} (known: body.m)' in result.stderr
    assert "{body.m}" not in result.stderr.replace("{body.m} {body.n} {body.v}", "")


def test_misspelt_shape_gets_a_hint(tmp_path):
    spec = tmp_path / "t.toml"
    spec.write_text('[shape.Order]\nn = "int"\n[[route]]\npath = "/o"\nmethods = ["POST"]\n'
                    'body = { shape = "Ordr" }\nreply = { text = "x" }\n')
    result = ringspec("check", spec)
    assert result.returncode == 1
    assert 'error[RS034]: route[0].body.shape: unknown shape "Ordr"' in result.stderr
    assert 'did you mean "Order"? shapes: Order' in result.stderr


def test_spec_without_json_bodies_does_not_use_jansson_per_request(tmp_path):
    # The arena's crud routes take JSON bodies; the builds of profiles without them do not.
    for profile in ("baseline", "json", "api-4"):
        routes_c = generate(REPO / "spec" / "arena.toml", tmp_path / profile, profile).read_text()
        assert "#include <jansson.h>" not in routes_c and "rs_body_parse" not in routes_c
        assert "RS_BODY_JSON" not in routes_c
    routes_c = generate(REPO / "spec" / "arena.toml", tmp_path / "crud", "crud").read_text()
    assert "rs_body_parse" in routes_c  # POST and PUT /crud/items


def test_openapi_schema_of_the_body_accepts_and_refuses_like_the_server():
    import json

    from jsonschema import Draft202012Validator
    from test_openapi import check_structure

    result = ringspec("openapi", BODY_SPEC)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    check_structure(doc)
    op = doc["paths"]["/orders"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewOrderBody"}
    assert {"400", "413", "415"} <= set(op["responses"])
    what = doc["components"]["schemas"]["Violations"]["properties"]["violations"]["items"]["properties"]["what"]
    assert {"unknown", "malformed", "max_items"} <= set(what["enum"])
    schema = {**doc["components"]["schemas"]["NewOrderBody"], "components": doc["components"]}
    validator = Draft202012Validator(schema)
    valid = {"customer": "ann", "qty": 3, "ship_to": {"city": "Oslo", "zip": 150},
             "lines": [{"sku": "ABC-1234", "qty": 2}], "note": None, "priority": "high"}
    assert list(validator.iter_errors(valid)) == []
    for broken in ({**valid, "qty": 0}, {**valid, "extra": 1}, {**valid, "lines": []},
                   {**valid, "lines": [{"sku": "abc", "qty": 1}]}, {**valid, "priority": "mid"},
                   {k: v for k, v in valid.items() if k != "ship_to"}):
        assert list(validator.iter_errors(broken)), broken
    # additional = true: the open variant lets unknown members through
    ping = {**doc["components"]["schemas"]["PingBodyOpen"], "components": doc["components"]}
    assert list(Draft202012Validator(ping).iter_errors({"n": 1, "zz": [1]})) == []
