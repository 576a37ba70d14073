"""Large text templates (issue 21): a template with holes is formatted on the worker's
stack, so check caps its body; a large constant reply generates in time linear in its
size (the whole template used to go into one comment line and one string literal, which
clang-format reflowed in quadratic time, and split_template concatenated char by char)
and is served byte for byte."""

import time

from conftest import ringspec

LINE = 'lorem \\"ipsum\\" \\\\ dolor?? sit \\u00e9\\u0001amet, {{braces}} 12\\n'  # TOML: quotes, \\, ??, é, \x01
TEXT = 'lorem "ipsum" \\ dolor?? sit \u00e9\u0001amet, {braces} 12\n'  # what LINE says


def test_a_template_with_holes_over_the_stack_cap_is_refused(tmp_path):
    body = "x{n}" * 20000  # 20000 * (1 + 20) bytes at most: over 64 KiB
    (tmp_path / "t.toml").write_text(f'[[route]]\npath = "/t"\nquery = {{ n = "int" }}\nreply.text = "{body}"\n')
    result = ringspec("check", "t.toml", cwd=tmp_path)
    assert result.returncode == 1
    assert ("error[RS040]: route[0].reply.text: a text template with holes formats its body on the worker's "
            "stack: this one needs up to 420000 bytes, more than 65536") in result.stderr


def test_a_template_with_holes_under_the_cap_is_served_whole(tmp_path, harness):
    body = ("{n}-" + LINE * 25) * 40  # about 60 KiB with 40 numbers
    (tmp_path / "t.toml").write_text(f'[[route]]\npath = "/t"\nquery = {{ n = "int" }}\nreply.text = "{body}"\n')
    r = harness(tmp_path / "t.toml").request("GET", "/t", "n=-9223372036854775808")
    expected = ("-9223372036854775808-" + TEXT * 25) * 40
    assert (r.status, r.body) == (200, expected.encode("utf-8").decode("latin-1"))


def test_a_megabyte_constant_reply_generates_in_linear_time_and_is_served_whole(tmp_path, harness):
    line_bytes = len(TEXT.encode())
    lines = (1 << 20) // line_bytes
    (tmp_path / "t.toml").write_text(f'[[route]]\npath = "/big"\nreply.text = "{LINE * lines}"\n')
    started = time.monotonic()
    result = ringspec("generate", "t.toml", "-o", tmp_path / "gen", cwd=tmp_path)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert took < 60, took  # 1 MB: ~2 s on a loaded 2-CPU machine; minutes when quadratic
    routes = (tmp_path / "gen" / "routes.c").read_text()
    assert max(len(line) for line in routes.splitlines()) <= 110  # no megabyte line for clang-format to split
    r = harness(tmp_path / "t.toml").request("GET", "/big")
    expected = TEXT * lines
    assert (r.status, r.body) == (200, expected.encode("utf-8").decode("latin-1"))
