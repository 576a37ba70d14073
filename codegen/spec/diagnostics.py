"""Spec diagnostics: stable ids, severities, positions with a caret, hints.

Every problem the loader or the validator finds is a Diagnostic with an id from CODES.
Ids are stable: tests, editors and `ringspec explain RSxxx` rely on them, so a code is
never renumbered or reused; a new kind of problem gets a new number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .locator import Span

# id -> (title, explanation). The explanation is what `ringspec explain` prints.
CODES = {
    "RS001": ("TOML syntax error", """
The file is not valid TOML, so nothing else in it can be checked. The position is where
the TOML parser gave up; the real mistake is often just before it (an unclosed string or
bracket, a missing `=`, a key repeated in the same table)."""),
    "RS002": ("cannot read the spec", """
The spec file does not exist, is not readable, or is not UTF-8."""),
    "RS010": ("unknown key", """
The key is not part of the spec language at this place. Misspelled keys are errors rather
than being ignored, because an ignored `defualt = 5` would silently change behaviour. The
hint suggests the closest known key; `ringspec reference` lists every key."""),
    "RS011": ("missing key", """
A key this table must have is absent, e.g. a [[route]] without `path` or `reply`."""),
    "RS012": ("wrong type of value", """
The value has the wrong TOML type: a string where an integer is expected, a table where an
array is expected, and so on. The message names the type that was found."""),
    "RS013": ("value out of range", """
The value has the right type but lies outside the range the server can use; the message
gives the range. Ranges keep values inside the C types of the generated configuration."""),
    "RS014": ("invalid value", """
The value has the right type but is not acceptable: a malformed media type, a default
that is not an integer literal, a buffer count that is not a power of two, ..."""),
    "RS015": ("duplicate", """
Something is listed or declared twice where it must be unique: a method, a parameter
name, a profile route, an enum value."""),
    "RS020": ("bad route path", """
A route path starts with "/", has no empty segments, uses only RFC 3986 unreserved and
sub-delim characters in literal parts, and declares parameters as whole segments with a
type: "/items/{id:int}"."""),
    "RS021": ("routes overlap", """
Two routes answer the same method on the same requests (parameter names do not matter:
"/p/{a:int}" and "/p/{b:int}" match the same requests). Routes may share a path when their
methods differ (GET /books lists, POST /books creates), and then write the path the same
way; a method no route of the path lists gets 405 with every method of the path in Allow."""),
    "RS022": ("unknown method", """
Methods are upper case and one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS. GET
implies HEAD."""),
    "RS030": ("bad parameter type", """
A parameter's type is "int" (64-bit signed), "string" or "bool"; a string may take an enum
(a fixed list; the reply writes its value, a handler gets its index). v1 shorthand "int" and "int = N" still works;
constraints are written as a table: { type = "int", min = 1, max = 100, default = 10 }."""),
    "RS031": ("bad parameter name", """
Parameters become members of the generated structs (a handler's in->NAME), so a name must
be a C identifier that is not a C keyword, not one of ringspec's own names (starting with
"_" or "rs_", or ending in "_t") and not a macro of the C headers (errno, or a name with
no lower-case letter such as EOF). Library function names (qsort, strlen) are fine: the
generated code keeps them apart. On a handler route with a JSON body, "body" is the body
(in->body). Header parameters are named by the header (x-request-id) and bound as the
identifier with "-" replaced by "_"."""),
    "RS032": ("inconsistent constraints", """
The constraints of a parameter contradict each other or the type: min above max, a
default outside min..max or not in the enum, a length bound on an int, and so on."""),
    "RS033": ("bad pattern", """
`pattern` is a regular expression compiled with Ragel into a C matcher that must match the
whole value. Supported: literals, ".", character classes [a-z] and [^...], escapes \\d \\w
\\s and \\. , grouping ( ), alternation |, and the repeats * + ? {n} {n,} {n,m}.
Anchors ^ and $ are implied and may be written; back-references and look-around are not
regular and are refused."""),
    "RS034": ("bad request body", """
`body = { shape = "X" }` makes a route take a JSON body (Content-Type application/json)
parsed into a typed C struct. X must be a [shape.X]; the route must allow POST, PUT or
PATCH; arrays of arrays are not supported; the typed struct (arrays are inline, sized by
max_items, default 64) must stay within 256 KiB. Shape fields may be constraint tables:
{ type = "int", min = 1 }, { type = "string", required = false, max_length = 200 },
{ type = "[string]", max_items = 5, pattern = "[a-z]+" } (element constraints)."""),
    "RS040": ("bad reply", """
A reply has a status (a registered code), a media type, and either `text` (a template with
{expression} holes) or `json` (a table of output fields). 204 and 304 carry no body: such a
reply has neither text nor json (and is sent without Content-Type and Content-Length)."""),
    "RS041": ("bad expression", """
