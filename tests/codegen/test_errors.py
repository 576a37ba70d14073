"""Spec errors: exact file:line: key: message lines, all reported at once, exit status 1,
nothing written."""

import pytest

from conftest import REPO, SPECS, ringspec

ERRORS = SPECS / "errors"

EXPECTED = {
    "server.toml": [
        'server.toml:2: server.port: expected an integer, got string "8080"',
        'server.toml:3: server.workers: expected "auto" or an integer 1..1024, got integer 0',
        "server.toml:4: server.colour: unknown key (expected one of: port, workers, max_connections, protocols, limits, "
        "timeouts, buffers)",
        "server.toml:6: server.limits.target: 20000 exceeds limits.head (16384), which includes the target",
        "server.toml:7: server.limits.body: -1 is out of range (expected 0..4611686018427387904)",
        'server.toml:9: server.timeouts.idle: expected seconds (a number), got string "60s"',
        "server.toml:10: server.timeouts.write: 0 s is out of range (expected 0.001..86400)",
        "server.toml:12: server.buffers.recv_count: 1000 is not a power of two",
        "server.toml:13: server.buffers.recv_size: 100 is out of range (expected 256..1048576)",
    ],
    "routes.toml": [
        'routes.toml:2: route[0].path: must start with "/", got "x"',
        'routes.toml:3: route[0].methods[0]: methods are upper case: "GET"',
        'routes.toml:3: route[0].methods[1]: unknown method "BREW" (expected one of: GET, HEAD, POST, PUT, '
        "DELETE, PATCH, OPTIONS)",
        'routes.toml:3: route[0].methods[3]: "POST" is listed twice',
        'routes.toml:4: route[0].query.a: unknown type "integer" (expected "int" or "int = N")',
        'routes.toml:4: route[0].query.b: optional "int?" is not supported in v1; give a default instead, '
        'e.g. "int = 0"',
        'routes.toml:4: route[0].query.c: default "x" is not an integer literal',
        'routes.toml:4: route[0].query.a-b: "a-b" is not a C identifier (letters, digits and "_", not '
        "starting with a digit)",
        'routes.toml:4: route[0].query.int: "int" is reserved in the generated C; choose another name',
        'routes.toml:4: route[0].query.rs_x: "rs_x" is reserved in the generated C; choose another name',
        "routes.toml:5: route[0].reply.status: status 204 cannot carry a body; v1 replies always have one",
        'routes.toml:5: route[0].reply.text: unknown name "zz" in {a + zz} (known: a, b, c)',
        'routes.toml:8: route[1].path: parameter "{id}" needs a type: "{id:int}"',
        'routes.toml:8: route[1].path: unknown parameter type "str" in "{n:str}" (expected "int")',
        'routes.toml:8: route[1].path: path parameters must be whole segments like "{id:int}", got "x{y:int}"',
        'routes.toml:8: route[1].path: empty segment ("//") in "/items/{id}/{n:str}/x{y:int}//z%20"',
        'routes.toml:8: route[1].path: "%" not allowed in a path literal (use unreserved and sub-delim '
        "characters of RFC 3986)",
        'routes.toml:9: route[1].methods: expected a non-empty array of methods such as ["GET"], got an '
        "empty array",
        "routes.toml:10: route[1].body: default 99999999999999999999 does not fit int64",
        'routes.toml:11: route[1].body_limit: expected an integer, got string "big"',
        "routes.toml:12: route[1].colour: unknown key (expected one of: path, methods, query, body, "
        "body_limit, reply, compress, static, websocket)",
        'routes.toml:13: route[1].reply.type: not a media type: "text plain" (expected type/subtype, e.g. '
        '"text/plain; charset=utf-8")',
        'routes.toml:13: route[1].reply.text: unclosed "{" at offset 0 (write "{{" for a literal brace)',
        'routes.toml:17: route[2].reply.text: single "}" at offset 1 (write "}}" for a literal brace)',
        'routes.toml:20: route[3].path: "/dup" is already route[2]; list several methods in one route',
        "routes.toml:22: route[3].reply.text: {1 / 0} always divides by zero",
        "routes.toml:22: route[3].reply.text: {9223372036854775807 + 1} always overflows int64",
        "routes.toml:22: route[3].reply.text: bad expression {(}: expected a number, a name or '(' at the end",
        "routes.toml:24: route[4]: 7 parameters (path, query and body together); at most 6 are supported",
        'routes.toml:27: route[4].body: "body" is already the name of a query parameter',
        'routes.toml:30: route[5]: missing "reply"',
        'routes.toml:34: route[6].path: "/p/{x:int}/{y:int}" matches the same requests as route[4] '
        '"/p/{a:int}/{b:int}"',
        "routes.toml:35: route[6].reply.status: 299 is not a registered status code",
    ],
    "profiles.toml": [
        'profiles.toml:1: servr: unknown key (did you mean "server"? expected one of: server, route, profile, shape, data)',
        'profiles.toml:9: profile.one.routes[1]: unknown route path "/b" (known: /a)',
        'profiles.toml:9: profile.one.routes[2]: "/a" is listed twice',
        "profiles.toml:12: profile.two.routes: expected a non-empty array of route paths, got an empty array",
        'profiles.toml:14: profile."bad name": profile name "bad name" may use only letters, digits, "-" '
        'and "_" (it names a directory)',
        'profiles.toml:16: profile."bad name".extra: unknown key (expected one of: routes)',
    ],
    "websocket.toml": [
        'websocket.toml:2: server.protocols[1]: unknown protocol "h3" (expected one of: http1, websocket)',
        'websocket.toml:2: server.protocols[2]: "websocket" is listed twice',
        'websocket.toml:2: server.protocols: "http1" is required: every connection starts as HTTP/1.1',
        "websocket.toml:5: route[0].path: a websocket route has no path parameters",
        'websocket.toml:6: route[0].methods: a websocket route takes ["GET"] (the opening handshake)',
        'websocket.toml:7: route[0].websocket: unknown behaviour "chat" (expected one of: echo)',
        "websocket.toml:8: route[0].reply: not allowed on a websocket route (allowed: path, methods, websocket)",
    ],
    "syntax.toml": ["syntax.toml:3: syntax: Invalid value (column 11)"],
    "no_routes.toml": ["no_routes.toml: route: no routes: add at least one [[route]] table"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_reports_every_error(name):
    result = ringspec("check", name, cwd=ERRORS)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_generate_writes_nothing_on_error(name, tmp_path):
    out = tmp_path / "out"
    result = ringspec("generate", ERRORS / name, "-o", out)
    assert result.returncode == 1
    assert not out.exists()


def test_generate_keeps_previous_output_on_error(tmp_path):
    (tmp_path / "routes.c").write_text("previous")
    result = ringspec("generate", ERRORS / "routes.toml", "-o", tmp_path)
    assert result.returncode == 1
    assert [p.name for p in tmp_path.iterdir()] == ["routes.c"]
    assert (tmp_path / "routes.c").read_text() == "previous"


def test_file_is_named_as_given():
    result = ringspec("check", "tests/codegen/specs/errors/syntax.toml", cwd=REPO)
    assert result.stderr == "tests/codegen/specs/errors/syntax.toml:3: syntax: Invalid value (column 11)\n"


def test_missing_file(tmp_path):
    result = ringspec("check", "nope.toml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("nope.toml: file: cannot read: ")


def _check_one(tmp_path, text: str) -> list:
    (tmp_path / "t.toml").write_text(text)
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert result.returncode == 1
    return result.stderr.splitlines()


ROUTE = '[[route]]\npath = "/x"\n'


@pytest.mark.parametrize("text, expected", [
    # keys inside inline tables resolve to the line of the inline table
    (ROUTE + 'reply = { text = "x", colour = 1 }\n',
     't.toml:3: route[0].reply.colour: unknown key (expected one of: status, type, text, json)'),
    # sub-tables of the current [[route]], and a multi-line array before them
    (ROUTE + 'methods = [\n  "GET",\n  "post",\n]\n[route.reply]\ntext = "{nope}"\n',
     't.toml:5: route[0].methods[1]: methods are upper case: "POST"'),
    (ROUTE + 'methods = [\n  "GET",\n]\n[route.reply]\n\ntext = """\n{nope}"""\n',
     't.toml:8: route[0].reply.text: unknown name "nope" in {nope} (this route has no parameters)'),
    # dotted keys
    ('server.limits.head = "x"\n' + ROUTE + 'reply.text = "x"\n',
     't.toml:1: server.limits.head: expected an integer, got string "x"'),
    (ROUTE + 'reply = { text = "x", status = 99 }\n',
     "t.toml:3: route[0].reply.status: 99 is out of range (expected 100..599)"),
    (ROUTE + 'query = { "a" = 1 }\nreply = { text = "x" }\n',
     't.toml:3: route[0].query.a: expected a type string such as "int", got integer 1'),
    (ROUTE + 'query = { _a = "int", size_t = "int", memcpy = "int" }\nreply = { text = "x" }\n',
     't.toml:3: route[0].query._a: "_a" is reserved in the generated C; choose another name'),
    ('[server]\nworkers = "many"\n' + ROUTE + 'reply = { text = "x" }\n',
     't.toml:2: server.workers: expected "auto" or an integer 1..1024, got string "many"'),
    ('route = 1\n', "t.toml:1: route: expected an array of tables ([[route]]), got integer 1"),
    ('[[route]]\npath = ""\nreply = { text = "x" }\n', 't.toml:2: route[0].path: must start with "/", got ""'),
    ('[[route]]\nreply = { text = "x" }\n', 't.toml:1: route[0]: missing "path"'),
    ('[server.limits]\nhead = 4096\n' + ROUTE + 'reply = { text = "x" }\n',
     "t.toml:2: server.limits.head: 4096 is less than limits.target (8192), which it includes"),
])
def test_error_lines(tmp_path, text, expected):
    assert _check_one(tmp_path, text)[0] == expected


def test_route_with_several_errors_in_different_subtables(tmp_path):
    text = ROUTE + '[route.query]\na = "int"\nb = "float"\n[route.reply]\ntext = "{a + c}"\n[[route]]\npath = "/x"\n' \
        'reply = { text = "x" }\n'
    assert _check_one(tmp_path, text) == [
        't.toml:5: route[0].query.b: unknown type "float" (expected "int" or "int = N")',
        't.toml:7: route[0].reply.text: unknown name "c" in {a + c} (known: a, b)',
        't.toml:9: route[1].path: "/x" is already route[0]; list several methods in one route',
    ]


def test_websocket_route_needs_the_protocol(tmp_path):
    assert _check_one(tmp_path, '[[route]]\npath = "/ws"\nwebsocket = "echo"\n') == [
        't.toml:3: route[0].websocket: the listener does not speak WebSocket: add "websocket" to '
        "[server] protocols"
    ]
