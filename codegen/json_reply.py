"""JSON replies: the `[route.reply.json]` table (and `[route.reply.let]`), checked and
planned into C.

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
* a query (codegen/query.py): `where`, `order by`, `[start:end]` over a data source or a
  `let` binding; computed per request into an index array, never cached.
* `first(QUERY) [else STATUS]`: the first item, or (when none) `null` or that status.
* `len(NAME)`: the number of items another field or a `let` produced.
* anything else: an int expression over route parameters (codegen/expr.py).

`json = "QUERY"` or `json = "first(...) else 404"` (a string, not a table) makes that
value the whole body. `[route.reply.let]` names queries that fields reuse, e.g. the
matches before paging: `total = "len(matches)"`, `items = "matches[offset:offset + limit]"`.

All arithmetic is int64 and checked; an overflow replies 500 for that request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from . import expr
from .query import ParamInfo, Query, QueryChecker, QueryError, read_as_number
from .query_emit import QueryEmitter
from .shapes import DataSource
from .values import string_holes
from .sql_reply import JSql, JSqlFirst, parse_call, starts_call

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


# -- C plan ---------------------------------------------------------------------------


class JsonPlan:
    """The C statements of a JSON respond function: checked arithmetic and queries first
    (so a failure answers 500, and an empty first() its status, before anything is
    written), then the writes, with runs of literal bytes merged into one rs_json_raw.

    The lets, then the fields, are computed in their order: a `first(...) else STATUS`
    answers its status before a later field's arithmetic runs (that arithmetic may be
    what the guard rules out), as a failed check in an earlier field answers 500 first."""

    def __init__(self, reply: JsonReply, c_string, shapes: dict, route_c_name: str = "route"):
        self.c_string = c_string
        self.shapes = shapes
        self.used: set[str] = set()
        self.texts: set[str] = set()  # string parameters written as text (rs_s_NAME)
        self.lines: list[str] = []
        self._raw = ""
        self.statements: list[str] = []
        bounds: dict[str, str] = {}
        values: dict[str, str] = {}
        self.views: dict[str, str] = {}
        top = expr.CEmitter("rs_t")
        qe = self.queries = QueryEmitter(route_c_name, c_string)
        planned = [q for _, q in reply.lets] + [v.query for _, v in reply.fields if isinstance(v, (JQuery, JFirst))]
        if planned:
            qe.setup(planned)
        for name, q in reply.lets:
            self.views[name] = f"rs_q{qe.query(q, name)}"
            bounds[name] = f"{self.views[name]}_c"
        self._take(top, qe)
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
                top.statements.append(setup)
            elif isinstance(v, JInt):
                self.used.update(expr.names_in(v.tree))
                values[key] = top.emit(v.tree)
            elif isinstance(v, (JQuery, JFirst)):
                self.views[key] = f"rs_q{qe.query(v.query)}"
                bounds[key] = f"{self.views[key]}_c"
                qe.iterated.add(self.views[key])
                if isinstance(v, JFirst) and v.error is not None:
                    qe.statements.append(self.named_error(v, f"{self.views[key]}_c == 0"))
                elif isinstance(v, JFirst) and v.missing is not None:
                    qe.statements.append(f"if ({self.views[key]}_c == 0) {{ /* nothing matched */\n"
                                         f"    rs_reply_error(rs_r, {v.missing});\n    return;\n}}")
            self._take(top, qe)
        self.statements = qe.without_unread_views(self.statements)
        self.temporaries = top.temporaries + qe.slices.temporaries
        self.used |= qe.used

        whole = reply.fields[0][0] is None
        if not whole:
            self.raw("{")
        for number, (key, v) in enumerate(reply.fields):
            if not whole:
                self.raw(("," if number else "") + json.dumps(key) + ":")
            if isinstance(v, JInt):
                self.code(f"rs_json_int(rs_w, {values[key]});")
            elif isinstance(v, JLen):
                self.code(f"rs_json_int(rs_w, (int64_t){bounds[v.of]});")
            elif isinstance(v, JText):
                self.texts.add(v.name)
                self.code(f"rs_json_string(rs_w, rs_s_{v.name}.ptr, rs_s_{v.name}.len);")
            elif isinstance(v, JFirst):
                self.first(v, self.views[key])
            elif isinstance(v, JQuery):
                view = self.views[key]
                self.loop(v.query.data, v.query.extra, f"{view}_c", number, f"{view}_v[rs_i]")
            elif v.data.type.kind != "array":
                self.code(v.data.type.ser_call(f"rs_data_{v.data.name}"))
            else:
                self.loop(v.data, v.extra, bounds[key], number)
        if not whole:
            self.raw("}")
        self.flush()

    def _take(self, *emitters) -> None:
        """Moves what the emitters have written since the last call into the statements
        (at most one of them writes per field, so this keeps the fields' order)."""
        for emitter in emitters:
            self.statements += emitter.statements
            emitter.statements.clear()

    def named_error(self, v: JFirst, condition: str) -> str:
        """`else NAME`: the [error.NAME] body, written by the same generator as the
        rs_error_NAME a typed handler returns (responses_emit.py), without a detail."""
        from .model import STATUS_REASONS
        from .responses import ErrorBody
        from .responses_emit import error_body_lines
        e = v.error
        head = self.c_string(f"HTTP/1.1 {e.status} {STATUS_REASONS[e.status]}\r\nContent-Type: application/json\r\n")
        lines = [f"if ({condition}) {{ /* nothing matched: [error.{e.name}] */",
                 f"    static const char rs_error_head[] = {head};",
                 "    const char *detail = NULL; /* no detail: the spec's message says it */",
                 "    (void)detail;",
                 "    rs_json *rs_w = rs_reply_json_begin(rs_r);"]
        lines += ["    " + line for line in error_body_lines(e, v.error_body or ErrorBody(), self.c_string)]
        lines += ["    rs_reply_json_end(rs_r, rs_error_head, sizeof rs_error_head - 1, NULL);", "    return;", "}"]
        return "\n".join(lines)

    def first(self, v: JFirst, view: str) -> None:
        element = v.query.data.type.of
        self.code(f"if ({view}_c)")
        self.lines.append("    " + element.ser_call(f"rs_data_{v.query.data.name}.v[{view}_v[0]]"))
        self.lines.append("else")
        self.lines.append('    rs_json_raw(rs_w, "null", 4);')

    def raw(self, text: str) -> None:
        self._raw += text

    def flush(self) -> None:
        if self._raw:
            self.lines.append(f"rs_json_raw(rs_w, {self.c_string(self._raw)}, {len(self._raw.encode())});")
            self._raw = ""

    def code(self, line: str) -> None:
        self.flush()
        self.lines.append(line)

    def loop(self, data: DataSource, extra: list, bound: str, number: int, at: str = "rs_i") -> None:
        element = data.type.of
        self.raw("[")
        self.code(f"for (size_t rs_i = 0; rs_i < {bound}; rs_i++) {{")
        self.lines.append(f"const {element.c_type} *rs_e = &rs_data_{data.name}.v[{at}];")
        inner = expr.CEmitter(f"rs_u{number}_")
        operands = []
        for _, _, tree in extra:
            operands.append(inner.emit(tree))
        shape_ints = set()
        if extra:
            for name, _, tree in extra:
                shape_ints.update(expr.names_in(tree))
        params_used = set()
        shape_fields = {n for n, _ in self.shapes[element.shape].fields} if extra else set()
        for name in sorted(shape_ints):
            if name in shape_fields:
                self.lines.append(f"int64_t {expr.c_name(name)} = rs_e->{name};")
            else:
                params_used.add(name)
        self.used.update(params_used)
        if inner.temporaries:
            self.lines.append(f"int64_t {', '.join(inner.temporaries)};")
        self.lines.extend(inner.statements)
        self.lines.append("if (rs_i)")
        self.lines.append("    rs_json_raw(rs_w, \",\", 1);")
        if not extra:
            self.lines.append(element.ser_call("*rs_e"))
        else:
            self.lines.append(f"rs_ser_{element.shape}_open(rs_w, rs_e);")
            for (name, _, _), operand in zip(extra, operands):
                self.raw("," + json.dumps(name) + ":")
                self.code(f"rs_json_int(rs_w, {operand});")
            self.raw("}")
            self.flush()
        self.lines.append("}")
        self.raw("]")
