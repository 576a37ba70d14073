"""Shapes ([shape.X]) and data sources ([data.x]): checking and the typed model.

A shape is a JSON object with typed fields in declared (output) order. Field types are
"int" (int64), "string", "bool", "[T]" (array of T) and the name of another shape.
A data source is a JSON file loaded once at start-up into generated C structs:

    [data.dataset]
    file = "/data/dataset.json"     # under /data: resolved under the server's --data-root
    type = "[Item]"

Checks report through the validator's error(path, message) callback, so the messages
carry file:line like every other spec error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .spec_keys import DATA

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SCALARS = ("int", "string", "bool")
# Type names of other languages, read as the scalar they mean (a "did you mean" hint).
_SCALAR_SYNONYMS = {"integer": "int", "int64": "int", "long": "int", "number": "int", "str": "string",
                    "text": "string", "boolean": "bool"}


@dataclass(frozen=True)
class Type:
    kind: str  # "int" | "string" | "bool" | "array" | "shape"
    of: "Type | None" = None  # element type of an array
    shape: str | None = None  # shape name

    def __str__(self) -> str:
        if self.kind == "array":
            return f"[{self.of}]"
        return self.shape if self.kind == "shape" else self.kind

    @property
    def c_type(self) -> str:
        """The C type holding a value of this type."""
        return {"int": "int64_t", "string": "rs_str", "bool": "bool"}.get(self.kind) or (
            f"rs_array_{self.c_stem}" if self.kind == "array" else f"rs_shape_{self.shape}")

    def ser_call(self, value: str, writer: str = "rs_w") -> str:
        """A C statement writing the value (a C lvalue of c_type) as JSON."""
        if self.kind == "int":
            return f"rs_json_int({writer}, {value});"
        if self.kind == "bool":
            return f"rs_json_bool({writer}, {value});"
        if self.kind == "string":
            return f"rs_json_string({writer}, ({value}).ptr, ({value}).len);"
        return f"rs_ser_{self.c_stem}({writer}, &({value}));"

    @property
    def c_stem(self) -> str:
        """An identifier part naming the type: [[int]] -> array_int."""
        return f"array_{self.of.c_stem}" if self.kind == "array" else (self.shape or self.kind)


@dataclass
class Shape:
    name: str
    fields: list = field(default_factory=list)  # (name, Type), in output order
    # Fields written as a constraint table ({ type = "int", min = 1 }): name -> the table,
    # checked by body_shapes.py (they matter only where the shape is a request body).
    rules: dict = field(default_factory=dict)

    def field_type(self, name: str) -> Type | None:
        return dict(self.fields).get(name)


@dataclass(frozen=True)
class DataSource:
    name: str
    file: str  # as written; "/data/..." is resolved under --data-root at start-up
    type: Type


def parse_type(text: str) -> Type | None:
    """'[Item]' -> Type('array', Type('shape', shape='Item')); None when malformed.
    Shape names are not resolved here."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        inner = parse_type(text[1:-1])
        return Type("array", of=inner) if inner else None
    if text in SCALARS:
        return Type(text)
    if _IDENTIFIER.fullmatch(text):
        return Type("shape", shape=text)
    return None


def _suggestion(name: str, shapes: dict) -> str | None:
    """The type an unknown type name most likely means: "integer" -> "int", or a close
    scalar or shape name ("Iten" -> "Item"); None when nothing is close."""
    if name.lower() in _SCALAR_SYNONYMS:
        return _SCALAR_SYNONYMS[name.lower()]
    close = difflib.get_close_matches(name, [*SCALARS, *shapes], n=1)
    return close[0] if close else None


def _suggested(t: Type, shapes: dict) -> Type | None:
    """t with its unknown shape name replaced by _suggestion, arrays kept; None if none."""
    if t.kind == "array":
        inner = _suggested(t.of, shapes)
        return Type("array", of=inner) if inner else None
    guess = _suggestion(t.shape, shapes) if t.kind == "shape" and t.shape not in shapes else None
    if guess is None:
        return None
    return Type(guess) if guess in SCALARS else Type("shape", shape=guess)


