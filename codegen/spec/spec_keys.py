"""The spec language's key registry: every table, every key, its TOML type, default and meaning.

The validator takes the keys it accepts from these tables (unknown keys are RS010 with a
"did you mean"), and `make readme` writes docs/spec-reference.md from them, so a key
cannot be accepted without being documented, nor documented without being accepted.

To add a key: add it here (and check its value where the table is checked), then run
`make readme`. A key's default is either a value the validator uses (int, float, bool) or
display text ('"auto"', "none", "required", ...) for defaults that are not one number.
"""

from __future__ import annotations

from typing import NamedTuple


class Key(NamedTuple):
    type: str  # TOML type, as the reference shows it
    default: object  # the value used when absent, or display text (see the module docstring)
    meaning: str
    bounds: tuple | None = None  # (lowest, highest) for integers the validator range-checks


class Table(NamedTuple):
    title: str  # how the reference names the table, e.g. "[server.limits]"
    about: str  # one line on what the table is
    keys: dict  # name -> Key; a name in <angle brackets> stands for any name the user picks

    @property
    def names(self) -> tuple:
        """The fixed key names: what only_keys accepts (placeholders excluded)."""
        return tuple(k for k in self.keys if not k.startswith("<"))


# Top level of the file.
SPEC = Table("top level", "the tables a spec may contain", {
    "server": Key("table", "defaults", "the listener, limits, timeouts, buffers and the violations reply"),
    "route": Key("array of tables", "required", "[[route]]: one per path and method (GET /books and POST /books are two); at least one"),
    "profile": Key("table of tables", "none", "[profile.NAME]: a build variant with a subset of the routes"),
    "shape": Key("table of tables", "none", "[shape.NAME]: a JSON object type"),
    "data": Key("table of tables", "none", "[data.NAME]: a JSON file loaded at start-up"),
    "error": Key("table of tables", "none", "[error.NAME]: a named error handlers may return"),
    "error_body": Key("table", "defaults", "[error_body]: the members of every named error's JSON body"),
    "database": Key("table", "none", "[database]: the Postgres server routes' [sql.NAME] statements run on"),
    "sql": Key("table of tables", "none", "[sql.NAME]: a named SQL statement with typed parameters"),
    "cache": Key("table of tables", "none", "[cache.NAME]: a process-wide cache of statement replies"),
    "grpc": Key("table", "defaults", "[grpc]: the protobuf package and the request message limit"),
    "enum": Key("table of tables", "none", "[enum.NAME]: a protobuf enum, VALUE = NUMBER"),
    "message": Key("table of tables", "none", "[message.NAME]: a protobuf message, one key per field"),
    "service": Key("table of tables", "none", "[service.NAME.METHOD]: a gRPC method (unary or server streaming)"),
})

SERVER = Table("[server]", "the listener", {
    "port": Key("integer", 8080, "TCP port of the one listener (shorthand for one [[server.listen]]); "
                "the server's --port flag overrides it", (1, 65535)),
    "host": Key("string", '"" (every interface)', 'IP address every listener binds: "127.0.0.1", "::1", '
                "\"0.0.0.0\" (IPv4 only), \"::\"; the server's --host flag overrides it"),
    "workers": Key("string or integer", '"auto"', '"auto" = one reactor per CPU of the affinity mask, or 1..1024'),
    "max_connections": Key("integer", 16384, "open connections per worker", (1, 1 << 20)),
    "protocols": Key("array of strings", '["http1"]', "the one listener's protocols, as in [[server.listen]]"),
    "listen": Key("array of tables", "one listener from port/protocols",
                  "[[server.listen]]: several listeners, each with its port and protocols (not with port/protocols)"),
    "limits": Key("table", "defaults", "[server.limits]"),
    "timeouts": Key("table", "defaults", "[server.timeouts]"),
    "buffers": Key("table", "defaults", "[server.buffers]"),
    "violations": Key("table", "defaults", "[server.violations]: the reply to a request breaking constraints"),
    "response_headers": Key("table", "none", 'headers added to every reply the spec generates (not static files, '
                            'not the runtime\'s own errors): { x-frame-options = "DENY" }; constant values'),
    "cors": Key("table", "none", "[server.cors]: the CORS policy of every reply and handler route"),
    "log": Key("table", "none", "[server.log]: the access log (off without it; the server's --access-log overrides)"),
    "request_id": Key("string", '"off"', '"pass": keep a client\'s X-Request-Id when it is 1..64 letters, digits or '
                      '- _ . : @ / + = (else make one); "generate": always make one; "off". The id goes into the '
                      "access log and back as X-Request-Id"),
    "request_id_echo": Key("boolean", True, "send the request id back as X-Request-Id (with request_id on)"),
})

