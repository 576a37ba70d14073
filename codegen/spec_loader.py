"""Reads a spec file: TOML via tomllib, plus a line locator for error messages.

tomllib reports positions only for syntax errors, so spec errors found later (an unknown
key, a wrong type) would have no line. LineLocator makes one light pass over the text and
records the line where each table header and each `key =` appears; keys inside inline
tables resolve to the line of their inline table.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class SpecError:
    line: int | None
    key: str  # "route[1].query.a"; "syntax" for TOML syntax errors
    message: str

    def format(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line is not None else file
        return f"{where}: {self.key}: {self.message}"


class SpecErrors(Exception):
    """All problems found in a spec; raised only when there is at least one."""

    def __init__(self, errors: list[SpecError]):
        super().__init__(f"{len(errors)} spec error(s)")
        # Sorted by line so they read top to bottom like the file; line-less ones last.
        self.errors = sorted(errors, key=lambda e: (e.line is None, e.line or 0))


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
    locator: "LineLocator"


def load(path: str) -> SpecSource:
    """Reads and parses the spec; raises SpecErrors for unreadable files and bad TOML."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecErrors([SpecError(None, "file", f"cannot read: {exc}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecErrors([_syntax_error(str(exc))]) from None
    return SpecSource(path, data, LineLocator(text))


def _syntax_error(message: str) -> SpecError:
    # tomllib: "Expected '=' after a key in a key/value pair (at line 3, column 5)"
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if m:
        return SpecError(int(m.group(1)), "syntax", f"{message[: m.start()]} (column {m.group(2)})")
    m = re.search(r"\s*\(at end of document\)$", message)
    if m:
        return SpecError(None, "syntax", f"{message[: m.start()]} (at end of file)")
    return SpecError(None, "syntax", message)


class LineLocator:
    """Maps key paths to the 1-based line that defines them.

    Only called on text tomllib accepted, so the scanner can be lenient: it has to find
    headers and `key =` starts and skip over values (which may span lines: arrays,
    multi-line strings), nothing more.
    """

    def __init__(self, text: str):
        self._text = text
        self._pos = 0
        self._line = 1
        self._lines: dict[tuple, int] = {}
        self._aot_next: dict[tuple, int] = {}  # array-of-tables path -> next index
        self._aot_last: dict[tuple, int] = {}  # array-of-tables path -> current index
        self._scan()

    def line_of(self, path: tuple) -> int | None:
        """Line of the longest recorded prefix of path (inline tables, array items)."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    # -- scanner -----------------------------------------------------------------

    def _scan(self) -> None:
        table: tuple = ()
        while self._skip_blank():
            line = self._line
            if self._text.startswith("[[", self._pos):
                self._pos += 2
                parts = self._dotted_key()
                prefix = self._resolve(parts[:-1]) + (parts[-1],)
                index = self._aot_next.get(prefix, 0)
                self._aot_next[prefix] = index + 1
                self._aot_last[prefix] = index
                table = prefix + (index,)
                self._record(table, line)
                self._pos = self._text.index("]]", self._pos) + 2
            elif self._peek() == "[":
                self._pos += 1
                table = self._resolve(self._dotted_key())
                self._record(table, line)
                self._pos = self._text.index("]", self._pos) + 1
            else:
                parts = self._dotted_key()
                for end in range(1, len(parts) + 1):
                    self._record(table + tuple(parts[:end]), line)
                self._pos = self._text.index("=", self._pos) + 1
                self._skip_value(table + tuple(parts))

    def _record(self, path: tuple, line: int) -> None:
        self._lines.setdefault(path, line)

    def _resolve(self, parts: list) -> tuple:
        """Header path with the current index inserted after each array of tables."""
        out: list = []
        for part in parts:
            out.append(part)
            index = self._aot_last.get(tuple(out))
            if index is not None:
                out.append(index)
        return tuple(out)

    def _peek(self, offset: int = 0) -> str:
        i = self._pos + offset
        return self._text[i] if i < len(self._text) else ""

    def _advance(self, n: int = 1) -> None:
        self._line += self._text.count("\n", self._pos, self._pos + n)
        self._pos += n

    def _skip_blank(self) -> bool:
        """Skips whitespace, newlines and comments; False at end of text."""
        while self._pos < len(self._text):
            c = self._peek()
            if c in " \t\r\n":
                self._advance()
            elif c == "#":
                self._skip_to_eol()
            else:
                return True
        return False

    def _skip_to_eol(self) -> None:
        end = self._text.find("\n", self._pos)
        self._pos = len(self._text) if end < 0 else end

    def _dotted_key(self) -> list:
        parts = []
        while True:
            while self._peek() in (" ", "\t"):
                self._advance()
            c = self._peek()
            if c in ('"', "'"):
                start = self._pos
                self._skip_string()
                parts.append(tomllib.loads("k = " + self._text[start : self._pos])["k"])
            else:
                m = _BARE_KEY.match(self._text, self._pos)
                parts.append(m.group(0))
                self._pos = m.end()
            while self._peek() in (" ", "\t"):
                self._advance()
            if self._peek() != ".":
                return parts
            self._advance()

    def _skip_string(self) -> None:
        quote = self._peek()
        if self._text.startswith(quote * 3, self._pos):
            end = self._pos + 3
            while True:  # a closing run may be up to 5 quotes long; take the last three
                end = self._text.index(quote * 3, end)
                if quote == '"' and _escaped(self._text, end):
                    end += 1
                    continue
                while self._text.startswith(quote, end + 3):
                    end += 1
                self._advance(end + 3 - self._pos)
                return
        i = self._pos + 1
        while self._text[i] != quote:
            i += 2 if (quote == '"' and self._text[i] == "\\") else 1
        self._advance(i + 1 - self._pos)

    def _skip_value(self, path: tuple) -> None:
        """Skips one value: scalars end at the line end, arrays and inline tables at their
        close. Elements of a top-level array are recorded as path + (index,), so an item of
        a multi-line array has its own line."""
        depth = 0
        is_array = False
        count = 0  # elements seen in a top-level array
        expecting = False  # inside a top-level array, before the next element's first char
        while self._pos < len(self._text):
            c = self._peek()
            if expecting and depth == 1 and c not in " \t\r\n#,]":
                self._record(path + (count,), self._line)
                count += 1
                expecting = False
            if c in ('"', "'"):
                self._skip_string()
                continue
            if c == "#":
                self._skip_to_eol()
                continue
            if c == "\n" and depth == 0:
                return
            if c in "[{":
                if depth == 0 and c == "[":
                    is_array = expecting = True
                depth += 1
            elif c in "]}":
                depth -= 1
            elif c == "," and depth == 1 and is_array:
                expecting = True
            self._advance()


def _escaped(text: str, i: int) -> bool:
    """True when text[i] is preceded by an odd number of backslashes."""
    n = 0
    while i - n - 1 >= 0 and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1
