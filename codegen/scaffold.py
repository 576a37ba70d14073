"""`ringspec init DIR`: a new project with a spec, a handler and a Makefile fragment.

Nothing is overwritten: init refuses a DIR that already holds any of its files, so it can
never destroy hand-written code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .emit import REPO_ROOT

SPEC = '''# {name}: a ringspec service. Check it with `ringspec check {name}.toml`,
# run its tests with `ringspec test {name}.toml`.

[server]
port = 8080

# GET /hello?name_len=3 -> a text reply computed from the spec alone
[[route]]
path = "/hello"
query = {{ times = {{ type = "int", default = 1, min = 1, max = 10 }} }}
reply = {{ type = "text/plain", text = "hello x{{times}}" }}

# GET /items/7 -> answered by C in handlers/item.c (never in generated/)
[[route]]
path = "/items/{{id:int}}"
path_params = {{ id = {{ min = 1 }} }}
handler = "item"

# Cases `ringspec test {name}.toml` runs against the built server (any route may have them).
[[route.test]]
request = "GET /items/7"
status = 200
expect_headers = {{ Content-Type = "text/plain" }}
expect_body = "item 7"

[[route.test]]
name = "ids start at 1"
request = "GET /items/0"
status = 400
'''

HANDLER = '''/* item: answers GET /items/{{id}}.  Written by hand; ringspec never touches it.
 * The prototype and item_params come from generated/<spec>/handlers.h. */
#include "handlers.h"

void item(const item_params *in, rs_reply *reply)
{{
    static const char head[] = "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n";
    char body[32] = "item ";
    size_t len = 5 + rs_format_i64(body + 5, in->id);
    rs_reply_text(reply, head, sizeof head - 1, body, len);
}}
'''

MAKEFILE = '''# Build and run {name} with ringspec (RINGSPEC: path of the ringspec checkout's CLI).
RINGSPEC ?= {ringspec}

build:
\t$(RINGSPEC) build {name}.toml -o build

run: build
\tbuild/server

check:
\t$(RINGSPEC) check {name}.toml

test:
\t$(RINGSPEC) test {name}.toml -o build

.PHONY: build run check test
'''


def init(args) -> int:
    root: Path = args.dir
    name = root.resolve().name.replace("-", "_") or "service"
    files = {
        root / f"{name}.toml": SPEC.format(name=name),
        root / "handlers" / "item.c": HANDLER.format(),
        root / "Makefile": MAKEFILE.format(name=name, ringspec=REPO_ROOT / "ringspec"),
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        print(f"ringspec init: refusing to overwrite {', '.join(existing)}", file=sys.stderr)
        return 1
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"created {path}")
    return 0