LOG = Table("[server.log]", "the access log: one line per answered request, written without blocking a worker "
            "(a destination too slow loses lines, counted in --stats)", {
    "path": Key("string", "required", 'file the lines are appended to (created if missing), or "-" for stdout'),
    "format": Key("string", '"common"', '"common": Common Log Format + the duration in microseconds; "json": '
                  "JSON lines (time, remote, method, target, protocol, status, bytes, duration_us)"),
})

CORS = Table("[server.cors]", "cross-origin requests (CORS): the generated server answers OPTIONS preflights "
             "and adds Access-Control-Allow-Origin (+ Vary: Origin) to replies of allowed origins; a route's "
             "`cors` table replaces keys of it, `cors = false` turns it off", {
    "origins": Key("string or array of strings", "required", '"*" (any origin, no credentials) or origins such as '
                   '["https://app.example", "http://localhost:3000"] (scheme://host[:port], at most 32)'),
    "methods": Key("array of strings", "the route's methods", "methods a preflight may ask for"),
    "headers": Key("array of strings", "[]", 'request headers a preflight may ask for, lower case: ["content-type", '
                   '"authorization"]'),
    "expose_headers": Key("array of strings", "[]", "response headers scripts may read (Access-Control-Expose-Headers)"),
    "max_age": Key("integer", "none", "seconds a browser may cache a preflight (Access-Control-Max-Age)", (0, 86400)),
    "credentials": Key("boolean", False, 'allow cookies and HTTP auth (Access-Control-Allow-Credentials); not with '
                       'origins = "*"'),
})

LISTEN = Table("[[server.listen]]", "one listening port and what it speaks", {
    "port": Key("integer", "required", "TCP port; --port overrides the first listener's, --listen NAME=PORT any",
                (1, 65535)),
    "protocols": Key("array of strings", '["http1"]', '"http1", "websocket" (needs "http1"), "h2c" (HTTP/2 '
                     'with prior knowledge; with "http1" recognised by its preface, alone the port speaks only h2), '
                     '"h2" (HTTP/2 through ALPN, TLS listeners only; the order of "h2" and "http1" is the ALPN '
                     'preference; a client without ALPN gets HTTP/1.1)'),
    "tls": Key("table", "none (cleartext)", "{ cert = FILE, key = FILE }: serve this port through TLS (1.2 and 1.3); "
               "the server's --tls-cert/--tls-key override the files; missing files at start: this listener is "
               "not served, the others are; SIGHUP reloads them"),
    "name": Key("string", '"listenN"', "what --listen NAME=PORT calls it (letters, digits, - _); "
                "default: listen0, listen1, ... in spec order"),
})

LISTEN_TLS = Table("[server.listen] tls", "a TLS listener's certificate and key", {
    "cert": Key("string", "required", "PEM certificate chain file, e.g. \"/certs/server.crt\""),
    "key": Key("string", "required", "PEM private key file, e.g. \"/certs/server.key\""),
})

