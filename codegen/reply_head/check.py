"""Checks [server] response_headers, a route's response_headers and redirect, and that a
reply's status agrees with what it carries: 204/304 no body, a 3xx other than 304 a Location.

Header values are templates like reply text: "{id}" holes are int expressions over the
route's parameters, computed per request; constant values go into the preformatted head.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..lang import expr
from ..spec import spec_keys
from ..spec.params import header_name_problem

# Codes that carry no content and whose replies the spec may still name (RFC 9110 §15.3.5,
# §15.4.5); the runtime sends them without a body or Content-Length.
NO_CONTENT = (204, 304)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Fields the runtime writes itself, or that would change how the message is framed.
RUNTIME_FIELDS = ("content-length", "transfer-encoding", "connection", "keep-alive", "date", "content-type",
                  "content-encoding", "vary", "upgrade", "trailer", "te", "allow")
# A field value: visible ASCII, space and tab (RFC 9110 §5.5, without obs-text), not
# starting or ending with whitespace.
_VALUE_BYTES = re.compile(r"[\t\x20-\x7e]*")


@dataclass(frozen=True)
class Header:
    name: str  # as sent, e.g. "Cache-Control"
    template: tuple  # expr.Text | expr.Hole, folded

    @property
    def constant(self) -> bool:
        return all(isinstance(part, expr.Text) for part in self.template)

    @property
    def text(self) -> str:
        """The value when constant."""
        return "".join(part.text for part in self.template)


def display_name(name: str) -> str:
    """"cache-control" -> "Cache-Control": field names are case-insensitive, this is how
    they are usually written."""
    return "-".join(word[:1].upper() + word[1:] for word in name.split("-"))


def server_headers(checker, raw, key: tuple) -> tuple:
    """[server] response_headers: constant values added to every reply the spec generates."""
    if raw is None:
        return ()
    return tuple(_headers(checker, raw, key, template=None))


def route_headers(checker, raw, key: tuple, template) -> list:
    """A route's response_headers; template(text, key) parses a value (None: constants only)."""
    if raw is None:
        return []
    return _headers(checker, raw, key, template)


def _headers(checker, raw, key: tuple, template) -> list:
    if not isinstance(raw, dict):
        checker.error(key, 'expected a table of header names and values such as { cache-control = "no-store" }',
                      code="RS012")
        return []
    out = []
    for name, value in raw.items():
        where = key + (name,)
        problem = header_name_problem(name)
        if problem:
            checker.error(where, problem, code="RS044", at="key")
            continue
        if name in RUNTIME_FIELDS:
            hint = {"content-type": 'set the reply\'s type = "..."', "allow": "405 replies list the path's methods"}
            checker.error(where, f'"{name}" is written by the server itself', code="RS044", at="key",
                          hint=hint.get(name, "leave it to the runtime"))
            continue
        if not isinstance(value, str):
            checker.error(where, f"expected a string, got {checker_describe(value)}", code="RS012")
            continue
        parts = _value(checker, value, where, template)
        if parts is not None:
            out.append(Header(display_name(name), tuple(parts)))
    return out


def checker_describe(value) -> str:
    from ..spec.diagnostics import describe_value
    return describe_value(value)


def _value(checker, value: str, where: tuple, template):
    if not _VALUE_BYTES.fullmatch(value) or value != value.strip(" \t"):
        checker.error(where, f"not a header value: {json.dumps(value)} (printable ASCII, no line breaks, no "
                      "leading or trailing space)", code="RS044")
        return None
    if template is None:
        if "{" in value.replace("{{", "").replace("}}", ""):
            checker.error(where, "server headers are constant: a {hole} needs a route's parameters", code="RS044",
                          hint="move the header into the response_headers of the routes that have them")
            return None
        return [expr.Text(value.replace("{{", "{").replace("}}", "}"))] if value else []
    return template(value, where)


def redirect(checker, raw, key: tuple, template):
    """redirect = { status = 301, location = "/books/{id}" } -> (status, Location header)."""
    if not isinstance(raw, dict):
        checker.error(key, 'expected a table such as { status = 301, location = "/books/{id}" }', code="RS012")
        return None
    checker.only_keys(raw, key, spec_keys.REDIRECT.names)
    status = raw.get("status", 302)
    if status not in REDIRECT_STATUSES or isinstance(status, bool):
        checker.error(key + ("status",), f"a redirect's status is one of {', '.join(map(str, REDIRECT_STATUSES))}, "
                      f"got {checker_describe(status)}", code="RS045")
        return None
    location = raw.get("location")
    if not isinstance(location, str) or not location:
        shown = "missing" if location is None else f"got {checker_describe(location)}"
        checker.error(key + ("location",) if location is not None else key,
                      f'a redirect needs a location such as "/books/{{id}}", {shown}', code="RS045")
        return None
    parts = _value(checker, location, key + ("location",), template)
    if parts is None:
        return None
    return status, Header("Location", tuple(parts))


def check_status(checker, key: tuple, status: int, headers: list) -> None:
    """A 3xx other than 304 needs a Location (a 204/304 with a body is validate.reply's)."""
    if 300 <= status < 400 and status != 304 and not any(h.name == "Location" for h in headers):
        checker.error(key + ("status",), f"a {status} reply needs a Location header", code="RS045",
                      hint='write redirect = { status = %d, location = "/..." } instead of reply' % status)


def merged(server: tuple, route: list) -> list:
    """The headers of a route's reply: the server's, then the route's; a route's header
    replaces the server's of the same name."""
    names = {h.name for h in route}
    return [h for h in server if h.name not in names] + list(route)


class RouteHead:
    """The head keys of one [[route]]: response_headers and redirect. check() runs once the
    reply is known; headers is then the route's final list (the server's merged in)."""

    def __init__(self, checker, raw: dict, path: tuple, template):
        self.checker, self.path = checker, path
        self.own = route_headers(checker, raw.get("response_headers"), path + ("response_headers",), template)
        self.redirect = None
        if "redirect" in raw:
            if "reply" in raw or "handler" in raw:
                checker.error(path + ("redirect",), 'a route has one of "reply", "handler" or "redirect"',
                              code="RS045", at="key")
            else:
                self.redirect = redirect(checker, raw["redirect"], path + ("redirect",), template)
        self.headers: list = []

    @property
    def redirect_status(self) -> int:
        return self.redirect[0] if self.redirect else 302

    def check(self, handler, responses, status: int, server: tuple) -> None:
        own = self.own + ([self.redirect[1]] if self.redirect else [])
        key = self.path + ("response_headers",)
        if handler is not None:
            if any(not h.constant for h in self.own):
                self.checker.error(key, "a handler route's response_headers are constant (no {holes})",
                                   code="RS044")
            # A typed handler's responses carry them in their heads; an untyped handler's
            # replies get them from the runtime (rs_reply_route_headers), whatever it sends.
            self.headers = merged(server, own)
            return
        if self.redirect is None:
            check_status(self.checker, self.path + ("reply",), status, own)
        self.headers = merged(server, own)
