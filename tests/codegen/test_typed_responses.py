"""Typed responses and named errors in codegen: diagnostics for broken declarations (ids
and positions), `ringspec stub` as a typed starting point that compiles, compile errors
for mistyped handlers that name the route, and `ringspec routes` listing the responses.
The running behaviour is tested in tests/conformance/test_typed_responses.py."""

import re
import shutil

import pytest

from conftest import REPO, SPECS, ringspec

EXAMPLE = REPO / "spec" / "examples" / "inventory"

EXPECTED = [
    'responses.toml:8:1: error[RS076]: error.bad-name: "bad-name" is not a C identifier (letters, digits and "_", not starting with a digit)',
    'responses.toml:12:10: error[RS076]: error.teapot.status: 418 is not a registered status code',
    'responses.toml:15:10: error[RS013]: error.tiny.status: 200 is out of range (expected 400..599)',
    'responses.toml:17:1: error[RS011]: error.nostatus: missing "status" (400..599)',
    'responses.toml:20:1: error[RS015]: error_body: two members would have the same name',
    'responses.toml:22:1: error[RS010]: error_body.colour: unknown key',
    'responses.toml:27:10: error[RS075]: route[0].errors: error "not_found" has status 404, which is already a response of this route',
    'responses.toml:27:24: error[RS076]: route[0].errors[1]: unknown error "not_fond"',
    'responses.toml:27:36: error[RS015]: route[0].errors[2]: "not_found" is listed twice',
    'responses.toml:30:9: error[RS075]: route[0].response[0].shape: unknown shape "Iten"',
    'responses.toml:32:10: error[RS015]: route[0].response[1].status: status 200 is already response[0] of this route',
    'responses.toml:35:10: error[RS075]: route[0].response[2].status: status 205 cannot be a handler\'s response',
    'responses.toml:39:1: error[RS011]: route[0].response[4]: missing "status"',
    'responses.toml:44:1: error[RS010]: route[0].response[5].shap: unknown key',
    'responses.toml:45:1: error[RS075]: route[0].response[5].errors: errors is a key of the route, not of one response',
    'responses.toml:47:1: error[RS075]: route[1].response: typed responses and errors are for routes with a handler',
]


def headlines(stderr: str) -> list:
    return [line for line in stderr.splitlines() if not line.startswith((" ", "\t")) and "[RS" in line]


def test_every_problem_reported_with_its_id_and_position():
    result = ringspec("check", "responses.toml", cwd=SPECS / "errors")
    assert (result.returncode, result.stdout) == (1, "")
    assert headlines(result.stderr) == EXPECTED


def test_hints_suggest_the_close_names():
    result = ringspec("check", "responses.toml", cwd=SPECS / "errors")
    # errors with a bad status stay known by name: one message per mistake
    assert 'hint: did you mean "not_found"? errors: not_found, teapot, tiny' in result.stderr
    assert 'hint: did you mean "Item"? shapes: Item' in result.stderr
    assert "hint: move `errors = [...]` above the first [[route.response]]" in result.stderr


def test_explain_the_new_ids():
    for code, words in (("RS075", "[[route.response]]"), ("RS076", "[error.NAME]")):
        result = ringspec("explain", code)
        assert result.returncode == 0 and words in result.stdout


def copy_example(tmp_path):
    root = tmp_path / "inventory"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build"))
    return root


def build(root, tmp_path, name="build"):
    return ringspec("build", "inventory.toml", "-o", tmp_path / name, cwd=root)


def test_stub_is_a_typed_starting_point_that_builds(tmp_path):
    root = copy_example(tmp_path)
    stub = ringspec("stub", "inventory.toml", cwd=root)
    assert stub.returncode == 0, stub.stderr
    assert "rs_status get_item(const get_item_params *in, rs_reply *reply)" in stub.stdout
    assert "return get_item_reply_200(reply, &value);" in stub.stdout
    assert "/* or: return rs_error_not_found(reply, NULL);" in stub.stdout
    assert "Item_array value = {0};" in stub.stdout  # the [Item] response of /items
    shutil.rmtree(root / "handlers")
    (root / "handlers").mkdir()
    parts = re.split(r"^/\* ---- handlers/(\w+\.c) ---- \*/\n", stub.stdout, flags=re.M)[1:]
    assert [name for name in parts[::2]] == ["list_items.c", "get_item.c", "reserve_item.c", "restock_item.c"]
    for name, text in zip(parts[::2], parts[1::2]):
        (root / "handlers" / name).write_text(text)
    result = build(root, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / "server").is_file()


@pytest.mark.parametrize("file, old, new, messages", [
    # the old untyped signature on a typed route
    ("items.c", "rs_status get_item(const get_item_params *in, rs_reply *reply)",
     "void get_item(const get_item_params *in, rs_reply *reply)",
     ["conflicting types for", "get_item", "route GET, HEAD /items/{id:int}"]),
    # a bare status instead of what a typed function returned
    ("items.c", "return rs_error_not_found(reply, NULL);", "return 404;",
     ["rs_status", "incompatible types"]),
    # the value of another response's shape
    ("orders.c", "return reserve_item_reply_201(reply, &done);", "return reserve_item_reply_201(reply, &in->id);",
     ["reserve_item_reply_201", "Reservation"]),
    # a status the route does not declare has no function at all
    ("items.c", "return get_item_reply_200(reply, &item);", "return get_item_reply_201(reply, &item);",
     ["get_item_reply_201"]),
])
def test_mistyped_handler_is_a_compile_error(tmp_path, file, old, new, messages):
    root = copy_example(tmp_path)
    path = root / "handlers" / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    result = build(root, tmp_path)
    assert result.returncode != 0
    for m in messages:
        assert m in result.stderr, result.stderr[-3000:]


def test_routes_lists_every_response_and_error():
    result = ringspec("routes", EXAMPLE / "inventory.toml")
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("\n\n")[0]  # the listeners follow a blank line
    rows = [re.sub(r"\s{2,}", " | ", line.strip()) for line in table.splitlines()[1:]]
    assert rows == [
        "0 | GET, HEAD | /items | - | handler list_items(): 200 [Item]",
        "1 | GET, HEAD | /items/{id:int} | path id: int | handler get_item(): 200 Item | 404 not_found",
        "2 | POST | /items/{id:int}/reserve | path id: int, query quantity: int (1..100) = 1 | "
        "handler reserve_item(): 201 Reservation | 404 not_found | 409 out_of_stock",
        "3 | POST | /items/{id:int}/restock | path id: int, body body: int | "
        "handler restock_item(): 200 Item | 404 not_found | 422 bad_quantity",
    ]


def test_missing_typed_handler_hint_shows_its_signature(tmp_path):
    root = copy_example(tmp_path)
    (root / "handlers" / "items.c").unlink()
    result = ringspec("check", "inventory.toml", cwd=root)
    assert result.returncode == 1
    assert ("create handlers/get_item.c defining `rs_status get_item(const get_item_params *in, rs_reply *reply)`"
            in result.stderr)
