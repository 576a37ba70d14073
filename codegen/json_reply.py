"""JSON replies: the `[route.reply.json]` table, checked and planned into C.

Each key of the table is an output field, in order; each value is a string in one of
three forms:

    items = "dataset[:count] with { total = price * quantity * m }"
    count = "len(items)"
    page  = "count + 1"

* `SOURCE`, `SOURCE[:N]`: a data source (all of it, or its first N items; N is an int
  expression over route parameters, clamped to [0, size]). `with { k = expr, ... }`
  appends int fields to every item (arrays of shapes only); expr may use the item's int
  fields and the route's parameters.
* `len(FIELD)`: the number of items another field of this reply produced.
* anything else: an int expression over route parameters (codegen/expr.py).

All arithmetic is int64 and checked; an overflow replies 500 for that request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from . import expr
from .shapes import DataSource

_LEN = re.compile(r"\s*len\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*")
_SOURCE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*:(?P<limit>[^\]]*)\])?\s*"
                     r"(?:with\s*\{(?P<with>.*)\}\s*)?")
_ASSIGN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)")


@dataclass
class JInt:
    source: str
    tree: expr.Node


@dataclass
class JSource:
    source: str
    data: DataSource
    limit: expr.Node | None  # None: every item
    extra: list  # (name, source, tree): int fields added to each item


@dataclass
class JLen:
    of: str


@dataclass
class JsonReply:
    fields: list  # (key, JInt | JSource | JLen)
    text: str  # a one-line summary for comments and `ringspec routes`


class JsonChecker:
    def __init__(self, error, shapes: dict, data: dict, name_problem):
        self._report = error
        self.reported = 0
        self.shapes = shapes
        self.data = data
        self.name_problem = name_problem

    def reply(self, raw, key: tuple, params: list) -> JsonReply | None:
        if not isinstance(raw, dict) or not raw:
            self.error(key, 'expected a table of output fields, e.g. [route.reply.json] count = "len(items)"')
            return None
        fields, before = [], self._errors()
        for name, value in raw.items():
            fkey = key + (name,)
            problem = self.name_problem(name)
            if problem:
                self.error(fkey, problem)
            elif not isinstance(value, str):
                self.error(fkey, f"expected an expression string, got {value!r}")
            else:
                parsed = self.value(value, fkey, params)
                if parsed is not None:
                    fields.append((name, parsed))
        sources = {n for n, v in fields if isinstance(v, JSource) and v.data.type.kind == "array"}
        for name, v in fields:
            if isinstance(v, JLen) and v.of not in sources:
                known = ", ".join(sorted(sources)) or "none"
                self.error(key + (name,), f'len({v.of}): "{v.of}" is not an array field of this reply '
                           f"(array fields: {known})")
        if self._errors() != before:
            return None
        text = "{" + ", ".join(f"{n}: {raw[n]}" for n, _ in fields) + "}"
        return JsonReply(fields, text)

    def error(self, key: tuple, message: str) -> None:
        self.reported += 1
        self._report(key, message)

    def _errors(self) -> int:
        return self.reported

    def value(self, text: str, key: tuple, params: list):
        m = _LEN.fullmatch(text)
        if m:
            return JLen(m.group(1))
        m = _SOURCE.fullmatch(text)
        if m and m.group(1) in self.data:
            return self.source(m, text, key, params)
        if m and m.group(1) in self.shapes or (m and m.group("with") is not None):
            self.error(key, f'unknown data source "{m.group(1)}" (known: {", ".join(self.data) or "none"})')
            return None
        tree = self.expression(text, key, params)
        return JInt(text, tree) if tree is not None else None

    def expression(self, text: str, key: tuple, names: list) -> expr.Node | None:
        try:
            tree = expr.parse_expr(text)
            unknown = [n for n in expr.names_in(tree) if n not in names]
            if unknown:
                listing = ", ".join(names) or "none"
                raise expr.ExprError(f"unknown name {', '.join(unknown)} in {{{text}}} (known: {listing})")
            return expr.fold(tree, text)
        except expr.ExprError as exc:
            self.error(key, str(exc))
            return None

    def source(self, m: re.Match, text: str, key: tuple, params: list):
        data: DataSource = self.data[m.group(1)]
        limit = None
        is_array = data.type.kind == "array"
        if m.group("limit") is not None:
            if not is_array:
                self.error(key, f'"{data.name}" is a {data.type}, not an array: it cannot be sliced')
                return None
            limit = self.expression(m.group("limit"), key, params)
            if limit is None:
                return None
        extra = []
        if m.group("with") is not None:
            element = data.type.of if is_array else None
            if element is None or element.kind != "shape":
                self.error(key, f'"with" adds fields to objects; "{data.name}" is a {data.type}')
                return None
            shape = self.shapes[element.shape]
            ints = [n for n, t in shape.fields if t.kind == "int"]
            clash = sorted(set(ints) & set(params))
            if clash:
                self.error(key, f"{', '.join(clash)}: both a route parameter and a field of "
                           f"{shape.name}; rename the parameter")
                return None
            for part in _split_commas(m.group("with")):
                a = _ASSIGN.fullmatch(part)
                if not a:
                    self.error(key, f'expected "name = expression" in with {{...}}, got {part.strip()!r}')
                    return None
                name, source = a.group(1), a.group(2).strip()
                if shape.field_type(name) is not None or name in [e[0] for e in extra]:
                    self.error(key, f'"{name}" is already a field of {shape.name} items')
                    return None
                tree = self.expression(source, key, params + ints)
                if tree is None:
                    return None
                extra.append((name, source, tree))
        return JSource(text, data, limit, extra)


def _split_commas(text: str) -> list:
    """Splits on commas outside parentheses; empty parts (a trailing comma) are dropped."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


