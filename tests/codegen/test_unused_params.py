"""RS090: a declared path/query/header parameter that neither the reply, a handler nor a
constraint uses is a warning (with position and hint); the build still goes on."""

from __future__ import annotations

from conftest import ringspec

SPEC = '''\
[[route]]
path = "/items/{id:int}/{n:int}"
query = { b = "int = 2", lim = { type = "int", max = 5 } }
headers = { x-trace = "string", x-key = { type = "string", max_length = 8 } }
reply = { text = "{n}" }

[[route]]
path = "/j/{k:int}"
query = { m = "int = 1", u = "int = 0", c = "int = 3" }
[route.reply.json]
v = "k * m"

[[route]]
path = "/d/{count:int}"
query = { f = "int = 2" }
[route.reply.json]
items = "data[:count] with { t = x * f }"

[[route]]
path = "/h/{id:int}"
query = { z = "int = 0" }
handler = "h"

[shape.P]
x = "int"

[data.data]
file = "/data/p.json"
type = "[P]"
'''


def test_unused_parameters_are_warnings(tmp_path):
    (tmp_path / "t.toml").write_text(SPEC)
    result = ringspec("check", "t.toml", cwd=tmp_path)
    headlines = [line for line in result.stderr.splitlines() if "warning[" in line]
    assert headlines == [
        't.toml:2:8: warning[RS090]: route[0].path: path parameter "id" is declared but the reply does not use it',
        't.toml:3:11: warning[RS090]: route[0].query.b: query parameter "b" is declared but the reply does not use it',
        't.toml:4:13: warning[RS090]: route[0].headers.x-trace: header parameter "x-trace" is declared but the reply does not use it',
        't.toml:9:26: warning[RS090]: route[1].query.u: query parameter "u" is declared but the reply does not use it',
        't.toml:9:41: warning[RS090]: route[1].query.c: query parameter "c" is declared but the reply does not use it',
    ]
    assert "  = hint: use {x_trace} in the reply, give it a constraint, or remove it" in result.stderr
    # The handler route's unused-looking z is not reported (its handler gets every
    # parameter); its missing handlers/h.c is the one error.
    assert result.stderr.endswith("1 error, 5 warnings\n") and "error[RS070]" in result.stderr
    assert result.returncode == 1


def test_warnings_do_not_stop_a_build(tmp_path):
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "h.c").write_text(
        '#include "handlers.h"\nvoid h(const h_params *in, rs_reply *reply)\n{\n    (void)in;\n'
        '    static const char head[] = "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n";\n'
        '    rs_reply_text(reply, head, sizeof head - 1, "h", 1);\n}\n')
    (tmp_path / "t.toml").write_text(SPEC)
    result = ringspec("generate", "t.toml", "-o", tmp_path / "gen", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("warning[RS090]") == 5
    assert (tmp_path / "gen" / "routes.c").is_file()
