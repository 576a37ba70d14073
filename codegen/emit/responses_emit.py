"""C for typed responses and named errors (responses.py): what handlers.h declares and
responses.c defines.

Per typed route, one function per declared status prepares that response (the body is
serialized into the reactor's JSON scratch at once, from the handler's values: nothing
is cached) and returns its rs_status; rs_commit_<handler> then sends the prepared
response if the route declares it, or answers 500 and logs once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..reply_head.emit import constant_lines, status_line
from ..spec.responses import ErrorBody


@dataclass
class TypedFunction:
    """One <handler>_reply_<status> or rs_error_<name> function."""

    name: str
    params: str  # C parameters after `rs_reply *reply`
    status: int
    error: int  # named error number, 0 for a response
    comment: str
    lines: list  # C statements writing the body into rs_w


@dataclass
class Commit:
    """What rs_commit_<handler> accepts: (error number, status, head constant)."""

    handler: str
    label: str  # "GET, HEAD /items/{id:int}" for the log line
    accepted: list
    route: int  # 1 + the route's number in this build: rs_status.route of its responses


def c_value_type(t) -> str:
    """The C type a function takes a pointer to: the shape's typedef in handlers.h (Item),
    X_array for [X] (also a typedef there), the generated struct for deeper arrays."""
    if t.kind == "shape":
        return t.shape
    if t.of.kind == "shape":
        return f"{t.of.shape}_array"
    return t.c_type


def context(spec, routes: list, c_string) -> dict:
    body = spec.error_body or ErrorBody()
    heads: dict[str, str] = {}  # C name -> literal head

    def head(status: int, content_type: str, headers: list) -> str:
        name = f"rs_head_{status}_{len(heads)}"
        text = status_line(status, content_type) + constant_lines(headers)
        for known, literal in heads.items():
            if literal == c_string(text):
                return known
        heads[name] = c_string(text)
        return name

    error_functions = [_error_function(e, body, c_string) for e in spec.errors.values()]

    typed, commits, shape_names, array_types = [], [], [], []
    for view in routes:
        route = view.route
        if not route.typed:
            continue
        functions, accepted = [], []
        for r in route.responses:
            name = f"{route.handler}_reply_{r.status}"
            if not r.content_type:  # 204, 304: the function takes nothing, the reply has no body
                params, lines, what = "", [], "no body"
            elif r.type is None:
                params = "const char *text, size_t len"
                lines = ["if (len)", "    rs_json_raw(rs_w, text, len);"]
                what = f"{r.content_type} text"
            else:
                params = f"const {c_value_type(r.type)} *value"
                lines = [f"rs_ser_{r.type.c_stem}(rs_w, value);"]
                what = f"{r.content_type} {r.type}"
                inner = r.type
                while inner.kind == "array":
                    inner = inner.of
                if inner.shape not in shape_names:
                    shape_names.append(inner.shape)
                if r.type.kind == "array" and r.type.of.kind == "shape" and r.type not in array_types:
                    array_types.append(r.type)
            comment = f"{r.status} {what}" + (f": {r.description}" if r.description else "")
            functions.append(TypedFunction(name, params, r.status, 0, comment, lines))
            accepted.append((0, r.status, head(r.status, r.content_type, route.headers)))
        for e in route.errors:
            accepted.append((e.number, e.status, head(e.status, "application/json", route.headers)))
        typed.append((view, functions))
        commits.append(Commit(route.handler, f"{view.methods_label} {route.path}", accepted, view.number + 1))
    return {
        "typed_routes": typed,
        "commits": commits,
        "error_functions": error_functions,
        "error_names": [""] + list(spec.errors),
        "response_heads": list(heads.items()),
        "response_shapes": shape_names,
        "response_arrays": [(t.c_type, c_value_type(t), str(t)) for t in array_types],
    }


def error_body_lines(e, body: ErrorBody, c_string) -> list:
    """C statements writing [error.NAME]'s JSON body into rs_w (`detail` in scope, or NULL);
    also what a data query's `first(...) else NAME` sends (json_reply.py)."""
    return _error_function(e, body, c_string).lines


def _error_function(e, body: ErrorBody, c_string) -> TypedFunction:
    members = []
    if body.error_key:
        members.append(f"{json.dumps(body.error_key)}:{json.dumps(e.name)}")
    if body.message_key:
        members.append(f"{json.dumps(body.message_key)}:{json.dumps(e.message, ensure_ascii=False)}")
    if body.status_key:
        members.append(f"{json.dumps(body.status_key)}:{e.status}")
    opening = "{" + ",".join(members)
    lines = [f"rs_json_raw(rs_w, {c_string(opening)}, {len(opening.encode())});"]
    if body.detail_key:
        key = ("," if members else "") + json.dumps(body.detail_key) + ":"
        lines += ["if (detail) {",
                  f"    rs_json_raw(rs_w, {c_string(key)}, {len(key.encode())});",
                  "    rs_json_string(rs_w, detail, strlen(detail));",
                  "}"]
    lines.append('rs_json_raw(rs_w, "}", 1);')
    comment = f'{e.status} "{e.message}"'
    return TypedFunction(f"rs_error_{e.name}", "const char *detail", e.status, e.number, comment, lines)