class ShapeChecker:
    """Checks the [shape] and [data] tables; name_problem says whether a field name can be
    a C identifier in the generated code (c_names.name_problem)."""

    def __init__(self, error, name_problem):
        self.error = error
        self.name_problem = name_problem

    def shapes(self, raw) -> dict:
        if not isinstance(raw, dict):
            self.error(("shape",), "expected tables such as [shape.Item]")
            return {}
        out: dict[str, Shape] = {}
        for name, table in raw.items():
            key = ("shape", name)
            if not _IDENTIFIER.fullmatch(name) or name.lower().startswith("rs_"):
                self.error(key, f'shape name "{name}" must be an identifier not starting with "rs_"')
                continue
            if not isinstance(table, dict) or not table:
                self.error(key, "a shape is a table of at least one field, e.g. id = \"int\"")
                continue
            shape = Shape(name)
            for field_name, type_text in table.items():
                fkey = key + (field_name,)
                problem = self.name_problem(field_name)
                if problem:
                    self.error(fkey, problem)
                    continue
                if isinstance(type_text, dict):  # a constraint table: body_shapes.py checks the rest
                    shape.rules[field_name] = type_text
                    if "type" not in type_text:
                        self.error(fkey, 'missing "type" (e.g. { type = "int", min = 1 })')
                        continue
                    type_text = type_text["type"]
                    fkey = fkey + ("type",)
                parsed = parse_type(type_text) if isinstance(type_text, str) else None
                if parsed is None:
                    self.error(fkey, f'expected a type ("int", "string", "bool", "[T]" or a shape '
                               f"name), got {type_text!r}")
                    continue
                shape.fields.append((field_name, parsed))
            out[name] = shape
        for name, shape in out.items():
            for i, (field_name, t) in enumerate(shape.fields):
                where = ("type",) if field_name in shape.rules else ()
                if not self.resolve(t, out, ("shape", name, field_name) + where):
                    # checked from here on as the type suggested (if any), so the uses of
                    # the field do not each report the same mistake again
                    shape.fields[i] = (field_name, _suggested(t, out) or t)
        self.no_cycles(out)
        return out

    def resolve(self, t: Type, shapes: dict, key: tuple) -> bool:
        while t.kind == "array":
            t = t.of
        if t.kind == "shape" and t.shape not in shapes:
            known = ", ".join(shapes) or "none defined"
            guess = _suggestion(t.shape, shapes)
            self.error(key, f'unknown shape "{t.shape}" (known: {known})',
                       f'did you mean "{guess}"? ' * bool(guess) + 'types are "int", "string", "bool", '
                       '"[T]" (an array) or a shape name')
            return False
        return True

    def no_cycles(self, shapes: dict) -> None:
        """A shape may not contain itself, directly or through others (its C struct would
        be infinite; JSON from a file cannot be cyclic anyway)."""
        state: dict[str, int] = {}

        def visit(name: str, trail: list) -> None:
            if state.get(name) == 2 or name not in shapes:
                return
            if state.get(name) == 1:
                cycle = " -> ".join(trail[trail.index(name):] + [name])
                self.error(("shape", name), f"shapes contain each other: {cycle}")
                return
            state[name] = 1
            for _, t in shapes[name].fields:
                while t.kind == "array":
                    t = t.of
                if t.kind == "shape":
                    visit(t.shape, trail + [name])
            state[name] = 2

        for name in shapes:
            visit(name, [])

    def data(self, raw, shapes: dict) -> dict:
        if not isinstance(raw, dict):
            self.error(("data",), "expected tables such as [data.dataset]")
            return {}
        out = {}
        for name, table in raw.items():
            key = ("data", name)
            problem = self.name_problem(name)
            if problem:
                self.error(key, problem)
                continue
            if not isinstance(table, dict):
                self.error(key, 'expected a table with "file" and "type"')
                continue
            for extra in table:
                if extra not in DATA.names:
                    self.error(key + (extra,), f'unknown key (expected one of: {", ".join(DATA.names)})')
            path, type_text = table.get("file"), table.get("type")
            if not isinstance(path, str) or not path:
                self.error(key, 'missing "file" (a path such as "/data/dataset.json")')
                continue
            parsed = parse_type(type_text) if isinstance(type_text, str) else None
            if parsed is None:
                self.error(key + ("type",), 'expected a type such as "[Item]"')
                continue
            if self.resolve(parsed, shapes, key + ("type",)):
                out[name] = DataSource(name, path, parsed)
        return out


def ordered_types(shapes: dict, data: dict, extra: list = ()) -> list:
    """Shape and array Types in C definition order (each after everything it contains),
    limited to what any shape, data source or extra type (typed responses) reaches."""
    order: list[Type] = []

    def visit(t: Type) -> None:
        if t in order or t.kind in SCALARS:
            return
        if t.kind == "array":
            visit(t.of)
        else:
            for _, ft in shapes[t.shape].fields:
                visit(ft)
        order.append(t)

    for name in shapes:
        visit(Type("shape", shape=name))
    for source in data.values():
        visit(source.type)
    for t in extra:
        visit(t)
    return order
