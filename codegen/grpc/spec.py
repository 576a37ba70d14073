"""Checks [grpc], [enum.NAME], [message.NAME] and [service.NAME.METHOD] into the model (model.py).

Every problem is reported through the spec checker (file:line: key: message); nothing here
stops at the first one. Message sizes must stay bounded (the generated codecs allocate
nothing): strings and bytes have a max_length, repeated fields a max count, and a message
may not contain itself.
"""

from __future__ import annotations

import re

from ..lang import expr
from ..spec import spec_keys
from ..spec.diagnostics import describe_value
from .model import (INTEGER_TYPES, LENGTH_TYPES, MAX_FIELD_NUMBER, RESERVED, SCALARS, Enum, Field, Grpc,
                    Message, Method)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_MESSAGE = "RS066"
_SERVICE = "RS067"
MAX_REPEATED = 65536
MAX_LENGTH = 1 << 20


def check(checker, data: dict) -> Grpc | None:
    """The gRPC part of a spec, or None when it declares no message, enum or service."""
    if not any(k in data for k in ("grpc", "message", "enum", "service")):
        return None
    grpc = Grpc()
    raw = checker.table(data, "grpc", ("grpc",))
    checker.only_keys(raw, ("grpc",), spec_keys.GRPC.names)
    package = checker.string(raw, "package", ("grpc",), "")
    if package and not _PACKAGE.fullmatch(package):
        checker.error(("grpc", "package"), f'"{package}" is not a protobuf package name (e.g. "benchmark")',
                      _SERVICE)
    grpc.package = package or ""
    lo, hi = spec_keys.GRPC.keys["max_message"].bounds
    grpc.max_message = checker.integer(raw, "max_message", ("grpc",), spec_keys.GRPC.keys["max_message"].default,
                                       lo, hi)
    grpc.enums = _enums(checker, checker.table(data, "enum", ("enum",)))
    raw_messages = checker.table(data, "message", ("message",))
    for name in raw_messages:
        if not _IDENT.fullmatch(name):
            checker.error(("message", name), f'message name "{name}" must be an identifier', _MESSAGE, at="key")
        elif name in grpc.enums:
            checker.error(("message", name), f'"{name}" is already an enum', "RS015", at="key")
    for name, table in raw_messages.items():
        grpc.messages[name] = _message(checker, name, table, raw_messages, grpc.enums)
    _sizes(checker, grpc)
    grpc.services = _services(checker, checker.table(data, "service", ("service",)), grpc)
    return grpc


def _enums(checker, raw: dict) -> dict:
    out = {}
    for name, table in raw.items():
        key = ("enum", name)
        if not _IDENT.fullmatch(name):
            checker.error(key, f'enum name "{name}" must be an identifier', _MESSAGE, at="key")
            continue
        if not isinstance(table, dict) or not table:
            checker.error(key, f"expected a table of VALUE = NUMBER, got {describe_value(table)}", "RS012")
            continue
        values, seen = [], {}
        for value_name, number in table.items():
            if not _IDENT.fullmatch(value_name):
                checker.error(key + (value_name,), "an enum value name must be an identifier", _MESSAGE, at="key")
            elif not isinstance(number, int) or isinstance(number, bool) or not -(2**31) <= number < 2**31:
                checker.error(key + (value_name,), f"expected an int32 number, got {describe_value(number)}",
                              "RS012")
            elif number in seen:
                checker.error(key + (value_name,), f"{number} is already {seen[number]}", "RS015")
            else:
                seen[number] = value_name
                values.append((value_name, number))
        if values and values[0][1] != 0:
            checker.error(key, f"the first value of a proto3 enum must be 0 (here {values[0][0]} = {values[0][1]})",
                          _MESSAGE)
        out[name] = Enum(name, values)
    return out