# Bounds keep values inside the C types of rs_spec_config and away from settings that cannot work.
LIMITS = Table("[server.limits]", "sizes a request or connection may reach (bytes unless said)", {
    "target": Key("integer", 8192, "request-target bytes; longer -> 414", (64, 1 << 20)),
    "head": Key("integer", 16384, "request line + headers (includes target); larger -> 431", (256, 1 << 24)),
    "headers": Key("integer", 64, "header lines; more -> 431", (1, 1024)),
    "body": Key("integer", 1 << 20, "default body limit of a route; larger -> 413", (0, 1 << 62)),
    "output_queue": Key("integer", 65536, "queued output per connection before backpressure", (1024, 1 << 30)),
    # fits the runtime's uint32_t message assembly buffer
    "ws_message": Key("integer", 16 << 20, "largest WebSocket message after reassembly; larger -> close 1009",
                      (125, 1 << 30)),
    # One budget per worker across its connections: per-connection limits alone let 16384
    # connections each hold a 16 MiB body or message (runtime/core/buffer_budget.h).
    "h2_streams": Key("integer", 128, "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection; streams "
                      "over it are refused (RST_STREAM REFUSED_STREAM)", (1, 1 << 16)),
    "buffered": Key("integer", 64 << 20, "bytes a worker may hold for its clients at once: queued output, "
                    "spilled input, JSON bodies, WebSocket reassembly, HTTP/2 sessions and streams, TLS "
                    "connections (OpenSSL's memory and kept ciphertext); at it a body gets 503 + "
                    "Retry-After, a message close 1013, an HTTP/2 stream RST_STREAM, a new TLS connection is "
                    "closed at the accept, and a connection holding output stops reading until it drains",
                    (4096, 1 << 40)),
    # A handshake holds an SSL object and its buffers before the client has proved anything:
    # the cap bounds what silent or slow clients can make a worker hold (runtime/tls/tls_stream.c).
    "tls_handshakes": Key("integer", 1024, "TLS handshakes in progress per worker; a connection accepted "
                          "over it is closed at once, before any TLS byte (--stats tls_refused); "
                          "connections past their handshake are not affected", (1, 1 << 20)),
})

MAX_TIMEOUT_S = 86400
TIMEOUTS = Table("[server.timeouts]", f"seconds (integer or float, 0.001..{MAX_TIMEOUT_S})", {
    "header": Key("number", 10, "first byte of a request to its last header; slower -> 408"),
    "body": Key("number", 10, "silence inside a request body; longer -> 408"),
    "idle": Key("number", 60, "an idle keep-alive connection is closed"),
    "write": Key("number", 10, "output that makes no progress is dropped"),
    "handshake": Key("number", 10, "TLS listeners: accept to a completed handshake, whatever arrives "
                     "meanwhile; slower -> the connection is closed (--stats timeouts_handshake)"),
})

BUFFERS = Table("[server.buffers]", "the io_uring provided-buffer ring of each worker", {
    "recv_count": Key("integer", 1024, "receive buffers per worker (a power of two)", (1, 32768)),
    "recv_size": Key("integer", 2048, "bytes per receive buffer", (256, 1 << 20)),
})

VIOLATIONS = Table("[server.violations]", "the JSON body listing every broken parameter of a request", {
    "status": Key("integer", 400, "status of the violations reply (400..499, registered)", (400, 499)),
    "message": Key("string", '"invalid request"', "value of the message member"),
    "message_key": Key("string", '"error"', "name of the message member"),
    "list_key": Key("string", '"violations"', "name of the array member"),
    "fields": Key("table", "identity", "[server.violations.fields]: renames the members of each violation"),
})

VIOLATION_FIELDS = Table("[server.violations.fields]", "member names of one violation, e.g. { where = \"in\" }", {
    "where": Key("string", '"where"', 'name of the member saying "path", "query", "header" or "body"'),
    "name": Key("string", '"name"', "name of the member naming the parameter"),
    "what": Key("string", '"what"', "name of the member naming the broken rule (missing, type, min, ...)"),
    "expected": Key("string", '"expected"', 'name of the member saying what was expected, e.g. "<= 100"'),
})

