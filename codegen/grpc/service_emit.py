"""The method table of a build (grpc.c): for each gRPC method its path, request decoder and
the reply — integer expressions over the request's fields, evaluated in uint64_t and
truncated to the response field's type (proto3's two's-complement wraparound: int32
2147483647 + 1 is -2147483648), a bounded server-stream loop, or a typed C handler."""

from __future__ import annotations

from ..lang import expr
from .codec_emit import environment
from .model import Grpc

_TO_FIELD = {
    "int32": "(int32_t)(uint32_t)({})", "sint32": "(int32_t)(uint32_t)({})", "int64": "(int64_t)({})",
    "sint64": "(int64_t)({})", "uint32": "(uint32_t)({})", "uint64": "({})",
}


def c_wrapping(node, request: dict) -> str:
    """C of an expression in uint64_t arithmetic (wraps, never undefined)."""
    if isinstance(node, expr.Num):
        return f"(uint64_t)INT64_C({node.value})"
    if isinstance(node, expr.Name):
        if node.name == "i" and node.name not in request:
            return "(uint64_t)i"
        f = request[node.name]
        unsigned = f.type in ("uint32", "uint64", "bool")
        return f"(uint64_t)req->{node.name}" if unsigned else f"(uint64_t)(int64_t)req->{node.name}"
    if isinstance(node, expr.Neg):
        return f"(0u - {c_wrapping(node.operand, request)})"
    return f"({c_wrapping(node.left, request)} {node.op} {c_wrapping(node.right, request)})"


def _method_view(grpc: Grpc, m) -> dict:
    request = {f.name: f for f in grpc.messages[m.request].fields}
    response = {f.name: f for f in grpc.messages[m.response].fields}
    assigns = [(name, _TO_FIELD[response[name].type].format(c_wrapping(node, request)), m.reply_source[name])
               for name, node in m.reply.items()]
    count = None
    if m.server_stream:
        count = f"(int64_t)({c_wrapping(m.count, request)})"
    return {
        "path": m.path(grpc.package), "c_name": f"{m.service}_{m.name}", "request": m.request,
        "response": m.response, "stream": m.server_stream, "assigns": assigns, "count": count,
        "count_source": m.count_source, "max_count": m.max_count, "handler": m.handler,
    }


def render(grpc: Grpc, methods: list, format_c, c_string) -> dict:
    env = environment()
    env.filters["c_string"] = c_string
    ctx = {"methods": [_method_view(grpc, m) for m in methods], "max_message": grpc.max_message,
           "handlers": [m for m in methods if m.handler]}
    files = {"grpc.c": format_c(env.get_template("grpc.c.j2").render(ctx))}
    if ctx["handlers"]:
        files["grpc_handlers.h"] = format_c(env.get_template("grpc_handlers.h.j2").render(ctx))
    return files
