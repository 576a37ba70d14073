"""Issue 17 in the validator and generator: routes keyed by path and method."""

import re

import pytest

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
    rows = [line.split()[:2] for line in out[1:] if line[:1].isdigit()]  # then the listeners
    assert rows == [["0", "GET,"], ["1", "POST,"]]


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


# -- 204/304, response headers, redirects --------------------------------------------------

def diagnostics(tmp_path, text: str) -> list:
    result = check(tmp_path, text)
    assert result.returncode == 1, result.stderr
    return headlines(result.stderr)


def test_a_3xx_reply_without_location_is_an_error_with_a_hint(tmp_path):
    result = check(tmp_path, '[[route]]\npath = "/x"\nreply = { status = 302, text = "moved" }\n')
    assert headlines(result.stderr) == [
        't.toml:3:20: error[RS045]: route[0].reply.status: a 302 reply needs a Location header']
    assert 'hint: write redirect = { status = 302, location = "/..." } instead of reply' in result.stderr


def test_a_bodiless_status_with_text_is_an_error(tmp_path):
    assert diagnostics(tmp_path, '[[route]]\npath = "/x"\nreply = { status = 204, text = "gone" }\n') == [
        't.toml:3:20: error[RS040]: route[0].reply.status: status 204 carries no body: remove the reply\'s text '
        'or json']


def test_204_and_304_without_body_are_accepted(tmp_path):
    text = '[[route]]\npath = "/x"\nmethods = ["DELETE"]\nreply = { status = 204 }\n' \
           '[[route]]\npath = "/y"\nreply = { status = 304 }\n'
    assert check(tmp_path, text).returncode == 0


@pytest.mark.parametrize("headers, expected", [
    ('{ content-length = "5" }', 'route[0].response_headers.content-length: "content-length" is written by the '
                                 'server itself'),
    ('{ Cache-Control = "x" }', 'route[0].response_headers.Cache-Control: header names are lower-case field names '
                                'such as "x-request-id", got "Cache-Control"'),
    ('{ x-a = "a\\nb" }', 'route[0].response_headers.x-a: not a header value: "a\\nb" (printable ASCII, no line '
                          'breaks, no leading or trailing space)'),
    ('{ x-a = "{nope}" }', 'route[0].response_headers.x-a: unknown name "nope" in {nope} (this route has no '
                           'parameters)'),
])
def test_bad_response_headers(tmp_path, headers, expected):
    lines = diagnostics(tmp_path, f'[[route]]\npath = "/x"\nresponse_headers = {headers}\nreply = {{ text = "x" }}\n')
    assert [line.split(": ", 1)[1].split(": ", 1)[1] for line in lines] == [expected]


def test_server_headers_are_constant(tmp_path):
    lines = diagnostics(tmp_path, '[server]\nresponse_headers = { x-a = "{id}" }\n'
                                  '[[route]]\npath = "/x"\nreply = { text = "x" }\n')
    assert lines == ['t.toml:2:28: error[RS044]: server.response_headers.x-a: server headers are constant: a '
                     '{hole} needs a route\'s parameters']


@pytest.mark.parametrize("redirect, expected", [
    ('{ status = 200, location = "/y" }', 'error[RS045]: route[0].redirect.status: a redirect\'s status is one of '
                                          '301, 302, 303, 307, 308, got integer 200'),
    ('{ status = 301 }', 'error[RS045]: route[0].redirect: a redirect needs a location such as "/books/{id}", '
                         'missing'),
    ('{ location = "/y/{n}" }', 'error[RS041]: route[0].redirect.location: unknown name "n" in {n} (this route '
                                'has no parameters)'),
])
def test_bad_redirects(tmp_path, redirect, expected):
    lines = diagnostics(tmp_path, f'[[route]]\npath = "/x"\nredirect = {redirect}\n')
    assert [line.split(": ", 1)[1] for line in lines] == [expected]


def test_redirect_and_reply_together(tmp_path):
    lines = diagnostics(tmp_path, '[[route]]\npath = "/x"\nredirect = { location = "/y" }\nreply = { text = "x" }\n')
    assert lines == ['t.toml:3:1: error[RS045]: route[0].redirect: a route has one of "reply", "handler" or '
                     '"redirect"']


