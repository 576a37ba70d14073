"""JSON request bodies (spec v2): `body = { shape = "NewOrder" }` and the constraints of
shape fields.

A shape field is either a type ("int") or a constraint table with the keys of
FIELD_KEYS, the same ones parameters take plus min_items/max_items for arrays:

    [shape.NewOrder]
    sku = { type = "string", pattern = "[A-Z]{3}-[0-9]{4}" }
    qty = { type = "int", min = 1, max = 99 }
    note = { type = "string", required = false, max_length = 200 }
    tags = { type = "[string]", max_items = 5, max_length = 16 }   # element constraints

The generated server parses a route's body with libjansson into a typed C struct
(rs_body_<Shape>, see body_emit.py) and lists every broken field in one violations reply.
Constraints only act where the shape is a request body; data sources and replies use the
field types alone.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from . import spec_keys
from .params import DEFAULT_MAX_LENGTH, Constraints
from .shapes import Type

# Keys of [route.body] and of a shape field table: the registry docs/spec-reference.md is made of.
BODY_KEYS = spec_keys.ROUTE_BODY.keys
FIELD_KEYS = spec_keys.SHAPE_FIELD.keys
DEFAULT_MAX_ITEMS = FIELD_KEYS["max_items"].default  # bounds the inline array of the typed struct
MIN_ITEMS_BOUNDS = FIELD_KEYS["min_items"].bounds
MAX_ITEMS_BOUNDS = FIELD_KEYS["max_items"].bounds
# The typed body lives on the stack of the route's respond function.
MAX_STRUCT_BYTES = 256 * 1024
BODY_METHODS = ("POST", "PUT", "PATCH")
_SCALAR_KEYS = {"int": ("min", "max", "enum"), "string": ("enum", "min_length", "max_length", "pattern"),
                "bool": (), "shape": ()}


@dataclass
class BodyField:
    name: str
    type: Type  # shapes.Type: int, string, bool, shape, or an array of one of them
    required: bool = True
    default: object = None  # int, str or bool used when absent (scalars only)
    c: Constraints | None = None  # constraints of the scalar (each element of an array)
    min_items: int | None = None
    max_items: int = DEFAULT_MAX_ITEMS
    pattern_id: int | None = None  # rs_pattern_N, numbered by checks_emit.patterns

    @property
    def element(self) -> Type:
        return self.type.of if self.type.kind == "array" else self.type

    @property
    def optional(self) -> bool:
        """Absent without a default: the struct says so in rs_has_<name>."""
        return not self.required and self.default is None


@dataclass
class BodyShape:
    name: str
    fields: list = field(default_factory=list)  # BodyField, in declared order


@dataclass(frozen=True)
class Body:
    """A route's JSON body."""

    shape: str
    additional: bool = False


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class BodyChecker:
    """Checks constraint tables of shape fields and route bodies. error(path, message,
    code=..., at=..., hint=...) is the validator's; param_checker is params.ParamChecker."""

    def __init__(self, error, describe, param_checker):
        self.error = error
        self.describe = describe
        self.params = param_checker
        self.shapes: dict = {}  # name -> BodyShape

    def check_shapes(self, shapes: dict) -> dict:
        """Every shape's fields as BodyFields (tables checked even when no route uses the shape)."""
        for shape in shapes.values():
            body = BodyShape(shape.name)
            for name, t in shape.fields:
                raw = shape.rules.get(name)
                f = self.field(name, t, raw, ("shape", shape.name, name)) if raw is not None else self.plain(name, t)
                if f is not None:
                    body.fields.append(f)
            self.shapes[shape.name] = body
        return self.shapes

    def plain(self, name: str, t: Type) -> BodyField:
        kind = (t.of if t.kind == "array" else t).kind
        c = Constraints(kind=kind, max_length=DEFAULT_MAX_LENGTH) if kind in ("int", "string") else None
        return BodyField(name, t, c=c)

    def field(self, name: str, t: Type, raw: dict, key: tuple) -> BodyField | None:
        for k in raw:
            if k not in FIELD_KEYS:
                self.params.unknown(key + (k,), k, list(FIELD_KEYS))
        element = t.of if t.kind == "array" else t
        kind = element.kind
        errors: list = []
        allowed = set(_SCALAR_KEYS[kind]) | {"type", "required", "default"}
        if t.kind == "array":
            allowed |= {"min_items", "max_items"}
            allowed.discard("default")
        for k in FIELD_KEYS:
            if k in raw and k not in allowed:
                errors.append((key + (k,), f"{k} does not apply to a field of type {t}", "RS032"))
        c = None
        if kind in ("int", "string"):
            c = self.params.constraints({k: v for k, v in raw.items() if k in _SCALAR_KEYS[kind]}, key, kind, errors)
        min_items = self.items(raw, "min_items", key, MIN_ITEMS_BOUNDS, errors)
        max_items = self.items(raw, "max_items", key, MAX_ITEMS_BOUNDS, errors)
        if min_items is not None and max_items is not None and min_items > max_items:
            errors.append((key + ("min_items",), f"min_items {min_items} is greater than max_items {max_items}",
                           "RS032"))
        default = self.default(raw, key, kind, c, errors) if "default" in allowed else None
        required = raw.get("required", default is None)
        if not isinstance(required, bool):
            errors.append((key + ("required",), f"expected true or false, got {self.describe(required)}", "RS012"))
            required = True
        elif required and default is not None:
            errors.append((key + ("required",), "a field with a default is not required", "RS032"))
        for path, message, code in errors:
            self.error(path, message, code=code)
        if errors:
            return None
        return BodyField(name, t, required, default, c, min_items,
                         max_items if max_items is not None else DEFAULT_MAX_ITEMS)

    def items(self, raw: dict, name: str, key: tuple, bounds: tuple, errors: list) -> int | None:
        value = raw.get(name)
        if value is None:
            return None
        if not _is_int(value):
            errors.append((key + (name,), f"expected an integer, got {self.describe(value)}", "RS012"))
            return None
        low, high = bounds
        if not low <= value <= high:
            errors.append((key + (name,), f"{value} is out of range (expected {low}..{high})", "RS013"))
            return None
        return value

    def default(self, raw: dict, key: tuple, kind: str, c, errors: list):
        if "default" not in raw:
            return None
        value, where = raw["default"], key + ("default",)
        want = {"int": _is_int, "string": lambda v: isinstance(v, str), "bool": lambda v: isinstance(v, bool)}
        if kind not in want:
            errors.append((where, "only int, string and bool fields take a default", "RS032"))
            return None
        if not want[kind](value):
            errors.append((where, f"expected a {kind}, got {self.describe(value)}", "RS012"))
            return None
        if c is not None and not _satisfies(value, c):
            errors.append((where, f"default {json.dumps(value)} breaks the field's own constraints", "RS032"))
            return None
        return value

    def route_body(self, raw, key: tuple, methods: tuple) -> Body | None:
        """body = { shape = "X", additional = false } on a route."""
        for k in raw:
            if k not in BODY_KEYS:
                self.params.unknown(key + (k,), k, list(BODY_KEYS))
        name = raw.get("shape")
        additional = raw.get("additional", False)
        if not isinstance(additional, bool):
            self.error(key + ("additional",), f"expected true or false, got {self.describe(additional)}", code="RS012")
            additional = False
        if name is None:
            self.error(key, 'missing "shape" (e.g. body = { shape = "NewOrder" })', code="RS011")
            return None
        if not isinstance(name, str):
            self.error(key + ("shape",), f"expected a shape name, got {self.describe(name)}", code="RS012")
            return None
        if name not in self.shapes:
            close = difflib.get_close_matches(name, list(self.shapes), n=1)
            guess = f'did you mean "{close[0]}"? ' if close else ""
            self.error(key + ("shape",), f'unknown shape "{name}"', code="RS034",
                       hint=f"{guess}shapes: {', '.join(self.shapes) or 'none defined (add [shape.X])'}")
            return None
        # The problems below leave the body well defined (so the reply's body.x names are
        # still checked against it); the route is dropped for the error all the same.
        if methods and not any(m in BODY_METHODS for m in methods):
            self.error(key, f"a JSON body needs one of {', '.join(BODY_METHODS)} among the route's methods "
                       f"(it has {', '.join(methods)})", code="RS034")
        if self.bodyable(name, key + ("shape",), set()):
            size = struct_size(name, self.shapes)
            if size > MAX_STRUCT_BYTES:
                self.error(key + ("shape",), f"the typed body of {name} would take {size} bytes "
                           f"(at most {MAX_STRUCT_BYTES}); lower max_items of its arrays", code="RS034")
        return Body(name, additional)

    def bodyable(self, name: str, key: tuple, seen: set) -> bool:
        """Arrays of arrays are not supported in request bodies."""
        if name in seen or name not in self.shapes:
            return True
        seen.add(name)
        ok = True
        for f in self.shapes[name].fields:
            if f.type.kind == "array" and f.type.of.kind == "array":
                self.error(key, f'{name}.{f.name}: arrays of arrays ("{f.type}") are not supported in '
                           "request bodies", code="RS034")
                ok = False
            elif f.element.kind == "shape":
                ok = self.bodyable(f.element.shape, key, seen) and ok
        return ok