# -- C plan ---------------------------------------------------------------------------


class JsonPlan:
    """The C statements of a JSON respond function: checked arithmetic first (so a
    failure answers 500 before anything is written), then the writes, with runs of
    literal bytes merged into one rs_json_raw."""

    def __init__(self, reply: JsonReply, c_string, shapes: dict):
        self.c_string = c_string
        self.shapes = shapes
        self.used: set[str] = set()
        top = expr.CEmitter("rs_t")
        self.lines: list[str] = []
        self._raw = ""
        bounds: dict[str, str] = {}
        values: dict[str, str] = {}
        for number, (key, v) in enumerate(reply.fields):
            if isinstance(v, JSource) and v.data.type.kind == "array":
                size = f"rs_data_{v.data.name}.n"
                bound = f"rs_n{number}"
                if v.limit is None:
                    setup = f"size_t {bound} = {size};"
                else:
                    self.used.update(expr.names_in(v.limit))
                    limit = top.emit(v.limit)
                    setup = (f"size_t {bound} = {limit} <= 0 ? 0 : (uint64_t){limit} > {size} ? "
                             f"{size} : (size_t){limit};")
                bounds[key] = bound
                values[key] = setup
            elif isinstance(v, JInt):
                self.used.update(expr.names_in(v.tree))
                values[key] = top.emit(v.tree)
        self.temporaries = top.temporaries
        self.statements = top.statements + [s for k, s in values.items() if k in bounds]

        self.raw("{")
        for number, (key, v) in enumerate(reply.fields):
            self.raw(("," if number else "") + json.dumps(key) + ":")
            if isinstance(v, JInt):
                self.code(f"rs_json_int(rs_w, {values[key]});")
            elif isinstance(v, JLen):
                self.code(f"rs_json_int(rs_w, (int64_t){bounds[v.of]});")
            elif v.data.type.kind != "array":
                self.code(v.data.type.ser_call(f"rs_data_{v.data.name}"))
            else:
                self.loop(v, bounds[key], number)
        self.raw("}")
        self.flush()

    def raw(self, text: str) -> None:
        self._raw += text

    def flush(self) -> None:
        if self._raw:
            self.lines.append(f"rs_json_raw(rs_w, {self.c_string(self._raw)}, {len(self._raw.encode())});")
            self._raw = ""

    def code(self, line: str) -> None:
        self.flush()
        self.lines.append(line)

    def loop(self, v: JSource, bound: str, number: int) -> None:
        element = v.data.type.of
        self.raw("[")
        self.code(f"for (size_t rs_i = 0; rs_i < {bound}; rs_i++) {{")
        self.lines.append(f"const {element.c_type} *rs_e = &rs_data_{v.data.name}.v[rs_i];")
        inner = expr.CEmitter(f"rs_u{number}_")
        operands = []
        for _, _, tree in v.extra:
            operands.append(inner.emit(tree))
        shape_ints = set()
        if v.extra:
            for name, _, tree in v.extra:
                shape_ints.update(expr.names_in(tree))
        params_used = set()
        shape_fields = {n for n, _ in self.shapes[element.shape].fields} if v.extra else set()
        for name in sorted(shape_ints):
            if name in shape_fields:
                self.lines.append(f"int64_t {name} = rs_e->{name};")
            else:
                params_used.add(name)
        self.used.update(params_used)
        if inner.temporaries:
            self.lines.append(f"int64_t {', '.join(inner.temporaries)};")
        self.lines.extend(inner.statements)
        self.lines.append("if (rs_i)")
        self.lines.append("    rs_json_raw(rs_w, \",\", 1);")
        if not v.extra:
            self.lines.append(element.ser_call("*rs_e"))
        else:
            self.lines.append(f"rs_ser_{element.shape}_open(rs_w, rs_e);")
            for (name, _, _), operand in zip(v.extra, operands):
                self.raw("," + json.dumps(name) + ":")
                self.code(f"rs_json_int(rs_w, {operand});")
            self.raw("}")
            self.flush()
        self.lines.append("}")
        self.raw("]")
