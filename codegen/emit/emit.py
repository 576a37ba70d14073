"""Renders the model into generated C (routes.c) with Jinja2, formats it, writes it.

The Python side does the thinking (slot numbers, C literals, checked arithmetic); the
templates only lay the results out. Output is written only after everything rendered:
each file goes to a temporary name in the output directory and is renamed into place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import body_emit, checks_emit, responses_emit, shapes_emit, sql_emit
from ..lang import expr
from ..spec import static_dir
from .json_plan import JsonPlan
from ..spec.model import WS_BEHAVIOURS, Literal, Route, Spec
from ..cors import emit as cors_emit
from ..reply_head import emit as head_emit
from ..routing import method_groups
from ..values.string_holes import TextHole
from ..grpc import codec_emit, service_emit

REPO_ROOT = Path(__file__).resolve().parents[2]
_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def render(spec: Spec, profile: str | None) -> dict[str, str]:
    """Returns {file name: content} for one build of the spec (one profile or all routes)."""
    selected = spec.select(profile)
    selected += static_dir.slash_redirects(selected)  # /static -> 301 /static/
    routes = [_RouteView(number, route, spec.shapes) for number, route in enumerate(selected)]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        extensions=["jinja2.ext.loopcontrols"],
    )
    env.filters["c_string"] = c_string
    env.filters["c_comment"] = c_comment
    env.filters["c_int"] = expr.c_int_literal
    env.filters["listen_bit"] = lambda p: {"http1": "RS_LISTEN_HTTP1", "websocket": "RS_LISTEN_WEBSOCKET", "h2c": "RS_LISTEN_H2C", "h2": "RS_LISTEN_H2"}[p]
    groups = method_groups.Groups(routes)  # routes sharing a path, one per method
    for r in routes:
        r.allow, r.next_method_route = groups.allow(r), groups.next_method_route(r)
    leaders = [r for r in routes if groups.is_leader(r)]  # what the path matcher names
    literal_lengths = sorted({len(r.route.path) for r in leaders if r.route.is_literal})
    context = {
        "spec": spec,
        "profile": profile,
        "name": spec.output_name(profile),
        "routes": routes,
        "literal_groups": [(n, [r for r in leaders if r.route.is_literal and len(r.route.path) == n])
                           for n in literal_lengths],
        "param_routes": [r for r in leaders if not r.route.is_literal and r.route.static is None],
        "method_groups": any(r.next_method_route >= 0 for r in routes),
        "any_string_segment": any(p.kind == "string" for r in leaders for p in r.route.path_params),
        "any_int_segment": any(p.kind != "string" for r in leaders for p in r.route.path_params),
        "static_routes": [r for r in routes if r.route.static is not None],
        "any_route_reads_params": any(r.reads_params for r in routes),
        "any_handler": any(r.route.handler for r in routes),
        "any_query_order": any("qsort(" in s for r in routes for s in r.statements),
        "route_listing": _route_listing(routes),
        "grpc_served": bool(spec.grpc_methods(profile)),
    }
    context.update(cors_emit.context(routes, groups, c_string))
    context["any_utf8_check"] = any(c.utf8 for r in routes for c in r.checks)
    context.update(shapes_emit.context(spec, c_string))
    context.update(checks_emit.context(spec, routes, c_string))
    context.update(body_emit.context(spec, routes, c_string, c_comment))  # after patterns are numbered
    context.update(responses_emit.context(spec, routes, c_string))
    context["sql_names"] = [(st.name, st.number) for st in spec.statements.values()] if spec.database else []
    names = ("routes.c", "shapes.h", "shapes.c") + (("handlers.h", "responses.c") if context["any_handler"] else ())
    files = {name: clang_format(env.get_template(name + ".j2").render(context)) for name in names}
    # Only builds with a route that runs a statement connect to Postgres: elsewhere the
    # runtime's weak defaults (runtime/db/db_defaults.c) stand, no [database] at all.
    if spec.database is not None and (any(r.db for r in routes) or (context["any_handler"] and spec.statements)):
        files["sql.c"] = clang_format(sql_emit.render(spec, routes, c_string, lambda view: view.head))
    # Protobuf codecs for a build of the whole spec or of a profile with gRPC methods, and
    # the method table of those methods.
    methods = spec.grpc_methods(profile)
    if spec.grpc is not None and (methods or profile is None):
        files.update(codec_emit.render(spec.grpc, clang_format))
        if methods:
            files.update(service_emit.render(spec.grpc, methods, clang_format, c_string))
    files["features.mk"] = _features(spec, "sql.c" in files)
    if context["patterns"]:  # Ragel output is compiled as is: formatting it would gain nothing
        files["patterns.c"] = checks_emit.run_ragel(env.get_template("patterns.rl.j2").render(context))
    return files


def _features(spec: Spec, statements: bool) -> str:
    """features.mk: which optional runtime layers the Makefile links into this build. A build
    without a TLS listener links runtime/tls/tls_absent.c and neither libssl nor libcrypto; one
    without a statement links runtime/db/db_absent.c and no libpq (which maps OpenSSL, gnutls,
    Kerberos and LDAP): mapping those libraries alone is ~5 MiB of resident memory."""
    tls = any(lst.tls_cert for lst in spec.server.listeners)
    return ("# generated by ringspec: optional runtime layers of this build (read by the Makefile)\n"
            f"RS_TLS := {int(tls)}\nRS_DB := {int(statements)}\n")


def write(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Writes files into out_dir atomically; unchanged files are left untouched so that
    make does not rebuild them. Returns the paths of all files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        target = out_dir / name
        paths.append(target)
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    return paths


def clang_format(source: str) -> str:
    """Formats C with the repo's .clang-format; returns the input if clang-format is absent
    or fails (the templates already produce readable code, formatting is polish)."""
    tool = shutil.which("clang-format")
    if tool is None:
        return source
    # --assume-filename makes clang-format find .clang-format in the repo root even when
    # the output goes elsewhere.
    result = subprocess.run([tool, "--style=file", f"--assume-filename={REPO_ROOT / 'routes.c'}"],
                            input=source, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 and result.stdout else source


def c_string(text: str) -> str:
    """A C string literal for text (UTF-8), safe for any content: quotes, backslashes,
    control bytes, non-ASCII (as octal escapes) and trigraphs ("??" becomes "?\\?")."""
    return '"' + _c_string_body(text) + '"'


def c_comment(text: str) -> str:
    """text for use inside /* */: one line, escaped like a string except for quotes, and
    unable to end the comment or open a nested one."""
    return _c_string_body(text, quotes=False).replace("*/", "*\\/").replace("/*", "/\\*")


def c_string_block(text: str, width: int = 80) -> str:
    """c_string for text of any length (a reply template): adjacent literals of at most
    about width columns, each ending at a newline of the text where there is one, one per
    line. clang-format splits a long literal itself, but in time quadratic in its length
    (a 1 MB reply took minutes); given lines that fit, it only indents them."""
    lines, line, size = [], [], 0
    for token in _c_string_tokens(text):
        line.append(token)
        size += len(token)
        if token == "\\n" or size >= width:
            lines.append('"' + "".join(line) + '"')
            line, size = [], 0
    if line or not lines:
        lines.append('"' + "".join(line) + '"')
    return "\n".join(lines)


def _c_string_body(text: str, quotes: bool = True) -> str:
    return "".join(_c_string_tokens(text, quotes))


def _c_string_tokens(text: str, quotes: bool = True) -> list:
    """Each byte of text as it is written in a C literal (one token per byte)."""
    out = []
    previous = 0
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch == "\\" or (ch == '"' and quotes):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "?" and previous == ord("?"):
            out.append("\\?")
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")  # always 3 digits: never swallows a following digit
        previous = byte
    return out


def _route_listing(routes: list) -> list:
    """'0  GET, HEAD, POST  /baseline11' lines, methods padded to one width."""
    width = max(len(r.methods_label) for r in routes)
    return [f"{r.number}  {r.methods_label.ljust(width)}  {r.route.path}" for r in routes]


def _bit_mask(slots) -> str:
    return " | ".join(f"RS_PARAM_BIT({s})" for s in slots)


@dataclass
class _Piece:
    """One part of a computed reply body: literal bytes or a number to format."""

    kind: str  # "text" or "int"
    c: str = ""  # text: C string literal
    length: int = 0  # text: bytes
    operand: str = ""  # int: C expression holding the value


@dataclass
class _RouteView:
    """What the templates need for one route, all C snippets precomputed."""

    number: int  # route index in this build (rs_route_match.route)
    route: Route
    shapes: dict = field(default_factory=dict)
    json_lines: list = field(default_factory=list)  # JSON replies: the writes
    path_steps: list = field(default_factory=list)
    statements: list = field(default_factory=list)
    temporaries: list = field(default_factory=list)
    bindings: list = field(default_factory=list)  # (name, C initializer)
    pieces: list = field(default_factory=list)
    checks: list = field(default_factory=list)  # checks_emit.ParamCheck of query/header/checked path params
    const_text: str | None = None  # C string literal when the body has no numbers
    buffer_size: int = 0
    query_bindings: list = field(default_factory=list)  # (C declaration) of query names
    helpers: list = field(default_factory=list)  # file-scope C the respond function calls
    text_size: int = 0  # bytes of request-scoped text dispatch keeps for the reply
    allow: str = ""  # Allow header of a 405 on this path: the methods of every route on it
    next_method_route: int = -1  # the next route on the same path (routing/method_groups.py)
    head_plan: object = None  # reply_head.emit.HeadPlan of a reply route
    utf8_checked: set = field(default_factory=set)  # string parameters a JSON reply writes: valid UTF-8
    db: bool = False  # the reply runs a statement: sql.c answers it (sql_emit.py)
    sql_text_offsets: dict = field(default_factory=dict)  # string statement arguments: name -> text offset

    def __post_init__(self):
        route = self.route
        for segment in route.segments:
            if isinstance(segment, Literal):
                self.path_steps.append(("literal", c_string(segment.text), len(segment.text.encode())))
            else:
                self.path_steps.append((segment.param.kind, segment.param.slot, segment.param.name))
        for p in route.params:
            if p.source in ("query", "header") or (p.source == "path" and p.constraints is not None):
                self.checks.append(checks_emit.ParamCheck(p, checks_emit.check_name(route.c_name, p)))
        self._plan_reply()

    # -- dispatch ----------------------------------------------------------------------

    @property
    def c_name(self) -> str:
        return self.route.c_name

    @property
    def static_name(self) -> str | None:
        return f"rs_static_{self.c_name}" if self.route.static else None

    @property
    def static_cache(self) -> str:
        return "RS_STATIC_NONE" if self.route.static.cache == "none" else "RS_STATIC_MEMORY"

    @property
    def static_siblings(self) -> list:
        return ["RS_CODING_BR" if c == "br" else "RS_CODING_GZIP" for c in self.route.static.precompressed]

    @property
    def handler_header_lines(self) -> str:
        """An untyped handler's response_headers as one C string of header lines."""
        return c_string(head_emit.constant_lines(self.route.headers))

    @property
    def methods_label(self) -> str:
        return ", ".join(self.route.methods)

    @property
    def method_mask(self) -> str:
        return " | ".join(f"RS_METHOD_BIT(RS_METHOD_{m})" for m in self.route.methods)

    @property
    def path_mask(self) -> str:
        return _bit_mask(p.slot for p in self.route.path_params)

    @property
    def query_by_length(self) -> list:
        """[(key length, [(C string of key, slot)])] for the switch on key length."""
        groups: dict[int, list] = {}
        for p in self.route.query_params:
            groups.setdefault(len(p.key.encode()), []).append((c_string(p.key), p.slot))
        return sorted(groups.items())

    @property
    def params_summary(self) -> str:
        return ", ".join(_describe_param(p) for p in self.route.params if p.source != "body")

    @property
    def param_docs(self) -> list:
        """[(Param, expected texts by rs_violation)] for the violations reply."""
        return [(p, checks_emit.expected_texts(p)) for p in self.route.params]

    @property
    def body_kind(self) -> str:
        if self.route.json_body is not None:
            return "RS_BODY_JSON"
        if self.route.body_stream:
            return "RS_BODY_STREAM"
        return "RS_BODY_INT" if self.route.body else "RS_BODY_DISCARD"

    @property
    def body_slot(self) -> int:
        return self.route.body.slot if self.route.body else 0

    # -- respond -----------------------------------------------------------------------

    @property
    def summary(self) -> str:
        """'GET, HEAD /x -> 200 text/plain: "{a}"' for the comment above respond_x."""
        route = self.route
        if route.websocket:
            return f"GET {route.path} -> 101, then WebSocket {route.websocket}"
        if route.handler:
            return f"{self.methods_label} {route.path} -> handler {route.handler}() in handlers/"
        if route.static is not None:
            return f"{self.methods_label} {route.path}* -> files under {route.static.dir} ({route.static.cache})"
        return (f'{self.methods_label} {route.path} -> {route.status} {route.content_type}: '
                f'"{_abridged(route.text_source)}"')

    @property
    def ws_name(self) -> str | None:
        """The C name of the route's rs_ws_route, or None for an HTTP route."""
        return f"rs_ws_{self.c_name}" if self.route.websocket else None

    @property
    def ws_handler(self) -> str:
        return WS_BEHAVIOURS[self.route.websocket]

    @property
    def head(self) -> str:
        """The head as a C literal, or its constant prefix when headers are computed."""
        if self.route.websocket:  # answered by the runtime (101, or 400/426)
            return '""'
        return c_string(self.head_plan.fixed)

    @property
    def head_len(self) -> str:
        return "rs_head_len" if self.head_plan and self.head_plan.dynamic else "sizeof rs_head - 1"

    @property
    def required_body_slot(self) -> int | None:
        body = self.route.body
        return body.slot if body is not None and body.required else None

    @property
    def reads_params(self) -> bool:
        if self.route.handler:
            return bool(self.route.params)  # the handler gets every parameter (if it has any)
        if self.db:
            return True
        return bool(self.bindings or self.query_bindings) or self.required_body_slot is not None

    @property
    def has_checks(self) -> bool:
        head = self.head_plan.statements if self.head_plan else []
        return any(expr.FAIL in s for s in self.statements + self.json_lines + self.query_bindings + head)

    @property
    def compress_name(self) -> str | None:
        """The C name of the route's rs_compress, or None when it never compresses."""
        return f"rs_compress_{self.c_name}" if self.route.compress else None

    @property
    def compress_offer(self) -> list:
        return [("RS_CODING_BR" if coding == "br" else "RS_CODING_GZIP", level)
                for coding, level in self.route.compress]

    def _plan_reply(self) -> None:
        """Splits the reply into checked statements and body pieces; binds used params."""
        if self.route.websocket or self.route.handler:
            return
        self.head_plan = head_emit.plan(self.route, c_string, lambda name: text_bytes(self.route, name))
        self._bind(self.head_plan.used)
        if sql_emit.db_call(self.route):
            self.db = True
            self._keep_sql_strings(sql_emit.db_call(self.route)[0])
            return
        if self.route.json is not None:
            plan = JsonPlan(self.route.json, c_string, self.shapes, self.route.c_name)
            self.statements, self.temporaries, self.json_lines = plan.statements, plan.temporaries, plan.lines
            self._bind(plan.used)
            self.utf8_checked = plan.texts  # written into JSON: the take_ function checks UTF-8
            self._bind_query_names(_Strings(plan.queries.strings | plan.texts | set(self.head_plan.texts),
                                            plan.queries.helpers, plan.queries.presence))
            return
        emitter = expr.CEmitter()
        used: set[str] = set()
        for part in self.route.template:
            if isinstance(part, expr.Text):
                size = len(part.text.encode("utf-8"))
                self.pieces.append(_Piece("text", c=c_string_block(part.text), length=size))
            elif isinstance(part, TextHole):  # a string parameter's text (values/string_holes.py)
                self.pieces.append(_Piece("str", operand=f"rs_s_{part.name}"))
            else:
                used.update(expr.names_in(part.expr))
                self.pieces.append(_Piece("int", operand=emitter.emit(part.expr)))
        self.statements = emitter.statements
        self.temporaries = emitter.temporaries
        numbers = sum(p.kind == "int" for p in self.pieces)
        # the longest body: literal bytes, 20 per number, each text at its longest
        self.buffer_size = expr.body_bound([p for p in self.route.template if not isinstance(p, TextHole)]) + \
            sum(text_bytes(self.route, p.name) for p in self.route.template if isinstance(p, TextHole))
        texts = [p.operand[5:] for p in self.pieces if p.kind == "str"] + self.head_plan.texts
        if numbers == 0 and not texts and not self.head_plan.dynamic:
            self.const_text = c_string_block("".join(p.text for p in self.route.template))
        self._bind(used)
        if texts:
            self._bind_query_names(_Strings(set(texts)))

    def _keep_sql_strings(self, call) -> None:
        """Dispatch keeps the decoded text of each string parameter the statement is given
        (enum values are named by their index), at sql_text_offsets[name] in request text."""
        by_name = {p.name: p for p in self.route.params}
        for arg in call.args:
            p = by_name.get(arg.param) if arg.kind == "string" else None
            if p is None or p.constraints.enum or p.name in self.sql_text_offsets:
                continue
            self.sql_text_offsets[p.name] = self.text_size
            self.text_size += p.constraints.max_length
        for check in self.checks:
            if check.param.name in self.sql_text_offsets:  # Postgres takes UTF-8 text only
                check.text_offset = self.sql_text_offsets[check.param.name]
                check.utf8 = True
                check.no_nul = True

    def _bind_query_names(self, queries) -> None:
        """Strings and presence tests of data queries: rs_s_NAME is the text of a string
        parameter (kept by dispatch in request-scoped text, at a fixed offset per
        parameter, or its enum value's text), rs_has_NAME whether it was sent."""
        self.helpers = list(queries.helpers)
        by_name = {p.name: p for p in self.route.params}
        kept = [p for p in self.route.params if p.name in queries.strings and not p.constraints.enum]
        offsets = {}
        for p in kept:
            offsets[p.name] = self.text_size
            self.text_size += p.constraints.max_length
        for check in self.checks:
            check.text_offset = offsets.get(check.param.name)
            check.utf8 = check.param.name in self.utf8_checked
        if kept:
            self.query_bindings.append("const char *rs_text = rs_reply_request_text(rs_r);")
            self.query_bindings.append(f"if (rs_text == NULL) /* dispatch kept no text: a runtime bug */\n"
                                       f"    {expr.FAIL}")
        for name in sorted(queries.strings):
            p = by_name[name]
            if p.constraints.enum:
                table = f"rs_enum_{self.route.c_name}_{name}"
                values = ", ".join(f"{{{c_string(v)}, {len(v.encode())}}}" for v in p.constraints.enum)
                self.helpers.append(f"/* The values of {p.source} parameter {c_comment(p.key)}, by index. */\n"
                                    f"static const rs_str {table}[] = {{{values}}};")
                self.query_bindings.append(f"const rs_str rs_s_{name} = {table}[rs_p->value[{p.slot}]];")
            else:
                self.query_bindings.append(f"const rs_str rs_s_{name} = {{rs_text + {offsets[name]}, "
                                           f"(size_t)rs_p->value[{p.slot}]}};")
        for name in sorted(queries.presence):
            slot = by_name[name].slot
            self.query_bindings.append(f"const bool rs_has_{name} = (rs_p->present & RS_PARAM_BIT({slot})) != 0;")

    def _bind(self, used: set) -> None:
        bound = {name for name, _ in self.bindings}  # C names (expr.c_name)
        for p in self.route.params:
            if p.name not in used or expr.c_name(p.name) in bound:
                continue
            value = f"rs_p->value[{p.slot}]"
            if p.source == "body" and not p.required:  # the runtime sets the bit when a body came
                value = f"(rs_p->present & RS_PARAM_BIT({p.slot})) ? {value} : " \
                        f"{expr.c_int_literal(p.default)}"
            self.bindings.append((expr.c_name(p.name), value))


def _abridged(text: str, keep: int = 200) -> str:
    """The start of a reply's source for a comment: a whole template (up to megabytes) on
    one comment line made clang-format's comment reflow quadratic in its length."""
    return text if len(text) <= keep else f"{text[:keep]}... ({len(text.encode())} bytes)"


@dataclass
class _Strings:
    """What _bind_query_names binds: string parameters read as text (rs_s_NAME), the data
    queries' helper functions, and the parameters tested for presence (rs_has_NAME)."""

    strings: set
    helpers: list = field(default_factory=list)
    presence: set = field(default_factory=set)


def text_bytes(route, name: str) -> int:
    """The most bytes a string parameter's text takes: its max_length, or its longest enum value."""
    c = next(p for p in route.params if p.name == name).constraints
    return max(len(v.encode()) for v in c.enum) if c.enum else c.max_length


def _describe_param(p) -> str:
    kind = p.kind if p.default is None else f"{p.kind} = {p.default}"
    return f"{p.source} {p.key} ({kind}{', optional' if p.constraints and p.constraints.optional else ''})"
