"""Reads a spec file: TOML via tomllib, plus a Locator (codegen/locator.py) that gives
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
        raise SpecErrors([_syntax_error(str(exc))], text.split("\n")) from None
    return SpecSource(path, data, Locator(text))


def _syntax_error(message: str) -> SpecError:
    # tomllib: "Expected '=' after a key in a key/value pair (at line 3, column 5)"
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if m:
        span = Span(int(m.group(1)), int(m.group(2)))
        return SpecError(span, "syntax", message[: m.start()], "RS001")
    m = re.search(r"\s*\(at end of document\)$", message)
    if m:
        return SpecError(None, "syntax", f"{message[: m.start()]} (at end of file)", "RS001")
    return SpecError(None, "syntax", message, "RS001")
