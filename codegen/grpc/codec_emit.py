"""Per-message C codecs (nanopb's model): a struct per [message.NAME] with fixed-size
arrays from the spec's bounds, an encoder into a buffer of the message's largest size,
and a decoder that allocates nothing, skips unknown fields by wire type and rejects
malformed input (truncation, lengths past the end, a known field with the wrong wire
type, more values or longer strings than the spec allows, strings that are not UTF-8)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from .model import SCALARS, Grpc

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)


def c_type(grpc: Grpc, f) -> str:
    """The C type of one value of a field."""
    if f.kind == "scalar":
        return SCALARS[f.type][0]
    if f.kind == "enum":
        return "int32_t"  # proto3 enums are open: unknown numbers are kept
    if f.kind == "length":
        return f"struct {{ uint32_t len; {'char' if f.type == 'string' else 'uint8_t'} data[{max(f.max_length, 1)}]; }}"
    return f"msg_{f.type}"


def _ordered(grpc: Grpc) -> list:
    """Messages with the ones they contain first (C needs complete types)."""
    done, out = set(), []

    def visit(name):
        if name in done:
            return
        done.add(name)
        for f in grpc.messages[name].fields:
            if f.kind == "message":
                visit(f.type)
        out.append(grpc.messages[name])

    for name in grpc.messages:
        visit(name)
    return out


def _value_reader(f) -> str:
    """C expression of a decoded varint v as the field's C value."""
    return {
        "int32": "(int32_t)(uint32_t)v", "int64": "(int64_t)v", "uint32": "(uint32_t)v", "uint64": "v",
        "sint32": "rs_pb_unzigzag32((uint32_t)v)", "sint64": "rs_pb_unzigzag64(v)", "bool": "v != 0",
    }.get(f.type, "(int32_t)(uint32_t)v")  # enums


def _value_writer(f, value: str) -> str:
    f_type = f["type"] if isinstance(f, dict) else f.type
    """C expression of the varint that encodes value (proto3: int32 sign-extends to 64 bits)."""
    return {
        "int32": f"(uint64_t)(int64_t){value}", "int64": f"(uint64_t){value}", "uint32": f"(uint64_t){value}",
        "uint64": value, "sint32": f"rs_pb_zigzag32({value})", "sint64": f"rs_pb_zigzag64({value})",
        "bool": f"(uint64_t)({value} ? 1 : 0)",
    }.get(f_type, f"(uint64_t)(int64_t){value}")


def context(grpc: Grpc) -> dict:
    messages = []
    for m in _ordered(grpc):
        fields = []
        for f in m.fields:
            fields.append({
                "name": f.name, "number": f.number, "kind": f.kind, "type": f.type, "repeated": f.repeated,
                "max_length": f.max_length, "c_type": c_type(grpc, f),
                "key_varint": (f.number << 3) | (0 if f.kind in ("scalar", "enum") and not f.repeated else 2),
                "key_len": (f.number << 3) | 2, "key_varint_only": (f.number << 3),
                "read": _value_reader(f), "write": _value_writer,
                "utf8": f.type == "string",
            })
        messages.append({"name": m.name, "fields": fields, "max_size": m.max_size})
    return {"messages": messages, "enums": list(grpc.enums.values()), "package": grpc.package}


def render(grpc: Grpc, format_c) -> dict:
    env = environment()
    ctx = context(grpc)
    return {name: format_c(env.get_template(name + ".j2").render(ctx)) for name in ("messages.h", "messages.c")}
