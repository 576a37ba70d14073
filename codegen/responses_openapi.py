"""OpenAPI for typed handler routes (responses.py): each declared response with its body
schema, each named error the route lists with the [error_body] object, and the 500 a
handler that breaks its contract gets. openapi.py calls responses() for typed routes."""

from __future__ import annotations

from .model import STATUS_REASONS
from .responses import ErrorBody


def responses(spec, route, method: str, type_schema, used_shapes: set) -> dict:
    """{status: response object} for a typed route; type_schema(Type, used_shapes) is
    openapi.py's schema of a shape or array (shapes land in components/schemas)."""
    out: dict = {}
    for r in route.responses:
        response = {"description": r.description or STATUS_REASONS[r.status]}
        if method != "HEAD":  # a HEAD reply has the GET reply's headers and no content
            schema = type_schema(r.type, used_shapes) if r.type is not None else {"type": "string"}
            response["content"] = {r.content_type.split(";")[0].strip(): {"schema": schema}}
        out[str(r.status)] = response
    by_status: dict[int, list] = {}
    for e in route.errors:
        by_status.setdefault(e.status, []).append(e)
    body = spec.error_body or ErrorBody()
    for status, errors in by_status.items():
        response = {"description": " or ".join(f"{e.name}: {e.message}" for e in errors)}
        if method != "HEAD":
            schemas = [_error_schema(e, body) for e in errors]
            schema = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
            response["content"] = {"application/json": {"schema": schema}}
        out[str(status)] = response
    out.setdefault("500", {"description": f"the handler `{route.handler}` returned no response, or one "
                                          "its route does not declare (logged once)"})
    return out


def _error_schema(e, body: ErrorBody) -> dict:
    properties, required = {}, []
    if body.error_key:
        properties[body.error_key] = {"type": "string", "const": e.name}
        required.append(body.error_key)
    if body.message_key:
        properties[body.message_key] = {"type": "string", "const": e.message}
        required.append(body.message_key)
    if body.status_key:
        properties[body.status_key] = {"type": "integer", "const": e.status}
        required.append(body.status_key)
    if body.detail_key:
        properties[body.detail_key] = {"type": "string", "description": "the handler's detail, when it gives one"}
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
