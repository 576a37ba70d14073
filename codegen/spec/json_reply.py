"""JSON replies: the `[route.reply.json]` table (and `[route.reply.let]`), checked (the C
plan is emit/json_plan.py).

Each key of the json table is an output field, in order; each value is a string in one
of these forms:

    items = "dataset[:count] with { total = price * quantity * m }"
    count = "len(items)"
    page  = "count + 1"
    found = "products where price < max_price order by name [offset:offset + limit]"
    item  = "first(products where id == path.id) else 404"

* `SOURCE`, `SOURCE[:N]`: a data source (all of it, or its first N items; N is an int
  expression over route parameters, clamped to [0, size]). `with { k = expr, ... }`
  appends int fields to every item (arrays of shapes only); expr may use the item's int
  fields and the route's parameters.
* a query (codegen/lang/query.py): `where`, `order by`, `[start:end]` over a data source or a
  `let` binding; computed per request into an index array, never cached.
* `first(QUERY) [else STATUS]`: the first item, or (when none) `null` or that status.
* `len(NAME)`: the number of items another field or a `let` produced.
* anything else: an int expression over route parameters (codegen/lang/expr.py).

`json = "QUERY"` or `json = "first(...) else 404"` (a string, not a table) makes that
value the whole body. `[route.reply.let]` names queries that fields reuse, e.g. the
matches before paging: `total = "len(matches)"`, `items = "matches[offset:offset + limit]"`.

All arithmetic is int64 and checked; an overflow replies 500 for that request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..lang import expr
from ..lang.query import ParamInfo, Query, QueryChecker, QueryError, read_as_number
from .shapes import DataSource
from ..values import string_holes
from ..lang.sql_reply import JSql, JSqlFirst, parse_call, starts_call

_ZERO = {"int": "0", "string": '""', "bool": "false"}
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")  # a function call, in an int expression
_LEN = re.compile(r"\s*len\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*")
_FIRST = re.compile(r"\s*first\s*\((?P<query>.*)\)\s*(?:else\s+(?:(?P<status>\d+)|(?P<error>[A-Za-z_]\w*))\s*)?",
                    re.S)


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
class JQuery:
    """A query that needs an index array (filtered, ordered, sliced from the front, or
    over a let); also every `first(...)`."""

    query: Query


@dataclass
class JFirst:
    query: Query
    missing: int | None  # status when nothing matches; None writes null
    error: object = None  # responses.NamedError when `else NAME`: its JSON body, as handlers send it
    error_body: object = None  # responses.ErrorBody: the members of that body


@dataclass
class JLen:
    of: str


@dataclass
class JText:
    """A string or enum parameter as a field: its text, as a JSON string."""

    name: str


@dataclass
class JsonReply:
    fields: list  # (key, JInt | JSource | JQuery | JFirst | JLen | JText); key None: the whole body
    text: str  # a one-line summary for comments and `ringspec routes`
    lets: list = None  # (name, Query), in order

    def __post_init__(self):
        self.lets = self.lets or []


class JsonChecker:
    """report(key, message, code="RS041", inner=None, hint=None, severity="error"): inner =
    (offset, length) of the problem inside the expression string, for the caret."""

    def __init__(self, report, shapes: dict, data: dict, name_problem, statuses=(), errors=None, error_body=None):
        self._report = report
        self.reported = 0
        self.shapes = shapes
        self.data = data
        self.name_problem = name_problem
        self.statuses = statuses
        self.errors = errors or {}  # [error.NAME]: name -> responses.NamedError
        self.error_body = error_body
        self.lets: dict = {}
        self.broken_lets: set = set()  # reported once; fields using them are not reported again
        self.statements: dict = {}  # [sql.NAME]: name -> sql_spec.Statement (validate.py sets it)
        self.body_strings: list = []  # "body.x" string fields of the route's JSON body (statement arguments)

    def reply(self, raw, key: tuple, params: list, let_raw=None, let_key=None) -> JsonReply | None:
        """params: ParamInfo of the route (or plain names, read as ints)."""
        infos = {p.name: p for p in params if isinstance(p, ParamInfo)}
        infos.update({p: ParamInfo(p, "query", "int") for p in params if isinstance(p, str)})
        self.infos = infos
        self.int_names = list(infos)
        self.strings = string_holes.string_params(infos.values())  # text as a field, len() in arithmetic
        before = self._errors()
        lets = self.let_table(let_raw, let_key) if let_raw is not None else []
        if isinstance(raw, str):
            parsed = self.value(raw, key, whole=True)
            if parsed is None or self._errors() != before:
                return None
            return JsonReply([(None, parsed)], raw.strip(), lets)
        if not isinstance(raw, dict) or not raw:
            self.error(key, 'expected a table of output fields, e.g. [route.reply.json] count = "len(items)"')
            return None
        fields = []
        for name, value in raw.items():
            fkey = key + (name,)
            problem = self.name_problem(name)
            if problem:
                self.error(fkey, problem)
            elif not isinstance(value, str):
                self.error(fkey, f"expected an expression string, got {value!r}")
            else:
                parsed = self.value(value, fkey)
                if parsed is not None:
                    fields.append((name, parsed))
        calls = [n for n, v in fields if isinstance(v, JSql)]
        if len(calls) > 1:
            self.error(key + (calls[1],), "a reply runs at most one statement (sql.NAME)")
        if calls and any(isinstance(v, (JQuery, JSource, JFirst)) for _, v in fields):
            self.error(key, "a reply that runs a statement reads no data source")
        arrays = {n for n, v in fields if isinstance(v, (JQuery, JSql))
                  or isinstance(v, JSource) and v.data.type.kind == "array"} | set(self.lets)
        for name, v in fields:
            if isinstance(v, JLen) and v.of not in arrays:
                known = ", ".join(sorted(arrays)) or "none"
                self.error(key + (name,), f'len({v.of}): "{v.of}" is not an array field or let of this reply '
                           f"(arrays: {known})")
        if self._errors() != before:
            return None
        text = "{" + ", ".join(f"{n}: {raw[n]}" for n, _ in fields) + "}"
        return JsonReply(fields, text, lets)

    def let_table(self, raw, key: tuple) -> list:
        if not isinstance(raw, dict):
            self.error(key, 'expected a table of named queries, e.g. [route.reply.let] matches = "items where ..."',
                       code="RS012")
            return []
        out = []
        for name, text in raw.items():
            lkey = key + (name,)
            problem = self.name_problem(name)
            if problem or name in self.data:
                self.error(lkey, problem or f'"{name}" is already a data source')
            elif not isinstance(text, str):
                self.error(lkey, f"expected a query string, got {text!r}", code="RS012")
            else:
                q = self.query(text, lkey)
                if q is None:
                    self.broken_lets.add(name)
                elif q is not None and q.shape is None:
                    self.error(lkey, "a let names a query over items with fields")
                elif q is not None:
                    if q.extra:
                        self.error(lkey, '"with" belongs to the output field, not to a let')
                    self.lets[name] = q
                    out.append((name, q))
        return out

    def error(self, key: tuple, message: str, code: str = "RS041", inner=None, hint=None) -> None:
        self.reported += 1
        self._report(key, message, code, inner, hint)

    def _errors(self) -> int:
        return self.reported

    def checker(self) -> QueryChecker:
        return QueryChecker(self.shapes, self.data, self.lets, self.infos)

    def query(self, text: str, key: tuple, offset: int = 0) -> Query | None:
        try:
            q = self.checker().query(text)
        except QueryError as exc:
            self.error(key, str(exc), exc.code, (offset + exc.offset, exc.length), exc.hint)
            return None
        for name, ref in q.unguarded:  # a warning: not counted as an error of the reply
            self._report(key, f'optional parameter "{name}" is read without "{name} is absent": when the '
                         f"request leaves it out it reads as {_ZERO[ref.type]}", "RS043",
                         (offset + ref.pos, ref.length),
                         f"e.g. ({name} is absent or ...), or give it a default", "warning")
        warnings = {n: (message, hint) for n, message, hint in read_as_number([n for n, _ in q.read_as_number],
                                                                               self.infos)}
        for name, at in q.read_as_number:
            self._report(key, warnings[name][0], "RS091", (offset + at, len(name)), warnings[name][1], "warning")
        return q

    def value(self, text: str, key: tuple, whole: bool = False):
        uses = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
        if uses & self.broken_lets:
            self.reported += 1  # the let's own error stands for this one
            return None
        m = _FIRST.fullmatch(text)
        if m and starts_call(m.group("query")):
            return self.sql_first(m, key, whole)
        if starts_call(text):
            if whole:
                self.error(key, "a whole-body statement reply is first(sql.NAME(...)) else STATUS")
                return None
            return parse_call(text, self.statements, self.infos, lambda msg, inner=None: self.error(key, msg, inner=inner),
                              self.body_strings)
        if m:
            status = int(m.group("status")) if m.group("status") else None
            error = None
            if m.group("error"):
                error = self.errors.get(m.group("error"))
                if error is None:
                    known = ", ".join(self.errors) or "none: declare one as [error.NAME] with status and message"
                    self.error(key, f'unknown named error "{m.group("error")}" (known: {known})', code="RS040",
                               inner=(m.start("error"), len(m.group("error"))))
                    return None
                status = error.status
            elif status is not None and status not in self.statuses:
                self.error(key, f"{status} is not a status a reply can send", code="RS040",
                           inner=(m.start("status"), len(m.group("status"))))
                return None
            if not self.checker().starts_query(m.group("query")):
                self.error(key, f"first() takes a query over a data source or let "
                           f"(known: {', '.join([*self.data, *self.lets]) or 'none'})", inner=(m.start("query"), 1))
                return None
            q = self.query(m.group("query"), key, m.start("query"))
            if q is None:
                return None
            if q.shape is None:
                self.error(key, "first() needs items with fields")
                return None
            return JFirst(q, status, error, self.error_body)
        if " else " in f" {text} ":
            self.error(key, '"else STATUS" follows first(...) only', inner=(text.find("else"), 4))
            return None
        if not whole and string_holes.whole_name(text, self.strings):
            return JText(string_holes.whole_name(text, self.strings))
        m = _LEN.fullmatch(text)
        if m and not whole and m.group(1) in self.strings:  # a string parameter's length
            try:
                string_holes.int_source(text, self.strings, json_field=True)  # refuses an enum's
            except expr.ExprError as exc:
                self.error(key, str(exc))
                return None
            return JInt(text, expr.Name(m.group(1)))
        if m and not whole:
            return JLen(m.group(1))
        if self.checker().starts_query(text):
            q = self.query(text, key)
            if q is None:
                return None
            if q.materialized:
                return JQuery(q)
            return JSource(text, q.data, q.end, q.extra)
        name = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", text)
        if name and name.group(1) in self.shapes:
            self.error(key, f'unknown data source "{name.group(1)}" (known: {", ".join(self.data) or "none"})')
            return None
        if whole:
            self.error(key, "a whole-body json value is a query or first(...); use a table for other fields")
            return None
        tree = self.expression(text, key, self.int_names)
        return JInt(text, tree) if tree is not None else None

    def sql_first(self, m, key: tuple, whole: bool) -> JSqlFirst | None:
        if not whole or m.group("error") or not m.group("status"):
            self.error(key, "first(sql.NAME(...)) else STATUS is a whole body (json = \"...\") with a status")
            return None
        status = int(m.group("status"))
        call = parse_call(m.group("query"), self.statements, self.infos,
                          lambda msg, inner=None: self.error(key, msg), self.body_strings)
        if call is None:
            return None
        if call.statement.row is None:
            self.error(key, f"sql.{call.statement.name} has no row shape to answer with")
            return None
        return JSqlFirst(call, status)

    def expression(self, text: str, key: tuple, names: list) -> expr.Node | None:
        call = _CALL.search(text)
        if call and call.group(1) in expr.FUNCTIONS:
            call = None  # clamp(), within(): int functions of the expression language
        if call:  # len(x) + 1, first(...) * 2: whole values only, not arithmetic
            what = (f"{call.group(1)}(...) is a field's whole value (total = \"len(matches)\"); it cannot "
                    f"be part of arithmetic" if call.group(1) in ("len", "first") else
                    f'"{call.group(1)}(" is not an int expression (+ - * / % over parameters and numbers)')
            self.error(key, what, inner=(call.start(1), len(call.group(1)) + 1))
            return None
        try:
            tree = expr.parse_expr(string_holes.int_source(text, self.strings, json_field=True))
            unknown = [n for n in expr.names_in(tree) if n not in names]
            if unknown:
                listing = ", ".join(names) or "none"
                raise expr.ExprError(f"unknown name {', '.join(unknown)} (known: {listing})")
            tree = expr.fold(tree, text)
        except expr.ExprError as exc:  # the message quotes a text template's {hole}, not written here
            self.error(key, str(exc).replace(f"{{{text}}}", json.dumps(text)))
            return None
        return tree  # a string parameter left in it is a len() (values/string_holes.py)