def _message(checker, name: str, table, raw_messages: dict, enums: dict) -> Message:
    key = ("message", name)
    fields = []
    if not isinstance(table, dict):
        checker.error(key, f"expected a table of fields, got {describe_value(table)}", "RS012")
        return Message(name, fields)
    numbers = {}
    for field_name, spec in table.items():
        path = key + (field_name,)
        if not _IDENT.fullmatch(field_name):
            checker.error(path, f'field name "{field_name}" must be an identifier', _MESSAGE, at="key")
            continue
        if not isinstance(spec, dict):
            checker.error(path, f'expected {{ number = N, type = "..." }}, got {describe_value(spec)}', "RS012")
            continue
        checker.only_keys(spec, path, spec_keys.MESSAGE_FIELD.names)
        number = spec.get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            checker.error(path + ("number",), f"expected a field number, got {describe_value(number)}", "RS012")
            continue
        if not 1 <= number <= MAX_FIELD_NUMBER:
            checker.error(path + ("number",), f"{number} is out of range (expected 1..{MAX_FIELD_NUMBER})", "RS013")
            continue
        if number in RESERVED:
            checker.error(path + ("number",), f"{number} is in 19000..19999, reserved by protobuf", _MESSAGE)
            continue
        if number in numbers:
            checker.error(path + ("number",), f"field number {number} is already used by {numbers[number]}",
                          "RS015")
            continue
        numbers[number] = field_name
        type_name = spec.get("type")
        if not isinstance(type_name, str):
            checker.error(path + ("type",), f"expected a type name, got {describe_value(type_name)}", "RS012")
            continue
        if type_name in SCALARS:
            kind = "scalar"
        elif type_name in LENGTH_TYPES:
            kind = "length"
        elif type_name in enums:
            kind = "enum"
        elif type_name in raw_messages:
            kind = "message"
        else:
            known = ", ".join(list(SCALARS) + list(LENGTH_TYPES) + list(enums) + list(raw_messages))
            checker.error(path + ("type",), f'unknown type "{type_name}" (known: {known})', _MESSAGE)
            continue
        f = Field(field_name, number, type_name, kind)
        if "repeated" in spec:
            f.repeated = checker.integer(spec, "repeated", path, 1, 1, MAX_REPEATED)
        if kind == "length":
            if "max_length" not in spec:
                checker.error(path, f"a {type_name} field needs max_length (its largest size in bytes)", _MESSAGE)
            f.max_length = checker.integer(spec, "max_length", path, 1, 0, MAX_LENGTH)
        elif "max_length" in spec:
            checker.error(path + ("max_length",), "max_length is for string and bytes fields", _MESSAGE)
        fields.append(f)
    return Message(name, fields)


def _varint_size(value: int) -> int:
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size


def _sizes(checker, grpc: Grpc) -> None:
    """Each message's largest encoding; a message containing itself has none (reported)."""
    state = {}  # name -> "busy" | "done"

    def size_of(name: str, trail: tuple) -> int | None:
        message = grpc.messages[name]
        if state.get(name) == "done":
            return message.max_size
        if state.get(name) == "busy":
            checker.error(("message", trail[0]), "contains itself (" + " -> ".join(trail + (name,)) +
                          "): sizes must stay bounded", _MESSAGE)
            return None
        state[name] = "busy"
        total = 0
        for f in message.fields:
            key = _varint_size(f.number << 3)
            if f.kind == "scalar":
                one = SCALARS[f.type][2]
            elif f.kind == "enum":
                one = 10
            elif f.kind == "length":
                one = _varint_size(f.max_length) + f.max_length
            else:
                inner = size_of(f.type, trail + (name,))
                if inner is None:
                    state[name] = "done"
                    return None
                one = _varint_size(inner) + inner
            if f.repeated and f.kind in ("scalar", "enum"):  # packed: one key and length
                body = one * f.repeated
                total += key + _varint_size(body) + body
            else:
                total += (key + one) * max(f.repeated, 1)
        state[name] = "done"
        message.max_size = total
        return total

    for name in grpc.messages:
        if state.get(name) != "done":
            size_of(name, ())


def _services(checker, raw: dict, grpc: Grpc) -> dict:
    out = {}
    for service, table in raw.items():
        key = ("service", service)
        if not _IDENT.fullmatch(service):
            checker.error(key, f'service name "{service}" must be an identifier', _SERVICE, at="key")
            continue
        if not isinstance(table, dict) or not table:
            checker.error(key, f"expected a table of methods ([service.{service}.METHOD]), got "
                          f"{describe_value(table)}", "RS012")
            continue
        methods = []
        for name, spec in table.items():
            method = _method(checker, service, name, spec, grpc)
            if method is not None:
                methods.append(method)
        out[service] = methods
    return out


