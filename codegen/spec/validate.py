"""Checks a parsed spec against the spec language and builds the model (codegen/spec/model.py).

The keys each table accepts, with their defaults and bounds, come from the key registry
(codegen/spec/spec_keys.py), which docs/spec-reference.md is generated from (make readme).

Every problem is collected, not just the first, each as file:line: key.path: message.
Checks are written so that one mistake produces one message: a route with a bad path is
still checked for its methods and reply, but not compared with other routes.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from ..lang import expr, sql_reply
from . import route_tests, server_table, spec_keys, sql_spec, unused_params
from .body_shapes import BodyChecker, expression_names, string_names
from .json_reply import JsonChecker
from ..lang.query import param_infos
from .responses import ResponseChecker
from .shapes import ShapeChecker
from .model import (BODILESS_STATUSES, MAX_PARAMS, METHODS, STATUS_REASONS, ParamSegment,
                    Literal, Param, Route, Server, Spec)
from .diagnostics import SpecError, SpecErrors, describe_value, sort
from .params import violations as parse_violations
from .c_names import key_problem as _key_problem
from .c_names import name_problem as _name_problem
from .params import Constraints, ParamChecker, header_name_problem
from .spec_loader import SpecSource, format_key
from . import metrics_route
from ..cors import policy as cors_policy
from ..reply_head import check as reply_head
from ..routing import method_groups, paths
from ..values import string_holes
from .static_dir import check_static
from .websocket_route import check_websocket_route
from ..grpc import spec as grpc_spec

# Keys, defaults and bounds come from the registry (spec_keys.py), which docs/spec-reference.md
# is generated from: key -> (default, lowest, highest).
_LIMITS = spec_keys.defaults_and_bounds(spec_keys.LIMITS)
_CODINGS = {k: key.bounds for k, key in spec_keys.COMPRESS.keys.items()}  # gzip level, brotli quality

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT_TYPE = re.compile(r"\s*int\s*(?:=\s*(\S.*?))?\s*")
_INT_LITERAL = re.compile(r"-?[0-9]+")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf'{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=({_TOKEN}|"[^"\\\x00-\x1f\x7f]*"))*')
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]+")

def validate(source: SpecSource) -> Spec:
    """Returns the model of a valid spec; raises SpecErrors listing every problem."""
    spec, _ = validate_all(source)
    return spec


def validate_all(source: SpecSource) -> tuple[Spec, list]:
    """The model and the warnings; raises SpecErrors (errors and warnings) on any error."""
    checker = _Checker(source)
    spec = checker.check()
    if any(e.severity == "error" for e in checker.errors):
        raise SpecErrors(checker.errors, source.locator.lines)
    return spec, sort(checker.errors)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    def __init__(self, source: SpecSource):
        self.source = source
        self.errors: list[SpecError] = []
        self.default_body_limit = _LIMITS["body"][0]  # [server.limits] body, once checked
        self.protocols_listed: tuple = ("http1",)  # [server] protocols, once checked
        self.shapes: dict = {}
        self.data: dict = {}
        self.param_checker = ParamChecker(self.error, describe_value)
        self.handlers: dict = {}  # handler name -> route index
        self.strings: dict = {}  # the string parameters of the route being checked (values/string_holes.py)

    def error(self, path: tuple, message: str, code: str = "RS014", hint: str | None = None,
              at: str = "value", severity: str = "error", inner: tuple | None = None) -> None:
        """Records a diagnostic. The caret goes under the value of path (at="value") or its
        key (at="key"); a path with no place of its own points at its closest parent.
        inner = (offset, length) narrows the caret to part of a string value, e.g. the
        token of an expression that is wrong (one-line strings without escapes before it)."""
        locator = self.source.locator
        place = locator.exact(path)
        if place is not None:
            span = place.value if at == "value" and place.value else place.key
            if inner is not None and at == "value" and place.value:
                span = self.source.locator.inner(span, *inner)
        else:
            parent = locator.place(path)
            span = parent.key if parent else None
        self.errors.append(SpecError(span, format_key(path), message, code, severity, hint))

    def coded(self, code: str):
        """error(path, message[, hint]) for checkers that report one kind of problem."""
        return lambda path, message, hint=None: self.error(path, message, code, hint)

    def error_count(self) -> int:
        return sum(e.severity == "error" for e in self.errors)

    def warn(self, path: tuple, message: str, code: str, hint: str | None = None) -> None:
        self.error(path, message, code, hint, severity="warning")

    def unused(self, path: tuple, message: str, hint: str) -> None:
        """RS090, under the parameter's name (a path parameter's: under the path)."""
        at = "value" if path[-1] == "path" else "key"
        self.error(path, message, "RS090", hint, at=at, severity="warning")

    # -- generic helpers ---------------------------------------------------------------

    def table(self, parent: dict, key: str, path: tuple) -> dict:
        """parent[key] as a table ({} when absent or wrong, the latter reported)."""
        value = parent.get(key, {})
        if isinstance(value, dict):
            return value
        self.error(path, f"expected a table, got {describe_value(value)}", code="RS012")
        return {}

    def only_keys(self, table: dict, path: tuple, allowed) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                guess = f'did you mean "{close[0]}"? ' if close else ""
                self.error(path + (key,), "unknown key", code="RS010", at="key",
                           hint=f"{guess}expected one of: {', '.join(allowed)}")

    def integer(self, table: dict, key: str, path: tuple, default: int, low: int, high: int) -> int:
        value = table.get(key, default)
        if not _is_int(value):
            self.error(path + (key,), f"expected an integer, got {describe_value(value)}", code="RS012")
            return default
        if not low <= value <= high:
            self.error(path + (key,), f"{value} is out of range (expected {low}..{high})", code="RS013")
            return default
        return value

    def string(self, table: dict, key: str, path: tuple, default: str | None) -> str | None:
        value = table.get(key, default)
        if value is None or isinstance(value, str):
            return value
        self.error(path + (key,), f"expected a string, got {describe_value(value)}", code="RS012")
        return default

    # -- the spec ----------------------------------------------------------------------

    def check(self) -> Spec | None:
        data = self.source.data
        self.only_keys(data, (), spec_keys.SPEC.names)
        server = self.server(self.table(data, "server", ("server",)))
        self.default_body_limit = server.limits.body
        self.protocols_listed = server.protocols
        shape_checker = ShapeChecker(self.coded("RS050"), _name_problem)
        self.shapes = shape_checker.shapes(data.get("shape", {}))
        self.data = shape_checker.data(data.get("data", {}), self.shapes)
        self.body_checker = BodyChecker(self.error, describe_value, self.param_checker)  # JSON request bodies
        self.body_checker.check_shapes(self.shapes)
        self.typed = ResponseChecker(self, self.shapes, _name_problem, _MEDIA_TYPE)  # responses.py
        named_errors = self.typed.errors(data.get("error", {}))
        error_body = self.typed.error_body(data.get("error_body", {}))
        self.named_errors, self.error_body = named_errors, error_body  # first(...) else NAME
        self.database = sql_spec.check_database(self, data.get("database"))
        self.statements = sql_spec.check_statements(self, data.get("sql"), self.shapes, self.database, _name_problem)
        self.caches = sql_spec.check_caches(self, data.get("cache"), _name_problem)
        self.grpc = grpc_spec.check(self, data)
        routes = self.routes(data.get("route"))
        profiles = self.profiles(self.table(data, "profile", ("profile",)), data.get("route"))
        if any(e.severity == "error" for e in self.errors):
            return None
        return Spec(self.source.file, Path(self.source.file).stem, server, routes, profiles,
                    self.shapes, self.data, self.violations, body_shapes=self.body_checker.shapes,
                    errors=named_errors, error_body=error_body, database=self.database,
                    statements=self.statements, caches=self.caches, grpc=self.grpc)

    def server(self, raw: dict) -> Server:
        """[server] and its sub-tables (server_table.py); [server.violations] and
        response_headers (reply_head/check.py) kept for the model."""
        self.server_headers = reply_head.server_headers(self, raw.get("response_headers"),
                                                        ("server", "response_headers"))
        self.server_cors = cors_policy.server_policy(self, raw.get("cors"))  # keys; per route below
        self.violations = parse_violations(self, self.table(raw, "violations", ("server", "violations")),
                                           ("server", "violations"))
        return server_table.check(self, raw, describe_value)

    # -- routes ------------------------------------------------------------------------

    def routes(self, raw) -> list:
        if raw is None:
            self.error(("route",), "no routes: add at least one [[route]] table", code="RS011")
            return []
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            self.error(("route",), f"expected an array of tables ([[route]]), got {describe_value(raw)}", code="RS012")
            return []
        routes, shapes = [], []
        for index, table in enumerate(raw):
            route = self.route(index, table, shapes)
            tests = route_tests.check(self, index, table, route)  # [[route.test]] cases
            if route is not None:
                route.tests = tests
                routes.append(route)
        self.unique_paths(shapes)
        self.unique_c_names(routes)
        return routes

    def route(self, index: int, raw: dict, shapes: list) -> Route | None:
        """Checks one [[route]]; appends (index, path, shape) to shapes when the path is
        well-formed, so duplicates are found even among routes with other errors."""
        path = ("route", index)
        if "websocket" in raw:
            return check_websocket_route(self, index, raw, shapes, _c_name)
        if "static" in raw:
            return self.static_route(index, raw, shapes)
        if "metrics" in raw:
            return metrics_route.check(self, index, raw, shapes, _c_name)
        errors_before = self.error_count()  # warnings (RS043 in a reply) keep the route
        self.only_keys(raw, path, spec_keys.ROUTE.names)
        if "path" not in raw:
            self.error(path, 'missing "path"', code="RS011")
        url = self.string(raw, "path", path, None)
        # Declared parameters as (name, default, source, key path, type ok). Those with a
        # bad type stay declared so the reply text using them is not reported as well.
        segments, declared, path_ok = [], [], False
        if url is not None:
            errors_before_path = len(self.errors)
            segments, declared = self.url_path(url, path + ("path",))
            path_ok = len(self.errors) == errors_before_path
        methods = self.methods(raw.get("methods", ["GET"]), path + ("methods",))
        if path_ok:
            kinds = {d[0]: d[5].kind for d in declared}
            shape = tuple(s.text if isinstance(s, Literal) else "{" + kinds[s] + "}" for s in segments)
            shapes.append((index, url, shape, methods))
        declared = [(*d, "") for d in declared]  # (..., constraints, wire name)
        self.path_constraints(raw, path, declared)
        for name, value in self.table(raw, "query", path + ("query",)).items():
            declared.append((name, *self.param_checker.declaration(value, path + ("query", name), "query"), name))
        for name, value in self.table(raw, "headers", path + ("headers",)).items():
            key = path + ("headers", name)
            problem = header_name_problem(name)
            if problem:
                self.error(key, problem, code="RS031", at="key")
            c_name = name.replace("-", "_")
            declared.append((c_name, *self.param_checker.declaration(value, key, "header"), name))
        json_body = None
        if isinstance(raw.get("body"), dict):  # body = { shape = "X" }: a JSON body (body_shapes.py)
            json_body = self.body_checker.route_body(raw["body"], path + ("body",), methods)
            body_text = None
        else:
            body_text = self.string(raw, "body", path, None)
        # "stream": the body is read and dropped as it arrives; `body` is the byte count.
        body_stream = body_text is not None and body_text.strip() == "stream"
        if body_stream:
            declared.append(("body", 0, "body", path + ("body",), True, Constraints(), ""))
        elif body_text is not None:
            declared.append(("body", *self.param_checker.shorthand(body_text, path + ("body",), "body"), ""))
        default_limit = spec_keys.STREAM_BODY_LIMIT if body_stream else self.default_body_limit
        body_limit = self.integer(raw, "body_limit", path, default_limit, *_LIMITS["body"][1:])
        if json_body is not None:  # buffered whole: bounded like the JSON scratch
            body_limit = self.integer(raw, "body_limit", path, min(body_limit, spec_keys.JSON_BODY_LIMIT), 0,
                                      spec_keys.JSON_BODY_LIMIT)
        params = self.params(declared, path)
        reply = raw.get("reply")
        json_reply = None
        handler = self.handler(raw, path, reply)
        responses, route_errors = self.typed.route(raw, path, handler)
        if handler is not None and json_body is not None:
            for name, _, source, key, *_ in declared:
                if name == "body":  # handlers.h: the params struct has both as members
                    self.error(key, f'a {source} parameter named "body" would clash with the JSON body the '
                               f'handler reads as in->body; choose another name', code="RS031")
        names = [d[0] for d in declared]
        self.strings = string_holes.string_params(param_infos(declared))  # {s} is text, len(s) its length
        head = reply_head.RouteHead(self, raw, path, lambda text, key: self.template(text, key, names))
        if handler is not None:
            status, content_type, template, text, json_reply = 200, "", [], "", None
        elif "redirect" in raw:  # redirect = {...}: a Location and no body
            status, content_type, template, text, json_reply = head.redirect_status, "", [], "", None
        elif reply is None:
            self.error(path, 'missing "reply" (or "handler")', code="RS011")
        elif not isinstance(reply, dict):
            self.error(path + ("reply",), f"expected a table, got {describe_value(reply)}", code="RS012")
        else:
            self.body_strings = string_names(json_body.shape, self.body_checker.shapes) if json_body else []
            status, content_type, template, text, json_reply = self.reply(
                reply, path + ("reply",), [d[0] for d in declared] +
                (expression_names(json_body.shape, self.body_checker.shapes) if json_body else []),
                param_infos(declared))
        compress = self.compress(raw.get("compress"), path + ("compress",))
        if compress and reply is not None and "json" not in reply:
            self.error(path + ("compress",), "compression applies to json replies only", code="RS040")
        if self.error_count() == errors_before:
            head.check(handler, responses, status, self.server_headers)
        cache = self.route_cache(raw, path, json_reply)
        if cache is not None and json_body is not None:
            self.error(path + ("cache",), "a cache sits in front of reads; a route with a JSON body writes "
                       '(invalidate = "CACHE(key)" drops what it changed)', code="RS065")
        invalidate = self.route_invalidate(raw, path, json_reply, param_infos(declared))
        cors = cors_policy.route_policy(self, self.server_cors, raw.get("cors"), path + ("cors",), methods)
        if self.error_count() != errors_before:
            return None
        by_name = {p.name: p for p in params}
        segments = [ParamSegment(by_name[s]) if isinstance(s, str) else s for s in segments]
        body = by_name["body"] if body_text is not None else None
        route = Route(index, url, segments, methods, params, body, body_limit, status, content_type,
                      template, text, _c_name(url), json_reply, compress, handler=handler,
                      body_stream=body_stream, json_body=json_body, responses=responses, errors=route_errors,
                      headers=head.headers, cache=cache, invalidate=invalidate, cors=cors)
        unused_params.check(route, declared, self.unused)
        return route

    def route_invalidate(self, raw: dict, path: tuple, json_reply, infos: list):
        """invalidate = "CACHE(key, ...)": the entry a writing route drops once Postgres answered."""
        text = self.string(raw, "invalidate", path, None)
        if text is None:
            return None
        if json_reply is None or sql_reply.db_call_of(json_reply) is None:
            self.error(path + ("invalidate",), "invalidate belongs to a route whose reply runs a statement "
                       "(sql.NAME)", code="RS065")
            return None
        return sql_reply.parse_invalidate(text, self.caches, {i.name: i for i in infos},
                                          lambda msg: self.error(path + ("invalidate",), msg, code="RS065"))

    def route_cache(self, raw: dict, path: tuple, json_reply):
        """cache = "NAME": a [cache.NAME] in front of a first(sql.NAME(...)) reply."""
        name = self.string(raw, "cache", path, None)
        if name is None:
            return None
        if name not in self.caches:
            self.error(path + ("cache",), f'unknown cache "{name}" (known: {", ".join(self.caches) or "none"})',
                       code="RS065")
            return None
        fields = json_reply.fields if json_reply else []
        if not (len(fields) == 1 and fields[0][0] is None and type(fields[0][1]).__name__ == "JSqlFirst"):
            self.error(path + ("cache",), 'a cache sits in front of a json = "first(sql.NAME(...)) else STATUS" '
                       "reply", code="RS065")
            return None
        return self.caches[name]

    def handler(self, raw: dict, path: tuple, reply) -> str | None:
        """handler = "name": the route is answered by a C function in handlers/*.c."""
        name = self.string(raw, "handler", path, None)
        if name is None:
            return None
        problem = _name_problem(name)
        if problem:
            self.error(path + ("handler",), problem, code="RS070")
            return None
        if name in self.handlers:
            self.error(path + ("handler",), f'"{name}" already answers route[{self.handlers[name]}]', code="RS070",
                       hint="one handler per route; share code through a helper function")
        self.handlers.setdefault(name, path[1])
        if reply is not None:
            self.error(path + ("reply",), 'a route has either "reply" or "handler", not both', code="RS070")
        return name

    def static_route(self, index: int, raw: dict, shapes: list) -> Route | None:
        """A prefix route serving a directory: path "/x/", GET (and HEAD) only."""
        path = ("route", index)
        errors_before = len(self.errors)
        self.only_keys(raw, path, spec_keys.STATIC_ROUTE_KEYS)
        url = self.string(raw, "path", path, None)
        if url is None:
            self.error(path, 'missing "path"')
        elif not url.startswith("/") or not url.endswith("/") or "{" in url:
            self.error(path + ("path",), f'a static route\'s path is a prefix such as "/static/", '
                       f"got {json.dumps(url)}")
        else:
            self.url_path(url.rstrip("/") or "/", path + ("path",))
            shapes.append((index, url, (url, "/*"), ("GET", "HEAD")))
        methods = self.methods(raw.get("methods", ["GET"]), path + ("methods",))
        if any(m not in ("GET", "HEAD") for m in methods):
            self.error(path + ("methods",), "static routes serve GET and HEAD only")
        static = check_static(self, raw["static"], path + ("static",), _MEDIA_TYPE)
        if len(self.errors) != errors_before:
            return None
        return Route(index, url, [Literal(url)], methods, [], None, self.default_body_limit, 200, "",
                     [], "", _c_name(url), static=static)

    def compress(self, raw, key: tuple) -> list:
        """{ br = 5, gzip = 6 } -> [("br", 5), ("gzip", 6)]: the server's preference order."""
        if raw is None:
            return []
        if not isinstance(raw, dict) or not raw:
            self.error(key, f"expected a table of codings and levels such as {{ br = 5, gzip = 6 }}, "
                       f"got {describe_value(raw)}", code="RS012")
            return []
        out = []
        for coding, level in raw.items():
            if coding not in _CODINGS:
                self.error(key + (coding,), f'unknown coding (expected one of: {", ".join(_CODINGS)})', code="RS010")
                continue
            low, high = _CODINGS[coding]
            out.append((coding, self.integer(raw, coding, key, low, low, high)))
        return out

    def url_path(self, url: str, key: tuple) -> tuple[list, list]:
        """Literal parts and parameter names of a path, and its declared parameters
        (routing/paths.py)."""
        return paths.split(self.error, url, key)

    def methods(self, raw, key: tuple) -> tuple:
        if not isinstance(raw, list) or not raw:
            self.error(key, f'expected a non-empty array of methods such as ["GET"], got {describe_value(raw)}', code="RS012")
            return ()
        listed = set()
        for i, method in enumerate(raw):
            if not isinstance(method, str) or method.upper() not in METHODS:
                shown = json.dumps(method) if isinstance(method, str) else describe_value(method)
                self.error(key + (i,), f"unknown method {shown} (expected one of: {', '.join(METHODS)})", code="RS022")
            elif method != method.upper():
                self.error(key + (i,), f'methods are upper case: "{method.upper()}"', code="RS022")
            elif method in listed:
                self.error(key + (i,), f'"{method}" is listed twice', code="RS015")
            else:
                listed.add(method)
        if "GET" in listed:
            listed.add("HEAD")  # the runtime answers HEAD like GET, minus the body
        return tuple(m for m in METHODS if m in listed)

    def path_constraints(self, raw: dict, path: tuple, declared: list) -> None:
        """path_params = { id = { min = 1 } }: constraints on parameters of the path."""
        table = self.table(raw, "path_params", path + ("path_params",))
        names = [d[0] for d in declared]
        for name, value in table.items():
            key = path + ("path_params", name)
            if name not in names:
                self.error(key, f'"{name}" is not a parameter of the path', code="RS031", at="key",
                           hint=f"path parameters: {', '.join(names) or 'none'}")
                continue
            i = names.index(name)
            _, _, _, ok, c = self.param_checker.declaration(value, key, "path", path_param=True,
                                                            path_kind=declared[i][5].kind)
            d = declared[i]
            declared[i] = (d[0], d[1], d[2], d[3], d[4] and ok, c, d[6])

    def params(self, declared: list, route_key: tuple) -> list:
        """Checks names (unique, usable as C locals) and the count; assigns slots in
        declaration order to the well-typed ones."""
        out, seen = [], {}
        for name, default, source, key, type_ok, constraints, wire in declared:
            problem = _name_problem(name)
            if problem:
                self.error(key, problem, code="RS031")
            elif name in seen:
                self.error(key, f'"{name}" is already the name of a {seen[name]} parameter', code="RS015")
            else:
                seen[name] = source
                if type_ok:
                    plain = constraints == Constraints()
                    out.append(Param(name, source, len(out), default, None if plain else constraints,
                                     wire if wire != name else ""))
        if len(seen) > MAX_PARAMS:
            self.error(route_key, f"{len(seen)} parameters (path, query, headers and body together); "
                       f"at most {MAX_PARAMS} are supported", code="RS031")
        return out

    def reply(self, raw: dict, key: tuple, names: list, param_infos: list | None = None):
        self.only_keys(raw, key, spec_keys.REPLY.names)
        if "let" in raw and "json" not in raw:
            self.error(key + ("let",), '"let" names queries of a json reply', code="RS040", at="key")
        status = self.integer(raw, "status", key, *spec_keys.defaults_and_bounds(spec_keys.REPLY)["status"])
        if status in BODILESS_STATUSES and status not in reply_head.NO_CONTENT:
            self.error(key + ("status",), f"status {status} cannot be a reply's (informational, or 205)",
                       code="RS040")
        elif status not in STATUS_REASONS and "status" in raw:
            self.error(key + ("status",), f"{status} is not a registered status code", code="RS040")
        is_json = "json" in raw
        if status in reply_head.NO_CONTENT and (is_json or "text" in raw):
            self.error(key + ("status",), f"status {status} carries no body: remove the reply's text or json",
                       code="RS040")
        if status in reply_head.NO_CONTENT and not is_json and "text" not in raw:
            return status, "", [], "", None  # a 204 or 304: no body, no Content-Type
        content_type = self.string(raw, "type", key, "application/json" if is_json else "text/plain")
        if content_type is not None and not _MEDIA_TYPE.fullmatch(content_type):
            self.error(key + ("type",), f"not a media type: {json.dumps(content_type)} "
                       f'(expected type/subtype, e.g. "text/plain; charset=utf-8")', code="RS040")
        if is_json:
            if "text" in raw:
                self.error(key, 'a reply has either "text" or "json", not both', code="RS040")
            known = [n for n in dict.fromkeys(names) if _name_problem(n.split(".")[0]) is None]
            typed = {i.name: i for i in param_infos or []}
            infos = [typed.get(n, n) for n in known]  # plain names (body.x fields) read as ints

            def report(path, message, code="RS041", inner=None, hint=None, severity="error"):
                self.error(path, message, code=code, inner=inner, hint=hint, severity=severity)
            statuses = [s for s in STATUS_REASONS if s not in BODILESS_STATUSES]
            checker = JsonChecker(report, self.shapes, self.data, _key_problem, statuses,
                                  getattr(self, "named_errors", {}), getattr(self, "error_body", None))
            checker.statements = self.statements
            checker.body_strings = getattr(self, "body_strings", [])
            json_reply = checker.reply(raw["json"], key + ("json",), infos, raw.get("let"), key + ("let",))
            return status, content_type, [], json_reply.text if json_reply else "", json_reply
        if "text" not in raw:
            self.error(key, 'missing "text" (or "json")', code="RS011")
        text = self.string(raw, "text", key, None)
        template = self.template(text, key + ("text",), names) if text is not None else []
        return status, content_type, template, text, None

    def template(self, text: str, key: tuple, names: list) -> list:
        """Parses the reply text, checks names in holes and folds constant holes to text."""
        try:
            parts = expr.split_template(text)
        except expr.ExprError as exc:
            self.error(key, str(exc), code="RS041")
            return []
        known = [n for n in dict.fromkeys(names) if _name_problem(n.split(".")[0]) is None]
        out: list = []
        for part in parts:
            if isinstance(part, str):
                part = self.hole(part, key, known)
                if part is None:
                    continue
            if isinstance(part, expr.Text) and out and isinstance(out[-1], list):
                out[-1].append(part.text)  # adjacent text (folded holes) joined once, below
            elif isinstance(part, expr.Text):
                out.append([part.text])
            else:
                out.append(part)
        out = [expr.Text("".join(p)) if isinstance(p, list) else p for p in out]
        size = expr.body_bound(out)
        if size > expr.TEMPLATE_BODY_MAX and any(isinstance(p, expr.Hole) for p in out):
            self.error(key, f"a text template with holes formats its body on the worker's stack: this one needs up to "
                       f"{size} bytes, more than {expr.TEMPLATE_BODY_MAX}", code="RS040",
                       hint="serve large content as a static file (static = ...), or split the template")
        return out

    def hole(self, source: str, key: tuple, known: list):
        """One {expr}: a Hole with the folded expression, a TextHole for a string parameter
        alone (values/string_holes.py), Text if it is constant, or None."""
        try:
            if string_holes.whole_name(source, self.strings) in known:
                return string_holes.TextHole(source, expr.Name(string_holes.whole_name(source, self.strings)))
            tree = expr.parse_expr(string_holes.int_source(source, self.strings))
            unknown = [n for n in expr.names_in(tree) if n not in known]
            if unknown:
                listing = f"known: {', '.join(known)}" if known else "this route has no parameters"
                names = ", ".join(f'"{n}"' for n in unknown)
                raise expr.ExprError(f"unknown name {names} in {{{source}}} ({listing})")
            tree = expr.fold(tree, source)
        except expr.ExprError as exc:
            self.error(key, str(exc), code="RS041")
            return None
        return expr.Text(str(tree.value)) if isinstance(tree, expr.Num) else expr.Hole(source, tree)

    def unique_paths(self, shapes: list) -> None:
        """Routes may share a path when their methods differ (routing/method_groups.py); two
        routes that answer the same method on the same requests are an error."""
        earlier: dict[tuple, list] = {}
        for index, url, shape, methods in shapes:
            for other in earlier.get(shape, []):
                problem = method_groups.overlap_problem(url, methods, *other)
                if problem:
                    self.error(("route", index, "path"), problem[0], code="RS021", hint=problem[1])
                    break
            else:
                earlier.setdefault(shape, []).append((index, url, methods))

    def unique_c_names(self, routes: list) -> None:
        """"/a-b" and "/a_b" would both be named a_b in C: suffix the later ones; a route
        sharing its path with another is suffixed with its first method (books_post)."""
        taken = {}  # C name -> path
        for route in routes:
            base, n = route.c_name, route.index
            if taken.get(base) == route.path and route.methods:
                base = route.c_name = f"{base}_{route.methods[0].lower()}"
            while route.c_name in taken:
                route.c_name = f"{base}_{n}"
                n += 1
            taken[route.c_name] = route.path

    # -- profiles ----------------------------------------------------------------------

    def profiles(self, raw: dict, raw_routes) -> dict:
        # Paths as written, so a route with errors of its own is not also "unknown" here.
        raw_routes = raw_routes if isinstance(raw_routes, list) else []
        known_paths = [r["path"] for r in raw_routes
                       if isinstance(r, dict) and isinstance(r.get("path"), str)]
        known_paths += self.grpc.paths() if self.grpc is not None else []  # "/pkg.Service/Method"
        out = {}
        for name, table in raw.items():
            key = ("profile", name)
            if not _PROFILE_NAME.fullmatch(name):
                self.error(key, f'profile name {json.dumps(name)} may use only letters, digits, "-" '
                           'and "_" (it names a directory)', code="RS060")
            if not isinstance(table, dict):
                self.error(key, f"expected a table, got {describe_value(table)}", code="RS012")
                continue
            self.only_keys(table, key, spec_keys.PROFILE.names)
            paths = table.get("routes")
            if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
                shown = "missing" if paths is None else f"got {describe_value(paths)}"
                self.error(key + ("routes",), f"expected a non-empty array of route paths, {shown}", code="RS060")
                continue
            for i, p in enumerate(paths):
                if p in paths[:i]:
                    self.error(key + ("routes", i), f'"{p}" is listed twice', code="RS015")
                elif p not in known_paths:
                    self.error(key + ("routes", i),
                               f'unknown route path "{p}" (known: {", ".join(known_paths)})', code="RS060")
            out[name] = tuple(paths)
        return out


def _c_name(url: str) -> str:
    """A readable identifier stem for a route: "/json/{count:int}" -> "json_count"."""
    words = re.sub(r"[^A-Za-z0-9]+", "_", re.sub(r"\{([^:}]*)[^}]*\}", r"\1", url)).strip("_")
    if not words:
        return "root"
    return words if not words[0].isdigit() else "r" + words