An expression in a reply refers to an unknown name, cannot be parsed, or would always
fail (division by zero, overflow). Expressions are type-checked at generation time. A
string or enum parameter goes out as its text when it is a hole or json field alone
({slug}, "slug"); len(slug) is a string's length; a string in other arithmetic is refused."""),
    "RS042": ("type error in a data query", """
A `where` condition, `order by` or string test mixes types: comparing a string with an int
(`price == "cheap"`), `and`/`or` over something that is not a condition, `<` between
bools, a string test such as icontains() on an int, `is absent` on a parameter that always
has a value, or ordering by a field that is not an int, string or bool. Conditions are
typed at generation time: int (fields, int parameters, arithmetic), string (fields,
string parameters, "literals") and bool (fields, bool parameters, true/false, comparisons).
The caret points at the part of the expression that has the wrong type."""),
    "RS043": ("optional parameter read without a presence test", """
Warning: a `where` condition reads a parameter declared `required = false` without a
default, and nothing in the condition tests `NAME is absent` (or `is present`). When a
request leaves the parameter out it reads as 0, "" or false, so `price <= max_price` keeps
no item at all. Guard it, `(max_price is absent or price <= max_price)`, or give the
parameter a default."""),
    "RS044": ("bad response header", """
response_headers (of [server] or a route) map lower-case field names to values: printable
ASCII without line breaks or surrounding spaces. A route's values may hold {holes} (int
expressions over its parameters, computed per request); the server's are constant. Fields
the runtime writes itself (Content-Length, Content-Type, Date, Connection, Allow, ...) are
refused: set a reply's `type` for Content-Type. A handler route's headers are constant; the
runtime adds them to whatever an untyped handler sends."""),
    "RS045": ("bad redirect", """
`redirect = { status = 301, location = "/books/{id}" }` answers a route with a Location and
no body; status is 301, 302, 303, 307 or 308 (302 when left out) and location is a template
like reply text. A route has one of reply, handler or redirect. A reply with a 3xx status
other than 304 needs a Location: write it as a redirect."""),
    "RS046": ("bad CORS policy", """
[server.cors] (and a route's `cors`) allow cross-origin requests: `origins` is "*" or a list
of serialized origins (scheme://host[:port], no path), `methods` are known methods, `headers`
and `expose_headers` lower-case field names, `max_age` 0..86400 seconds. Credentials cannot
be allowed with origins = "*" (browsers refuse such replies): list the origins instead. A
route's `cors = true` needs a [server.cors] to take the policy from."""),
    "RS047": ("bad access log or request id", """
[server.log] turns the access log on: `path` is a file the lines are appended to (or "-"
for stdout) and `format` "common" (Common Log Format plus the duration in microseconds)
or "json" (one JSON object a line). [server] request_id is "pass", "generate" or "off"."""),
    "RS050": ("bad shape or data source", """
[shape.X] tables declare JSON objects (fields "int", "string", "bool", "[T]" or another
shape); [data.x] tables name a JSON file and its type, loaded once at start-up."""),
    "RS060": ("bad profile", """
A [profile.NAME] lists paths of routes of this spec; NAME names a build directory."""),
    "RS065": ("bad database or SQL statement", """
[database] names the environment variables holding the Postgres connection string and the
pool cap, and bounds the pipeline, statement timeout and reconnect backoff. [sql.NAME]
declares a statement prepared on every connection: its `text` uses $1..$n, each declared
in `params` ("int" or "string"), and `row` names the shape of a result row. Every field
of that shape must be a column of the SELECT (or RETURNING) list, by name or `AS` alias;
a field of a nested shape is the column FIELD_SUBFIELD (rating.score <- rating_score);
"[T]" and shape-typed fields may instead be one jsonb column of their own name."""),
    "RS066": ("bad protobuf message or enum", """
[message.NAME] declares a protobuf message: each key is a field { number = N, type = T }
with T a proto3 scalar (int32 int64 uint32 uint64 sint32 sint64 bool), "string" or
"bytes" (with max_length, bytes), an [enum.NAME] or another message (not itself, directly
or not: sizes must stay bounded); `repeated = N` makes a field a list of at most N values.
Field numbers are unique in their message, 1..536870911, outside 19000..19999 (reserved by
protobuf). [enum.NAME] maps value names to numbers, the first one 0 (proto3)."""),
    "RS067": ("bad gRPC service", """
[service.NAME.METHOD] declares an RPC: `request` and `response` name messages; `stream =
"server"` makes it server streaming (client streaming and bidi are not supported yet). A
unary method answers with `reply = { FIELD = "EXPR" }` (integer arithmetic over the
request's fields, wrapping to the field's type as proto3 does) or `handler = "name"` (a C
function in handlers/*.c); a server stream sends `count` replies (an expression over the
request, at most max_count), each `reply` with `i` counting from 0."""),
    "RS070": ("bad handler", """
`handler = "name"` makes a route call a C function the user writes in handlers/*.c. The
name must be a C identifier, unique across routes."""),
    "RS075": ("bad typed response", """
A [[route.response]] table declares one status a handler route may answer with: a
registered status that carries a body, at most one table per status, and either
`shape` (a [shape.X] name or "[X]", sent as JSON) or `type` (text bytes). Responses and
`errors` need `handler = "name"`; `errors` is a key of the route, written above its first
[[route.response]] table."""),
    "RS076": ("bad named error", """
[error.NAME] declares an error handlers may return by name with rs_error_NAME(): a status
400..599 and a message. NAME must be a C identifier. A route lists the errors its handler
may return in `errors = ["NAME", ...]`; [error_body] names the members of their JSON body."""),
    "RS080": ("bad test case", """
[[route.test]] cases describe a request and the response it must get; `ringspec test SPEC`
builds the server, starts it and runs them:

    [[route.test]]
    name = "sum"                              # optional; default "<METHOD> <target>"
    request = "POST /baseline11?a=13&b=42"    # METHOD, one space, an origin-form target
    headers = { Content-Type = "text/plain" } # optional; Content-Length is computed from body
    body = "20"                               # optional
    status = 200                              # required
    expect_headers = { Content-Type = "text/plain", Content-Encoding = false }
    expect_body = "75"                        # or expect_json = { ... }, expect_body_size = N

The target is printable ASCII without spaces (percent-encode the rest); header names are
tokens and values have no control characters. expect_headers values are exact strings,
false (the header must be absent) or true (present, any value). expect_json is a subset:
objects need the listed keys, arrays the same length, scalars equal; TOML dates have no
JSON equivalent."""),
    "RS081": ("test request does not match its route", """
A [[route.test]] case is written under the [[route]] that serves its request: the target's
path must match that route's path (literal segments exactly, an {x:int} segment as any
one segment, so a case can test what a bad integer gets; a static route by its prefix).
Move the case under the route it exercises."""),
    "RS082": ("bad websocket test case", """
`websocket = ["hello", ...]` opens the handshake at the case's target and sends each
string as a text message, expecting each echoed back, then closes with 1000. It is allowed
on websocket routes only, with a GET request and status = 101, and without a body or body
expectations. A 101 status needs `websocket` (use [] for the handshake alone). To test a
refused handshake, write a plain case with the upgrade headers in `headers`."""),
    "RS090": ("unused parameter", """
Warning: a path, query or header parameter is declared but neither the reply (a template
hole, a json field, a slice bound, a `with` field) nor a handler uses it, and it has no
constraint (min, max, enum, lengths, pattern) the server would refuse requests by. It is
still parsed and type-checked on every request, for nothing: use it, constrain it, or
remove it. The build goes on."""),
    "RS091": ("string parameter read as a number", """
Warning: an int expression inside a data query (a slice bound such as
`found[0 : limit + author]`) uses a string parameter. There it reads as its length in
bytes, and a string enum as the 0-based index of its value. (In a {hole} of a text reply
or a json field, a string alone writes its text, len(name) is its length, and a string in
other arithmetic is error RS041.) Compare strings in a `where` condition or order by an
enum, where they read as their text; declare `type = "int"` for a parameter that holds a
number."""),
}

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class SpecError:
    """One diagnostic. span is None when no position is known (e.g. a missing file)."""

    span: Span | None
    key: str  # "route[1].query.a"; "syntax" for TOML syntax errors
    message: str
    code: str = "RS014"
    severity: str = "error"
    hint: str | None = None

    @property
    def line(self) -> int | None:
        return self.span.line if self.span else None

    def headline(self, file: str) -> str:
        where = f"{file}:{self.span.line}:{self.span.col}" if self.span else file
        return f"{where}: {self.severity}[{self.code}]: {self.key}: {self.message}"

    def format(self, file: str, lines: list[str] | None = None) -> str:
        """The headline, then the offending line with a caret under the span, then the hint."""
        out = [self.headline(file)]
        if self.span and lines and self.span.line <= len(lines):
            text = lines[self.span.line - 1].rstrip("\r").replace("\t", " ")
            number = str(self.span.line)
            out.append(f" {number} | {text}")
            out.append(f" {' ' * len(number)} | {' ' * (self.span.col - 1)}{'^' * self.span.length}")
        if self.hint:
            out.append(f"  = hint: {self.hint}")
        return "\n".join(out)


class SpecErrors(Exception):
    """All problems found in a spec; raised only when there is at least one error."""

    def __init__(self, errors: list[SpecError], lines: list[str] | None = None):
        super().__init__(f"{len(errors)} spec error(s)")
        # Sorted by position so they read top to bottom like the file; position-less last.
        self.errors = sort(errors)
        self.lines = lines


def sort(errors: list[SpecError]) -> list[SpecError]:
    return sorted(errors, key=lambda e: (e.span is None, e.span.line if e.span else 0,
                                         e.span.col if e.span else 0))


def explain(code: str) -> str | None:
    entry = CODES.get(code.upper())
    if entry is None:
        return None
    title, text = entry
    return f"{code.upper()}: {title}\n{text}\n"


def describe_value(value) -> str:
    """A TOML value as messages name it: `integer 3`, `string "x"`, `an empty array`."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"float {value}"
    if isinstance(value, str):
        return f"string {json.dumps(value)}"
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, dict):
        return "a table"
    return f"date/time {value}"
