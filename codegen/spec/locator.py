"""Source positions of a spec's keys and values, for diagnostics with a caret.

tomllib reports positions only for syntax errors, so spec errors found later (an unknown
key, a wrong type) would have no position. Locator makes one light pass over text that
tomllib already accepted and records, for each key path, where the key and its value are:
table headers, `key =` lines, keys inside inline tables and items of arrays all get their
own span, so a caret can point at `colour` inside `reply = { text = "x", colour = 1 }`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Span:
    """1-based line and column, length in characters (at least 1), on one line."""

    line: int
    col: int
    length: int = 1


@dataclass(frozen=True)
class Place:
    key: Span  # the key (or header, or array item) that defines the path
    value: Span | None = None  # its value, when it has one


class Locator:
    """Maps key paths such as ("route", 0, "query", "a") to their Place."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        self._pos = 0
        self._places: dict[tuple, Place] = {}
        self._aot_next: dict[tuple, int] = {}  # array-of-tables path -> next index
        self._aot_last: dict[tuple, int] = {}  # array-of-tables path -> current index
        self._scan()

    def place(self, path: tuple) -> Place | None:
        """Place of the longest recorded prefix of path."""
        for end in range(len(path), 0, -1):
            found = self._places.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    def exact(self, path: tuple) -> Place | None:
        return self._places.get(tuple(path))

    def inner(self, span: Span, offset: int, length: int) -> Span:
        """The span of characters offset..offset+length inside the string value at span
        (the caret under one token of an expression), for basic and literal strings,
        multi-line ones included, as long as no escape comes before offset; span itself
        when the value is not a string."""
        start = sum(len(line) + 1 for line in self.lines[:span.line - 1]) + span.col - 1
        if self.text.startswith(('"""', "'''"), start):
            content = start + 3 + (self.text[start + 3:start + 4] == "\n")  # TOML trims that newline
        elif self.text[start:start + 1] in ('"', "'"):
            content = start + 1
        else:
            return span
        target = content + offset
        if target > len(self.text):
            return span
        line_start = self.text.rfind("\n", 0, target) + 1
        line_end = self.text.find("\n", target)
        line_end = len(self.text) if line_end < 0 else line_end
        return Span(self.text.count("\n", 0, target) + 1, target - line_start + 1,
                    max(1, min(length, line_end - target)))

    def line_of(self, path: tuple) -> int | None:
        found = self.place(path)
        return found.key.line if found else None

    # -- positions -----------------------------------------------------------------

    def _span(self, start: int, end: int) -> Span:
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", start)
        line_end = len(self.text) if line_end < 0 else line_end
        end = min(end, line_end)
        return Span(self.text.count("\n", 0, start) + 1, start - line_start + 1, max(1, end - start))

    def _record(self, path: tuple, key: Span, value: Span | None = None) -> None:
        if path not in self._places:
            self._places[path] = Place(key, value)

    # -- scanner -------------------------------------------------------------------

    def _scan(self) -> None:
        table: tuple = ()
        while self._skip_blank():
            start = self._pos
            if self.text.startswith("[[", self._pos):
                self._pos += 2
                parts, _ = self._dotted_key()
                prefix = self._resolve(parts[:-1]) + (parts[-1],)
                index = self._aot_next.get(prefix, 0)
                self._aot_next[prefix] = index + 1
                self._aot_last[prefix] = index
                table = prefix + (index,)
                self._pos = self.text.index("]]", self._pos) + 2
                self._record(table, self._span(start, self._pos))
            elif self._peek() == "[":
                self._pos += 1
                table = self._resolve(self._dotted_key()[0])
                self._pos = self.text.index("]", self._pos) + 1
                self._record(table, self._span(start, self._pos))
            else:
                self._key_value(table)

    def _key_value(self, table: tuple) -> None:
        """`a.b = value` at the cursor, inside table."""
        parts, spans = self._dotted_key()
        self._pos = self.text.index("=", self._pos) + 1
        self._skip_inline_blank()
        value_start = self._pos
        path = table + tuple(parts)
        self._value(path)
        value = self._span(value_start, self._pos)
        for end in range(1, len(parts)):
            self._record(table + tuple(parts[:end]), spans[end - 1])
        self._record(path, spans[-1], value)

    def _resolve(self, parts: list) -> tuple:
        """Header path with the current index inserted after each array of tables."""
        out: list = []
        for part in parts:
            out.append(part)
            index = self._aot_last.get(tuple(out))
            if index is not None:
                out.append(index)
        return tuple(out)

    def _peek(self) -> str:
        return self.text[self._pos] if self._pos < len(self.text) else ""

    def _skip_inline_blank(self) -> None:
        while self._peek() in (" ", "\t"):
            self._pos += 1

    def _skip_blank(self) -> bool:
        """Skips whitespace, newlines and comments; False at end of text."""
        while self._pos < len(self.text):
            c = self._peek()
            if c in " \t\r\n":
                self._pos += 1
            elif c == "#":
                self._skip_to_eol()
            else:
                return True
        return False

    def _skip_to_eol(self) -> None:
        end = self.text.find("\n", self._pos)
        self._pos = len(self.text) if end < 0 else end

    def _dotted_key(self) -> tuple[list, list]:
        parts, spans = [], []
        while True:
            self._skip_inline_blank()
            start = self._pos
            if self._peek() in ('"', "'"):
                self._skip_string()
                parts.append(tomllib.loads("k = " + self.text[start : self._pos])["k"])
            else:
                m = _BARE_KEY.match(self.text, self._pos)
                parts.append(m.group(0))
                self._pos = m.end()
            spans.append(self._span(start, self._pos))
            self._skip_inline_blank()
            if self._peek() != ".":
                return parts, spans
            self._pos += 1

    def _skip_string(self) -> None:
        quote = self._peek()
        if self.text.startswith(quote * 3, self._pos):
            end = self._pos + 3
            while True:  # a closing run may be up to 5 quotes long; take the last three
                end = self.text.index(quote * 3, end)
                if quote == '"' and _escaped(self.text, end):
                    end += 1
                    continue
                while self.text.startswith(quote, end + 3):
                    end += 1
                self._pos = end + 3
                return
        i = self._pos + 1
        while self.text[i] != quote:
            i += 2 if (quote == '"' and self.text[i] == "\\") else 1
        self._pos = i + 1

    def _value(self, path: tuple) -> None:
        """Skips one value, recording the items of arrays and the keys of inline tables."""
        c = self._peek()
        if c in ('"', "'"):
            self._skip_string()
        elif c == "[":
            self._pos += 1
            index = 0
            while self._skip_blank() and self._peek() != "]":
                if self._peek() == ",":
                    self._pos += 1
                    continue
                start = self._pos
                self._value(path + (index,))
                span = self._span(start, self._pos)
                self._record(path + (index,), span, span)
                index += 1
            self._pos += 1
        elif c == "{":
            self._pos += 1
            while self._skip_blank() and self._peek() != "}":
                if self._peek() == ",":
                    self._pos += 1
                    continue
                self._key_value(path)
            self._pos += 1
        else:  # a scalar: up to a delimiter
            m = re.compile(r"[^,\]}\s#]+(?:[ T][0-9][^,\]}\s#]*)?").match(self.text, self._pos)
            self._pos = m.end() if m else self._pos + 1


def _escaped(text: str, i: int) -> bool:
    """True when text[i] is preceded by an odd number of backslashes."""
    n = 0
    while i - n - 1 >= 0 and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1