ROUTE = Table("[[route]]", "a path and its methods, answered by a reply, a handler, a directory or a WebSocket "
              "behaviour; another route may answer other methods of the same path", {
    "path": Key("string", "required", '"/items/{id:int}" or "/books/{slug:string}": literal segments and '
                'typed parameters (a string segment is percent-decoded, "+" stays "+"; 1..256 bytes unless '
                'path_params says otherwise)'),
    "methods": Key("array of strings", '["GET"]', "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS; GET implies HEAD"),
    "path_params": Key("table", "none", "constraints on path parameters: { id = { min = 1 } } (int: min, max, "
                       "enum; string: min_length, max_length, pattern, enum)"),
    "query": Key("table", "none", 'query parameters: name = "int", "int = N", "string" or a parameter table'),
    "headers": Key("table", "none", "header parameters, by lower-case name (bound with - as _)"),
    "body": Key("string or table", "none", '"int", "int = N" (integer body), "stream" (read and counted: '
                '`body` = bytes) or [route.body] (a JSON body of a shape)'),
    "body_limit": Key("integer", "[server.limits] body; 64 MiB for stream; at most 16 MiB for a JSON body",
                      "largest body; larger -> 413", (0, 1 << 62)),
    "reply": Key("table", "required unless handler", "[route.reply]"),
    "handler": Key("string", "none", "a C function in handlers/*.c answering the route (instead of reply)"),
    "compress": Key("table", "none", "[route.compress]: codings offered for json replies, preferred first"),
    "static": Key("table", "none", "[route.static]: serve a directory under a prefix path such as \"/static/\""),
    "websocket": Key("string", "none", 'behaviour after the upgrade: "echo"'),
    "response": Key("array of tables", "none", "[[route.response]]: the typed responses of a handler route"),
    "errors": Key("array of strings", "[]", "names of [error.NAME] tables the route's handler may return"),
    "test": Key("array of tables", "none", "[[route.test]]: cases `ringspec test` runs against the built server"),
    "response_headers": Key("table", "none", 'headers of the reply, by lower-case name: { cache-control = "no-store", '
                            'x-book = "{id}" } ({holes} as in reply text); replace [server] ones of the same name'),
    "redirect": Key("table", "none", "[route.redirect]: answer with a redirect (instead of reply)"),
    "cache": Key("string", "none", 'a [cache.NAME] for a first(sql.NAME(...)) reply: X-Cache: HIT or MISS'),
    "invalidate": Key("string", "none", '"CACHE(key, ...)": the entry a route running a writing statement drops '
                      "once Postgres answered (the key as the cached route's statement arguments)"),
    "metrics": Key("boolean", False, "true: the route serves the server's counters (--stats) summed over its "
                   "workers in the Prometheus text format (GET; keys: path, methods, metrics, test)"),
    "cors": Key("table or boolean", "[server.cors]", "the route's CORS policy: keys replacing [server.cors] ones, "
                "true for the server's, false for none"),
})
# A stream body costs no memory, so its default limit is far above [server.limits] body.
STREAM_BODY_LIMIT = 64 << 20
# A JSON body is kept whole until it is parsed, so its limit is capped.
JSON_BODY_LIMIT = 16 << 20

ROUTE_BODY = Table("[route.body]", "a JSON request body (Content-Type application/json, else 415) parsed into a "
                   "typed C struct; routes with POST, PUT or PATCH", {
    "shape": Key("string", "required", "the [shape.NAME] the body must match; its fields' constraints are enforced"),
    "additional": Key("boolean", False, 'true ignores members the shape does not declare; false lists each as '
                      'violation "unknown"'),
})

# What a route serving a directory, or upgrading to WebSocket, may say: the rest is reply machinery.
STATIC_ROUTE_KEYS = ("path", "methods", "static", "test")
WEBSOCKET_ROUTE_KEYS = ("path", "methods", "websocket", "test")
METRICS_ROUTE_KEYS = ("path", "methods", "metrics", "test")

PARAM = Table("parameter table", 'a query/header value { type = ..., ... }; path_params take min, max, enum '
              '(int segments) or min_length, max_length, pattern, enum (string segments)', {
    "type": Key("string", '"int"', '"int" (64-bit signed), "string" or "bool" (true/false, bound as 1/0)'),
    "required": Key("boolean", "true unless default is set", 'absent -> violation "missing"'),
    "default": Key("integer or string", "none", "value used when absent (int, or a member of enum)"),
    "min": Key("integer", "none", "int: lowest allowed value"),
    "max": Key("integer", "none", "int: highest allowed value"),
    "enum": Key("array", "none", "allowed values; a reply writes a string enum's value, a handler gets its "
                "0-based index"),
    "min_length": Key("integer", "none", "string: fewest bytes (after percent-decoding)"),
    "max_length": Key("integer", 256, "string: most bytes (after percent-decoding)"),
    "pattern": Key("string", "none", "string: regular expression the whole value must match"),
})
PATH_PARAM_KEYS = ("min", "max", "enum")  # of an {id:int} segment
PATH_STRING_KEYS = ("min_length", "max_length", "pattern", "enum")  # of a {slug:string} segment

