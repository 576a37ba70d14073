"""Data queries in JSON replies: parse and type-check `where`, `order by`, slices.

    products where price >= min_price and (q is absent or icontains(name, q))
             order by sort [offset : offset + limit]

A query starts from a data source (an array of shapes) or a `let` binding of the reply,
keeps the items whose condition holds, orders them (stable: ties keep data order) and
slices the result. Conditions are typed (int, string, bool) and checked here, before any
C is written; every error carries the offset of the offending token in the expression so
the diagnostic's caret points at it.

Names: inside a query a bare name is a field of the item or a parameter of the route; a
name that is both must be qualified: `item.category` for the field, `query.category`,
`path.id`, `header.x_key` for the parameter.
`NAME is absent` / `NAME is present` test an optional parameter (required = false, no
default); an absent one reads as 0, "" or false.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from . import expr
from .query_syntax import COMPARE, Bin, Call, Lit, Node, Parser, Presence, QueryError, Ref, Unary, is_int, walk

SOURCES = ("query", "path", "header")  # qualifiers of a parameter name; "item" names a field


@dataclass
class OrderKey:
    field: str
    kind: str  # int / string / bool
    descending: bool


@dataclass
class Query:
    source: str  # the expression as written
    base: str  # data source or let name
    data: object  # shapes.DataSource the items come from
    shape: object  # shapes.Shape of the items
    where: Node | None = None
    order: list = field(default_factory=list)  # OrderKey, for a fixed order
    order_param: str | None = None  # an enum parameter choosing the order per request
    order_choices: list = field(default_factory=list)  # [OrderKey] per enum value
    start: expr.Node | None = None  # slice bounds (int expressions over parameters)
    end: expr.Node | None = None
    extra: list = field(default_factory=list)  # with { k = expr }: (name, source, tree)
    unguarded: list = field(default_factory=list)  # optional parameters read without a presence test
    read_as_number: list = field(default_factory=list)  # (name, offset): string parameters in int expressions

    def params_read(self) -> set:
        """Names of the route parameters this query reads (conditions, presence tests,
        the order parameter, slice bounds, with {...} fields)."""
        names = set()
        for node in walk(self.where) if self.where is not None else ():
            if (isinstance(node, Ref) and not node.field) or isinstance(node, Presence):
                names.add(node.name)
        if self.order_param:
            names.add(self.order_param)
        for tree in [self.start, self.end] + [tree for _, _, tree in self.extra]:
            if tree is not None:
                names.update(expr.names_in(tree))
        return names

    @property
    def materialized(self) -> bool:
        """Needs an index array: filtered, ordered, sliced from the front or from a let."""
        return bool(self.where is not None or self.order or self.order_param or self.start is not None
                    or self.base != self.data.name)


@dataclass
class ParamInfo:
    """What the query checker needs to know about a route parameter."""

    name: str
    source: str  # path / query / header / body
    kind: str  # int / string / bool
    enum: tuple = ()
    optional: bool = False


def param_infos(declared: list) -> list:
    """ParamInfo of each parameter the validator declared for a route:
    (name, default, source, key, ok, Constraints | None, wire) tuples."""
    out = []
    for name, _, source, _, _, c, _ in declared:
        kind = c.kind if c is not None else "int"
        enum = tuple(c.enum) if c is not None and kind == "string" else ()
        out.append(ParamInfo(name, source, kind, enum, bool(c is not None and c.optional)))
    return out


def read_as_number(names: list, infos: dict) -> list:
    """(name, message, hint) for each string parameter among names: an int expression
    (a text template's hole, a json field) reads a string as its length in bytes and a
    string enum as the 0-based index of its value, never as its text (RS091)."""
    out = []
    for name in names:
        info = infos.get(name)
        if info is None or info.kind != "string":
            continue
        if info.enum:
            values = ", ".join(f'{i} = "{v}"' for i, v in enumerate(info.enum))
            out.append((name, f'"{name}" is a string enum: in an int expression it reads as the index of '
                              f"its value ({values}), not as its text",
                        "compare it in a where condition or order by it, where it reads as its text"))
        else:
            out.append((name, f'"{name}" is a string: in an int expression it reads as its length in bytes',
                        'give the parameter type = "int" if it holds a number'))
    return out



# -- a whole query, checked -----------------------------------------------------------------


class QueryChecker:
    """Parses and checks one query. data: name -> DataSource; lets: name -> Query already
    checked in this reply; params: name -> ParamInfo."""

    def __init__(self, shapes: dict, data: dict, lets: dict, params: dict):
        self.shapes = shapes
        self.data = data
        self.lets = lets
        self.params = params
        self.read_as_number: list = []  # (name, offset) found by int_expr in this query

    def starts_query(self, text: str) -> bool:
        """Whether text is a query (begins with a data source or let name)."""
        m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*($|\[|where\b|order\b|with\b)", text)
        return bool(m) and (m.group(1) in self.data or m.group(1) in self.lets)

    def query(self, text: str) -> Query:
        p = Parser(text)
        head = p.take()
        if head.text in self.lets:
            base_query = self.lets[head.text]
            data, shape = base_query.data, base_query.shape
        else:
            data = self.data[head.text]
            element = data.type.of if data.type.kind == "array" else None
            if element is None or element.kind != "shape":
                if p.peek().kind == "end" or (p.at("[") and data.type.kind == "array"):
                    shape = None  # a plain source or slice of scalars: the existing forms
                else:
                    raise QueryError(f'"{data.name}" is a {data.type}: queries need an array of shapes',
                                     head.pos, len(head.text))
            else:
                shape = self.shapes[element.shape]
        q = Query(text, head.text, data, shape)
        if p.at("where"):
            p.take()
            q.where = p.condition()
            self.check_condition(q.where, shape)
            q.unguarded = self.unguarded(q.where)
        if p.at("order"):
            p.take()
            p.expect("by", '"by"')
            self.order(p, q)
        if p.at("["):
            self.slice(p, q, text)
        if p.at("with"):
            q.extra = self.with_fields(p, q, text)
        if p.peek().kind != "end":
            tok = p.peek()
            raise QueryError(f'unexpected "{tok.text}" (a query is SOURCE [where ...] [order by ...] '
                             f'[start:end] [with {{...}}])', tok.pos, len(tok.text))
        q.read_as_number = self.read_as_number
        return q

    # -- where -----------------------------------------------------------------------

    def check_condition(self, node: Node, shape) -> None:
        self.type_of(node, shape)
        if node.type != "bool":
            raise QueryError(f"a condition is true or false; this is {_a(node.type)}", node.pos, node.length,
                             "RS042")

    def type_of(self, node: Node, shape) -> str:
        if isinstance(node, Lit):
            node.type = "bool" if isinstance(node.value, bool) else "int" if is_int(node.value) else "string"
        elif isinstance(node, Ref):
            node.type = self.resolve(node, shape)
        elif isinstance(node, Presence):
            info = self.params.get(node.name)
            if info is None:
                raise QueryError(f'"{node.name}" is not a parameter of this route', node.pos, len(node.name))
            if not info.optional:
                raise QueryError(f'"{node.name}" always has a value (it is required or has a default), '
                                 f'so "is {"absent" if node.absent else "present"}" is constant',
                                 node.pos, node.length, "RS042")
            node.type = "bool"
        elif isinstance(node, Unary):
            t = self.type_of(node.operand, shape)
            want = "bool" if node.op == "not" else "int"
            if t != want:
                raise QueryError(f'"{node.op}" needs {_a(want)}, got {_a(t)}', node.operand.pos,
                                 node.operand.length, "RS042")
            node.type = want
        elif isinstance(node, Call):
            if len(node.args) != 2:
                raise QueryError(f"{node.fn}(text, part) takes 2 arguments, got {len(node.args)}",
                                 node.pos, node.length, "RS042")
            for arg in node.args:
                t = self.type_of(arg, shape)
                if t != "string":
                    raise QueryError(f"{node.fn}() compares strings; this is {_a(t)}", arg.pos, arg.length,
                                     "RS042")
            node.type = "bool"
        else:
            self.binary(node, shape)
        return node.type

    def binary(self, node: Bin, shape) -> None:
        left, right = self.type_of(node.left, shape), self.type_of(node.right, shape)
        if node.op in ("and", "or"):
            for side, t in ((node.left, left), (node.right, right)):
                if t != "bool":
                    raise QueryError(f'"{node.op}" joins conditions; this is {_a(t)}', side.pos, side.length,
                                     "RS042")
            node.type = "bool"
        elif node.op in COMPARE:
            if left != right:
                raise QueryError(f"cannot compare {_a(left)} with {_a(right)}", node.pos, node.length, "RS042")
            if left == "bool" and node.op not in ("==", "!="):
                raise QueryError(f'"{node.op}" does not order true and false; use == or !=', node.pos,
                                 node.length, "RS042")
            for side in (node.left, node.right):  # "name == 'x'" against an enum: the value must exist
                other = node.right if side is node.left else node.left
                if isinstance(side, Ref) and not side.field and isinstance(other, Lit):
                    enum = self.params[side.name].enum
                    if enum and other.value not in enum:
                        raise QueryError(f"{other.value!r} is not one of {side.name}'s values ({', '.join(enum)})",
                                         other.pos, other.length, "RS042")
            node.type = "bool"
        else:
            for side, t in ((node.left, left), (node.right, right)):
                if t != "int":
                    raise QueryError(f'"{node.op}" is arithmetic on ints; this is {_a(t)}', side.pos,
                                     side.length, "RS042")
            if node.op in "/%" and isinstance(node.right, Lit) and node.right.value == 0:
                raise QueryError("always divides by zero", node.pos, node.length)
            node.type = "int"

    def resolve(self, ref: Ref, shape) -> str:
        field_type = shape.field_type(ref.name) if shape is not None and ref.qualifier in (None, "item") else None
        param = self.params.get(ref.name) if ref.qualifier != "item" else None
        if ref.qualifier == "item" and field_type is None:
            fields = [n for n, _ in shape.fields] if shape else []
            close = difflib.get_close_matches(ref.name, fields, n=1)
            raise QueryError(f'"{ref.name}" is not a field of {shape.name if shape else "these items"}'
                             + (f" (fields: {', '.join(fields)})" if fields else ""), ref.pos, ref.length,
                             hint=f'did you mean "item.{close[0]}"?' if close else None)
        if ref.qualifier not in (None, "item"):
            if ref.qualifier not in SOURCES:
                raise QueryError(f'unknown qualifier "{ref.qualifier}" (expected item, {", ".join(SOURCES)})',
                                 ref.pos, ref.length)
            if param is None or param.source != ref.qualifier:
                raise QueryError(f'"{ref.name}" is not a {ref.qualifier} parameter of this route', ref.pos,
                                 ref.length)
            return param.kind
        if field_type is not None and param is not None:
            raise QueryError(f'"{ref.name}" is both a field of {shape.name} and a parameter', ref.pos,
                             ref.length, hint=f"write item.{ref.name} for the field, {param.source}.{ref.name} "
                             f"for the parameter")
        if field_type is not None:
            if field_type.kind not in ("int", "string", "bool"):
                raise QueryError(f'field "{ref.name}" is {field_type}; conditions compare int, string and '
                                 f"bool fields", ref.pos, ref.length, "RS042")
            ref.field = True
            return field_type.kind
        if param is not None:
            return param.kind
        known = [n for n, t in shape.fields if t.kind in ("int", "string", "bool")] if shape else []
        raise QueryError(f'unknown name "{ref.name}" (fields: {", ".join(known) or "none"}; parameters: '
                         f'{", ".join(self.params) or "none"})', ref.pos, ref.length)

    def unguarded(self, where: Node) -> list:
        """Optional parameters the condition reads with no `is absent` / `is present` test
        of them anywhere in it: (name, Ref), first use each. An absent one reads as 0, ""
        or false, which is rarely what a filter means (price <= max_price with no
        max_price keeps nothing)."""
        reads, tested = {}, set()
        for node in walk(where):
            if isinstance(node, Ref) and not node.field and self.params[node.name].optional:
                reads.setdefault(node.name, node)
            elif isinstance(node, Presence):
                tested.add(node.name)
        return [(name, ref) for name, ref in reads.items() if name not in tested]

    # -- order by ------------------------------------------------------------------------

    def order(self, p: Parser, q: Query) -> None:
        if q.shape is None:
            p.fail_here("order by needs items with fields")
        first = p.peek()
        info = self.params.get(first.text)
        if first.kind == "name" and info is not None and q.shape.field_type(first.text) is None:
            p.take()
            if info.kind != "string" or not info.enum:
                raise QueryError(f'"{first.text}" orders only as a string enum whose values name fields '
                                 f'("price", "-price" for descending)', first.pos, len(first.text), "RS042")
            q.order_param = first.text
            for value in info.enum:
                name = value[1:] if value.startswith("-") else value
                t = q.shape.field_type(name)
                if t is None or t.kind not in ("int", "string", "bool"):
                    raise QueryError(f'enum value "{value}" of {first.text} does not name an int, string or '
                                     f"bool field of {q.shape.name}", first.pos, len(first.text), "RS042")
                q.order_choices.append([OrderKey(name, t.kind, value.startswith("-"))])
            return
        while True:
            tok = p.take()
            t = q.shape.field_type(tok.text) if tok.kind == "name" else None
            if t is None or t.kind not in ("int", "string", "bool"):
                raise QueryError(f'order by names an int, string or bool field of {q.shape.name} (or a string '
                                 f'enum parameter), got "{tok.text}"', tok.pos, len(tok.text), "RS042")
            descending = False
            if p.at("asc", "desc"):
                descending = p.take().text == "desc"
            q.order.append(OrderKey(tok.text, t.kind, descending))
            if not p.at(","):
                return
            p.take()

    # -- [start:end] and with {...} ------------------------------------------------------

    def slice(self, p: Parser, q: Query, text: str) -> None:
        if q.data.type.kind != "array":
            p.fail_here(f'"{q.data.name}" is a {q.data.type}, not an array: it cannot be sliced')
        open_tok = p.take()
        depth, colon, close = 0, None, None
        while p.peek().kind != "end":
            tok = p.take()
            if tok.text == "[":
                depth += 1
            elif tok.text == "]" and depth == 0:
                close = tok
                break
            elif tok.text == "]":
                depth -= 1
            elif tok.text == ":" and depth == 0 and colon is None:
                colon = tok
        if close is None or colon is None:
            raise QueryError('a slice is [start:end] (either may be left out)', open_tok.pos)
        q.start = self.int_expr(text, open_tok.pos + 1, colon.pos)
        q.end = self.int_expr(text, colon.pos + 1, close.pos)

    def int_expr(self, text: str, start: int, end: int, extra_names=()):
        part = text[start:end]
        if not part.strip():
            return None
        try:
            tree = expr.parse_expr(part)
            names = list(self.params) + list(extra_names)  # a string reads as its length here
            unknown = [n for n in expr.names_in(tree) if n not in names]
            if unknown:
                at = start + part.find(unknown[0])
                raise QueryError(f'unknown name "{unknown[0]}" in {part.strip()!r} (known: {", ".join(names) or "none"})',
                                 at, len(unknown[0]))
            for name in expr.names_in(tree):
                if name in self.params and self.params[name].kind == "string":
                    self.read_as_number.append((name, start + re.search(rf"\b{name}\b", part).start()))
            return expr.fold(tree, part.strip())
        except expr.ExprError as exc:
            raise QueryError(str(exc), start + len(part) - len(part.lstrip()), len(part.strip())) from None

    def with_fields(self, p: Parser, q: Query, text: str) -> list:
        tok = p.take()
        brace = text.find("{", tok.pos)
        close = text.rfind("}")
        if brace < 0 or close < brace:
            raise QueryError('expected "with { name = expression, ... }"', tok.pos, 4)
        if q.shape is None:
            raise QueryError(f'"with" adds fields to objects; "{q.data.name}" is a {q.data.type}', tok.pos, 4)
        ints = [n for n, t in q.shape.fields if t.kind == "int"]
        clash = sorted(set(ints) & set(self.params))
        if clash:
            raise QueryError(f"{', '.join(clash)}: both a route parameter and a field of {q.shape.name}; "
                             f"rename the parameter", tok.pos, 4)
        extra, pos = [], brace + 1
        for part in _split_commas(text[brace + 1:close]):
            m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)", part, re.S)
            if not m:
                raise QueryError(f'expected "name = expression" in with {{...}}, got {part.strip()!r}', pos,
                                 len(part))
            name = m.group(1)
            if q.shape.field_type(name) is not None or name in [e[0] for e in extra]:
                raise QueryError(f'"{name}" is already a field of {q.shape.name} items', pos + m.start(1), len(name))
            tree = self.int_expr(text, pos + m.start(2), pos + m.end(2), ints)
            extra.append((name, m.group(2).strip(), tree))
            pos += len(part) + 1
        p.i = len(p.toks) - 1  # consumed to the end
        return extra


def _split_commas(text: str) -> list:
    """Splits on commas outside parentheses, keeping empty parts so offsets add up."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    while parts and not parts[-1].strip():
        parts.pop()
    return parts


def _a(kind: str) -> str:
    return {"int": "an int", "string": "a string", "bool": "a bool"}.get(kind, kind)
