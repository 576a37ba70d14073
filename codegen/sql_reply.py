"""Statements in the reply language: `sql.NAME(arg, ...)` as a json field (the rows, as an
array of the statement's row shape), `len(FIELD)` of it, and `first(sql.NAME(...)) else
STATUS` as a whole body. Arguments are int expressions over route parameters, optionally
`clamp(expr, low, high)`; a "string" statement parameter takes the name of a string route
parameter.

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
_CLAMP = re.compile(r"\s*clamp\s*\((?P<inner>.*)\)\s*", re.S)


@dataclass
class Arg:
    kind: str  # "int" | "string"
    tree: object = None  # expr.Node of an int argument
    low: int | None = None  # clamp bounds
    high: int | None = None
    param: str | None = None  # the string route parameter


@dataclass
class JSql:
    statement: object  # sql_spec.Statement
    args: list  # Arg per $n


@dataclass
class JSqlFirst:
    call: JSql
    missing: int  # status when no row


def starts_call(text: str) -> bool:
    return text.lstrip().startswith("sql.")


def parse_call(text: str, statements: dict, infos: dict, error) -> JSql | None:
    """error(message, inner=None); infos: route parameter name -> query.ParamInfo."""
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
    for n, (source, want) in enumerate(zip(raw_args, st.params), start=1):
        if want == "string":
            name = source.strip()
            if name not in infos or infos[name].kind != "string":
                strings = [k for k, i in infos.items() if i.kind == "string"]
                error(f"${n} is a string: pass a string parameter of the route (known: {', '.join(strings) or 'none'})")
                return None
            error(f"${n} is a string: string arguments from a reply are not supported yet (only int expressions)")
            return None
        low = high = None
        c = _CLAMP.fullmatch(source)
        if c:
            parts = _split_args(c.group("inner"))
            try:
                low, high = int(parts[1]), int(parts[2])
            except (IndexError, ValueError):
                error(f"clamp(expr, low, high) takes integer literal bounds: {source.strip()}")
                return None
            if len(parts) != 3 or low > high:
                error(f"clamp(expr, low, high) with low <= high: {source.strip()}")
                return None
            source = parts[0]
        try:
            tree = expr.parse_expr(source)
            unknown = [x for x in expr.names_in(tree) if x not in int_names]
            if unknown:
                raise expr.ExprError(f"unknown name {', '.join(unknown)} in ${n} (known: {', '.join(int_names) or 'none'})")
            tree = expr.fold(tree, source)
        except expr.ExprError as exc:
            error(str(exc))
            return None
        args.append(Arg("int", tree, low, high))
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
