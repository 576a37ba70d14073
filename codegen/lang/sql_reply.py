"""Statements in the reply language: `sql.NAME(arg, ...)` as a json field (the rows, as an
array of the statement's row shape), `len(FIELD)` of it, and `first(sql.NAME(...)) else
STATUS` as a whole body. An "int" statement parameter takes an int expression over route
parameters (`clamp(x, low, high)`, `within(x, low, high, otherwise)` included); a "string"
one takes a string route parameter, bound as text: `category`, or `category else "text"`
for an optional one not sent. A statement parameter's type must match what is passed.

    [route.reply.json]
    items = "sql.items_by_price(min, max, clamp(limit, 1, 50))"
    count = "len(items)"

A reply runs at most one statement. The request parks until Postgres answers; when the
database cannot answer, a rows field is empty (the arena's `{"items":[],"count":0}`) and a
first() or a writing statement answers 503.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import expr

_CALL = re.compile(r"\s*sql\.(?P<name>[A-Za-z_]\w*)\s*\((?P<args>.*)\)\s*", re.S)
_STRING_ARG = re.compile(r'\s*(?P<name>[A-Za-z_][\w.]*)\s*(?:else\s*"(?P<otherwise>[^"\\]*)"\s*)?', re.S)


@dataclass
class Arg:
    kind: str  # "int" | "string"
    tree: object = None  # expr.Node of an int argument
    low: int | None = None  # clamp bounds
    high: int | None = None
    param: str | None = None  # the string route parameter
    otherwise: str | None = None  # the text when that (optional) parameter was not sent


def _string_arg(source: str, n: int, infos: dict, strings: list, error, body_strings=()) -> Arg | None:
    """`name` or `name else "text"`: a string parameter of the route, or `body.x`: a string
    field of its JSON body, bound as text."""
    m = _STRING_ARG.fullmatch(source)
    name = m.group("name") if m else None
    if name in body_strings and not m.group("otherwise"):
        return Arg("body", param=name)
    strings = list(strings) + list(body_strings)
    if name is None or name not in infos or infos[name].kind != "string":
        what = f"{name} is {_a(infos[name].kind)} parameter" if name in infos else f"got {source.strip()!r}"
        error(f'${n} is a string: pass a string parameter of the route, or `name else "text"` ({what}; '
              f"string parameters: {', '.join(strings) or 'none'})")
        return None
    return Arg("string", param=name, otherwise=m.group("otherwise"))


@dataclass
class Invalidate:
    cache: object  # sql_spec.Cache
    args: list  # Arg: the key, as the cached route's statement is given it


_INVALIDATE = re.compile(r"\s*(?P<name>[A-Za-z_]\w*)\s*\((?P<args>.*)\)\s*", re.S)


def parse_invalidate(text: str, caches: dict, infos: dict, error) -> Invalidate | None:
    """invalidate = "CACHE(arg, ...)": the key a write drops, from the route's parameters
    (an int expression, or a string parameter), as the reads' statement arguments."""
    m = _INVALIDATE.fullmatch(text)
    if not m:
        error('expected "CACHE(arg, ...)", e.g. invalidate = "items(id)"')
        return None
    cache = caches.get(m.group("name"))
    if cache is None:
        error(f'unknown cache "{m.group("name")}" (known: {", ".join(caches) or "none: declare [cache.NAME]"})')
        return None
    raw_args = _split_args(m.group("args")) if m.group("args").strip() else []
    int_names = [n for n, i in infos.items() if i.kind in ("int", "bool") and not n.startswith("body.")]
    strings = [n for n, i in infos.items() if i.kind == "string"]
    args = []
    for n, source in enumerate(raw_args, start=1):
        source = source.strip()
        if source in strings:
            args.append(Arg("string", param=source))
            continue
        try:
            tree = expr.parse_expr(source)
            unknown = [x for x in expr.names_in(tree) if x not in int_names]
            if unknown:
                raise expr.ExprError(f"unknown name {', '.join(unknown)} in key part {n} (known: "
                                     f"{', '.join(int_names + strings) or 'none'}; the body cannot name the key)")
            tree = expr.fold(tree, source)
        except expr.ExprError as exc:
            error(str(exc))
            return None
        args.append(Arg("int", tree))
    return Invalidate(cache, args)


def _a(kind: str) -> str:
    return {"int": "an int", "bool": "a bool"}.get(kind, f"a {kind}")


@dataclass
class JSql:
    statement: object  # sql_spec.Statement
    args: list  # Arg per $n


@dataclass
class JSqlFirst:
    call: JSql
    missing: int  # status when no row


def db_call_of(json_reply) -> tuple | None:
    """(JSql, JSqlFirst | None) of a checked json reply whose fields run a statement, else None
    (validation checks `invalidate` against it, sql_emit.py generates the call from it)."""
    if json_reply is None:
        return None
    for _, v in json_reply.fields:
        if isinstance(v, JSql):
            return v, None
        if isinstance(v, JSqlFirst):
            return v.call, v
    return None


def starts_call(text: str) -> bool:
    return text.lstrip().startswith("sql.")


def parse_call(text: str, statements: dict, infos: dict, error, body_strings=()) -> JSql | None:
    """error(message, inner=None); infos: route parameter name -> query.ParamInfo (int fields
    of a JSON body among them as "body.x"); body_strings: the body's string fields, "body.x"."""
    m = _CALL.fullmatch(text)
    if not m:
        error("expected sql.NAME(arg, ...)")
        return None
    st = statements.get(m.group("name"))
    if st is None:
        error(f'unknown statement "{m.group("name")}" (known: {", ".join(statements) or "none: declare [sql.NAME]"})',
              (m.start("name"), len(m.group("name"))))
        return None
    raw_args = [a for a in _split_args(m.group("args"))] if m.group("args").strip() else []
    if len(raw_args) != len(st.params):
        error(f"sql.{st.name} takes {len(st.params)} argument(s) ($1..${len(st.params)}), got {len(raw_args)}")
        return None
    args = []
    int_names = [n for n, i in infos.items() if i.kind in ("int", "bool")]
    strings = [n for n, i in infos.items() if i.kind == "string"]
    for n, (source, want) in enumerate(zip(raw_args, st.params), start=1):
        source = source.strip()
        if want == "string":
            arg = _string_arg(source, n, infos, strings, error, body_strings)
            if arg is None:
                return None
            args.append(arg)
            continue
        try:
            tree = expr.parse_expr(source)
            names = expr.names_in(tree)
            passed = [x for x in names if x in strings or x in body_strings]
            if passed:
                raise expr.ExprError(f"${n} of sql.{st.name} is an int but {', '.join(passed)} is a string parameter "
                                     f"of the route (declare the statement's ${n} \"string\", or pass an int)")
            unknown = [x for x in names if x not in int_names]
            if unknown:
                raise expr.ExprError(f"unknown name {', '.join(unknown)} in ${n} (known: {', '.join(int_names) or 'none'})")
            tree = expr.fold(tree, source)
        except expr.ExprError as exc:
            error(str(exc))
            return None
        args.append(Arg("int", tree))
    return JSql(st, args)


def _split_args(text: str) -> list:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
