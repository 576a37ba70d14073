"""A string or enum parameter in a reply is its text.

`{slug}` alone in reply text or a response header, or `slug` as a json field, writes the
parameter's text (an enum's value, a string's percent-decoded bytes). `len(slug)` is the
length of a string. A string anywhere else in arithmetic is an error: it used to read as
its length or enum index, silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lang import expr

_LEN = re.compile(r"\blen\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)")
_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*")


@dataclass(frozen=True)
class TextHole(expr.Hole):
    """{name} of a string or enum parameter: its text goes out (expr is a Name of it)."""

    @property
    def name(self) -> str:
        return self.expr.name


@dataclass(frozen=True)
class StringParam:
    name: str
    enum: bool


def string_params(param_infos) -> dict:
    """{name: StringParam} of the string parameters among validate.py's declarations
    (query.ParamInfo: name, kind, enum)."""
    out = {}
    for info in param_infos:
        if info.kind == "string":
            out[info.name] = StringParam(info.name, bool(info.enum))
    return out


def whole_name(source: str, strings: dict) -> str | None:
    """The string parameter a hole or json field is made of alone, or None."""
    m = _NAME.fullmatch(source)
    return m.group(1) if m and m.group(1) in strings else None


def int_source(source: str, strings: dict, json_field: bool = False) -> str:
    """The hole as an int expression: len(s) becomes s (whose slot holds its length).
    Raises expr.ExprError for a string read as a number, or len() of an enum; json_field
    words the message for a json field (which has no {hole} syntax)."""
    def length(m):
        name = m.group(1)
        if name not in strings:
            raise expr.ExprError(f'len() takes a string parameter here, got "{name}"')
        if strings[name].enum:
            alone = f'a field "{name}"' if json_field else f"{{{name}}}"
            raise expr.ExprError(f'"{name}" is an enum: {alone} writes its value; len() of an enum is not '
                                 "supported")
        return "0"
    bare = expr.names_in(expr.parse_expr(_LEN.sub(length, source)))
    misused = [n for n in bare if n in strings]
    if misused:
        n = misused[0]
        alone = f'a field "{n}"' if json_field else f"{{{n}}} alone"
        raise expr.ExprError(f'"{n}" is a string: write {alone} for its text, or len({n}) for its length')
    return _LEN.sub(lambda m: m.group(1), source)