def test_computed_header_is_formatted_into_the_head(tmp_path):
    spec = tmp_path / "h.toml"
    spec.write_text('[server]\nresponse_headers = { x-frame-options = "DENY" }\n'
                    '[[route]]\npath = "/b/{id:int}"\nredirect = { status = 308, location = "/books/{id}" }\n')
    text = generate(spec, tmp_path / "out").read_text()
    assert '"HTTP/1.1 308 Permanent Redirect\\r\\nX-Frame-Options: DENY\\r\\n"' in text
    assert 'memcpy(rs_head + rs_head_len, "Location: /books/", 17);' in text
    assert "rs_head_len += rs_format_i64(rs_head + rs_head_len, rs_v_id);" in text
    for compiler in COMPILERS:
        compile_object(compiler, tmp_path / "out" / "routes.c", tmp_path / "routes.o")


# -- output strings --------------------------------------------------------------------------

STRINGS = '[[route]]\npath = "/s/{who:string}"\nquery = { sort = { type = "string", enum = ["a", "b"], default = "a" } }\n'


@pytest.mark.parametrize("reply, expected", [
    ('{ text = "{who + 1}" }', 'route[0].reply.text: "who" is a string: write {who} alone for its text, or '
                               'len(who) for its length'),
    ('{ text = "{len(sort)}" }', 'route[0].reply.text: "sort" is an enum: {sort} writes its value; len() of an '
                                 'enum is not supported'),
    ('{ json = { n = "who * 2" } }', 'route[0].reply.json.n: "who" is a string: write a field "who" for its '
                                     'text, or len(who) for its length'),
    ('{ json = { n = "len(sort)" } }', 'route[0].reply.json.n: "sort" is an enum: a field "sort" writes its value; '
                                       'len() of an enum is not supported'),
])
def test_a_string_in_arithmetic_is_an_error(tmp_path, reply, expected):
    lines = diagnostics(tmp_path, STRINGS + f"reply = {reply}\n")
    assert [line.split(": ", 2)[2] for line in lines] == [expected]


def test_string_text_and_length_are_written_from_request_text(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(STRINGS + 'reply = { text = "{sort}:{who}:{len(who)}" }\n')
    text = generate(spec, tmp_path / "out").read_text()
    assert "memcpy(rs_buf + rs_len, rs_s_who.ptr, rs_s_who.len);" in text
    assert "memcpy(rs_buf + rs_len, rs_s_sort.ptr, rs_s_sort.len);" in text
    assert "rs_len += rs_format_i64(rs_buf + rs_len, rs_v_who);" in text  # len(who): the slot holds the length
    for compiler in COMPILERS:
        compile_object(compiler, tmp_path / "out" / "routes.c", tmp_path / "routes.o")


# -- bind address ----------------------------------------------------------------------------

ANY_ROUTE = '[[route]]\npath = "/x"\nreply = { text = "x" }\n'


@pytest.mark.parametrize("host, expected", [
    ('"localhost"', 't.toml:2:8: error[RS014]: server.host: not an IP address: "localhost" (e.g. "127.0.0.1", "::1", '
                    '"0.0.0.0")'),
    ("8080", 't.toml:2:8: error[RS012]: server.host: expected a string, got integer 8080'),
])
def test_host_must_be_an_address_literal(tmp_path, host, expected):
    result = check(tmp_path, f"[server]\nhost = {host}\n" + ANY_ROUTE)
    assert headlines(result.stderr) == [expected]


def test_host_goes_into_the_config(tmp_path):
    spec = tmp_path / "h.toml"
    spec.write_text('[server]\nhost = "::1"\n' + ANY_ROUTE)
    assert '.host = "::1",' in generate(spec, tmp_path / "out").read_text()


# -- static directories ------------------------------------------------------------------------

STATIC = '[[route]]\npath = "/s/"\nstatic = { dir = "/data/static"%s }\n'


def test_a_static_prefix_gets_a_slash_redirect_unless_a_route_has_the_path(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(STATIC % ', index = "index.html"')
    text = generate(spec, tmp_path / "out").read_text()
    assert 'memcmp(path, "/s", 2) == 0' in text
    assert '"HTTP/1.1 301 Moved Permanently\\r\\nLocation: /s/\\r\\n"' in text
    assert '.index = "index.html", /* served for a directory path */' in text
    spec.write_text(STATIC % "" + '[[route]]\npath = "/s"\nreply = { text = "mine" }\n')
    text = generate(spec, tmp_path / "out2").read_text()
    assert "Location: /s/" not in text and ".index" not in text


@pytest.mark.parametrize("index", ['"a/index.html"', '".."', "1"])
def test_index_is_one_file_name(tmp_path, index):
    lines = diagnostics(tmp_path, STATIC % f", index = {index}")
    assert len(lines) == 1 and "route[0].static.index: expected a file name such as \"index.html\"" in lines[0]
