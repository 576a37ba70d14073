"""Checks a CORS policy: [server.cors] for every reply route, and a route's `cors` (a table
of keys that replace the server's, or false for none).

A policy names the origins allowed to read replies ("*" or a list of serialized origins),
the methods and request headers a preflight may ask for, the response headers scripts may
read, how long a preflight may be cached, and whether credentials are allowed. Mistakes a
browser would only report at run time ("*" with credentials, a method or header name
that can never match) are RS046 errors here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..spec import spec_keys
from ..spec.model import METHODS
from ..spec.params import header_name_problem

# "https://example.com", "http://localhost:8080": scheme, host, optional port; no path.
_ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")
MAX_ORIGINS = 32
MAX_ORIGIN_BYTES = 200  # the runtime's header buffer is sized from these (cors.h RS_CORS_LINES_MAX)
MAX_LIST_BYTES = 400  # methods, headers and expose_headers lines each
MAX_AGE = 86400


@dataclass(frozen=True)
class Policy:
    origins: tuple  # serialized origins; () with any_origin
    any_origin: bool
    methods: tuple  # names from METHODS a preflight may ask for
    headers: tuple  # lower-case request header names a preflight may ask for
    expose: tuple  # response header names scripts may read (as written)
    max_age: int | None  # seconds; None: no Access-Control-Max-Age
    credentials: bool

    def preflight_lines(self) -> str:
        out = f"Access-Control-Allow-Methods: {', '.join(self.methods)}\r\n"
        if self.headers:
            out += f"Access-Control-Allow-Headers: {', '.join(self.headers)}\r\n"
        if self.max_age is not None:
            out += f"Access-Control-Max-Age: {self.max_age}\r\n"
        return out

    def actual_lines(self) -> str:
        return f"Access-Control-Expose-Headers: {', '.join(self.expose)}\r\n" if self.expose else ""


# [server.cors] had errors (reported once): routes that would inherit it get no policy.
BAD = {"bad": True}


def server_policy(checker, raw) -> dict | None:
    """[server.cors] as checked keys (methods default per route), None when absent, BAD
    when wrong."""
    if raw is None:
        return None
    key = ("server", "cors")
    keys = _keys(checker, raw, key)
    if keys is None or not _complete(checker, keys, key, "origins" in (raw or {})):
        return BAD
    return keys


def route_policy(checker, server: dict | None, raw, key: tuple, route_methods: tuple) -> Policy | None:
    """The policy of one route: its own `cors` table over the server's, `cors = false` for
    none, `cors = true` (or no key) for the server's; methods default to the route's own."""
    if raw is False:
        return None
    if raw is True and server is None:
        checker.error(key, "cors = true needs a [server.cors] table to take the policy from", code="RS046",
                      hint='write the policy here: cors = { origins = ["https://app.example"] }')
        return None
    if raw is None or raw is True:
        keys = server
    else:
        own = _keys(checker, raw, key)
        if own is None or server is BAD:
            return None
        keys = {**(server or {}), **own}
        if not _complete(checker, keys, key, "origins" in raw):
            return None
    if keys is None or keys is BAD:
        return None
    return Policy(() if keys["origins"] == ("*",) else keys["origins"], keys["origins"] == ("*",),
                  keys.get("methods") or route_methods, keys.get("headers", ()), keys.get("expose_headers", ()),
                  keys.get("max_age"), keys.get("credentials", False))


def _complete(checker, keys: dict, where: tuple, origins_written: bool) -> bool:
    """A whole policy: origins given, no credentials for "*". (An origins key written
    wrongly was reported already.)"""
    if "origins" not in keys:
        if not origins_written:
            checker.error(where, 'a CORS policy needs origins: "*" or a list such as ["https://app.example"]',
                          code="RS046")
        return False
    if keys["origins"] == ("*",) and keys.get("credentials", False):
        checker.error(where + ("credentials",), 'credentials cannot be allowed for every origin ("*"): browsers '
                      "refuse such replies", code="RS046", hint="list the origins that may send credentials")
        return False
    return True


def _keys(checker, raw, key: tuple) -> dict | None:
    if not isinstance(raw, dict):
        checker.error(key, 'expected a table such as { origins = ["https://app.example"] } (or false)',
                      code="RS012")
        return None
    checker.only_keys(raw, key, spec_keys.CORS.names)
    out = {}
    if "origins" in raw:
        origins = _origins(checker, raw["origins"], key + ("origins",))
        if origins is not None:
            out["origins"] = origins
    if "methods" in raw:
        methods = _methods(checker, raw["methods"], key + ("methods",))
        if methods is not None:
            out["methods"] = methods
    for name in ("headers", "expose_headers"):
        if name in raw:
            names = _header_names(checker, raw[name], key + (name,))
            if names is not None:
                out[name] = names
    if "max_age" in raw:
        age = raw["max_age"]
        if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= MAX_AGE:
            checker.error(key + ("max_age",), f"expected seconds 0..{MAX_AGE}, got {_describe(age)}", code="RS046")
        else:
            out["max_age"] = age
    if "credentials" in raw:
        if not isinstance(raw["credentials"], bool):
            checker.error(key + ("credentials",), f"expected true or false, got {_describe(raw['credentials'])}",
                          code="RS012")
        else:
            out["credentials"] = raw["credentials"]
    return out


def _strings(checker, raw, key: tuple, what: str):
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        checker.error(key, f"expected a non-empty array of {what}, got {_describe(raw)}", code="RS012")
        return None
    if len(set(raw)) != len(raw):
        twice = next(v for v in raw if raw.count(v) > 1)
        checker.error(key, f"{json.dumps(twice)} is listed twice", code="RS046")
        return None
    return raw


def _origins(checker, raw, key: tuple):
    if raw == "*":
        return ("*",)
    values = _strings(checker, raw, key, 'origins (or "*")')
    if values is None:
        return None
    if "*" in values:
        checker.error(key, '"*" stands alone: origins = "*" allows every origin', code="RS046")
        return None
    if len(values) > MAX_ORIGINS:
        checker.error(key, f"at most {MAX_ORIGINS} origins, got {len(values)}", code="RS046")
        return None
    for i, origin in enumerate(values):
        if not _ORIGIN.fullmatch(origin) or len(origin) > MAX_ORIGIN_BYTES:
            hint = 'no path and no trailing slash: "https://app.example"' if "://" in origin else \
                'an origin is scheme://host[:port], e.g. "https://app.example"'
            checker.error(key + (i,), f"not an origin: {json.dumps(origin)}", code="RS046", hint=hint)
            return None
    return tuple(values)


def _methods(checker, raw, key: tuple):
    values = _strings(checker, raw, key, 'methods such as ["GET", "POST"]')
    if values is None:
        return None
    for i, method in enumerate(values):
        if method not in METHODS:
            hint = f'methods are upper case: "{method.upper()}"' if method.upper() in METHODS else None
            checker.error(key + (i,), f"unknown method {json.dumps(method)} (expected one of: "
                          f"{', '.join(METHODS)})", code="RS046", hint=hint)
            return None
    return tuple(m for m in METHODS if m in values)


def _header_names(checker, raw, key: tuple):
    values = _strings(checker, raw, key, 'header names such as ["content-type"]')
    if values is None:
        return None
    for i, name in enumerate(values):
        problem = header_name_problem(name)
        if problem:
            checker.error(key + (i,), problem, code="RS046")
            return None
    if len(", ".join(values)) > MAX_LIST_BYTES:
        checker.error(key, f"the list is longer than {MAX_LIST_BYTES} bytes", code="RS046")
        return None
    return tuple(values)


def _describe(value) -> str:
    from ..spec.diagnostics import describe_value
    return describe_value(value)
