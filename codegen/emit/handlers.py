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

from ..spec.diagnostics import SpecError
from .responses_emit import c_value_type
from ..spec.spec_loader import format_key


def handlers_dir(spec_file: str) -> Path:
    return Path(spec_file).resolve().parent / "handlers"


def sources(spec_file: str) -> list[Path]:
    folder = handlers_dir(spec_file)
    return sorted(folder.glob("*.c")) if folder.is_dir() else []


def _definition(name: str) -> re.Pattern:
    return re.compile(rf"^\s*(?:void|rs_status|rs_grpc_code)\s+{re.escape(name)}\s*\(", re.M)


def build_sources(spec, profile: str | None) -> tuple[list[Path], list[SpecError]]:
    """The files of handlers/ a build of `profile` compiles, or the files it cannot split.

    handlers.h declares only the profile's handlers (and their types), so a file defining a
    handler of a left-out route cannot compile. The rule: a file that defines handlers of
    the profile's routes is compiled, one that defines only left-out handlers is not, and one
    that defines no handler (shared code such as stock.c) is compiled whenever any handler is.
    A file defining both kinds is an error: move the left-out handlers to their own file."""
    names = {r.handler for r in spec.routes if r.handler} | {m.handler for m in spec.grpc_methods(None) if m.handler}
    wanted = ({r.handler for r in spec.select(profile) if r.handler} |
              {m.handler for m in spec.grpc_methods(profile) if m.handler})
    if not wanted:
        return [], []
    chosen, errors = [], []
    for path in sources(spec.file):
        text = path.read_text(encoding="utf-8", errors="replace")
        defined = {n for n in names if _definition(n).search(text)}
        if defined and not defined & wanted:
            continue
        left_out = sorted(defined - wanted)
        if left_out:
            errors.append(SpecError(None, "--profile", f"{_shown(path)} defines {', '.join(sorted(defined & wanted))} "
                                    f"(in profile {profile}) and {', '.join(left_out)} (left out), so it "
                                    "cannot compile against this profile's handlers.h", "RS070",
                                    hint=f"move {', '.join(left_out)} to a file of its own: each file of "
                                    "handlers/ is compiled with the handlers it defines"))
        chosen.append(path)
    return chosen, errors


def signature(route) -> str:
    returns = "rs_status" if route.typed else "void"
    return f"{returns} {route.handler}(const {route.handler}_params *in, rs_reply *reply)"


def stub(route) -> str:
    """A starting point for handlers/<name>.c: typed routes return their first response
    (or first error), untyped ones write a text reply."""
    names = [p.name for p in route.params] + (["body"] if route.json_body is not None else [])
    fields = ", ".join(f"in->{n}" for n in names) or "no parameters"
    head = (f'/* {route.handler}: answers {", ".join(route.methods)} {route.path} ({fields}). */\n'
            f'#include "handlers.h"\n\n{signature(route)}\n{{\n'
            + "".join(f"    (void)in->{n};\n" for n in names)
            + ("    (void)in;\n" if not names else ""))
    if route.typed:
        return head + "".join(_typed_body(route)) + "}\n"
    return (head + '    static const char head[] = "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n";\n'
            f'    static const char body[] = "{route.handler}\\n";\n'
            "    rs_reply_text(reply, head, sizeof head - 1, body, sizeof body - 1);\n}\n")


def _typed_body(route):
    """The statements of a typed stub: every way out the route declares, first one taken."""
    for r in route.responses[1:]:
        yield f"    /* or: return {route.handler}_reply_{r.status}(reply, ...); ({r.label}) */\n"
    for e in route.errors:
        yield f'    /* or: return rs_error_{e.name}(reply, NULL); ({e.status}, or a detail string instead of NULL) */\n'
    if not route.responses:
        e = route.errors[0]
        yield f"    return rs_error_{e.name}(reply, NULL);\n"
        return
    first = route.responses[0]
    call = f"{route.handler}_reply_{first.status}"
    if first.type is None:
        yield f'    static const char text[] = "{route.handler}\\n";\n'
        yield f"    return {call}(reply, text, sizeof text - 1);\n"
    elif first.type.kind == "array":
        yield f"    {c_value_type(first.type)} value = {{0}}; /* .v: the items, .n: how many */\n"
        yield f"    return {call}(reply, &value);\n"
    else:
        yield f"    {first.type.shape} value = {{0}}; /* fill in the fields (strings: RS_STR(\"...\")) */\n"
        yield f"    return {call}(reply, &value);\n"


def find_problems(spec, locator) -> list[SpecError]:
    """A diagnostic per handler with no definition in handlers/*.c."""
    texts = {path: path.read_text(encoding="utf-8", errors="replace") for path in sources(spec.file)}
    out = []
    for route in spec.routes:
        if route.handler is None:
            continue
        definition = _definition(route.handler)
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
        elif not any(_includes_generated_header(path) for path in found):
            out.append(SpecError(span, format_key(key), f"{_shown(found[0])} defines {route.handler} without "
                                 '#include "handlers.h", so its signature cannot be checked', "RS070",
                                 hint=f"add #include \"handlers.h\"; the prototype is `{signature(route)}`"))
    return out


_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def _includes_generated_header(path: Path, seen: frozenset = frozenset()) -> bool:
    """Whether path includes handlers.h, directly or through headers of its own folder
    (a handlers/stock.h shared by several files)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for name in _INCLUDE.findall(text):
        if name == "handlers.h":
            return True
        local = path.parent / name
        if local not in seen and local.is_file() and _includes_generated_header(local, seen | {path}):
            return True
    return False


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
