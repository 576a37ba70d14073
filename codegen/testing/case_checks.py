"""What `ringspec test` says when a response differs from its [[route.test]] case.

differences() returns one line per difference, each naming what differs and showing
expected against got: the status, a header, the body (with the first differing byte for
long bodies), a JSON path such as `items[0].total`, a WebSocket message. An empty list
means the case passed.
"""

from __future__ import annotations

import json
import re

from .case_client import Exchange
from ..spec.route_tests import TestCase

MAX_LINES = 12  # per case: the first differences say enough
_SHOWN = 60  # characters of a body shown around a difference
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def differences(case: TestCase, got: Exchange) -> list:
    out = []
    if got.status != case.status:
        out.append(f"status: expected {case.status}, got {got.status} {got.reason}".rstrip())
    out += _headers(case, got)
    out += got.ws_problems
    if case.websocket is not None and got.status == 101:
        out += _echoes(case.websocket, got.echoes)
    if case.expect_body is not None and got.body != case.expect_body:
        out.append(_body_difference(case.expect_body, got.body))
    if case.expect_body_size is not None and len(got.body) != case.expect_body_size:
        out.append(f"body size: expected {case.expect_body_size} bytes, got {len(got.body)}")
    if case.expect_json is not None:
        try:
            document = json.loads(got.body)
        except (ValueError, UnicodeDecodeError) as exc:
            out.append(f"body is not JSON ({exc}): {_quote(got.body)}")
        else:
            out += json_differences(case.expect_json, document, "")
    if len(out) > MAX_LINES:
        out = out[:MAX_LINES] + [f"... and {len(out) - MAX_LINES} more differences"]
    return out


def _headers(case: TestCase, got: Exchange) -> list:
    out = []
    for name, want in case.expect_headers:
        values = got.header_values(name)
        shown = ", ".join(json.dumps(v) for v in values) if values else "absent"
        if want is False:
            if values:
                out.append(f"header {name}: expected absent, got {shown}")
        elif want is True:
            if not values:
                out.append(f"header {name}: expected present, got absent")
        elif len(values) > 1:
            out.append(f"header {name}: expected {json.dumps(want)} once, got {len(values)} fields: {shown}")
        elif values != [want]:
            out.append(f"header {name}: expected {json.dumps(want)}, got {shown}")
    return out


def _echoes(sent: tuple, echoes: list) -> list:
    out = []
    for i, message in enumerate(sent):
        where = f"websocket[{i}] {json.dumps(message[:40])}" + ("..." if len(message) > 40 else "")
        if i >= len(echoes):
            out.append(f"{where}: not sent (the server closed the connection before it)")
            continue
        opcode, payload = echoes[i]
        if opcode == 0x8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            out.append(f"{where}: expected the same text back, got a close frame (code {code})")
        elif opcode != 0x1:
            out.append(f"{where}: expected a text frame (opcode 0x1), got opcode {opcode:#x}")
        elif payload != message.encode():
            out.append(f"{where}: expected the same text back, got {_quote(payload)}")
    return out


def _quote(data: bytes, limit: int = _SHOWN * 2) -> str:
    text = data[:limit].decode("utf-8", "backslashreplace")
    return json.dumps(text) + (f"... ({len(data)} bytes)" if len(data) > limit else "")


def _body_difference(want: bytes, got: bytes) -> str:
    """Short bodies in full; long ones around the first differing byte."""
    if len(want) <= _SHOWN * 2 and len(got) <= _SHOWN * 2:
        return f"body: expected {_quote(want)}, got {_quote(got)}"
    at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    start = max(0, at - _SHOWN // 2)

    def around(data: bytes) -> str:
        piece = data[start:start + _SHOWN].decode("utf-8", "backslashreplace")
        return ("..." if start else "") + json.dumps(piece) + ("..." if start + _SHOWN < len(data) else "")

    return (f"body: differs at byte {at} (expected {len(want)} bytes, got {len(got)}): "
            f"expected {around(want)}, got {around(got)}")


# -- JSON subset ------------------------------------------------------------------------


def json_differences(want, got, path: str) -> list:
    """Objects: every expected key present and matching (others ignored); arrays: the same
    length, element-wise; scalars: equal, with booleans never equal to numbers."""
    where = path or "(root)"
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {_json_kind(got)}"]
        out = []
        for key, value in want.items():
            sub = _member_path(path, key)
            if key not in got:
                out.append(f"{sub}: missing (expected {_short(value)})")
            else:
                out += json_differences(value, got[key], sub)
        return out
    if isinstance(want, list):
        if not isinstance(got, list):
            return [f"{where}: expected an array of {_elements(len(want))}, got {_json_kind(got)}"]
        out = []
        if len(got) != len(want):
            out.append(f"{where}: expected {_elements(len(want))}, got {len(got)}")
        for i, (w, g) in enumerate(zip(want, got)):
            out += json_differences(w, g, f"{path}[{i}]")
        return out
    if not _scalar_equal(want, got):
        if _kind(want) != _kind(got):  # 1 against "1": say which is which
            return [f"{where}: expected {_short(want)} ({_kind(want)}), got {_short(got)} ({_kind(got)})"]
        return [f"{where}: expected {_short(want)}, got {_short(got)}"]
    return []


def _kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _elements(n: int) -> str:
    return f"{n} element{'s' if n != 1 else ''}"


def _scalar_equal(want, got) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return type(want) is type(got) and want == got
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return want == got
    return type(want) is type(got) and want == got


def _member_path(path: str, key: str) -> str:
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _json_kind(value) -> str:
    if isinstance(value, dict):
        return f"an object {_short(value)}"
    if isinstance(value, list):
        return f"an array of {_elements(len(value))}"
    return _short(value)


def _short(value) -> str:
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."
