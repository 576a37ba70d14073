"""[server.log] (the access log, issue 17) in the validator and generator."""

import pytest

from conftest import generate, ringspec
from test_errors import headlines

ROUTE = '[[route]]\npath = "/x"\nreply = { text = "x" }\n'


def messages(tmp_path, text: str) -> list:
    (tmp_path / "t.toml").write_text(text)
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    return [line.split(": ", 1)[1] for line in headlines(result.stderr)]


@pytest.mark.parametrize("table, expected", [
    ('{ format = "json" }', 'error[RS047]: server.log: the access log needs a path: a file or "-" for stdout, '
                            'missing'),
    ('{ path = "" }', 'error[RS047]: server.log.path: the access log needs a path: a file or "-" for stdout, '
                      'got string ""'),
    ('{ path = "-", format = "apache" }', 'error[RS047]: server.log.format: expected "common" or "json", got '
                                         'string "apache"'),
    ('{ path = "-", level = 1 }', 'error[RS010]: server.log.level: unknown key'),
])
def test_bad_log_tables(tmp_path, table, expected):
    assert messages(tmp_path, f"[server]\nlog = {table}\n" + ROUTE) == [expected]


def test_log_settings_reach_the_config(tmp_path):
    spec = tmp_path / "l.toml"
    spec.write_text('[server.log]\npath = "/var/log/x.log"\nformat = "json"\n' + ROUTE)
    text = generate(spec, tmp_path / "out").read_text()
    assert '.access_log = "/var/log/x.log",' in text and ".access_log_json = true," in text
    spec.write_text(ROUTE)
    text = generate(spec, tmp_path / "out2").read_text()
    assert ".access_log" not in text  # off unless asked for


@pytest.mark.parametrize("line, expected", [
    ('request_id = "yes"', 'error[RS047]: server.request_id: expected "pass", "generate" or "off", got string '
                           '"yes"'),
    ('request_id_echo = "no"', 'error[RS012]: server.request_id_echo: expected true or false, got string "no"'),
])
def test_bad_request_id_keys(tmp_path, line, expected):
    assert messages(tmp_path, f"[server]\n{line}\n" + ROUTE) == [expected]


@pytest.mark.parametrize("settings, expected", [
    ('request_id = "pass"', (".request_id = RS_REQUEST_ID_PASS,", ".request_id_echo = true,")),
    ('request_id = "generate"\nrequest_id_echo = false',
     (".request_id = RS_REQUEST_ID_GENERATE,", ".request_id_echo = false,")),
])
def test_request_id_settings_reach_the_config(tmp_path, settings, expected):
    spec = tmp_path / "r.toml"
    spec.write_text(f"[server]\n{settings}\n" + ROUTE)
    text = generate(spec, tmp_path / "out").read_text()
    assert all(e in text for e in expected)
    spec.write_text(ROUTE)
    assert ".request_id" not in generate(spec, tmp_path / "out2").read_text()  # off by default
