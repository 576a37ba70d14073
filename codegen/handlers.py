"""Custom C handlers: routes with `handler = "name"` are answered by a function the user
writes in handlers/*.c next to the spec, never in generated/ (which codegen overwrites).

Codegen writes the prototype and a typed parameter struct into generated/<name>/handlers.h.
Before the C compiler runs, find_problems() checks that each handler is defined in a file
of handlers/ that includes handlers.h (so a mistyped definition is a compile error against
the prototype), and names the route and the file to create when it is not.
"""

from __future__ import annotations

import re
from pathlib import Path

from .diagnostics import SpecError
from .spec_loader import format_key


def handlers_dir(spec_file: str) -> Path:
    return Path(spec_file).resolve().parent / "handlers"


def sources(spec_file: str) -> list[Path]:
    folder = handlers_dir(spec_file)
    return sorted(folder.glob("*.c")) if folder.is_dir() else []


def signature(route) -> str:
    return f"void {route.handler}(const {route.handler}_params *in, rs_reply *reply)"


def stub(route) -> str:
    """A starting point for handlers/<name>.c."""
    names = [p.name for p in route.params] + (["body"] if route.json_body is not None else [])
    fields = ", ".join(f"in->{n}" for n in names) or "no parameters"
    return (f'/* {route.handler}: answers {", ".join(route.methods)} {route.path} ({fields}). */\n'
            f'#include "handlers.h"\n\n{signature(route)}\n{{\n'
            + "".join(f"    (void)in->{n};\n" for n in names)
            + (f"    (void)in;\n" if not names else "")
            + '    static const char head[] = "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n";\n'
            f'    static const char body[] = "{route.handler}\\n";\n'
            "    rs_reply_text(reply, head, sizeof head - 1, body, sizeof body - 1);\n}\n")


def find_problems(spec, locator) -> list[SpecError]:
    """A diagnostic per handler with no definition in handlers/*.c."""
    texts = {path: path.read_text(encoding="utf-8", errors="replace") for path in sources(spec.file)}
    out = []
    for route in spec.routes:
        if route.handler is None:
            continue
        definition = re.compile(rf"^\s*void\s+{re.escape(route.handler)}\s*\(", re.M)
        found = [path for path, text in texts.items() if definition.search(text)]
        key = ("route", route.index, "handler")
        place = locator.exact(key)
        span = place.value if place else None
        want = handlers_dir(spec.file) / f"{route.handler}.c"
        if not found:
            out.append(SpecError(span, format_key(key), f'route "{route.path}" needs handler '
                                 f'"{route.handler}", which no file in {_shown(want.parent)}/ defines',
                                 "RS070", hint=f"create {_shown(want)} defining `{signature(route)}` "
                                 f"(`ringspec stub SPEC` prints a starting point)"))
        elif not any('#include "handlers.h"' in texts[path] for path in found):
            out.append(SpecError(span, format_key(key), f"{_shown(found[0])} defines {route.handler} without "
                                 '#include "handlers.h", so its signature cannot be checked', "RS070",
                                 hint=f"add #include \"handlers.h\"; the prototype is `{signature(route)}`"))
    return out


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
