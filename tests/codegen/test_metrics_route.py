"""The metrics route (`metrics = true`, issue 17) in the validator, generator, `routes`
and `openapi`."""

import json

import pytest

from conftest import generate, ringspec
from test_errors import headlines

METRICS = '[[route]]\npath = "/metrics"\nmetrics = true\n'


def run(tmp_path, command: str, text: str):
    (tmp_path / "t.toml").write_text(text)
    return ringspec(command, "t.toml", cwd=tmp_path)


@pytest.mark.parametrize("extra, expected", [
    ('methods = ["POST"]\n', 'error[RS022]: route[0].methods: a metrics route takes ["GET"] (HEAD follows)'),
    ('reply = { text = "x" }\n', 'error[RS010]: route[0].reply: not allowed on a metrics route (allowed: path, '
                                 'methods, metrics, test)'),
])
def test_bad_metrics_routes(tmp_path, extra, expected):
    result = run(tmp_path, "check", METRICS + extra)
    assert result.returncode == 1
    assert [line.split(": ", 1)[1] for line in headlines(result.stderr)] == [expected]


def test_metrics_route_with_a_parameter(tmp_path):
    result = run(tmp_path, "check", '[[route]]\npath = "/m/{id:int}"\nmetrics = true\n')
    assert "error[RS020]: route[0].path: a metrics route has no path parameters" in result.stderr


def test_metrics_false_is_refused(tmp_path):
    result = run(tmp_path, "check", '[[route]]\npath = "/m"\nmetrics = false\nreply = { text = "x" }\n')
    assert "RS010" in result.stderr or "RS012" in result.stderr


def test_generated_respond_calls_the_runtime(tmp_path):
    spec = tmp_path / "m.toml"
    spec.write_text(METRICS)
    text = generate(spec, tmp_path / "out").read_text()
    assert "rs_metrics_reply(rs_r);" in text


def test_routes_and_openapi_list_it(tmp_path):
    result = run(tmp_path, "routes", METRICS)
    assert result.returncode == 0
    assert "/metrics" in result.stdout and "Prometheus metrics" in result.stdout
    result = run(tmp_path, "openapi", METRICS)
    doc = json.loads(result.stdout)
    get = doc["paths"]["/metrics"]["get"]
    assert "text/plain; version=0.0.4; charset=utf-8" in get["responses"]["200"]["content"]
