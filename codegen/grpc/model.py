"""The checked model of a spec's protobuf messages and gRPC services."""

from __future__ import annotations

from dataclasses import dataclass, field

# proto3 scalar types: (C type, wire type, largest encoded size of one value).
SCALARS = {
    "int32": ("int32_t", 0, 10),  # negative int32 are sign-extended: 10-byte varints
    "int64": ("int64_t", 0, 10),
    "uint32": ("uint32_t", 0, 5),
    "uint64": ("uint64_t", 0, 10),
    "sint32": ("int32_t", 0, 5),
    "sint64": ("int64_t", 0, 10),
    "bool": ("bool", 0, 1),
}
LENGTH_TYPES = ("string", "bytes")
INTEGER_TYPES = ("int32", "int64", "uint32", "uint64", "sint32", "sint64")
RESERVED = range(19000, 20000)  # protobuf's own field numbers
MAX_FIELD_NUMBER = (1 << 29) - 1


@dataclass
class Field:
    name: str
    number: int
    type: str  # a scalar, "string", "bytes", or an enum or message name
    kind: str  # "scalar", "length" (string/bytes), "enum", "message"
    repeated: int = 0  # max count, 0 = singular
    max_length: int = 0  # string/bytes


@dataclass
class Message:
    name: str
    fields: list  # Field, in spec order
    max_size: int = 0  # largest encoding of a message within the spec's bounds


@dataclass
class Enum:
    name: str
    values: list  # (name, number), in spec order


@dataclass
class Method:
    service: str  # "BenchmarkService"
    name: str  # "GetSum"
    request: str
    response: str
    server_stream: bool = False
    reply: dict = field(default_factory=dict)  # response field -> expression node
    reply_source: dict = field(default_factory=dict)  # response field -> expression text
    count: object = None  # expression node (server streams)
    count_source: str = ""
    max_count: int = 0
    handler: str | None = None

    def path(self, package: str) -> str:
        prefix = f"{package}." if package else ""
        return f"/{prefix}{self.service}/{self.name}"


@dataclass
class Grpc:
    package: str = ""
    max_message: int = 4096
    enums: dict = field(default_factory=dict)  # name -> Enum
    messages: dict = field(default_factory=dict)  # name -> Message
    services: dict = field(default_factory=dict)  # name -> list of Method

    def methods(self) -> list:
        return [m for methods in self.services.values() for m in methods]

    def paths(self) -> list:
        return [m.path(self.package) for m in self.methods()]
