"""The validated spec as plain data: what validate.py produces and emit.py consumes.

Everything here is already checked, so emit.py never has to re-check. Values are in the
units the generated C wants (timeouts in milliseconds, workers 0 for "auto").
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Must equal RS_MAX_PARAMS in runtime/app/ringspec.h (a test keeps the two in step).
MAX_PARAMS = 8

# Methods a spec may list, in rs_method enum order. This order is also the order of the
# Allow header, so "GET, HEAD, POST" reads the same in every route.
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

# Reason phrases (RFC 9110 §15, plus the registered codes servers commonly send).
STATUS_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    206: "Partial Content",
    207: "Multi-Status",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    507: "Insufficient Storage",
    508: "Loop Detected",
    511: "Network Authentication Required",
}

# WebSocket behaviours a route may name, with the rs_ws_on_message function each is. A C
# handler per message would be one more entry (or a name the spec gives), nothing in the
# runtime changes.
WS_BEHAVIOURS = {"echo": "rs_ws_echo"}

# Codes that must not carry content (RFC 9110 §6.4.1, §15.3.6); the runtime always sends
# Content-Length and a body, so a reply cannot use them.
BODILESS_STATUSES = {100, 101, 102, 103, 204, 205, 304}


@dataclass(frozen=True)
class Limits:
    target: int
    head: int
    headers: int
    body: int
    output_queue: int
    ws_message: int  # largest WebSocket message (bytes) -> close 1009
    buffered: int  # per-worker budget of every byte held for clients (runtime/core/buffer_budget.h)
    h2_streams: int = 128  # HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS
    tls_handshakes: int = 1024  # TLS handshakes in progress per worker


@dataclass(frozen=True)
class Timeouts:  # milliseconds
    header: int
    body: int
    idle: int
    write: int
    handshake: int = 10000  # accept to a completed TLS handshake


@dataclass(frozen=True)
class Server:
    workers: int  # 0 = one per CPU in the affinity mask
    max_connections: int
    recv_count: int
    recv_size: int
    limits: Limits
    timeouts: Timeouts
    protocols: tuple = ("http1",)  # every protocol some listener speaks: "http1", "websocket", "h2c"
    listeners: tuple = ()  # Listener, in spec order; the first is what --port overrides
    host: str = ""  # IP address every listener binds; "" = every interface (dual-stack [::])
    access_log: str = ""  # [server.log] path ("-": stdout); "" = no access log
    access_log_json: bool = False  # [server.log] format = "json"
    request_id: str = "off"  # "off", "pass" or "generate"
    request_id_echo: bool = True  # X-Request-Id on every reply when request_id is on

    @property
    def port(self) -> int:
        """The first listener's port (the v1 [server] port)."""
        return self.listeners[0].port if self.listeners else 8080


@dataclass(frozen=True)
class Listener:
    """One [[server.listen]] (or the v1 [server] port + protocols)."""

    name: str  # what --listen NAME=PORT calls it
    port: int
    protocols: tuple  # "http1", "websocket", "h2c", "h2" in PROTOCOLS order
    tls_cert: str | None = None  # TLS listener: certificate and key files
    tls_key: str | None = None
    h2_first: bool = False  # ALPN prefers "h2" to "http/1.1" (the spec's order)


@dataclass(frozen=True)
class Param:
    """A typed request value: a path segment, a query key, a header or the body."""

    name: str  # the C local it is bound to
    source: str  # "path", "query", "header" or "body"
    slot: int  # index into rs_params.value
    default: int | None = None  # None = required (unless constraints.optional)
    constraints: object = None  # params.Constraints; None = plain v1 int
    wire: str = ""  # the query key or header name as sent (the name when empty)
    pattern_id: int | None = None  # index of its matcher in patterns.c

    @property
    def required(self) -> bool:
        return self.default is None and not (self.constraints and self.constraints.optional)

    @property
    def kind(self) -> str:
        return self.constraints.kind if self.constraints else "int"

    @property
    def key(self) -> str:
        return self.wire or self.name


@dataclass(frozen=True)
class Violations:
    """[server.violations]: the 400 body listing broken parameters, as
    {message_key: message, list_key: [{where, name, what, expected}]} with keys renamed."""

    status: int = 400
    message_key: str = "error"
    message: str = "invalid request"
    list_key: str = "violations"
    fields: tuple = (("where", "where"), ("name", "name"), ("what", "what"), ("expected", "expected"))


@dataclass(frozen=True)
class Literal:
    """A run of literal path text, e.g. "/items/"."""

    text: str


@dataclass(frozen=True)
class ParamSegment:
    """A whole path segment holding a parameter: an integer, or a string (param.kind),
    percent-decoded and checked like a query string."""

    param: Param


