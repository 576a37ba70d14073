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