def _method(checker, service: str, name: str, spec, grpc: Grpc) -> Method | None:
    key = ("service", service, name)
    if not _IDENT.fullmatch(name):
        checker.error(key, f'method name "{name}" must be an identifier', _SERVICE, at="key")
        return None
    if not isinstance(spec, dict):
        checker.error(key, f"expected a method table, got {describe_value(spec)}", "RS012")
        return None
    checker.only_keys(spec, key, spec_keys.SERVICE_METHOD.names)
    stream = spec.get("stream", "none")
    if stream in ("client", "bidi"):
        checker.error(key + ("stream",), f'{stream} streaming is not supported yet (unary and "server" only)',
                      _SERVICE)
        return None
    if stream not in ("none", "server"):
        checker.error(key + ("stream",), f'expected "server" (or leave it out for unary), got '
                      f"{describe_value(stream)}", _SERVICE)
        return None
    names = {}
    for role in ("request", "response"):
        value = spec.get(role)
        if not isinstance(value, str) or value not in grpc.messages:
            shown = "missing" if value is None else describe_value(value)
            checker.error(key + (role,), f"expected the name of a [message.NAME], {shown} (known: "
                          f"{', '.join(grpc.messages) or 'none'})", _SERVICE)
            return None
        names[role] = value
    method = Method(service, name, names["request"], names["response"], server_stream=stream == "server")
    request, response = grpc.messages[method.request], grpc.messages[method.response]
    handler, reply = spec.get("handler"), spec.get("reply")
    if (handler is None) == (reply is None):
        checker.error(key, "a method needs exactly one of `reply` and `handler`", _SERVICE)
        return None
    inputs = {f.name: f for f in request.fields if not f.repeated and (f.type in INTEGER_TYPES or f.type == "bool"
                                                                         or f.kind == "enum")}
    if method.server_stream:
        inputs = dict(inputs, i=None)
    if handler is not None:
        if method.server_stream:
            checker.error(key + ("handler",), "handlers of server streams are not supported yet: use count and "
                          "reply", _SERVICE)
            return None
        if not isinstance(handler, str) or not _IDENT.fullmatch(handler):
            checker.error(key + ("handler",), "expected the name of a C function", "RS070")
            return None
        method.handler = handler
    else:
        if not isinstance(reply, dict) or not reply:
            checker.error(key + ("reply",), f'expected {{ FIELD = "EXPR" }}, got {describe_value(reply)}', "RS012")
            return None
        fields = {f.name: f for f in response.fields}
        for field_name, source in reply.items():
            path = key + ("reply", field_name)
            target = fields.get(field_name)
            if target is None or target.repeated or target.type not in INTEGER_TYPES:
                checker.error(path, f'"{field_name}" is not a singular integer field of {response.name}',
                              _SERVICE, at="key")
                continue
            node = _expression(checker, path, source, inputs, request.name)
            if node is not None:
                method.reply[field_name], method.reply_source[field_name] = node, source
    if method.server_stream:
        if "count" not in spec:
            checker.error(key, "a server stream needs `count` (how many replies, an expression over the request)",
                          _SERVICE)
            return None
        count_inputs = {k: v for k, v in inputs.items() if k != "i"}
        method.count = _expression(checker, key + ("count",), spec["count"], count_inputs, request.name)
        method.count_source = spec["count"] if isinstance(spec["count"], str) else ""
        lo, hi = spec_keys.SERVICE_METHOD.keys["max_count"].bounds
        method.max_count = checker.integer(spec, "max_count", key, spec_keys.SERVICE_METHOD.keys["max_count"].default,
                                           lo, hi)
    else:
        for k in ("count", "max_count"):
            if k in spec:
                checker.error(key + (k,), f"{k} is for server streams (stream = \"server\")", _SERVICE)
    return method


def _expression(checker, path: tuple, source, inputs: dict, request: str):
    if isinstance(source, int) and not isinstance(source, bool):
        source = str(source)
    if not isinstance(source, str):
        checker.error(path, f"expected an expression string, got {describe_value(source)}", "RS012")
        return None
    try:
        node = expr.parse_expr(source)
    except expr.ExprError as exc:
        checker.error(path, str(exc), "RS041")
        return None
    problems = []

    def walk(n):
        if isinstance(n, expr.BinOp):
            if n.op in "/%":
                problems.append(f"{n.op} is not supported here (+, - and * wrap as proto3 integers do)")
            walk(n.left)
            walk(n.right)
        elif isinstance(n, expr.Neg):
            walk(n.operand)
        elif isinstance(n, expr.Name) and n.name not in inputs:
            problems.append(f'"{n.name}" is not an integer field of {request} (known: {", ".join(inputs)})')

    walk(node)
    for problem in problems:
        checker.error(path, problem, "RS041")
    return None if problems else node
