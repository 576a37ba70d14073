"""[[route.test]]: test cases written inside the spec, checked here, run by `ringspec test`.

A case names one request (method, target, headers, body) and what the response must be
(status, headers, body, a JSON subset, a body size, or WebSocket echoes). validate.py calls
check() for every [[route]] table; problems go to its error() like every other part of the
spec, with positions and stable ids: RS080 (a malformed case), RS081 (the request does not
go to the route it is written under), RS082 (a WebSocket case that cannot be run).
The cases are stored on the route (Route.tests) for codegen/testing/case_runner.py.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field

from .diagnostics import describe_value
from .model import METHODS, Literal, ParamSegment
from .spec_keys import ROUTE_TEST

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Origin-form targets only: printable ASCII, no spaces, no fragment.
_TARGET = re.compile(r"/[\x21-\x7e]*")
# Headers the runner computes from the case itself.
_COMPUTED = ("content-length",)


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class, whatever imports it
    route_path: str  # the route as written in the spec, e.g. "/json/{count:int}"
    name: str
    method: str
    target: str
    line: int | None  # where the case starts in the spec, for failure messages
    headers: tuple = ()  # (name, value) as written
    body: bytes | None = None
    status: int = 200
    expect_headers: tuple = ()  # (name, str | bool): str exact, False absent, True present
    expect_body: bytes | None = None
    expect_json: object = None  # None = not checked (TOML has no null)
    expect_body_size: int | None = None
    websocket: tuple | None = None  # text messages, or None for a plain HTTP case

    @property
    def chunked(self) -> bool:
        return any(n.lower() == "transfer-encoding" and "chunked" in v.lower() for n, v in self.headers)


def check(checker, index: int, raw: dict, route) -> list:
    """The cases of one [[route]] table; route is None when the route itself has errors
    (its cases are still checked, but not matched against it)."""
    if "test" not in raw:
        return []
    key = ("route", index, "test")
    cases = raw["test"]
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        checker.error(key, "expected an array of tables ([[route.test]])", "RS012")
        return []
    out = []
    for number, table in enumerate(cases):
        case = _Case(checker, key + (number,), table, route).check()
        if case is not None:
            out.append(case)
    return out


def path_matches(route, path: str) -> bool:
    """Whether a request path (no query) would be dispatched to route: literals exactly, a
    parameter segment as any one non-empty segment (so a case can test a bad integer's answer),
    a static route by prefix."""
    if route.static is not None:
        return path.startswith(route.path)
    pattern = "".join(re.escape(s.text) if isinstance(s, Literal) else "[^/]+"
                      for s in route.segments if isinstance(s, (Literal, ParamSegment)))
    return re.fullmatch(pattern, path) is not None


class _Case:
    """Checks one case table; check() returns the TestCase, or None after reporting."""

    def __init__(self, checker, key: tuple, table: dict, route):
        self.checker, self.key, self.table, self.route = checker, key, table, route
        self.errors_before = len(checker.errors)

    def error(self, key: tuple, message: str, code: str = "RS080", hint: str | None = None,
              at: str = "value") -> None:
        self.checker.error(self.key + key, message, code, hint, at)

    def string(self, name: str) -> str | None:
        value = self.table.get(name)
        if value is not None and not isinstance(value, str):
            self.error((name,), f"expected a string, got {describe_value(value)}", "RS012")
            return None
        return value

    def check(self):
        self.checker.only_keys(self.table, self.key, ROUTE_TEST.names)
        method, target = self.request()
        headers = self.headers()
        body = self.string("body")
        status = self.status()
        expect_headers = self.expect_headers()
        expect_body = self.string("expect_body")
        expect_json = self.expect_json()
        size = self.table.get("expect_body_size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            self.error(("expect_body_size",), f"expected a byte count (an integer >= 0), got {describe_value(size)}",
                       "RS012")
        websocket = self.websocket(method, status, body)
        name = self.string("name")
        if len(self.checker.errors) != self.errors_before or method is None or self.route is None:
            return None
        place = self.checker.source.locator.place(self.key)
        return TestCase(
            route_path=self.route.path, name=name or f"{method} {target}", method=method, target=target,
            line=place.key.line if place else None, headers=headers,
            body=body.encode() if body is not None else None, status=status,
            expect_headers=expect_headers, expect_body=expect_body.encode() if expect_body is not None else None,
            expect_json=expect_json, expect_body_size=size, websocket=websocket)

    def request(self) -> tuple:
        if "request" not in self.table:
            self.error((), 'missing "request" (e.g. request = "GET /items/7")', "RS011")
            return None, None
        text = self.string("request")
        if text is None:
            return None, None
        m = re.fullmatch(r"(\S+) (\S+)", text)
        if not m:
            self.error(("request",), f'expected "METHOD /target", got {json.dumps(text)}',
                       hint='one space between them, e.g. "POST /baseline11?a=13&b=42"')
            return None, None
        method, target = m.groups()
        if method not in METHODS:
            close = [x for x in METHODS if x == method.upper()]
            self.error(("request",), f"unknown method {json.dumps(method)} (expected one of: {', '.join(METHODS)})",
                       "RS022", hint=f'methods are upper case: "{close[0]}"' if close else None)
            return None, None
        if not _TARGET.fullmatch(target) or "#" in target:
            self.error(("request",), f"the target must start with \"/\" and be printable ASCII without "
                       f"spaces or a fragment, got {json.dumps(target)}",
                       hint="percent-encode other bytes, e.g. %20 for a space")
            return None, None
        route = self.route
        if route is not None and not path_matches(route, target.split("?", 1)[0]):
            shape = route.path + ("*" if route.static is not None else "")
            self.error(("request",), f"{json.dumps(target)} does not go to this route ({shape})", "RS081",
                       hint="write the case under the [[route]] that serves its target")
        return method, target

    def headers(self) -> tuple:
        raw = self.table.get("headers", {})
        if not isinstance(raw, dict):
            self.error(("headers",), f"expected a table such as {{ Accept = \"text/plain\" }}, got {describe_value(raw)}",
                       "RS012")
            return ()
        out = []
        for name, value in raw.items():
            if not _TOKEN.fullmatch(name):
                self.error(("headers", name), f"{json.dumps(name)} is not a header name", at="key")
            elif name.lower() in _COMPUTED:
                self.error(("headers", name), f"{name} is computed from body", at="key",
                           hint='use Transfer-Encoding = "chunked" to send the body chunked instead')
            elif not isinstance(value, str):
                self.error(("headers", name), f"expected a string, got {describe_value(value)}", "RS012")
            elif re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value):
                self.error(("headers", name), "a header value cannot hold control characters (CR, LF, ...)")
            elif not value.isascii():
                self.error(("headers", name), "header values must be ASCII (other bytes are read differently "
                           "by different servers)", hint="percent-encode it, or test it with a body instead")
            else:
                out.append((name, value))
        return tuple(out)

    def status(self) -> int:
        if "status" not in self.table:
            self.error((), 'missing "status" (the expected status code, e.g. status = 200)', "RS011")
            return 0
        value = self.table["status"]
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(("status",), f"expected an integer, got {describe_value(value)}", "RS012")
            return 0
        if not 100 <= value <= 599:
            self.error(("status",), f"{value} is out of range (expected 100..599)", "RS013")
            return 0
        return value

    def expect_headers(self) -> tuple:
        raw = self.table.get("expect_headers", {})
        if not isinstance(raw, dict):
            self.error(("expect_headers",), f"expected a table such as {{ Content-Type = \"text/plain\" }}, "
                       f"got {describe_value(raw)}", "RS012")
            return ()
        out, seen = [], {}
        for name, value in raw.items():
            if not _TOKEN.fullmatch(name):
                self.error(("expect_headers", name), f"{json.dumps(name)} is not a header name", at="key")
            elif name.lower() in seen:
                self.error(("expect_headers", name), f'"{name}" is already expected as "{seen[name.lower()]}" '
                           "(header names are case-insensitive)", "RS015", at="key")
            else:
                seen[name.lower()] = name
                if isinstance(value, (str, bool)):
                    out.append((name, value))
                else:
                    self.error(("expect_headers", name), f"expected a string (the exact value), false (absent) "
                               f"or true (present), got {describe_value(value)}", "RS012")
        return tuple(out)

    def expect_json(self):
        value = self.table.get("expect_json")
        bad = _first_non_json(value, ("expect_json",))
        if bad is not None:
            self.error(bad[0], f"{describe_value(bad[1])} has no JSON equivalent", "RS012",
                       hint="write dates and times as strings")
            return None
        return value

    def websocket(self, method: str | None, status: int, body: str | None):
        raw = self.table.get("websocket")
        route = self.route
        if raw is None:
            if status == 101:
                self.error(("status",), "a 101 answer opens a WebSocket: say what to send", "RS082",
                           hint="add websocket = [] (handshake only) or websocket = [\"hello\"]")
            return None
        if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
            self.error(("websocket",), f"expected an array of text messages such as [\"hello\"], "
                       f"got {describe_value(raw)}", "RS012")
            return None
        if route is not None and route.websocket is None:
            self.error(("websocket",), f"{route.path} is not a websocket route", "RS082", at="key")
        if method is not None and method != "GET":
            self.error(("request",), f"the opening handshake is a GET, not {method}", "RS082")
        if status and status != 101:
            self.error(("status",), f"a websocket case expects 101 (the handshake), got {status}", "RS082",
                       hint="test a refused handshake without `websocket`, with the upgrade headers in `headers`")
        if body is not None:
            self.error(("body",), "a websocket case has no request body", "RS082", at="key")
        for name in ("expect_body", "expect_json", "expect_body_size"):
            if name in self.table:
                self.error((name,), "a 101 answer has no body; the echoes are the expectation", "RS082",
                           at="key")
        return tuple(raw)


def _first_non_json(value, key: tuple):
    """(key, value) of the first TOML date/time inside value, or None."""
    if isinstance(value, (datetime.date, datetime.time)):
        return key, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        found = _first_non_json(v, key + (k,))
        if found is not None:
            return found
    return None


@dataclass
class Selection:
    """The cases one `ringspec test` run executes, and the routes it leaves untested."""

    cases: list = field(default_factory=list)
    untested: list = field(default_factory=list)  # route paths without a case


def select(spec, profile: str | None) -> Selection:
    out = Selection()
    for route in spec.select(profile):
        out.cases += route.tests
        if not route.tests:
            out.untested.append(route.path)
    return out
