"""[database] and [sql.NAME]: the Postgres server and the named statements routes run on it.

    [database]
    url_env = "DATABASE_URL"          # the connection string is read from the environment
    max_conn_env = "DATABASE_MAX_CONN"

    [sql.items_by_price]
    text = "SELECT id, name, ... FROM items WHERE price BETWEEN $1 AND $2 LIMIT $3"
    params = ["int", "int", "int"]
    row = "Item"

Checked at generation time: the $1..$n the text uses are exactly the declared params; the
row shape's fields are all in the SELECT (or RETURNING) list, each mapped to the column it
reads (a nested shape's field `rating.score` to `rating_score`; an array or shape field to a
jsonb column of its own name, copied verbatim). What cannot be checked without a database
(column types, table names) is checked when the server prepares the statement.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

from . import spec_keys

_PLACEHOLDER = re.compile(r"\$(\d+)")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PARAM_TYPES = ("int", "string")
_DEFAULTS = {k: key.default for k, key in spec_keys.DATABASE.keys.items()}


@dataclass(frozen=True)
class Database:
    url_env: str
    max_conn_env: str
    max_conn: int
    pipeline_depth: int
    statement_timeout_ms: int
    reconnect_min_ms: int
    reconnect_max_ms: int
    generic_plans: bool


@dataclass(frozen=True)
class Column:
    """One leaf of the row shape: where it goes in the JSON and which column feeds it."""

    path: tuple  # field names from the row's top: ("rating", "score")
    column: int  # 0-based position in the result
    kind: str  # "int" | "string" | "bool" | "json" (verbatim text)


@dataclass
class Statement:
    name: str
    number: int  # index in the generated statement table, spec order
    text: str
    params: tuple  # "int" | "string", for $1..$n
    row: str | None  # shape name
    columns: list = field(default_factory=list)  # names of the result columns, in order
    leaves: list = field(default_factory=list)  # Column, in the row shape's output order
    writes: bool = False  # INSERT / UPDATE / DELETE (its failure reply is 503, never a fake success)


def check_database(checker, raw) -> Database | None:
    path = ("database",)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        checker.error(path, "expected a table ([database])", code="RS012")
        return None
    checker.only_keys(raw, path, spec_keys.DATABASE.names)
    env = {}
    for key in ("url_env", "max_conn_env"):
        value = checker.string(raw, key, path, _DEFAULTS[key].strip('"'))
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            checker.error(path + (key,), f"not an environment variable name: {value!r}", code="RS065")
        env[key] = value
    ints = {k: checker.integer(raw, k, path, *b) for k, b in spec_keys.defaults_and_bounds(spec_keys.DATABASE).items()}
    ms = {}
    for key in ("statement_timeout", "reconnect_min", "reconnect_max"):
        value = raw.get(key, _DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not 0.001 <= value <= 3600:
            checker.error(path + (key,), f"expected seconds in 0.001..3600, got {value!r}", code="RS013")
            value = _DEFAULTS[key]
        ms[key] = round(value * 1000)
    if ms["reconnect_min"] > ms["reconnect_max"]:
        checker.error(path + ("reconnect_min",), "longer than reconnect_max", code="RS065")
    generic = raw.get("generic_plans", False)
    if not isinstance(generic, bool):
        checker.error(path + ("generic_plans",), "expected true or false", code="RS012")
        generic = False
    return Database(env["url_env"], env["max_conn_env"], ints["max_conn"], ints["pipeline_depth"],
                    ms["statement_timeout"], ms["reconnect_min"], ms["reconnect_max"], generic)


@dataclass(frozen=True)
class Cache:
    name: str
    number: int
    ttl_ms: int
    entries: int


def check_caches(checker, raw, name_problem) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        checker.error(("cache",), "expected a table of tables ([cache.NAME])", code="RS012")
        return {}
    out = {}
    for name, table in raw.items():
        path = ("cache", name)
        problem = name_problem(name)
        if problem or not isinstance(table, dict):
            checker.error(path, problem or "expected a table", code="RS065", at="key")
            continue
        checker.only_keys(table, path, spec_keys.CACHE.names)
        ttl = table.get("ttl", spec_keys.CACHE.keys["ttl"].default)
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 0.001 <= ttl <= 86400:
            checker.error(path + ("ttl",), f"expected seconds in 0.001..86400, got {ttl!r}", code="RS013")
            continue
        entries = checker.integer(table, "entries", path, *spec_keys.defaults_and_bounds(spec_keys.CACHE)["entries"])
        out[name] = Cache(name, len(out), round(ttl * 1000), entries)
    return out


def check_statements(checker, raw, shapes: dict, database: Database | None, name_problem) -> dict:
    """name -> Statement; problems reported through checker.error (RS065)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        checker.error(("sql",), "expected a table of tables ([sql.NAME])", code="RS012")
        return {}
    if raw and database is None:
        checker.error(("sql",), "[sql.NAME] statements need a [database] table", code="RS065", at="key")
    out = {}
    for name, table in raw.items():
        path = ("sql", name)
        problem = name_problem(name)
        if problem:
            checker.error(path, problem, code="RS065", at="key")
            continue
        if not isinstance(table, dict):
            checker.error(path, "expected a table", code="RS012")
            continue
        checker.only_keys(table, path, spec_keys.SQL.names)
        st = _statement(checker, name, len(out), table, path, shapes)
        if st is not None:
            out[name] = st
    return out


