"""A regular-expression subset translated to Ragel, so `pattern` constraints compile into
C state machines instead of linking a regex engine.

Supported: literals, ".", classes [a-z_] and [^...], escapes \\d \\w \\s \\D \\W \\S and
escaped punctuation, groups ( ), alternation |, repeats * + ? {n} {n,} {n,m}. The whole
value must match (^ and $ are implied and may be written). Matching is on bytes.
Anything else (back-references, look-around, lazy repeats) is refused: not regular, or
meaningless for a whole-value match.
"""

from __future__ import annotations

_MAX_REPEAT = 1000
_CLASSES = {"d": "digit", "w": "(alnum | '_')", "s": "space"}
_META = set("\\^$.|?*+()[]{}")


class PatternError(ValueError):
    pass


def to_ragel(text: str) -> str:
    """The Ragel expression matching exactly the strings text matches in full."""
    body = text
    if body.startswith("^"):
        body = body[1:]
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    parser = _Parser(body, text)
    out = parser.alternation()
    if parser.pos != len(body):
        raise parser.fail("unbalanced \")\"")
    return out


def _char(c: str) -> str:
    """A Ragel literal for one byte."""
    if c.isascii() and c.isalnum():
        return f"'{c}'"
    return " | ".join(f"0x{b:02x}" for b in c.encode()) if len(c.encode()) == 1 else \
        "(" + " . ".join(f"0x{b:02x}" for b in c.encode()) + ")"


class _Parser:
    def __init__(self, body: str, original: str):
        self.s, self.pos, self.original = body, 0, original

    def fail(self, why: str) -> PatternError:
        return PatternError(f"pattern {self.original!r}: {why} (at offset {self.pos})")

    def peek(self) -> str:
        return self.s[self.pos] if self.pos < len(self.s) else ""

    def alternation(self) -> str:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"

    def sequence(self) -> str:
        parts = []
        while self.peek() not in ("", "|", ")"):
            parts.append(self.repeat(self.atom()))
        return "(" + " . ".join(parts) + ")" if parts else "zlen"

    def atom(self) -> str:
        c = self.peek()
        self.pos += 1
        if c == "(":
            if self.peek() == "?":
                raise self.fail("groups with (? (look-around, named or non-capturing) are not supported")
            inner = self.alternation()
            if self.peek() != ")":
                raise self.fail('unclosed "("')
            self.pos += 1
            return "(" + inner + ")"
        if c == "[":
            return self.char_class()
        if c == ".":
            return "any"
        if c == "\\":
            return self.escape(in_class=False)
        if c in "*+?{":
            self.pos -= 1
            raise self.fail(f'"{c}" has nothing to repeat')
        if c in "^$":
            self.pos -= 1
            raise self.fail(f'"{c}" is only allowed at the start/end (the whole value always matches)')
        if c in "])}":
            self.pos -= 1
            raise self.fail(f'unbalanced "{c}"')
        return _char(c)

    def escape(self, in_class: bool) -> str:
        c = self.peek()
        if c == "":
            raise self.fail("pattern ends with a backslash")
        self.pos += 1
        if c.lower() in _CLASSES:
            machine = _CLASSES[c.lower()]
            return machine if c.islower() else f"(any - {machine})"
        if c.isdigit():
            raise self.fail("back-references are not regular and not supported")
        if c in "nrt":
            return _char({"n": "\n", "r": "\r", "t": "\t"}[c])
        if c.isalnum():
            raise self.fail(f'unknown escape "\\{c}"')
        return _char(c)

    def char_class(self) -> str:
        negate = self.peek() == "^"
        if negate:
            self.pos += 1
        items = []
        first = True
        while True:
            c = self.peek()
            if c == "":
                raise self.fail('unclosed "["')
            if c == "]" and not first:
                self.pos += 1
                break
            first = False
            self.pos += 1
            if c == "\\":
                items.append(self.escape(in_class=True))
                continue
            if self.peek() == "-" and self.pos + 1 < len(self.s) and self.s[self.pos + 1] != "]":
                self.pos += 1
                end = self.peek()
                self.pos += 1
                if end == "\\":
                    raise self.fail("escapes cannot end a range")
                if len(c.encode()) != 1 or len(end.encode()) != 1 or ord(end) < ord(c):
                    raise self.fail(f"bad range {c}-{end}")
                items.append(f"0x{ord(c):02x}..0x{ord(end):02x}")
            else:
                items.append(_char(c))
        union = "(" + " | ".join(items) + ")"
        return f"(any - {union})" if negate else union

    def repeat(self, atom: str) -> str:
        while True:
            c = self.peek()
            if c in ("*", "+", "?"):
                self.pos += 1
                if self.peek() in ("?", "+"):
                    raise self.fail("lazy and possessive repeats are not supported")
                atom = f"({atom}){c}"
            elif c == "{":
                end = self.s.find("}", self.pos)
                spec = self.s[self.pos + 1:end] if end > 0 else ""
                low, comma, high = spec.partition(",")
                if end < 0 or not low.isdigit() or (high and not high.isdigit()):
                    raise self.fail("expected {n}, {n,} or {n,m}")
                if int(low) > _MAX_REPEAT or (high and int(high) > _MAX_REPEAT):
                    raise self.fail(f"repeat counts are limited to {_MAX_REPEAT}")
                if high and int(high) < int(low):
                    raise self.fail(f"{{{spec}}}: the maximum is below the minimum")
                self.pos = end + 1
                atom = f"({atom}){{{low}{comma}{high}}}"
            else:
                return atom