@dataclass(frozen=True)
class StaticDir:
    """static = { dir, precompressed, cache, mime, index } on a prefix route."""

    dir: str  # "/data/static": resolved under --data-root
    precompressed: tuple  # "br" / "gzip", the server's preference first
    cache: str  # "memory" or "none"
    mime: tuple  # (extension, media type, compressible), defaults merged with the spec's
    index: str = ""  # file served for a directory path ("index.html"); "" = none (404)


@dataclass
class Route:
    index: int  # position in the spec, used in error messages
    path: str
    segments: list  # Literal | ParamSegment, alternating, starting with a Literal
    methods: tuple  # names from METHODS, in METHODS order, HEAD added for GET
    params: list  # Param, in slot order: path, then query, then body
    body: Param | None
    body_limit: int
    status: int
    content_type: str
    template: list  # expr.Text | expr.Hole; holes type-checked and folded
    text_source: str  # the reply text as written, for comments
    c_name: str  # identifier stem for the route's generated functions
    json: object = None  # json_reply.JsonReply, or None for a text reply
    compress: list = field(default_factory=list)  # (coding, level), preferred first
    handler: str | None = None  # C function in handlers/*.c answering the route
    body_stream: bool = False  # body = "stream": `body` is the number of bytes read
    static: StaticDir | None = None  # a prefix route serving files (path ends in "/")
    websocket: str | None = None  # behaviour after the upgrade ("echo"), None for HTTP routes
    json_body: object = None  # body_shapes.Body: a JSON request body parsed into rs_body_<shape>
    tests: list = field(default_factory=list)  # route_tests.TestCase: its [[route.test]] cases
    responses: list = field(default_factory=list)  # responses.Response, for a typed handler
    errors: list = field(default_factory=list)  # responses.NamedError the handler may return
    headers: list = field(default_factory=list)  # reply_head.check.Header: server's, then the route's
    cache: object = None  # sql_spec.Cache in front of a first(sql.NAME(...)) reply
    invalidate: object = None  # sql_reply.Invalidate: the cache entry this (writing) route drops
    cors: object = None  # cors.policy.Policy: preflights answered, replies get Access-Control-Allow-Origin
    metrics: bool = False  # serves the counters in the Prometheus text format (runtime/app/metrics.c)

    @property
    def typed(self) -> bool:
        """A handler that returns rs_status from generated functions (responses.py)."""
        return self.handler is not None and bool(self.responses or self.errors)

    @property
    def is_literal(self) -> bool:
        return self.static is None and all(isinstance(s, Literal) for s in self.segments)

    @property
    def query_params(self) -> list:
        return [p for p in self.params if p.source == "query"]

    @property
    def header_params(self) -> list:
        return [p for p in self.params if p.source == "header"]

    @property
    def path_params(self) -> list:
        return [p for p in self.params if p.source == "path"]


@dataclass
class Spec:
    file: str  # as given on the command line, for messages and comments
    name: str  # file stem: "arena"
    server: Server
    routes: list  # Route, in spec order
    profiles: dict = field(default_factory=dict)  # name -> tuple of route paths
    shapes: dict = field(default_factory=dict)  # name -> shapes.Shape, in spec order
    data: dict = field(default_factory=dict)  # name -> shapes.DataSource
    violations: Violations = field(default_factory=Violations)
    errors: dict = field(default_factory=dict)  # name -> responses.NamedError, in spec order
    error_body: object = None  # responses.ErrorBody
    body_shapes: dict = field(default_factory=dict)  # name -> body_shapes.BodyShape
    database: object = None  # sql_spec.Database ([database]), or None
    statements: dict = field(default_factory=dict)  # name -> sql_spec.Statement ([sql.NAME])
    caches: dict = field(default_factory=dict)  # name -> sql_spec.Cache ([cache.NAME])
    grpc: object = None  # grpc.model.Grpc ([grpc], [message.*], [enum.*], [service.*]), or None

    def select(self, profile: str | None) -> list:
        """The routes a profile serves (all routes without one), in spec order."""
        if profile is None:
            return list(self.routes)
        wanted = set(self.profiles[profile])
        return [r for r in self.routes if r.path in wanted]


    def grpc_methods(self, profile: str | None) -> list:
        """The gRPC methods a profile serves (all without one)."""
        if self.grpc is None:
            return []
        methods = self.grpc.methods()
        if profile is None:
            return methods
        wanted = set(self.profiles[profile])
        return [m for m in methods if m.path(self.grpc.package) in wanted]

    def output_name(self, profile: str | None) -> str:
        return self.name if profile is None else f"{self.name}-{profile}"
