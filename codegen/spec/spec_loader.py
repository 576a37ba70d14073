"""Reads a spec file: TOML via tomllib, plus a Locator (codegen/spec/locator.py) that gives
later diagnostics their file:line:col and caret.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import SpecError, SpecErrors
from .locator import Locator, Span

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_key(path: tuple) -> str:
    """("route", 1, "query", "a") -> 'route[1].query.a'; odd keys are quoted."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
            out += ("." if out else "") + text
    return out


@dataclass(frozen=True)
class SpecSource:
    file: str  # as the user named it
    data: dict
    locator: Locator


def load(path: str) -> SpecSource:
    """Reads and parses the spec; raises SpecErrors for unreadable files and bad TOML."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecErrors([SpecError(None, "file", f"cannot read: {exc}", "RS002")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        lines = text.split("\n")
        raise SpecErrors([_syntax_error(str(exc), lines)], lines) from None
    return SpecSource(path, data, Locator(text))


def _outside_strings(line: str) -> str:
    """line with its "..." and '...' strings blanked and its comment cut, for counting braces."""
    out, quote, i = [], None, 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = None
            out.append(" ")
        elif c in "\"'":
            quote = c
            out.append(" ")
        elif c == "#":
            break
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _toml_hint(lines: list, line: int, col: int) -> str | None:
    """What TOML 1.0 (tomllib) wants where the usual mistakes stop it: a trailing comma or
    a line break in an inline table (both allowed by TOML 1.1 and many other parsers, not
    by 1.0), or a comma after a value."""
    if not 1 <= line <= len(lines):
        return None
    before = _outside_strings(lines[line - 1][: col - 1])
    rest = lines[line - 1][col - 1 :].strip()
    if rest.startswith("}") and before.rstrip().endswith(","):
        return "TOML 1.0 allows no trailing comma in an inline table: { a = 1, } -> { a = 1 }"
    if before.count("{") > before.count("}") and (not rest or rest.startswith("#")):
        return ("TOML 1.0 inline tables stay on one line: close it on this line, or write a table "
                "with one key per line (e.g. [route.query] then a = ... on the lines below)")
    if rest.startswith(",") and "=" in before:
        return "a value ends its line: remove this comma (lists are [a, b]; table keys go one per line)"
    return None


def _syntax_error(message: str, lines: list | None = None) -> SpecError:
    # tomllib: "Expected '=' after a key in a key/value pair (at line 3, column 5)"
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if m:
        span = Span(int(m.group(1)), int(m.group(2)))
        return SpecError(span, "syntax", message[: m.start()], "RS001",
                         hint=_toml_hint(lines or [], span.line, span.col))
    m = re.search(r"\s*\(at end of document\)$", message)
    if m:
        return SpecError(None, "syntax", f"{message[: m.start()]} (at end of file)", "RS001")
    return SpecError(None, "syntax", message, "RS001")
