"""Issue 17 in the validator and generator: routes keyed by path and method."""

import re

from conftest import COMPILERS, compile_object, generate, ringspec
from test_errors import headlines

BOOKS = '''
[[route]]
path = "/books"
reply = { text = "list" }

[[route]]
path = "/books"
methods = ["POST", "PUT"]
body = "int"
reply = { status = 201, text = "created {body}" }
'''


def check(tmp_path, text: str):
    (tmp_path / "t.toml").write_text(text)
    return ringspec("check", "t.toml", cwd=tmp_path)


def test_two_routes_on_one_path_with_other_methods_are_accepted(tmp_path):
    result = check(tmp_path, BOOKS)
    assert result.returncode == 0, result.stderr


def test_a_method_answered_twice_on_one_path_is_rs021_with_a_hint(tmp_path):
    result = check(tmp_path, BOOKS + '[[route]]\npath = "/books"\nmethods = ["PUT", "DELETE"]\nreply = { text = "x" }\n')
    assert headlines(result.stderr) == [
        't.toml:12:8: error[RS021]: route[2].path: PUT "/books" is already answered by route[1]']
    assert "hint: one route per path and method" in result.stderr


def test_same_requests_written_another_way_must_use_one_spelling(tmp_path):
    text = '[[route]]\npath = "/b/{id:int}"\nreply = { text = "{id}" }\n' \
           '[[route]]\npath = "/b/{n:int}"\nmethods = ["DELETE"]\nreply = { text = "{n}" }\n'
    result = check(tmp_path, text)
    assert headlines(result.stderr) == [
        't.toml:5:8: error[RS021]: route[1].path: "/b/{n:int}" matches the same requests as route[0] "/b/{id:int}"']
    assert 'hint: routes sharing a path must write it the same way: "/b/{id:int}"' in result.stderr


def test_method_routes_get_named_functions_and_one_path_matcher(tmp_path):
    spec = tmp_path / "books.toml"
    spec.write_text(BOOKS)
    text = generate(spec, tmp_path / "out").read_text()
    assert re.findall(r"^static void (respond_\w+)", text, re.M) == ["respond_books", "respond_books_post"]
    # The path is compared once; the POST route is reached through the GET route's chain.
    assert text.count('memcmp(path, "/books", 6)') == 1
    assert re.search(r'\.allow = "GET, HEAD, POST, PUT",\s*\.next_method_route = 1,', text)
    for compiler in COMPILERS:
        compile_object(compiler, tmp_path / "out" / "routes.c", tmp_path / "routes.o")


def test_routes_lists_each_method_route(tmp_path):
    (tmp_path / "t.toml").write_text(BOOKS)
    out = ringspec("routes", "t.toml", cwd=tmp_path).stdout.splitlines()
    assert [line.split()[:2] for line in out[1:]] == [["0", "GET,"], ["1", "POST,"]]


# -- string path parameters -------------------------------------------------------------

SLUG = '[[route]]\npath = "/b/{slug:string}"\n'


def test_a_string_segment_takes_string_constraints(tmp_path):
    text = SLUG + 'path_params = { slug = { min_length = 2, max_length = 40, pattern = "[a-z-]+" } }\n' \
                  'reply = { text = "x" }\n'
    result = check(tmp_path, text)
    assert result.returncode == 0, result.stderr


def test_int_constraints_on_a_string_segment_are_unknown_keys(tmp_path):
    result = check(tmp_path, SLUG + 'path_params = { slug = { min = 1 } }\nreply = { text = "x" }\n')
    assert headlines(result.stderr)[0] == 't.toml:3:26: error[RS010]: route[0].path_params.slug.min: unknown key'
    assert "expected one of: min_length, max_length, pattern, enum" in result.stderr


def test_int_and_string_segments_at_one_place_are_different_paths(tmp_path):
    # "/b/7" goes to the int route (spec order), "/b/seven" to the string one.
    text = '[[route]]\npath = "/b/{id:int}"\nreply = { text = "x" }\n' + SLUG + 'reply = { text = "y" }\n'
    assert check(tmp_path, text).returncode == 0


def test_a_string_segment_is_matched_then_decoded_by_path_rules(tmp_path):
    spec = tmp_path / "slug.toml"
    spec.write_text(SLUG + 'path_params = { slug = { pattern = "[a-z]+" } }\nreply = { text = "x" }\n')
    text = generate(spec, tmp_path / "out").read_text()
    assert "take_segment(&p, path, end, &params->value[0] /* slug */)" in text
    assert "rs_path_decode(s, n, text, 256)" in text and "rs_url_decode" not in text
    for compiler in COMPILERS:
        compile_object(compiler, tmp_path / "out" / "routes.c", tmp_path / "routes.o")