REPLY = Table("[route.reply]", "the answer of a route without a handler", {
    "status": Key("integer", 200, "a registered status; 204 and 304 take no text or json (sent without body and "
                  "Content-Length); a 3xx other than 304 needs a location header", (100, 599)),
    "type": Key("string", '"text/plain" or "application/json"', "Content-Type (a media type)"),
    "text": Key("string", "required unless json", 'a template: "{a + b}" holes are int expressions; with holes, '
                'at most 64 KiB of body (literal bytes + 20 per hole)'),
    "json": Key("table or string", "none", "[route.reply.json]: output fields in order; a string: "
                '"QUERY" or "first(QUERY) else 404" as the whole body'),
    "let": Key("table", "none", "[route.reply.let]: named data queries the json fields reuse"),
})

REPLY_LET = Table("[route.reply.let]", "named data queries of a json reply, computed per request", {
    "<name>": Key("string", "none", "a query: SOURCE [where COND] [order by KEY] [start:end]"),
})

REPLY_JSON = Table("[route.reply.json]", "a JSON object reply, members in order", {
    "<field>": Key("string", "none", 'an expression: a query (SOURCE [where ...] [order by ...] [start:end] '
                   'with { k = expr }), first(QUERY) [else STATUS], len(FIELD or let), or int arithmetic'),
})

REDIRECT = Table("[route.redirect]", "a reply with a Location and no body", {
    "status": Key("integer", 302, "301, 302, 303, 307 or 308"),
    "location": Key("string", "required", 'the Location: "/books/{id}" ({holes} as in reply text)'),
})

# brotli quality and gzip level ranges; profiles may retune them within the same bounds.
COMPRESS = Table("[route.compress]", "codings a json route offers, in the server's order of preference", {
    "gzip": Key("integer", "not offered", "gzip level", (1, 9)),
    "br": Key("integer", "not offered", "brotli quality", (0, 11)),
})

STATIC = Table("[route.static]", "a prefix route serving the files of a directory (GET and HEAD)", {
    "dir": Key("string", "required", 'absolute directory, e.g. "/data/static" (/data resolves under --data-root)'),
    "precompressed": Key("array of strings", "[]", 'serve .br / .gz siblings: ["br", "gz"]'),
    "cache": Key("string", '"memory"', '"memory" (loaded at start-up) or "none" (read per request)'),
    "mime": Key("table", "built-in list", 'extension -> media type, added to the defaults: { avif = "image/avif" }'),
    "index": Key("string", "none", 'file served for a directory ("/static/", "/static/docs/"): "index.html"; '
                 "without it a directory is 404"),
})

# Checked in route_tests.py; run by `ringspec test` (case_runner.py).
ROUTE_TEST = Table("[[route.test]]", "a request to the route and the response it must get (ringspec test)", {
    "name": Key("string", '"METHOD target"', "a label for the case in the report"),
    "request": Key("string", "required", '"METHOD /target?query": the target must go to this route'),
    "headers": Key("table", "none", 'request headers: { Accept-Encoding = "br" } (Content-Length is computed)'),
    "body": Key("string", "none", "request body; sent with Content-Length, chunked if headers say Transfer-Encoding"),
    "status": Key("integer", "required", "expected status code", (100, 599)),
    "expect_headers": Key("table", "none", "exact header values (names case-insensitive); false = absent, "
                                          "true = present"),
    "expect_body": Key("string", "none", "exact body, after undoing Content-Encoding br/gzip"),
    "expect_json": Key("any", "none", "JSON subset: objects need the listed keys, arrays the same length, "
                                      "scalars equal"),
    "expect_body_size": Key("integer", "none", "exact body length in bytes, after undoing Content-Encoding"),
    "websocket": Key("array of strings", "none", "websocket routes: text messages sent after the handshake "
                                                 "(status 101), each echoed back"),
})

SHAPE = Table("[shape.NAME]", "a JSON object type, fields in output order", {
    "<field>": Key("string or table", "required", '"int", "string", "bool", "[T]" (array) or a shape name; '
                   "or a shape field table"),
})

