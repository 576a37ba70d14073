"""The C of a reply's head: the status line, Content-Type, then the route's headers.

Constant headers are part of the preformatted head (one memcpy, as before). A header with
{holes} makes the head per request: the constant prefix is copied, then each computed
value is formatted after it, into a stack buffer sized for the longest value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lang import expr
from ..spec.model import STATUS_REASONS
from ..values.string_holes import TextHole

_INT64_DIGITS = 20  # rs_format_i64 writes at most 20 bytes


@dataclass
class HeadPlan:
    fixed: str  # the constant part of the head, as text
    pieces: list = field(default_factory=list)  # after it: ("text", C literal, bytes) | ("int", operand, 0)
    statements: list = field(default_factory=list)  # checked arithmetic of the holes
    temporaries: list = field(default_factory=list)
    used: set = field(default_factory=set)  # parameter names the holes read
    texts: list = field(default_factory=list)  # string parameters whose text a header holds

    @property
    def dynamic(self) -> bool:
        return bool(self.pieces)

    @property
    def size(self) -> int:
        """Bytes the head buffer needs: the prefix and every piece at its longest."""
        return len(self.fixed.encode()) + sum(_INT64_DIGITS if kind == "int" else n for kind, _, n in self.pieces)


def status_line(status: int, content_type: str) -> str:
    """"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n"; no Content-Type without a type
    (204, 304, a redirect)."""
    text = f"HTTP/1.1 {status} {STATUS_REASONS[status]}\r\n"
    return text + (f"Content-Type: {content_type}\r\n" if content_type else "")


def constant_lines(headers) -> str:
    return "".join(f"{h.name}: {h.text}\r\n" for h in headers if h.constant)


def plan(route, c_string, text_bytes) -> HeadPlan:
    """The head of a reply route: its constant part, then the computed headers.
    text_bytes(name): the longest text of a string parameter."""
    out = HeadPlan(status_line(route.status, route.content_type) + constant_lines(route.headers))
    emitter = expr.CEmitter("rs_h")  # its own temporaries: the body's emitter has rs_t
    text = ""
    for h in route.headers:
        if h.constant:
            continue
        text += f"{h.name}: "
        for part in h.template:
            if isinstance(part, expr.Text):
                text += part.text
                continue
            if text:
                out.pieces.append(("text", c_string(text), len(text.encode())))
                text = ""
            if isinstance(part, TextHole):  # "%XX" for each byte not allowed in a field value
                out.pieces.append(("str", f"rs_s_{part.name}", 3 * text_bytes(part.name)))
                out.texts.append(part.name)
                continue
            out.used.update(expr.names_in(part.expr))
            out.pieces.append(("int", emitter.emit(part.expr), 0))
        text += "\r\n"
    if text:
        out.pieces.append(("text", c_string(text), len(text.encode())))
    out.statements, out.temporaries = emitter.statements, emitter.temporaries
    return out
