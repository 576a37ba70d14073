"""RS090: a declared parameter that nothing uses.

A path, query or header parameter is used when the reply reads it (a template hole, a
json field, a slice bound, a `with { ... }` field, a data query, a response header or a redirect), when the route has a handler (which
gets every parameter), or when it carries constraints (min, max, enum, lengths, pattern):
then the server refuses requests by it, which is a use of its own. Anything else is parsed
and checked for its type on every request for nothing, and is most often a typo or a
leftover, so it gets a warning; the build goes on.
"""

from __future__ import annotations

from ..lang import expr
from . import params
from .json_reply import JFirst, JInt, JQuery, JSource
from ..lang.sql_reply import JSql, JSqlFirst

SOURCES = ("path", "query", "header")  # the body is the reply's input by definition


def names_read(route) -> set:
    """Parameter names the route's reply reads."""
    parts = list(route.template) + [part for h in route.headers for part in h.template]  # + response headers
    trees = [part.expr for part in parts if isinstance(part, expr.Hole)]
    queried = set()
    if route.json is not None:
        for _, query in route.json.lets:
            queried |= query.params_read()
        for _, value in route.json.fields:
            if isinstance(value, (JQuery, JFirst)):
                queried |= value.query.params_read()
            if isinstance(value, (JSql, JSqlFirst)):  # a statement's arguments
                call = value if isinstance(value, JSql) else value.call
                trees += [a.tree for a in call.args if a.tree is not None]
            if isinstance(value, JInt):
                trees.append(value.tree)
            elif isinstance(value, JSource):
                trees += [value.limit] if value.limit is not None else []
                trees += [tree for _, _, tree in value.extra]
    return queried | {name for tree in trees for name in expr.names_in(tree)}


def _constrained(constraints) -> bool:
    c = constraints
    return c is not None and any((c.min is not None, c.max is not None, c.enum, c.pattern is not None,
                                  c.min_length is not None,
                                  c.max_length not in (None, params.DEFAULT_MAX_LENGTH)))


def check(route, declared: list, warn) -> None:
    """Calls warn(key, message, hint) (RS090) for each parameter of declared ((name, default, source, key, ok,
    constraints, wire) as validate.py collects them) that the route does not use."""
    if route.handler is not None or route.static is not None or route.websocket is not None:
        return
    read = names_read(route)
    for name, _, source, key, _, constraints, wire in declared:
        if source not in SOURCES or name in read or _constrained(constraints):
            continue
        shown = wire or name
        warn(key, f'{source} parameter "{shown}" is declared but the reply does not use it',
             f"use {{{name}}} in the reply, give it a constraint, or remove it")
