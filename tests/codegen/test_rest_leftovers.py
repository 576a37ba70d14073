"""Issue 17 leftovers: the /static -> /static/ redirect in `routes` and `openapi`, and an
untyped handler route's response_headers."""

import json

from conftest import generate, ringspec

STATIC = '[[route]]\npath = "/static/"\nstatic = { dir = "/data/static" }\n' \
         '[[route]]\npath = "/x"\nreply = { text = "x" }\n'


def run(tmp_path, command, text):
    (tmp_path / "t.toml").write_text(text)
    return ringspec(command, "t.toml", cwd=tmp_path)


def test_routes_lists_the_slash_redirect_with_the_builds_number(tmp_path):
    out = run(tmp_path, "routes", STATIC).stdout
    line = next(line for line in out.splitlines() if line.startswith("2 "))
    assert "/static " in line and "301 -> /static/" in line


def test_openapi_documents_the_slash_redirect(tmp_path):
    doc = json.loads(run(tmp_path, "openapi", STATIC).stdout)
    get = doc["paths"]["/static"]["get"]
    assert get["responses"]["301"]["headers"]["Location"]["schema"]["const"] == "/static/"


def test_untyped_handler_headers_are_accepted_and_set_before_the_handler(tmp_path):
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "h.c").write_text('#include "handlers.h"\nvoid h(const h_params *in, rs_reply *r)\n'
                                               '{ (void)in; rs_reply_error(r, 500); }\n')
    spec = tmp_path / "u.toml"
    spec.write_text('[server]\nresponse_headers = { x-a = "1" }\n'
                    '[[route]]\npath = "/h"\nhandler = "h"\nresponse_headers = { cache-control = "no-store" }\n')
    result = ringspec("check", str(spec), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = generate(spec, tmp_path / "out").read_text()
    assert 'static const char rs_route_lines[] = "X-A: 1\\r\\nCache-Control: no-store\\r\\n";' in text
    assert text.index("rs_reply_route_headers(rs_r,") < text.index("h(&rs_in, rs_r);")


def test_untyped_handler_headers_stay_constant(tmp_path):
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "h.c").write_text('#include "handlers.h"\nvoid h(const h_params *in, rs_reply *r)\n'
                                               '{ (void)in; rs_reply_error(r, 500); }\n')
    result = run(tmp_path, "check", '[[route]]\npath = "/h/{id:int}"\nhandler = "h"\n'
                                    'response_headers = { x-id = "{id}" }\n')
    assert "error[RS044]" in result.stderr and "constant (no {holes})" in result.stderr