def _statement(checker, name, number, table, path, shapes) -> Statement | None:
    text = table.get("text")
    if not isinstance(text, str) or not text.strip():
        checker.error(path + ("text",), "required: the SQL text", code="RS065", at="key" if text is None else "value")
        return None
    params = table.get("params", [])
    if not isinstance(params, list) or any(p not in PARAM_TYPES for p in params):
        checker.error(path + ("params",), f'expected an array of {" or ".join(map(repr, PARAM_TYPES))}',
                      code="RS065")
        return None
    used = sorted({int(n) for n in _PLACEHOLDER.findall(_strip_literals(text))})
    want = list(range(1, len(params) + 1))
    if used != want:
        checker.error(path + ("text",), f"uses {_listing(used)} but params declares {_listing(want)}",
                      code="RS065", hint="each of $1..$n must be used and declared in params, in order")
    st = Statement(name, number, text.strip(), tuple(params), table.get("row"))
    st.writes = bool(re.match(r"\s*(INSERT|UPDATE|DELETE)\b", text, re.I))
    if st.row is None:
        return st
    if not isinstance(st.row, str) or st.row not in shapes:
        checker.error(path + ("row",), f"unknown shape {st.row!r} (known: {', '.join(shapes) or 'none'})",
                      code="RS065")
        return None
    st.columns = result_columns(text)
    if st.columns is None:
        checker.error(path + ("text",), "a statement with a row shape lists its columns: SELECT a, b AS c ... "
                      "or ... RETURNING a, b (not *)", code="RS065")
        return None
    missing = []
    st.leaves = _leaves(shapes, shapes[st.row], (), st.columns, missing)
    for leaf in missing:
        close = difflib.get_close_matches(leaf, st.columns, n=1)
        checker.error(path + ("row",), f'field {".".join(leaf.split("."))!r} of shape {st.row} has no column '
                      f'"{leaf.replace(".", "_")}" in the result ({", ".join(st.columns)})', code="RS065",
                      hint=f'did you mean "{close[0]}"?' if close else "add it to the SELECT list or AS-alias it")
    return st if not missing else None


def _leaves(shapes, shape, prefix: tuple, columns: list, missing: list) -> list:
    out = []
    for fname, ftype in shape.fields:
        path = prefix + (fname,)
        column = "_".join(path)
        if ftype.kind in ("int", "string", "bool"):
            if column in columns:
                out.append(Column(path, columns.index(column), ftype.kind))
            else:
                missing.append(".".join(path))
        elif column in columns:  # an array, or a shape kept whole: a json/jsonb column
            out.append(Column(path, columns.index(column), "json"))
        elif ftype.kind == "shape":
            out.extend(_leaves(shapes, shapes[ftype.shape], path, columns, missing))
        else:
            missing.append(".".join(path))
    return out


def result_columns(text: str) -> list | None:
    """The names of the result columns of a SELECT ... FROM or a ... RETURNING list, None
    when the list cannot be read (`*`, or no such list)."""
    flat = _strip_literals(text)
    m = re.search(r"\bRETURNING\b(.*)$", flat, re.I | re.S)
    if m:
        items = m.group(1)
    else:
        m = re.match(r"\s*SELECT\b(.*?)\bFROM\b", flat, re.I | re.S)
        if not m:
            m = re.match(r"\s*SELECT\b(.*)$", flat, re.I | re.S)
        if not m:
            return None
        items = m.group(1)
    names = []
    for item in _top_level_split(items):
        item = item.strip()
        alias = re.search(r"\bAS\s+([A-Za-z_][A-Za-z0-9_]*)\s*$", item, re.I)
        if alias:
            names.append(alias.group(1))
            continue
        last = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", item)
        if not last or "*" in item:
            return None
        names.append(last.group(1))
    return names


def _top_level_split(text: str) -> list:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _strip_literals(text: str) -> str:
    """The text with 'string literals' blanked, so a '$1' or ',' inside one is not read."""
    return re.sub(r"'(?:[^']|'')*'", lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", text)


def _listing(numbers) -> str:
    return ", ".join(f"${n}" for n in numbers) or "no parameters"
