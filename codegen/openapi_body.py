"""The OpenAPI side of JSON request bodies (body = { shape = "X" }): a JSON Schema per
body shape with the constraints the generated server enforces (openapi.py places it).

A shape's request schema differs from its reply schema: fields that are not required may
be absent (or null), constraints become minimum/maxLength/pattern/maxItems..., and
unknown members are refused unless the route says additional = true, so each shape has
a strict and, when a route needs it, an open variant.
"""

from __future__ import annotations

from .body_shapes import BodyField

# The `what` values a body adds to those of parameters (README "JSON request bodies").
BODY_WHATS = ("min_items", "max_items", "unknown", "malformed")
_INT64 = {"type": "integer", "format": "int64"}


def schema_name(shape: str, additional: bool) -> str:
    return f"{shape}.body" + ("-open" if additional else "")


def request_body(route) -> dict:
    body = route.json_body
    return {
        "description": f"JSON (Content-Type application/json, else 415), at most {route.body_limit} bytes; "
                       "every broken field is listed in one violations reply",
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/"
                                                            + schema_name(body.shape, body.additional)}}},
    }


def schemas(spec, routes) -> dict:
    """components/schemas for the bodies of routes and every shape they contain."""
    out: dict = {}
    pending = sorted({(r.json_body.shape, r.json_body.additional) for r in routes if r.json_body is not None})
    while pending:
        shape, additional = pending.pop()
        name = schema_name(shape, additional)
        if name in out:
            continue
        fields = spec.body_shapes[shape].fields
        properties = {}
        for f in fields:
            properties[f.name] = _field_schema(f, additional)
            if f.element.kind == "shape":
                pending.append((f.element.shape, additional))
        out[name] = {"type": "object", "properties": properties,
                     "required": [f.name for f in fields if f.required],
                     "additionalProperties": additional}
    return dict(sorted(out.items()))


def _field_schema(f: BodyField, additional: bool) -> dict:
    e, c = f.element, f.c
    if e.kind == "shape":
        one = {"$ref": "#/components/schemas/" + schema_name(e.shape, additional)}
    elif e.kind == "bool":
        one = {"type": "boolean"}
    elif e.kind == "int":
        one = dict(_INT64)
        if c.min is not None:
            one["minimum"] = c.min
        if c.max is not None:
            one["maximum"] = c.max
        if c.enum:
            one["enum"] = list(c.enum)
    else:
        one = {"type": "string"}
        if c.min_length:
            one["minLength"] = c.min_length  # JSON Schema counts characters, the server bytes
        if c.max_length is not None:
            one["maxLength"] = c.max_length
        if c.pattern is not None:
            one["pattern"] = "^(?:" + c.pattern.removeprefix("^").removesuffix("$") + ")$"
        if c.enum:
            one["enum"] = list(c.enum)
    if f.type.kind == "array":
        one = {"type": "array", "items": one, "maxItems": f.max_items}
        if f.min_items:
            one["minItems"] = f.min_items
    if f.default is not None:
        one["default"] = f.default
    if not f.required:  # absent, or null
        if "$ref" in one:
            return {"oneOf": [one, {"type": "null"}]}
        one = {**one, "type": [one["type"], "null"]}
        if "enum" in one:
            one["enum"] = one["enum"] + [None]
    return one
