"""[[route.test]] and `ringspec test` / `ringspec run`: broken cases are diagnostics with ids
and positions; a spec with passing and deliberately failing cases gives PASS lines, exact
differences and exit status 1; a server that dies or stops badly fails the run."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, SPECS, ringspec

from codegen.testing import case_checks, case_runner
from codegen.spec import route_tests
from codegen.spec.spec_loader import load
from codegen.spec.validate import validate

CASES = SPECS / "route_tests"
CASEWORK = CASES / "casework" / "casework.toml"
FAKE_SERVER = Path(__file__).resolve().parent / "fake_server.py"

EXPECTED_ERRORS = [
    'errors.toml:10:11: error[RS081]: route[0].test[0].request: "/things/7" does not go to this route (/items/{id:int})',
    "errors.toml:12:1: error[RS010]: route[0].test[0].expect_bdy: unknown key",
    'errors.toml:15:11: error[RS022]: route[0].test[1].request: unknown method "get" (expected one of: GET, HEAD, '
    "POST, PUT, DELETE, PATCH, OPTIONS)",
    'errors.toml:16:10: error[RS012]: route[0].test[1].status: expected an integer, got string "200"',
    "errors.toml:19:8: error[RS012]: route[0].test[2].name: expected a string, got integer 7",
    'errors.toml:20:11: error[RS080]: route[0].test[2].request: expected "METHOD /target", got "GET  /items/7"',
    "errors.toml:21:13: error[RS080]: route[0].test[2].headers.Content-Length: Content-Length is computed from body",
    'errors.toml:21:35: error[RS080]: route[0].test[2].headers."bad name": "bad name" is not a header name',
    "errors.toml:21:62: error[RS012]: route[0].test[2].headers.Accept: expected a string, got integer 1",
    "errors.toml:22:10: error[RS013]: route[0].test[2].status: 700 is out of range (expected 100..599)",
    'errors.toml:24:1: error[RS011]: route[0].test[3]: missing "status" (the expected status code, e.g. status = 200)',
    'errors.toml:25:11: error[RS080]: route[0].test[3].request: expected "METHOD /target", got "POST /items/1 2"',
    "errors.toml:26:35: error[RS012]: route[0].test[3].expect_headers.Content-Type: expected a string (the exact "
    "value), false (absent) or true (present), got integer 3",
    'errors.toml:26:38: error[RS015]: route[0].test[3].expect_headers.content-type: "content-type" is already '
    'expected as "Content-Type" (header names are case-insensitive)',
    "errors.toml:27:24: error[RS012]: route[0].test[3].expect_json.when: date/time 1979-05-27 has no JSON equivalent",
    "errors.toml:28:20: error[RS012]: route[0].test[3].expect_body_size: expected a byte count (an integer >= 0), "
    "got integer -1",
    "errors.toml:33:1: error[RS082]: route[0].test[4].websocket: /items/{id:int} is not a websocket route",
    "errors.toml:38:21: error[RS082]: route[1].test[0].request: the opening handshake is a GET, not POST",
    "errors.toml:38:42: error[RS082]: route[1].test[0].status: a websocket case expects 101 (the handshake), got 200",
    "errors.toml:38:66: error[RS082]: route[1].test[0].expect_body: a 101 answer has no body; the echoes are the "
    "expectation",
    'errors.toml:39:58: error[RS012]: route[1].test[1].websocket: expected an array of text messages such as '
    '["hello"], got string "hello"',
    'errors.toml:46:11: error[RS081]: route[2].test[0].request: "/stat/x.css" does not go to this route (/static/*)',
    "errors.toml:51:22: error[RS080]: route[2].test[1].headers.X-Name: header values must be ASCII (other bytes are "
    "read differently by different servers)",
    "errors.toml:51:34: error[RS080]: route[2].test[1].headers.Y: a header value cannot hold control characters "
    "(CR, LF, ...)",
]


def headlines(stderr: str) -> list:
    return [line for line in stderr.splitlines() if line.startswith("errors.toml:")]


def test_broken_cases_are_diagnostics_with_ids_and_positions():
    result = ringspec("check", "errors.toml", cwd=CASES)
    assert result.returncode == 1
    assert headlines(result.stderr) == EXPECTED_ERRORS
    assert "= hint: did you mean \"expect_body\"?" in result.stderr
    assert result.stderr.rstrip().endswith(f"{len(EXPECTED_ERRORS)} errors, 0 warnings")


def test_broken_cases_stop_test_before_building(tmp_path):
    result = ringspec("test", CASES / "errors.toml", "-o", tmp_path)
    assert result.returncode == 1
    assert "error[RS081]" in result.stderr
    assert not (tmp_path / "server").exists()


@pytest.mark.parametrize("code", ["RS080", "RS081", "RS082"])
def test_explain_test_case_ids(code):
    result = ringspec("explain", code)
    assert result.returncode == 0 and result.stdout.startswith(code + ": ")
    assert "[[route.test]]" in result.stdout or "websocket" in result.stdout


# Every line after "listening on", in order: passing cases, and failing ones with the exact
# differences the runner must report.
CASEWORK_REPORT = """\
PASS  /sum  GET /sum?a=2&b=3
PASS  /sum  chunked body
FAIL  /sum  wrong body  ({spec}:27)
        body: expected "6", got "5"
