"""Parameter declarations (spec v2): types and the constraints the server enforces.

A parameter is declared in one of two forms:

    query = { a = "int", m = "int = 1" }                       # v1 shorthand
    query = { limit = { type = "int", default = 20, min = 1, max = 100 } }

The table form takes the keys of PARAM_KEYS. Every constraint becomes generated C that
checks requests before the reply runs; a request breaking any of them gets the 400
violations body ([server.violations]) listing each broken parameter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..lang import expr, pattern
from . import spec_keys

# key -> spec_keys.Key (TOML type, default, meaning): the registry docs/spec-reference.md is made of.
PARAM_KEYS = spec_keys.PARAM.keys
TYPES = ("int", "string", "bool")
DEFAULT_MAX_LENGTH = PARAM_KEYS["max_length"].default  # bounds the stack buffer a string is decoded into
_INT_TYPE = re.compile(r"\s*int\s*(?:=\s*(\S.*?))?\s*")
_INT_LITERAL = re.compile(r"-?[0-9]+")
_HEADER_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")


@dataclass(frozen=True)
class Constraints:
    kind: str = "int"  # "int", "string" or "bool"
    optional: bool = False  # absent and no default: the reply sees no value
    min: int | None = None
    max: int | None = None
    enum: tuple = ()  # ints for an int, strings for a string
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None  # as written
    ragel: str | None = None  # the pattern as a Ragel expression

    @property
    def checked(self) -> bool:
        return any((self.min is not None, self.max is not None, self.enum, self.pattern,
                    self.min_length is not None, self.kind in ("string", "bool")))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class ParamChecker:
    """Checks one declaration; reports through the validator's error(path, message, code)."""

    def __init__(self, error, describe):
        self.error = error
        self.describe = describe

    def declaration(self, raw, key: tuple, source: str, path_param: bool = False, path_kind: str = "int") -> tuple:
        """A query/header value, or a path param's constraint table (of an int or string
        segment: path_kind) -> (default, source, key, ok, Constraints)."""
        if isinstance(raw, str) and not path_param:
            return self.shorthand(raw, key, source)
        if not isinstance(raw, dict):
            expected = "a table of constraints" if path_param else 'a type such as "int" or a table'
            self.error(key, f"expected {expected}, got {self.describe(raw)}", code="RS030")
            return None, source, key, False, Constraints()
        if path_param:
            allowed = list(spec_keys.PATH_PARAM_KEYS if path_kind == "int" else spec_keys.PATH_STRING_KEYS)
        else:
            allowed = list(spec_keys.PARAM.names)
        bad_key = False
        for name in raw:
            if name not in allowed:
                self.unknown(key + (name,), name, allowed)
                bad_key = True
        kind = path_kind if path_param else raw.get("type", "int")
        if kind not in TYPES:
            self.error(key + ("type",), f"unknown type {json.dumps(kind) if isinstance(kind, str) else self.describe(kind)}"
                       f' (expected "int", "string" or "bool")', code="RS030")
            return None, source, key, False, Constraints()
        errors = []
        c = self.constraints(raw, key, kind, errors)
        default = self.default(raw, key, c, errors)
        required = raw.get("required", default is None)
        if not isinstance(required, bool):
            errors.append((key + ("required",), f"expected true or false, got {self.describe(required)}", "RS012"))
        elif required and default is not None:
            errors.append((key + ("required",), "a parameter with a default is not required", "RS032"))
        for path, message, code in errors:
            self.error(path, message, code=code)
        optional = required is False and default is None
        c = Constraints(**{**c.__dict__, "optional": optional})
        return default, source, key, not errors and not bad_key, c

    def unknown(self, path: tuple, name: str, allowed: list) -> None:
        import difflib
        close = difflib.get_close_matches(name, allowed, n=1)
        guess = f'did you mean "{close[0]}"? ' if close else ""
        self.error(path, "unknown key", code="RS010", at="key", hint=f"{guess}expected one of: {', '.join(allowed)}")

    def shorthand(self, text: str, key: tuple, source: str) -> tuple:
        """'int' or 'int = N' -> (default or None, source, key, ok, Constraints())."""
        bad = (None, source, key, False, Constraints())
        if text.strip() == "int?":
            self.error(key, 'optional "int?" is not supported in v1; give a default instead, e.g. "int = 0"',
                       code="RS030")
            return bad
        if text.strip() == "string":
            return None, source, key, True, Constraints(kind="string", max_length=DEFAULT_MAX_LENGTH)
        m = _INT_TYPE.fullmatch(text)
        if not m:
            self.error(key, f'unknown type {json.dumps(text)} (expected "int" or "int = N")', code="RS030")
            return bad
        if m.group(1) is None:
            return None, source, key, True, Constraints()
        if not _INT_LITERAL.fullmatch(m.group(1)):
            self.error(key, f"default {json.dumps(m.group(1))} is not an integer literal", code="RS030")
            return bad
        value = int(m.group(1))
        if not expr.INT64_MIN <= value <= expr.INT64_MAX:
            self.error(key, f"default {value} does not fit int64", code="RS030")
            return bad
        return value, source, key, True, Constraints()

    def constraints(self, raw: dict, key: tuple, kind: str, errors: list) -> Constraints:
        def integer(name, low, high):
            value = raw.get(name)
            if value is None:
                return None
            if not _is_int(value):
                errors.append((key + (name,), f"expected an integer, got {self.describe(value)}", "RS012"))
                return None
            if not low <= value <= high:
                errors.append((key + (name,), f"{value} is out of range (expected {low}..{high})", "RS013"))
                return None
            return value

        if kind == "bool":
            for name in ("min", "max", "enum", "min_length", "max_length", "pattern"):
                if name in raw:
                    errors.append((key + (name,), f"{name} does not apply to a bool (it is true or false)", "RS032"))
            return Constraints("bool")
        for name in ("min", "max") if kind == "string" else ("min_length", "max_length", "pattern"):
            if name in raw:
                other = "min_length/max_length" if kind == "string" else "min/max"
                errors.append((key + (name,), f"{name} applies to {'int' if kind == 'string' else 'string'} "
                               f"parameters; a {kind} takes {other}", "RS032"))
        low = integer("min", expr.INT64_MIN, expr.INT64_MAX)
        high = integer("max", expr.INT64_MIN, expr.INT64_MAX)
        if low is not None and high is not None and low > high:
            errors.append((key + ("min",), f"min {low} is greater than max {high}", "RS032"))
        min_len = integer("min_length", 0, 65535)
        max_len = integer("max_length", 1, 65535)
        if min_len is not None and max_len is not None and min_len > max_len:
            errors.append((key + ("min_length",), f"min_length {min_len} is greater than max_length {max_len}",
                           "RS032"))
        enum = self.enum(raw.get("enum"), key + ("enum",), kind, errors)
        for i, v in enumerate(enum):
            if kind == "int" and ((low is not None and v < low) or (high is not None and v > high)):
                errors.append((key + ("enum", i), f"{v} is outside min..max", "RS032"))
        ragel = None
        text = raw.get("pattern")
        if text is not None and kind == "string":
            if not isinstance(text, str):
                errors.append((key + ("pattern",), f"expected a string, got {self.describe(text)}", "RS012"))
                text = None
            else:
                try:
                    ragel = pattern.to_ragel(text)
                except pattern.PatternError as exc:
                    errors.append((key + ("pattern",), str(exc), "RS033"))
                    text = None
        if kind == "string" and max_len is None:
            max_len = max([len(v.encode()) for v in enum] + [DEFAULT_MAX_LENGTH])
        return Constraints(kind, False, low, high, tuple(enum), min_len, max_len,
                           text if kind == "string" else None, ragel)

    def enum(self, raw, key: tuple, kind: str, errors: list) -> list:
        if raw is None:
            return []
        want = _is_int if kind == "int" else (lambda v: isinstance(v, str))
        if not isinstance(raw, list) or not raw or not all(want(v) for v in raw):
            errors.append((key, f"expected a non-empty array of {kind}s, got {self.describe(raw)}", "RS012"))
            return []
        for i, v in enumerate(raw):
            if v in raw[:i]:
                errors.append((key + (i,), f"{json.dumps(v)} is listed twice", "RS015"))
        return list(dict.fromkeys(raw))

    def default(self, raw: dict, key: tuple, c: Constraints, errors: list):
        """The default as stored in the slot: the int, or a string enum's index."""
        if "default" not in raw:
            return None
        value = raw["default"]
        where = key + ("default",)
        if c.kind == "bool":
            if not isinstance(value, bool):
                errors.append((where, f"expected true or false, got {self.describe(value)}", "RS012"))
                return None
            return int(value)
        if c.kind == "string":
            if not c.enum:
                errors.append((where, "only a string with an enum may have a default (its index is the value)",
                               "RS032"))
                return None
            if value not in c.enum:
                errors.append((where, f"{json.dumps(value)} is not one of the enum values", "RS032"))
                return None
            return c.enum.index(value)
        if not _is_int(value):
            errors.append((where, f"expected an integer, got {self.describe(value)}", "RS012"))
            return None
        if (c.min is not None and value < c.min) or (c.max is not None and value > c.max) or \
                (c.enum and value not in c.enum):
            errors.append((where, f"default {value} breaks the parameter's own constraints", "RS032"))
            return None
        return value


