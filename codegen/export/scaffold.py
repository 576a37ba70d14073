"""`ringspec init DIR`: a new project with a spec, a handler, a Makefile and a .gitignore.

Nothing is overwritten: init refuses a DIR that already holds any of its files, so it can
never destroy hand-written code. The Makefile calls `ringspec` from PATH (`make install` in
the checkout puts it there; RINGSPEC=... names another), never this checkout's path, and goes
through `ringspec run`/`test`, which give the server data/ beside the spec as its data root.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SPEC = '''# {name}: a ringspec service. Check it with `ringspec check {name}.toml`,
# run its tests with `ringspec test {name}.toml`.

[server]
port = 8090                 # `make run PORT=N` or `ringspec run {name}.toml --port N` for another

# GET /hello?times=3 -> a text reply computed from the spec alone
[[route]]
path = "/hello"
query = {{ times = {{ type = "int", default = 1, min = 1, max = 10 }} }}
reply = {{ type = "text/plain", text = "hello x{{times}}" }}

# GET /items/7 -> answered by C in handlers/item.c (never in generated/), which returns
# one of the typed responses or named errors declared here
[shape.Item]
id = "int"
name = "string"

[error.not_found]
status = 404
message = "no such item"

[[route]]
path = "/items/{{id:int}}"
path_params = {{ id = {{ min = 1 }} }}
handler = "item"
errors = ["not_found"]
[[route.response]]
status = 200
shape = "Item"

# Cases `ringspec test {name}.toml` runs against the built server (any route may have them).
[[route.test]]
request = "GET /items/7"
status = 200
expect_headers = {{ Content-Type = "application/json" }}
expect_json = {{ id = 7, name = "an item" }}

[[route.test]]
name = "the shop has 100 items"
request = "GET /items/101"
status = 404
expect_body = '{{"error":"not_found","message":"no such item","detail":"the shop has 100 items"}}'

[[route.test]]
name = "ids start at 1"
request = "GET /items/0"
status = 400
'''

HANDLER = '''/* item: answers GET /items/{{id}}.  Written by hand; ringspec never touches it.
 * The prototype, item_params, Item, item_reply_200 and rs_error_not_found come
 * from generated/<spec>/handlers.h. */
#include "handlers.h"

rs_status item(const item_params *in, rs_reply *reply)
{{
    if (in->id > 100)
        return rs_error_not_found(reply, "the shop has 100 items");
    Item value = {{.id = in->id, .name = RS_STR("an item")}};
    return item_reply_200(reply, &value); /* serialized as JSON at once */
}}
'''

MAKEFILE = '''# {name}: build, run and test with ringspec.
#   make run [PORT=N]  build, then serve (the spec's port unless PORT is given; data/ is /data)
#   make test          build, serve on a free loopback port and run the [[route.test]] cases
#   make check         diagnostics only
#   make openapi       write openapi.json
# Output goes to build/{name}/ and generated/{name}/ here. RINGSPEC: the ringspec command
# (`make install` in a ringspec checkout puts it on PATH).
RINGSPEC ?= ringspec

build:
\t$(RINGSPEC) build {name}.toml

run:
\t$(RINGSPEC) run {name}.toml $(if $(PORT),--port $(PORT))

check:
\t$(RINGSPEC) check {name}.toml

test:
\t$(RINGSPEC) test {name}.toml

openapi:
\t$(RINGSPEC) openapi {name}.toml -o openapi.json

clean:
\trm -rf build generated

.PHONY: build run check test openapi clean
'''

GITIGNORE = '''/build/
/generated/
'''


def init(args) -> int:
    root: Path = args.dir
    name = root.resolve().name.replace("-", "_") or "service"
    files = {
        root / f"{name}.toml": SPEC.format(name=name),
        root / "handlers" / "item.c": HANDLER.format(),
        root / "Makefile": MAKEFILE.format(name=name),
        root / ".gitignore": GITIGNORE,
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        print(f"ringspec init: refusing to overwrite {', '.join(existing)}", file=sys.stderr)
        return 1
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"created {path}")
    if shutil.which("ringspec") is None:  # the Makefile calls it by name
        print("ringspec is not on PATH: run `make install PREFIX=...` in the ringspec checkout, or pass "
              "RINGSPEC=/path/to/ringspec to make", file=sys.stderr)
    return 0
