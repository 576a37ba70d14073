"""Typed responses of handler routes and the spec's named errors: checking and the model.

    [error.not_found]               # spec-wide: a status and a default message
    status = 404
    message = "no such item"

    [error_body]                    # the JSON members of every named error's body
    error_key = "error"             # "" leaves a member out

    [[route]]
    path = "/items/{id:int}"
    handler = "get_item"
    errors = ["not_found"]          # route key: the named errors this handler may return
    [[route.response]]              # one table per status the handler may answer with
    status = 200
    shape = "Item"                  # a [shape.X] (or "[X]"), sent as JSON; or type = "text/plain"

A route with `response` tables or `errors` is typed: its handler returns rs_status, which
only the generated functions (<handler>_reply_<status>, rs_error_<name>) produce. The
generated code sends the prepared response after the handler returns, checked against
what the route declares (responses_emit.py).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from . import spec_keys
from .model import BODILESS_STATUSES, STATUS_REASONS
from ..reply_head.check import NO_CONTENT
from .shapes import Type, parse_type

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    type: Type | None  # the JSON body's type; None: a text body
    description: str = ""

    @property
    def label(self) -> str:
        return f"{self.status} {self.type if self.type else self.content_type}".rstrip()


@dataclass(frozen=True)
class NamedError:
    name: str
    status: int
    message: str
    number: int  # 1-based, in spec order: identifies the error in rs_status


@dataclass(frozen=True)
class ErrorBody:
    error_key: str = "error"
    message_key: str = "message"
    detail_key: str = "detail"
    status_key: str = ""


class ResponseChecker:
    """Reports through the validator (`checker`: error(), only_keys(), string(), integer())."""

    def __init__(self, checker, shapes: dict, name_problem, media_type: re.Pattern):
        self.checker = checker
        self.media_type = media_type
        self.shapes = shapes
        self.name_problem = name_problem
        self.named: dict[str, NamedError] = {}

    # -- spec-wide -------------------------------------------------------------------

    def errors(self, raw) -> dict:
        """[error.X] tables -> {name: NamedError}."""
        c = self.checker
        if not isinstance(raw, dict):
            c.error(("error",), "expected tables such as [error.not_found]", code="RS012")
            return {}
        for name, table in raw.items():
            key = ("error", name)
            problem = self.name_problem(name)
            if problem:
                c.error(key, problem.replace("generated C", "generated C (rs_error_NAME)"), code="RS076", at="key")
                continue
            if not isinstance(table, dict):
                c.error(key, "expected a table with status and message", code="RS012")
                continue
            c.only_keys(table, key, spec_keys.ERROR.names)
            if "status" not in table:
                c.error(key, 'missing "status" (400..599)', code="RS011")
                continue
            status = c.integer(table, "status", key, 500, *spec_keys.ERROR.keys["status"].bounds)
            if status not in STATUS_REASONS:
                c.error(key + ("status",), f"{status} is not a registered status code", code="RS076")
            message = c.string(table, "message", key, STATUS_REASONS.get(status, "error"))
            self.named[name] = NamedError(name, status, message or "", len(self.named) + 1)
        return self.named

    def error_body(self, raw) -> ErrorBody:
        c = self.checker
        key = ("error_body",)
        if not isinstance(raw, dict):
            c.error(key, "expected a table such as [error_body]", code="RS012")
            return ErrorBody()
        c.only_keys(raw, key, spec_keys.ERROR_BODY.names)
        base = ErrorBody()
        values = {k: c.string(raw, k, key, getattr(base, k)) for k in spec_keys.ERROR_BODY.names}
        values = {k: (v if v is not None else getattr(base, k)) for k, v in values.items()}
        members = [v for v in values.values() if v]
        if len(set(members)) != len(members):
            c.error(key, "two members would have the same name", code="RS015")
        if not values["message_key"] and not values["error_key"]:
            c.error(key, "a body needs at least error_key or message_key", code="RS076")
        return ErrorBody(**values)

    # -- per route -------------------------------------------------------------------

    def route(self, raw: dict, path: tuple, handler: str | None) -> tuple[list, list]:
        """The route's `response` tables and `errors` list -> ([Response], [NamedError])."""
        c = self.checker
        raw_responses, raw_errors = raw.get("response"), raw.get("errors")
        if raw_responses is None and raw_errors is None:
            return [], []
        if handler is None:
            where = "response" if raw_responses is not None else "errors"
            c.error(path + (where,), "typed responses and errors are for routes with a handler", code="RS075",
                    at="key", hint='add handler = "name" (C in handlers/) or use reply = {...}')
            return [], []
        responses = self.responses(raw_responses, path + ("response",)) if raw_responses is not None else []
        errors = self.route_errors(raw_errors, path + ("errors",)) if raw_errors is not None else []
        taken = {r.status: r for r in responses}
        for e in errors:
            if e.status in taken:
                c.error(path + ("errors",), f'error "{e.name}" has status {e.status}, which is already a '
                        "response of this route", code="RS075",
                        hint="a status means one thing per route; give the error another status")
        return responses, errors

    def responses(self, raw, key: tuple) -> list:
        c = self.checker
        if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
            c.error(key, "expected [[route.response]] tables", code="RS012")
            return []
        out, seen = [], {}
        for i, table in enumerate(raw):
            rkey = key + (i,)
            if "errors" in table:
                c.error(rkey + ("errors",), "errors is a key of the route, not of one response", code="RS075",
                        at="key", hint="move `errors = [...]` above the first [[route.response]]")
            c.only_keys({k: v for k, v in table.items() if k != "errors"}, rkey, spec_keys.RESPONSE.names)
            if "status" not in table:
                c.error(rkey, 'missing "status"', code="RS011")
                continue
            status = c.integer(table, "status", rkey, 200, *spec_keys.RESPONSE.keys["status"].bounds)
            if status in NO_CONTENT and ("shape" in table or "type" in table):
                c.error(rkey + ("status",), f"status {status} carries no body: remove shape and type",
                        code="RS075")
                continue
            if status in NO_CONTENT:  # <handler>_reply_204(reply): no body, no Content-Type
                out.append(Response(status, "", None, c.string(table, "description", rkey, "") or ""))
                seen[status] = i
                continue
            if status in BODILESS_STATUSES:
                c.error(rkey + ("status",), f"status {status} cannot be a handler's response", code="RS075")
                continue
            if status not in STATUS_REASONS:
                c.error(rkey + ("status",), f"{status} is not a registered status code", code="RS075")
                continue
            if status in seen:
                c.error(rkey + ("status",), f"status {status} is already response[{seen[status]}] of this route",
                        code="RS015", hint="one table per status; a handler picks a status, not a shape")
                continue
            seen[status] = i
            parsed = self.body_type(table.get("shape"), rkey + ("shape",)) if "shape" in table else None
            if "shape" in table and parsed is None:
                continue
            content_type = c.string(table, "type", rkey, "application/json" if parsed else "text/plain")
            if content_type is not None and not self.media_type.fullmatch(content_type):
                c.error(rkey + ("type",), f'not a media type: "{content_type}"', code="RS075")
                continue
            description = c.string(table, "description", rkey, "") or ""
            out.append(Response(status, content_type or "text/plain", parsed, description))
        return out

    def body_type(self, text, key: tuple) -> Type | None:
        c = self.checker
        parsed = parse_type(text) if isinstance(text, str) else None
        inner = parsed
        while inner is not None and inner.kind == "array":
            inner = inner.of
        if inner is None or inner.kind != "shape":
            c.error(key, f'expected a shape name such as "Item" or "[Item]", got {text!r}', code="RS075")
            return None
        if inner.shape not in self.shapes:
            close = difflib.get_close_matches(inner.shape, list(self.shapes), n=1)
            c.error(key, f'unknown shape "{inner.shape}"', code="RS075",
                    hint=(f'did you mean "{close[0]}"? ' if close else "")
                    + f"shapes: {', '.join(self.shapes) or 'none (declare [shape.X])'}")
            return None
        problem = self.name_problem(inner.shape)
        if problem:  # handlers.h gives the shape a typedef of its own name
            c.error(key, f"shape {problem.split(' ', 1)[1]}", code="RS075")
            return None
        return parsed

    def route_errors(self, raw, key: tuple) -> list:
        c = self.checker
        if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
            c.error(key, 'expected an array of error names such as ["not_found"]', code="RS012")
            return []
        out = []
        for i, name in enumerate(raw):
            if name in raw[:i]:
                c.error(key + (i,), f'"{name}" is listed twice', code="RS015")
            elif name not in self.named:
                close = difflib.get_close_matches(name, list(self.named), n=1)
                c.error(key + (i,), f'unknown error "{name}"', code="RS076",
                        hint=(f'did you mean "{close[0]}"? ' if close else "")
                        + f"errors: {', '.join(self.named) or 'none (declare [error.NAME] with a status)'}")
            else:
                out.append(self.named[name])
        return out


def response_types(routes: list) -> list:
    """Every JSON body type a typed response sends (arrays need serializers of their own)."""
    return [r.type for route in routes for r in route.responses if r.type is not None]
