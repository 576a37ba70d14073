"""CORS policies ([server.cors], a route's cors) in the validator and generator (issue 17)."""

import re

import pytest

from conftest import COMPILERS, compile_object, generate, ringspec
from test_errors import headlines

ROUTE = '[[route]]\npath = "/x"\nreply = { text = "x" }\n'


def diagnostics(tmp_path, text: str) -> list:
    (tmp_path / "t.toml").write_text(text)
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert result.returncode != 0
    return headlines(result.stderr)


def messages(tmp_path, text: str) -> list:
    return [line.split(": ", 1)[1] for line in diagnostics(tmp_path, text)]


@pytest.mark.parametrize("cors, expected", [
    ('{ origins = "*", credentials = true }',
     'error[RS046]: server.cors.credentials: credentials cannot be allowed for every origin ("*"): browsers '
     'refuse such replies'),
    ('{ origins = ["https://a.example/"] }', 'error[RS046]: server.cors.origins[0]: not an origin: '
                                              '"https://a.example/"'),
    ('{ origins = ["a.example"] }', 'error[RS046]: server.cors.origins[0]: not an origin: "a.example"'),
    ('{ origins = ["*", "https://a.example"] }',
     'error[RS046]: server.cors.origins: "*" stands alone: origins = "*" allows every origin'),
    ('{ origins = "*", methods = ["GET", "FETCH"] }',
     'error[RS046]: server.cors.methods[1]: unknown method "FETCH" (expected one of: GET, HEAD, POST, PUT, DELETE, '
     'PATCH, OPTIONS)'),
    ('{ origins = "*", methods = ["get"] }',
     'error[RS046]: server.cors.methods[0]: unknown method "get" (expected one of: GET, HEAD, POST, PUT, DELETE, '
     'PATCH, OPTIONS)'),
    ('{ origins = "*", headers = ["X Token"] }',
     'error[RS046]: server.cors.headers[0]: header names are lower-case field names such as "x-request-id", '
     'got "X Token"'),
    ('{ origins = "*", max_age = 100000 }', 'error[RS046]: server.cors.max_age: expected seconds 0..86400, got '
                                            'integer 100000'),
    ('{ methods = ["GET"] }', 'error[RS046]: server.cors: a CORS policy needs origins: "*" or a list such as '
                              '["https://app.example"]'),
    ('{ origins = "*", origin = "x" }', 'error[RS010]: server.cors.origin: unknown key'),
])
def test_bad_server_policies(tmp_path, cors, expected):
    assert messages(tmp_path, f"[server]\ncors = {cors}\n" + ROUTE) == [expected]


def test_credentials_hint(tmp_path):
    (tmp_path / "t.toml").write_text('[server.cors]\norigins = "*"\ncredentials = true\n' + ROUTE)
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert "hint: list the origins that may send credentials" in result.stderr


def test_route_cannot_turn_credentials_on_under_any_origin(tmp_path):
    lines = messages(tmp_path, '[server.cors]\norigins = "*"\n[[route]]\npath = "/x"\ncors = { credentials = true }\n'
                               'reply = { text = "x" }\n')
    assert lines == [
        'error[RS046]: route[0].cors.credentials: credentials cannot be allowed for every origin ("*"): browsers '
        'refuse such replies']


def test_cors_true_needs_a_server_policy(tmp_path):
    lines = messages(tmp_path, '[[route]]\npath = "/x"\ncors = true\nreply = { text = "x" }\n')
    assert lines[0].startswith(
        "error[RS046]: route[0].cors: cors = true needs a [server.cors] table")


def test_static_routes_take_no_cors_key(tmp_path):
    lines = messages(tmp_path, '[[route]]\npath = "/s/"\nstatic = { dir = "/data" }\ncors = false\n')
    assert any("RS010" in line and "route[0].cors" in line for line in lines)


def test_policies_are_emitted_per_route_and_path(tmp_path):
    spec = tmp_path / "c.toml"
    spec.write_text('[server.cors]\norigins = ["https://a.example"]\nheaders = ["x-token"]\nmax_age = 5\n'
                    '[[route]]\npath = "/books"\nreply = { text = "list" }\n'
                    '[[route]]\npath = "/books"\nmethods = ["POST"]\ncors = { origins = "*" }\n'
                    'reply = { text = "made" }\n'
                    '[[route]]\npath = "/off"\ncors = false\nreply = { text = "off" }\n')
    text = re.sub(r'"\s*"', "", generate(spec, tmp_path / "out").read_text())  # joined string literals
    assert 'static const char *const rs_cors_0_origins[] = {"https://a.example"};' in text
    assert ('.preflight_lines = "Access-Control-Allow-Methods: GET, HEAD\\r\\nAccess-Control-Allow-Headers: '
            'x-token\\r\\nAccess-Control-Max-Age: 5\\r\\n"') in text
    assert re.search(r"rs_cors_1 = \{\s*\.origins = NULL,\s*\.origin_count = 0,\s*\.any_origin = true", text)
    # /off has no policy and its path none: OPTIONS there stays 405.
    off = text[text.index("/* 2: /off */"):]
    assert ".cors" not in off.split("},")[0] and ".path_cors" not in off.split("},")[0]
    assert text.count(".path_cors = true") == 2
    for compiler in COMPILERS:
        compile_object(compiler, tmp_path / "out" / "routes.c", tmp_path / "routes.o")


def test_no_cors_code_without_a_policy(tmp_path):
    spec = tmp_path / "c.toml"
    spec.write_text(ROUTE)
    text = generate(spec, tmp_path / "out").read_text()
    assert "rs_cors_requested_method" not in text and "rs_cors_0" not in text


def test_a_wrong_server_policy_is_reported_once(tmp_path):
    lines = messages(tmp_path, '[server.cors]\norigins = "*"\ncredentials = true\n' + ROUTE +
                     ROUTE.replace('"/x"', '"/y"'))
    assert len(lines) == 1 and "RS046" in lines[0]
