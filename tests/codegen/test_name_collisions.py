"""Spec names that `check` accepts must build (issue 21): parameter, header, body-field and
data-field names that are also C library functions, common local names or words the
generated code uses (qsort with order by, strlen with first(...) else NAME, body as a
query parameter next to a JSON body, ...) in every position, compiled with -Werror and
linked against the runtime. Generated code must not depend on spec names not colliding."""

import subprocess

import pytest

from conftest import COMPILERS, REPO, compile_object, ringspec

# C library functions the generated code or its headers use, and names generated code
# would naturally give its own locals, labels and parameters.
NAMES = ["qsort", "strlen", "memcpy", "memmove", "memset", "strcmp", "strncmp", "malloc", "free", "realloc",
         "abort", "exit", "printf", "fprintf", "snprintf", "memmem", "json_object_get", "json_integer_value",
         "body", "reply", "out", "r", "c", "i", "n", "len", "item", "items", "p", "e", "v", "w", "x", "at",
         "ix", "req", "params", "path", "end", "query", "header", "data", "status", "head", "detail", "doc",
         "text", "value", "key", "count", "size", "index", "time", "stdin", "stdout", "stderr", "main",
         "arithmetic_error", "ok", "fail", "s", "a", "b", "k", "q", "t", "len_", "min", "max", "abs", "div",
         "signal", "select", "write", "read", "send", "atoi", "strtoll", "isdigit", "tolower"]

GROUP = 5  # names per route (at most 8 parameters each)


def groups():
    return [NAMES[i:i + GROUP] for i in range(0, len(NAMES), GROUP) if len(NAMES[i:i + GROUP]) == GROUP]


def spec_text() -> str:
    out = ['[error.not_found]\nstatus = 404\nmessage = "none"\n',
           '[shape.Thing]\nid = "int"\nprice = "int"\nname = "string"\n',
           '[data.things]\nfile = "/data/things.json"\ntype = "[Thing]"\n']
    every = groups()
    for g, (a, b, c, d, e) in enumerate(every):
        h = every[(g + 1) % len(every)][0]  # a header name that is not a field of Row{g}
        # the names as fields of data items (order by, with, where) and of a JSON body
        fields = "".join(f'{f} = "int"\n' for f in (a, b, c, d, e))
        out.append(f'[shape.Row{g}]\nid = "int"\n{fields}label = "string"\n')
        out.append(f'[data.rows{g}]\nfile = "/data/rows{g}.json"\ntype = "[Row{g}]"\n')
        out.append(f'[shape.Body{g}]\n{fields}')
        # query parameters: order chosen by an enum, a guard, a window, first() else NAME, with {...}
        out.append(f'''[[route]]
path = "/q{g}"
query = {{ {a} = "int = 1", {b} = {{ type = "int", required = false }}, {c} = {{ type = "string", enum = ["price", "-id", "name"], default = "price" }}, {d} = {{ type = "string", max_length = 20, required = false }}, {e} = "int = 0" }}
[route.reply.let]
hits = "things where ({b} is absent or price / {b} > {a}) and ({d} is absent or contains(name, {d}))"
[route.reply.json]
items = "hits order by {c} [{e} : {e} + {a}] with {{ extra = price * {a} + {e} }}"
first = "first(things where id == {a} order by price) else not_found"
n = "len(hits)"
sum = "{a} * {e} - {a}"
''')
        # path and header parameters in a text template
        out.append(f'''[[route]]
path = "/p{g}/{{{a}:int}}/{{{b}:int}}"
headers = {{ {c} = "int = 2", {d} = {{ type = "string", max_length = 8, required = false }} }}
reply.text = "{{{a} / {c}}} {{{b} % {c}}} {{{d}}}"
''')
        # a header read as text by a query, fields of the items named like parameters elsewhere
        out.append(f'''[[route]]
path = "/h{g}"
headers = {{ {h} = {{ type = "string", max_length = 20, required = false }} }}
query = {{ lim = "int = 1" }}
[route.reply.json]
rows = "rows{g} where ({h} is absent or label == header.{h}) order by {b} desc, {c} [:lim] with {{ y = {d} * {e} }}"
one = "first(rows{g} where {d} > lim) else not_found"
''')
        # a JSON body with fields of these names, and a query parameter named body
        out.append(f'''[[route]]
path = "/b{g}"
methods = ["POST"]
body = {{ shape = "Body{g}" }}
query = {{ body = "int = 1", {a} = "int = 2" }}
reply.text = "{{body.{a} + body.{b} * body}} {{body.{e} - {a}}}"
''')
        # a C handler: the names as members of its parameter struct and of the typed body
        # (whose own member is `body`: check refuses a parameter of that name there, below)
        ha, hb, hc, hd = (n if n != "body" else "bodies" for n in (a, b, c, d))
        out.append(f'''[[route]]
path = "/x{g}/{{{ha}:int}}"
methods = ["POST"]
query = {{ {hb} = "int = 1", {hc} = {{ type = "string", max_length = 5, required = false }} }}
headers = {{ {hd} = "int = 0" }}
body = {{ shape = "Body{g}" }}
handler = "hx{g}"
''')
    return "\n".join(out)


