"""Spec diagnostics: a table of broken specs with their exact ids and positions
(file:line:col: severity[RSxxx]: key: message), all reported at once, each with the
offending line and a caret; exit status 1 and nothing written."""

import pytest

from conftest import REPO, SPECS, ringspec

ERRORS = SPECS / "errors"

EXPECTED = {
    "bodies.toml": [
        'bodies.toml:2:29: error[RS032]: shape.Order.qty.min: min 5 is greater than max 1',
        'bodies.toml:2:54: error[RS032]: shape.Order.qty.max_length: max_length does not apply to a field of type int',
        'bodies.toml:3:36: error[RS033]: shape.Order.sku.pattern: pattern \'a(b\': unclosed "(" (at offset 3)',
        'bodies.toml:4:38: error[RS032]: shape.Order.note.required: a field with a default is not required',
        'bodies.toml:5:41: error[RS013]: shape.Order.tags.max_items: 0 is out of range (expected 1..4096)',
        'bodies.toml:5:44: error[RS010]: shape.Order.tags.colour: unknown key',
        'bodies.toml:6:35: error[RS012]: shape.Order.flag.default: expected a bool, got integer 3',
        'bodies.toml:8:8: error[RS050]: shape.Order.kind: missing "type" (e.g. { type = "int", min = 1 })',
        'bodies.toml:18:18: error[RS034]: route[0].body.shape: unknown shape "Ordr"',
        'bodies.toml:24:18: error[RS034]: route[1].body.shape: Order.grid: arrays of arrays ("[[int]]") are not supported in request bodies',
        'bodies.toml:24:27: error[RS010]: route[1].body.extra: unknown key',
        'bodies.toml:24:54: error[RS012]: route[1].body.additional: expected true or false, got string "yes"',
        'bodies.toml:30:18: error[RS034]: route[2].body.shape: the typed body of Big would take 262208 bytes (at most 262144); lower max_items of its arrays',
        "bodies.toml:38:8: error[RS034]: route[3].body: a JSON body needs one of POST, PUT, PATCH among the route's methods (it has GET, HEAD)",
        'bodies.toml:39:18: error[RS041]: route[3].reply.text: unknown name "body.m" in {body.m} (known: body.n)',
    ],
    "server.toml": [
        'server.toml:2:8: error[RS012]: server.port: expected an integer, got string "8080"',
        'server.toml:3:11: error[RS012]: server.workers: expected "auto" or an integer 1..1024, got integer 0',
        'server.toml:4:1: error[RS010]: server.colour: unknown key',
        'server.toml:6:10: error[RS014]: server.limits.target: 20000 exceeds limits.head (16384), which includes the target',
        'server.toml:7:8: error[RS013]: server.limits.body: -1 is out of range (expected 0..4611686018427387904)',
        'server.toml:9:8: error[RS012]: server.timeouts.idle: expected seconds (a number), got string "60s"',
        'server.toml:10:9: error[RS013]: server.timeouts.write: 0 s is out of range (expected 0.001..86400)',
        'server.toml:12:14: error[RS014]: server.buffers.recv_count: 1000 is not a power of two',
        'server.toml:13:13: error[RS013]: server.buffers.recv_size: 100 is out of range (expected 256..1048576)',
    ],
    "routes.toml": [
        'routes.toml:2:8: error[RS020]: route[0].path: must start with "/", got "x"',
        'routes.toml:3:12: error[RS022]: route[0].methods[0]: methods are upper case: "GET"',
        'routes.toml:3:19: error[RS022]: route[0].methods[1]: unknown method "BREW" (expected one of: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS)',
        'routes.toml:3:35: error[RS015]: route[0].methods[3]: "POST" is listed twice',
        'routes.toml:4:15: error[RS030]: route[0].query.a: unknown type "integer" (expected "int" or "int = N")',
        'routes.toml:4:30: error[RS030]: route[0].query.b: optional "int?" is not supported in v1; give a default instead, e.g. "int = 0"',
        'routes.toml:4:42: error[RS030]: route[0].query.c: default "x" is not an integer literal',
        'routes.toml:4:61: error[RS031]: route[0].query.a-b: "a-b" is not a C identifier (letters, digits and "_", not starting with a digit)',
        'routes.toml:4:74: error[RS031]: route[0].query.int: "int" is reserved in the generated C; choose another name',
        'routes.toml:4:88: error[RS031]: route[0].query.rs_x: "rs_x" is reserved in the generated C; choose another name',
        'routes.toml:5:20: error[RS040]: route[0].reply.status: status 204 carries no body: remove the reply\'s text or json',
        'routes.toml:5:32: error[RS041]: route[0].reply.text: unknown name "zz" in {a + zz} (known: a, b, c)',
        'routes.toml:8:8: error[RS020]: route[1].path: parameter "{id}" needs a type: "{id:int}" or "{id:string}"',
        'routes.toml:8:8: error[RS020]: route[1].path: unknown parameter type "str" in "{n:str}" (expected "int" or "string")',
        'routes.toml:8:8: error[RS020]: route[1].path: path parameters must be whole segments like "{id:int}", got "x{y:int}"',
        'routes.toml:8:8: error[RS020]: route[1].path: empty segment ("//") in "/items/{id}/{n:str}/x{y:int}//z%20"',
        'routes.toml:8:8: error[RS020]: route[1].path: "%" not allowed in a path literal (use unreserved and sub-delim characters of RFC 3986)',
        'routes.toml:9:11: error[RS012]: route[1].methods: expected a non-empty array of methods such as ["GET"], got an empty array',
        'routes.toml:10:8: error[RS030]: route[1].body: default 99999999999999999999 does not fit int64',
        'routes.toml:11:14: error[RS012]: route[1].body_limit: expected an integer, got string "big"',
        'routes.toml:12:1: error[RS010]: route[1].colour: unknown key',
        'routes.toml:13:18: error[RS040]: route[1].reply.type: not a media type: "text plain" (expected type/subtype, e.g. "text/plain; charset=utf-8")',
        'routes.toml:13:39: error[RS041]: route[1].reply.text: unclosed "{" at offset 0 (write "{{" for a literal brace)',
        'routes.toml:17:18: error[RS041]: route[2].reply.text: single "}" at offset 1 (write "}}" for a literal brace)',
        'routes.toml:20:8: error[RS021]: route[3].path: GET, HEAD "/dup" is already answered by route[2]',
        'routes.toml:22:18: error[RS041]: route[3].reply.text: {1 / 0} always divides by zero',
        'routes.toml:22:18: error[RS041]: route[3].reply.text: {9223372036854775807 + 1} always overflows int64',
        "routes.toml:22:18: error[RS041]: route[3].reply.text: bad expression {(}: expected a number, a name or '(' at the end",
        'routes.toml:24:1: error[RS031]: route[4]: 9 parameters (path, query, headers and body together); at most 8 are supported',
        'routes.toml:27:8: error[RS015]: route[4].body: "body" is already the name of a query parameter',
        'routes.toml:30:1: error[RS011]: route[5]: missing "reply" (or "handler")',
        'routes.toml:34:8: error[RS021]: route[6].path: "/p/{x:int}/{y:int}" matches the same requests as route[4] "/p/{a:int}/{b:int}" (both answer GET, HEAD)',
        'routes.toml:35:41: error[RS040]: route[6].reply.status: 299 is not a registered status code',
    ],
    "profiles.toml": [
        'profiles.toml:1:1: error[RS010]: servr: unknown key',
        'profiles.toml:9:17: error[RS060]: profile.one.routes[1]: unknown route path "/b" (known: /a)',
        'profiles.toml:9:23: error[RS015]: profile.one.routes[2]: "/a" is listed twice',
        'profiles.toml:12:10: error[RS060]: profile.two.routes: expected a non-empty array of route paths, got an empty array',
        'profiles.toml:14:1: error[RS060]: profile."bad name": profile name "bad name" may use only letters, digits, "-" and "_" (it names a directory)',
        'profiles.toml:16:1: error[RS010]: profile."bad name".extra: unknown key',
    ],
    "params_v2.toml": [
        'params_v2.toml:2:10: error[RS013]: server.violations.status: 200 is out of range (expected 400..499)',
        'params_v2.toml:3:12: error[RS010]: server.violations.fields.were: unknown key',
        'params_v2.toml:7:30: error[RS032]: route[0].path_params.id.min: min 5 is greater than max 1',
        'params_v2.toml:7:44: error[RS031]: route[0].path_params.nope: "nope" is not a parameter of the path',
        'params_v2.toml:8:24: error[RS030]: route[0].query.n.type: unknown type "float" (expected "int", "string" or "bool")',
        'params_v2.toml:8:55: error[RS010]: route[0].query.m.defualt: unknown key',
        'params_v2.toml:8:99: error[RS032]: route[0].query.s.min: min applies to int parameters; a string takes min_length/max_length',
        "params_v2.toml:8:112: error[RS033]: route[0].query.s.pattern: pattern 'a(?=b)': groups with (? (look-around, named or non-capturing) are not supported (at offset 2)",
        'params_v2.toml:9:13: error[RS031]: route[0].headers.X-Key: header names are lower-case field names such as "x-request-id", got "X-Key"',
        'params_v2.toml:9:71: error[RS015]: route[0].headers.x-e.enum[1]: "a" is listed twice',
        'params_v2.toml:9:87: error[RS032]: route[0].headers.x-e.default: "b" is not one of the enum values',
    ],
    "syntax.toml": [
        'syntax.toml:3:11: error[RS001]: syntax: Invalid value',
    ],
    "no_routes.toml": [
        'no_routes.toml: error[RS011]: route: no routes: add at least one [[route]] table',
    ],
    "websocket.toml": [
        'websocket.toml:2:13: error[RS014]: server.protocols: a listener speaks "http1", "h2c", "h2" or a combination',
        'websocket.toml:2:27: error[RS014]: server.protocols[1]: unknown protocol "h3" (expected one of: http1, websocket, h2c, h2)',
        'websocket.toml:2:33: error[RS015]: server.protocols[2]: "websocket" is listed twice',
        'websocket.toml:5:8: error[RS020]: route[0].path: a websocket route has no path parameters',
        'websocket.toml:6:11: error[RS014]: route[0].methods: a websocket route takes ["GET"] (the opening handshake)',
        'websocket.toml:7:13: error[RS014]: route[0].websocket: unknown behaviour "chat" (expected one of: echo)',
        'websocket.toml:8:1: error[RS010]: route[0].reply: not allowed on a websocket route (allowed: path, methods, '
        'websocket, test)',
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_reports_every_error(name):
    result = ringspec("check", name, cwd=ERRORS)
    assert (result.returncode, result.stdout) == (1, "")
    assert headlines(result.stderr) == EXPECTED[name]


def headlines(stderr: str) -> list:
    """The first line of each diagnostic (the others are the source line, caret, hint)."""
    return [line for line in stderr.splitlines() if not line.startswith((" ", "\t")) and "[RS" in line]


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
    assert result.stderr.splitlines()[0] == "tests/codegen/specs/errors/syntax.toml:3:11: error[RS001]: syntax: Invalid value"


def test_missing_file(tmp_path):
    result = ringspec("check", "nope.toml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("nope.toml: error[RS002]: file: cannot read: ")


def _check_one(tmp_path, text: str) -> list:
    (tmp_path / "t.toml").write_text(text)
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert result.returncode == 1
    return headlines(result.stderr)


ROUTE = '[[route]]\npath = "/x"\n'


@pytest.mark.parametrize("text, expected", [
    # keys inside inline tables resolve to the line of the inline table
    (ROUTE + 'reply = { text = "x", colour = 1 }\n',
     't.toml:3:23: error[RS010]: route[0].reply.colour: unknown key'),
    # sub-tables of the current [[route]], and a multi-line array before them
    (ROUTE + 'methods = [\n  "GET",\n  "post",\n]\n[route.reply]\ntext = "{nope}"\n',
     't.toml:5:3: error[RS022]: route[0].methods[1]: methods are upper case: "POST"'),
    (ROUTE + 'methods = [\n  "GET",\n]\n[route.reply]\n\ntext = """\n{nope}"""\n',
     't.toml:8:8: error[RS041]: route[0].reply.text: unknown name "nope" in {nope} (this route has no parameters)'),
    # dotted keys
    ('server.limits.head = "x"\n' + ROUTE + 'reply.text = "x"\n',
     't.toml:1:22: error[RS012]: server.limits.head: expected an integer, got string "x"'),
    (ROUTE + 'reply = { text = "x", status = 99 }\n',
     't.toml:3:32: error[RS013]: route[0].reply.status: 99 is out of range (expected 100..599)'),
    (ROUTE + 'query = { "a" = 1 }\nreply = { text = "x" }\n',
     't.toml:3:17: error[RS030]: route[0].query.a: expected a type such as "int" or a table, got integer 1'),
    (ROUTE + 'query = { _a = "int", size_t = "int", memcpy = "int" }\nreply = { text = "x" }\n',
     't.toml:3:16: error[RS031]: route[0].query._a: "_a" is reserved in the generated C; choose another name'),
    ('[server]\nworkers = "many"\n' + ROUTE + 'reply = { text = "x" }\n',
     't.toml:2:11: error[RS012]: server.workers: expected "auto" or an integer 1..1024, got string "many"'),
    ('route = 1\n', 't.toml:1:9: error[RS012]: route: expected an array of tables ([[route]]), got integer 1'),
    ('[[route]]\npath = ""\nreply = { text = "x" }\n', 't.toml:2:8: error[RS020]: route[0].path: must start with "/", got ""'),
    ('[[route]]\nreply = { text = "x" }\n', 't.toml:1:1: error[RS011]: route[0]: missing "path"'),
    ('[server.limits]\nhead = 4096\n' + ROUTE + 'reply = { text = "x" }\n',
     't.toml:2:8: error[RS014]: server.limits.head: 4096 is less than limits.target (8192), which it includes'),
])
def test_error_lines(tmp_path, text, expected):
    assert _check_one(tmp_path, text)[0] == expected


def test_websocket_route_needs_the_protocol(tmp_path):
    assert _check_one(tmp_path, '[[route]]\npath = "/ws"\nwebsocket = "echo"\n') == [
        't.toml:3:13: error[RS014]: route[0].websocket: the listener does not speak WebSocket: add "websocket" to '
        "[server] protocols"
    ]


def test_route_with_several_errors_in_different_subtables(tmp_path):
    text = ROUTE + '[route.query]\na = "int"\nb = "float"\n[route.reply]\ntext = "{a + c}"\n[[route]]\npath = "/x"\n' \
        'reply = { text = "x" }\n'
    assert _check_one(tmp_path, text) == [
        't.toml:5:5: error[RS030]: route[0].query.b: unknown type "float" (expected "int" or "int = N")',
        't.toml:7:8: error[RS041]: route[0].reply.text: unknown name "c" in {a + c} (known: a, b)',
        't.toml:9:8: error[RS021]: route[1].path: GET, HEAD "/x" is already answered by route[0]',
    ]


def test_caret_and_hint(tmp_path):
    (tmp_path / "t.toml").write_text(ROUTE + 'reply = { text = "x", colour = 1 }\n')
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert result.stderr == (
        "t.toml:3:23: error[RS010]: route[0].reply.colour: unknown key\n"
        ' 3 | reply = { text = "x", colour = 1 }\n'
        "   |                       ^^^^^^\n"
        "  = hint: expected one of: status, type, text, json, let\n"
        "1 error, 0 warnings\n")


def test_did_you_mean_in_a_parameter_table(tmp_path):
    result = ringspec("check", "params_v2.toml", cwd=ERRORS)
    assert '  = hint: did you mean "default"? expected one of: type, required, default, ' in result.stderr


def test_did_you_mean_is_a_hint(tmp_path):
    (tmp_path / "t.toml").write_text(ROUTE + 'quer = { a = "int" }\nreply = { text = "x" }\n')
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert '  = hint: did you mean "query"? expected one of: ' in result.stderr


def test_explain_every_code():
    from codegen.spec.diagnostics import CODES
    for code in CODES:
        result = ringspec("explain", code.lower())
        assert result.returncode == 0 and result.stdout.startswith(f"{code}: {CODES[code][0]}\n")
    result = ringspec("explain", "RS999")
    assert result.returncode == 2 and "unknown" in result.stderr


def test_every_code_reported_is_documented():
    """Every code= in codegen/ names an entry of CODES (so explain always has an answer)."""
    import re
    from codegen.spec.diagnostics import CODES
    used = set()
    for path in (REPO / "codegen").rglob("*.py"):
        used |= set(re.findall(r'"(RS\d{3})"', path.read_text()))
    assert used <= set(CODES), used - set(CODES)