def header_name_problem(name: str) -> str | None:
    if not _HEADER_NAME.fullmatch(name):
        return f'header names are lower-case field names such as "x-request-id", got {json.dumps(name)}'
    return None


# [server.violations] keys -> spec_keys.Key, also for docs/spec-reference.md.
VIOLATIONS_KEYS = spec_keys.VIOLATIONS.keys


def violations(checker, raw: dict, path: tuple):
    """[server.violations] -> model.Violations (defaults for what is absent or wrong)."""
    from .model import STATUS_REASONS, Violations
    checker.only_keys(raw, path, spec_keys.VIOLATIONS.names)
    base = Violations()
    status = checker.integer(raw, "status", path, *spec_keys.defaults_and_bounds(spec_keys.VIOLATIONS)["status"])
    if status not in STATUS_REASONS:
        checker.error(path + ("status",), f"{status} is not a registered status code", code="RS013")
        status = base.status
    texts = {k: checker.string(raw, k, path, getattr(base, k)) for k in ("message", "message_key", "list_key")}
    fields_raw = checker.table(raw, "fields", path + ("fields",))
    names = [name for name, _ in base.fields]
    checker.only_keys(fields_raw, path + ("fields",), spec_keys.VIOLATION_FIELDS.names)
    fields = tuple((n, checker.string(fields_raw, n, path + ("fields",), n)) for n in names)
    if len({renamed for _, renamed in fields}) != len(fields):
        checker.error(path + ("fields",), "two members would have the same name", code="RS015")
    return Violations(status, texts["message_key"], texts["message"], texts["list_key"], fields)