# A shape field written as a table; the constraints act where the shape is a request body.
SHAPE_FIELD = Table("shape field table", "{ type = ..., ... }: a field with constraints (checked in request "
                    "bodies; an array's element constraints apply to each element)", {
    "type": Key("string", "required", '"int", "string", "bool", a shape name, or "[T]" of one of them'),
    "required": Key("boolean", "true unless default is set", 'absent -> violation "missing"; JSON null counts '
                    "as absent for a field that is not required"),
    "default": Key("integer, string or boolean", "none", "value used when absent (int, string and bool fields)"),
    **{k: v for k, v in PARAM.keys.items() if k in ("min", "max", "pattern")},
    "enum": Key("array", "none", "allowed values (ints, or strings: the struct holds the string)"),
    "min_length": Key("integer", "none", "string: fewest bytes (UTF-8, after JSON unescaping)"),
    "max_length": Key("integer", 256, "string: most bytes (UTF-8, after JSON unescaping)"),
    "min_items": Key("integer", 0, "array: fewest elements", (0, 4096)),
    "max_items": Key("integer", 64, "array: most elements; the typed struct holds this many inline", (1, 4096)),
})

DATA = Table("[data.NAME]", "a JSON file loaded once at start-up into generated C structs", {
    "file": Key("string", "required", 'e.g. "/data/dataset.json" (/data resolves under --data-root)'),
    "type": Key("string", "required", 'its type: a shape name or "[Shape]"'),
})

RESPONSE = Table("[[route.response]]", "one status a handler route may answer with; the handler returns "
                 "<handler>_reply_<status>(...)", {
    "status": Key("integer", "required", "a registered status that carries a body; one table per status",
                  (100, 599)),
    "shape": Key("string", "none", 'JSON body: a shape name or "[Shape]"; the function takes a pointer to it'),
    "type": Key("string", '"application/json" with shape, else "text/plain"',
                "Content-Type; without shape the function takes text bytes"),
    "description": Key("string", '""', "what the response means (generated comments, routes)"),
})

ERROR = Table("[error.NAME]", "a named error: rs_error_NAME(reply, detail) returns it (NAME: a C identifier)", {
    "status": Key("integer", "required", "a registered status", (400, 599)),
    "message": Key("string", "the status's reason phrase", "value of the message member"),
})

ERROR_BODY = Table("[error_body]", 'names of the members of a named error\'s JSON body ("" leaves one out)', {
    "error_key": Key("string", '"error"', "member holding the error's name"),
    "message_key": Key("string", '"message"', "member holding its message"),
    "detail_key": Key("string", '"detail"', "member holding the handler's detail string (only when given)"),
    "status_key": Key("string", '""', "member holding the status code"),
})

# Postgres (codegen/spec/sql_spec.py, runtime/db/). Names of environment variables, not values: the
# connection string holds a password and the pool cap depends on the machine.
DATABASE = Table("[database]", "the Postgres server (libpq, pipeline mode, a pool per worker)", {
    "url_env": Key("string", '"DATABASE_URL"', "environment variable holding the libpq connection string or URI"),
    "max_conn_env": Key("string", '"DATABASE_MAX_CONN"', "environment variable capping connections across workers"),
    "max_conn": Key("integer", 256, "the cap when that variable is unset; each worker opens "
                    "max(1, min(cap, 240) / workers)", (1, 4096)),
    "pipeline_depth": Key("integer", 16, "statements in flight per connection", (1, 256)),
    "statement_timeout": Key("number", 5, "seconds a statement may run (Postgres statement_timeout)"),
    "reconnect_min": Key("number", 1, "seconds before the first reconnect; doubles per failure"),
    "reconnect_max": Key("number", 30, "longest wait between reconnects, in seconds"),
    "generic_plans": Key("boolean", False, "plan_cache_mode=force_generic_plan for the pool's sessions"),
})

SQL = Table("[sql.NAME]", "a named statement, prepared on every connection (NAME: a C identifier)", {
    "text": Key("string", "required", "the SQL, parameters $1..$n"),
    "params": Key("array of strings", "[]", '$1..$n in order: "int" or "string"'),
    "row": Key("string", "none", "the shape of a result row: each field is the column of its name, a nested "
               "shape's field the column FIELD_SUBFIELD; [string] and shape-typed columns are JSON (jsonb) "
               "copied as is"),
})