def test_names_check_accepts_generate_and_build_with_werror(tmp_path):
    spec = tmp_path / "names.toml"
    spec.write_text(spec_text())
    stubs = ringspec("stub", spec)  # the handlers as `ringspec stub` starts them
    assert stubs.returncode == 0, stubs.stderr
    (tmp_path / "handlers").mkdir()
    handlers = tmp_path / "handlers" / "stubs.c"
    handlers.write_text(stubs.stdout)
    result = ringspec("check", spec)
    assert result.returncode == 0, result.stderr  # every name here is one check accepts
    gen = tmp_path / "gen"
    result = ringspec("generate", spec, "-o", gen)
    assert result.returncode == 0, result.stderr
    built = subprocess.run(["make", "-s", "-C", str(REPO), "server", f"GEN_DIR={gen}", f"OUT={tmp_path}",
                            f"HANDLERS={handlers}"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-4000:]
    assert (tmp_path / "server").is_file()
    for compiler in COMPILERS[1:]:  # make used the first; the others warning-free too
        for source in sorted(gen.glob("*.c")):
            compile_object(compiler, source, tmp_path / f"{source.stem}.{compiler}.o")


def test_a_body_parameter_of_a_handler_with_a_json_body_is_refused_by_check(tmp_path):
    """The handler's params struct has the typed body as member `body`: a parameter of that
    name cannot be a second member, so check says so (a reply route takes it, above)."""
    spec = tmp_path / "b.toml"
    spec.write_text('[shape.In]\nqty = "int"\n\n[[route]]\npath = "/b"\nmethods = ["POST"]\n'
                    'body = { shape = "In" }\nquery = { body = "int" }\nhandler = "b"\n')
    result = ringspec("check", spec)
    assert result.returncode != 0
    assert 'a query parameter named "body" would clash with the JSON body' in result.stderr


@pytest.mark.parametrize("name", ["errno", "EOF", "SIZE_MAX", "PRId64"])
def test_macro_names_are_refused_by_check(tmp_path, name):
    """What check refuses instead: a macro of the C headers would rewrite a struct member."""
    spec = tmp_path / "m.toml"
    spec.write_text(f'[[route]]\npath = "/m"\nquery = {{ {name} = "int" }}\nhandler = "m"\n')
    result = ringspec("check", spec)
    assert result.returncode != 0
    assert f'"{name}" may be a macro of the C headers' in result.stderr


@pytest.mark.parametrize("name", ["qsort", "strlen", "body"])
def test_the_three_reported_names_build(tmp_path, name):
    """The issue's three cases, each on its own: qsort with order by, strlen with
    first(...) else NAME, body as a query parameter on a route with a JSON body."""
    spec = tmp_path / "one.toml"
    spec.write_text(f'''[error.not_found]
status = 404
message = "none"

[shape.Thing]
id = "int"
price = "int"

[shape.In]
qty = "int"

[data.things]
file = "/data/things.json"
type = "[Thing]"

[[route]]
path = "/t"
methods = ["POST"]
body = {{ shape = "In" }}
query = {{ {name} = "int = 1", sort = {{ type = "string", enum = ["price", "-id"], default = "price" }} }}
[route.reply.json]
sorted = "things where price > {name} order by price"
chosen = "things order by sort"
first = "first(things where id == {name}) else not_found"
''')
    gen = tmp_path / "gen"
    result = ringspec("generate", spec, "-o", gen)
    assert result.returncode == 0, result.stderr
    built = subprocess.run(["make", "-s", "-C", str(REPO), "server", f"GEN_DIR={gen}", f"OUT={tmp_path}"],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-4000:]