FAIL  /sum  wrong status  ({spec}:33)
        status: expected 200, got 400 Bad Request
FAIL  /sum  wrong headers  ({spec}:38)
        header Content-Type: expected "application/json", got "text/plain"
        header Content-Length: expected absent, got "1"
        header X-Request-Id: expected present, got absent
FAIL  /sum  wrong size  ({spec}:44)
        body size: expected 2 bytes, got 3
PASS  /items/{{n:int}}  JSON subset
PASS  /items/{{n:int}}  gzip decoded
FAIL  /items/{{n:int}}  wrong JSON  ({spec}:85)
        header Content-Encoding: expected "br", got "gzip"
        count: expected "2" (string), got 2 (number)
        total: missing (expected 2)
        items[0].tags: expected 1 element, got 2
        items[0].info.score: expected 11, got 10
        items[1].active: missing (expected true)
FAIL  /items/{{n:int}}  wrong array length  ({spec}:93)
        items: expected 0 elements, got 1
PASS  /ws  echo
PASS  /ws  handshake only
FAIL  /ws  wrong handshake header  ({spec}:116)
        header Upgrade: expected "h2c", got "websocket"
6 passed, 7 failed in """


def _report(stdout: str) -> str:
    return stdout.split("listening on", 1)[1].split("\n", 1)[1]


@pytest.fixture(scope="module")
def casework_build(tmp_path_factory):
    return tmp_path_factory.mktemp("casework")


def test_passing_and_failing_cases(casework_build):
    result = ringspec("test", CASEWORK, "-o", casework_build, "--keep-going")
    assert result.returncode == 1, result.stderr
    assert "testing " in result.stdout and ": 13 cases on 3 routes" in result.stdout
    assert _report(result.stdout).startswith(CASEWORK_REPORT.format(spec=CASEWORK))
    assert (casework_build / "generated" / "routes.c").is_file()  # -o keeps the C out of generated/


def test_stops_at_the_first_failure_without_keep_going(casework_build):
    result = ringspec("test", CASEWORK, "-o", casework_build)
    assert result.returncode == 1
    report = _report(result.stdout).splitlines()
    assert report[:4] == ["PASS  /sum  GET /sum?a=2&b=3", "PASS  /sum  chunked body",
                          f"FAIL  /sum  wrong body  ({CASEWORK}:27)", '        body: expected "6", got "5"']
    assert report[4].startswith("2 passed, 1 failed, 10 not run (stopped at the first failure; "
                                "--keep-going runs every case) in ")


def test_profile_runs_the_cases_of_its_routes(tmp_path):
    result = ringspec("test", CASEWORK, "--profile", "sum", "-o", tmp_path, "--keep-going")
    assert result.returncode == 1
    assert " (profile sum): 6 cases on 1 route\n" in result.stdout
    report = _report(result.stdout)
    assert report.count("PASS  /sum") == 2 and report.count("FAIL  /sum") == 4
    assert "/items" not in report and "/ws" not in report
    assert "2 passed, 4 failed in " in report


def test_a_spec_whose_cases_pass_exits_0(tmp_path):
    spec = tmp_path / "green.toml"
    spec.write_text(textwrap.dedent("""\
        [[route]]
        path = "/hi/{n:int}"
        reply = { type = "text/plain", text = "{n * 2}" }

        [[route.test]]
        request = "GET /hi/21"
        status = 200
        expect_body = "42"

        [[route.test]]
        request = "GET /hi/x"
        status = 404

        [[route.test]]
        request = "POST /hi/1"
        status = 405
        expect_headers = { Allow = "GET, HEAD" }
        """))
    result = ringspec("test", spec, "-o", tmp_path / "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed, 0 failed in " in result.stdout
    assert "FAIL" not in result.stdout


def test_no_cases_is_a_failure(tmp_path):
    spec = tmp_path / "untested.toml"
    spec.write_text('[[route]]\npath = "/a"\nreply = { text = "a" }\n')
    result = ringspec("test", spec, "-o", tmp_path / "build")
    assert result.returncode == 1
    assert "has no [[route.test]] cases" in result.stderr


def test_arena_spec_has_cases_for_every_route():
    spec = validate(load(str(REPO / "spec" / "arena.toml")))
    assert spec.routes
    for route in spec.routes:
        assert route.tests, f"{route.path} has no [[route.test]] cases"
    statuses = {c.status for r in spec.routes for c in r.tests}
    assert {101, 200, 400, 404, 405} <= statuses
    assert any(c.websocket for r in spec.routes for c in r.tests)


def test_make_test_specs_finds_examples_by_layout(tmp_path):
    """spec/examples/<name>/<name>.toml and spec/examples/<name>.toml are tested; other TOML
    files in an example's directory (fragments, data) are not specs."""
    for path in ("shop/shop.toml", "shop/extra.toml", "shop/data/x.toml", "lone.toml", "empty/readme.txt"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    result = subprocess.run(["make", "-s", "-C", str(REPO), "--eval", "print-%: ; @echo $($*)", "print-SPEC_TESTS",
                             f"EXAMPLES={tmp_path}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["spec/arena.toml", f"{tmp_path}/shop/shop.toml", f"{tmp_path}/lone.toml"]


# -- the server's lifecycle, with stand-in servers -------------------------------------

def _fake(tmp_path, mode: str, monkeypatch) -> case_runner.Server:
    """A case_runner.Server running fake_server.py in the given FAKE_MODE."""
    launcher = tmp_path / "server"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE_SERVER} \"$@\"\n")
    launcher.chmod(0o755)
    monkeypatch.setenv("FAKE_MODE", mode)
    return case_runner.Server(launcher, [])


def _case(target: str, expect_body: str = "ok") -> route_tests.TestCase:
    return route_tests.TestCase(route_path="/x", name=f"GET {target}", method="GET", target=target, line=None,
                                status=200, expect_body=expect_body.encode())


def test_a_server_that_dies_fails_the_run(tmp_path, monkeypatch, capsys):
    server = _fake(tmp_path, "crash", monkeypatch)
    status = case_runner.run(server, [_case("/a"), _case("/b")], "fake.toml", keep_going=True)
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL  /x  GET /a" in out
    assert "the server exited with status 3 unexpectedly; its output ends:" in out
    assert "| fake: crashing on GET /a HTTP/1.1" in out
    assert "FAIL  server: the server died during the run" in out
    assert "0 passed, 1 failed, 1 not run in " in out


def test_a_server_that_exits_badly_on_sigterm_fails_the_run(tmp_path, monkeypatch, capsys):
    server = _fake(tmp_path, "bad-exit", monkeypatch)
    status = case_runner.run(server, [_case("/a")], "fake.toml", keep_going=False)
    out = capsys.readouterr().out
    assert status == 1
    assert "PASS  /x  GET /a" in out
    assert "FAIL  server: the server exited with status 2 after SIGTERM" in out


def test_a_sanitizer_report_fails_the_run(tmp_path, monkeypatch, capsys):
    server = _fake(tmp_path, "asan-report", monkeypatch)
    status = case_runner.run(server, [_case("/a")], "fake.toml", keep_going=False)
    out = capsys.readouterr().out
    assert status == 1
    assert "PASS  /x  GET /a" in out
    assert "FAIL  server: the sanitizers reported a problem; its output ends:" in out
    assert "| ==1==ERROR: AddressSanitizer: heap-use-after-free" in out


def _ws_case(messages: tuple) -> route_tests.TestCase:
    return route_tests.TestCase(route_path="/ws", name="echo", method="GET", target="/ws", line=None,
                                status=101, websocket=messages)


def test_websocket_differences(tmp_path, monkeypatch, capsys):
    server = _fake(tmp_path, "ws-upper", monkeypatch)
    status = case_runner.run(server, [_ws_case(("hi", "OK", "x" * 200))], "fake.toml", keep_going=False)
    out = capsys.readouterr().out
    assert status == 1
    assert "\n".join(line.strip() for line in out.splitlines()[1:5]) == "\n".join([
        "FAIL  /ws  echo",
        "close: expected code 1000 back, got 1001",
        'websocket[0] "hi": expected the same text back, got "HI"',
        f'websocket[2] "{"x" * 40}"...: expected the same text back, got "{"X" * 120}"... (200 bytes)',
    ])


def test_websocket_accept_is_checked(tmp_path, monkeypatch, capsys):
    server = _fake(tmp_path, "ws-bad-accept", monkeypatch)
    status = case_runner.run(server, [_ws_case(("hi",))], "fake.toml", keep_going=False)
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL  /ws  echo" in out
    assert "Sec-WebSocket-Accept: expected '" in out and "got 'bm90IHRoZSByaWdodCBkaWdlc3Q='" in out
    assert "websocket[0]" not in out  # the echo itself was right


def test_a_server_that_passes_and_stops_cleanly(tmp_path, monkeypatch, capsys):
    server = _fake(tmp_path, "serve", monkeypatch)
    status = case_runner.run(server, [_case("/a"), _case("/b")], "fake.toml", keep_going=False)
    out = capsys.readouterr().out
    assert status == 0, out
    assert "2 passed, 0 failed in " in out


# -- JSON subset differences -----------------------------------------------------------


@pytest.mark.parametrize("want, got, lines", [
    ({"a": 1}, {"a": 1, "b": 2}, []),
    ({"a": 1}, {"a": True}, ["a: expected 1 (number), got true (boolean)"]),
    ({"a": True}, {"a": 1}, ["a: expected true (boolean), got 1 (number)"]),
    ({"a": 1.0}, {"a": 1}, []),
    ({"x y": {"z": "s"}}, {"x y": {"z": "t"}}, ['["x y"].z: expected "s", got "t"']),
    ([1, 2], [1], ["(root): expected 2 elements, got 1"]),
    ({"a": [{"b": 1}]}, {"a": {"b": 1}}, ['a: expected an array of 1 element, got an object {"b":1}']),
    ({"a": {}}, {"a": []}, ["a: expected an object, got an array of 0 elements"]),
    ({"a": "1"}, {}, ['a: missing (expected "1")']),
])
def test_json_subset_differences(want, got, lines):
    assert case_checks.json_differences(want, got, "") == lines


# -- ringspec run ---------------------------------------------------------------------


def test_run_builds_and_execs_the_server(tmp_path):
    port = case_runner._free_port()
    proc = subprocess.Popen([str(REPO / "ringspec"), "run", str(CASEWORK), "-o", str(tmp_path), "--port", str(port),
                             "--", "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60  # it compiles first
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "ringspec run did not serve"
                time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sum?a=40&b=2", timeout=5) as r:
            assert r.read() == b"42"
        # --data-root defaulted to casework/data beside the spec: the data source loaded.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/items/1", timeout=5) as r:
            assert b'"name":"first"' in r.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=15)[0]
    assert proc.returncode == 0, out
    assert f"exec {tmp_path}/server --data-root {CASEWORK.parent / 'data'} --port {port} --workers 1" in out


@pytest.mark.parametrize("command, words", [
    ("test", ["--keep-going", "--sanitize", "--profile", "--data-root", "[[route.test]]"]),
    ("run", ["--port", "--profile", "SERVER_ARGS"]),
])
def test_help(command, words):
    result = ringspec(command, "--help")
    assert result.returncode == 0
    for word in words:
        assert word in result.stdout