CACHE = Table("[cache.NAME]", "process-wide replies of a statement, keyed by its arguments (cache-aside)", {
    "ttl": Key("number", 0.2, "seconds an entry lives from when it was stored (absolute, never refreshed)"),
    "entries": Key("integer", 65536, "most entries kept (process-wide)", (1, 1 << 24)),
})

GRPC = Table("[grpc]", "gRPC over HTTP/2 (h2c and h2 listeners; docs/grpc.md)", {
    "package": Key("string", '""', 'the protobuf package of every message and service ("benchmark")'),
    "max_message": Key("integer", 4096, "bytes of one request message (decompressed); larger: RESOURCE_EXHAUSTED",
                       (1, 16 << 20)),
})

MESSAGE_FIELD = Table("[message.NAME] field", "{ number = N, type = T }: one field of a protobuf message", {
    "number": Key("integer", "required", "the field number: 1..536870911, not 19000..19999"),
    "type": Key("string", "required", "int32 int64 uint32 uint64 sint32 sint64 bool string bytes, an enum or a message"),
    "repeated": Key("integer", "singular", "a list of at most this many values (packed on the wire)", (1, 65536)),
    "max_length": Key("integer", "required for string/bytes", "largest size in bytes of a string or bytes value",
                      (0, 1 << 20)),
})

SERVICE_METHOD = Table("[service.NAME.METHOD]", "a gRPC method: POST /PACKAGE.NAME/METHOD", {
    "request": Key("string", "required", "the request message"),
    "response": Key("string", "required", "the response message"),
    "stream": Key("string", "unary", '"server": a server stream (client streaming and bidi: not supported yet)'),
    "reply": Key("table", "required without handler", '{ FIELD = "EXPR" }: response fields computed from the '
                 "request's (+ - *, wrapping to the field's type); in a stream `i` counts replies from 0"),
    "count": Key("string", "required for streams", "how many replies a server stream sends (expression)"),
    "max_count": Key("integer", 100000, "a larger count is OUT_OF_RANGE", (1, 1 << 30)),
    "handler": Key("string", "none", "a C function in handlers/*.c answering a unary method (grpc_handlers.h)"),
})

# Same bounds as [server], so a profile cannot reach a setting the server table could not.
PROFILE = Table("[profile.NAME]", "a build variant: some routes, optionally tuned (NAME: letters, digits, - _)", {
    "routes": Key("array of strings", "required", "paths of the routes this build serves, gRPC methods as "
                  '"/PACKAGE.SERVICE/METHOD"'),
    "workers": Key("string or integer", "[server] workers", 'overrides [server] workers ("auto" or 1..1024)'),
    "compress": Key("table", "the routes' levels", "{ br = Q, gzip = L }: levels for codings the routes offer"),
    "recv_count": Key("integer", "[server.buffers]", "overrides [server.buffers] recv_count", BUFFERS.keys["recv_count"].bounds),
    "recv_size": Key("integer", "[server.buffers]", "overrides [server.buffers] recv_size", BUFFERS.keys["recv_size"].bounds),
    "output_queue": Key("integer", "[server.limits]", "overrides [server.limits] output_queue",
                        LIMITS.keys["output_queue"].bounds),
})

# Every table, in the order the reference shows them.
TABLES = (SPEC, SERVER, CORS, LOG, LISTEN, LISTEN_TLS, LIMITS, TIMEOUTS, BUFFERS, VIOLATIONS, VIOLATION_FIELDS, ROUTE, PARAM, ROUTE_BODY, REPLY,
          REPLY_JSON, REPLY_LET, REDIRECT, COMPRESS, STATIC, RESPONSE, ERROR, ERROR_BODY, ROUTE_TEST, SHAPE, SHAPE_FIELD, DATA,
          DATABASE, SQL, CACHE, GRPC, MESSAGE_FIELD, SERVICE_METHOD, PROFILE)


def defaults_and_bounds(table: Table) -> dict:
    """{name: (default, lowest, highest)} of a table's range-checked integer keys."""
    return {name: (k.default, *k.bounds) for name, k in table.keys.items() if k.bounds is not None}