def _satisfies(value, c: Constraints) -> bool:
    if isinstance(value, int):
        return not ((c.min is not None and value < c.min) or (c.max is not None and value > c.max)
                    or (c.enum and value not in c.enum))
    n = len(value.encode())
    return not ((c.enum and value not in c.enum) or (c.min_length is not None and n < c.min_length)
                or (c.max_length is not None and n > c.max_length))


_C_SIZES = {"int": 8, "string": 16, "bool": 1}


def struct_size(name: str, shapes: dict) -> int:
    """An upper bound of sizeof(rs_body_<name>) (bools padded like ints)."""
    total = 0
    for f in shapes[name].fields:
        one = struct_size(f.element.shape, shapes) if f.element.kind == "shape" else 8 * ((_C_SIZES[f.element.kind] + 7) // 8)
        total += 8 + (8 + one * f.max_items if f.type.kind == "array" else one)
    return total


def string_names(shape: str, shapes: dict, prefix: str = "body") -> list:
    """body.<string field> for string fields that always hold a value (statement arguments)."""
    out = []
    for f in shapes[shape].fields:
        if f.type.kind == "array" or f.optional:
            continue
        if f.type.kind == "string":
            out.append(f"{prefix}.{f.name}")
        elif f.type.kind == "shape":
            out += string_names(f.type.shape, shapes, f"{prefix}.{f.name}")
    return out


def expression_names(shape: str, shapes: dict, prefix: str = "body") -> list:
    """Names a reply expression may use: body.<int field> for fields that always hold a
    value (required or defaulted), through nested shapes that always hold one."""
    out = []
    for f in shapes[shape].fields:
        if f.type.kind == "array" or f.optional:
            continue
        if f.type.kind == "int":
            out.append(f"{prefix}.{f.name}")
        elif f.type.kind == "shape":
            out += expression_names(f.type.shape, shapes, f"{prefix}.{f.name}")
    return out


def ordered(shape: str, shapes: dict) -> list:
    """The BodyShapes a body reaches, each after the shapes it contains (C order)."""
    out: list = []

    def visit(name: str) -> None:
        if name in out:
            return
        for f in shapes[name].fields:
            if f.element.kind == "shape":
                visit(f.element.shape)
        out.append(name)

    visit(shape)
    return [shapes[n] for n in out]
