/* ringspec.h — the one header between generated route code and the runtime.
 *
 * Generated code (generated/<spec>/routes.c) implements the three symbols
 * declared under "provided by generated code"; the runtime implements the
 * rest.  Nothing else crosses the boundary, so the runtime is compiled once
 * and linked with any spec's generated code. */
#ifndef RINGSPEC_H
#define RINGSPEC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- request methods ------------------------------------------------- */

/* Small integers so generated code can switch on them and build masks. */
typedef enum rs_method {
    RS_METHOD_OTHER = 0, /* a syntactically valid token we do not know */
    RS_METHOD_GET,
    RS_METHOD_HEAD,
    RS_METHOD_POST,
    RS_METHOD_PUT,
    RS_METHOD_DELETE,
    RS_METHOD_PATCH,
    RS_METHOD_OPTIONS,
    RS_METHOD_CONNECT,
    RS_METHOD_TRACE,
    RS_METHOD_COUNT
} rs_method;

#define RS_METHOD_BIT(m) (1u << (m))

/* ---- spec-level server configuration (emitted by codegen) ------------ */

typedef struct rs_spec_limits {
    uint32_t max_target;     /* request-target bytes; longer -> 414 */
    uint32_t max_head;       /* request line + header block; larger -> 431 */
    uint32_t max_headers;    /* header field count; more -> 431 */
    uint64_t max_body;       /* default body limit per request -> 413 */
    uint32_t output_queue;   /* per-connection queued output cap (bytes) */
    uint64_t buffered;       /* per-worker budget: every byte held for clients (buffer_budget.h) */
    uint32_t h2_streams;     /* HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS */
    uint32_t tls_handshakes; /* TLS handshakes in progress per worker; over it an accept is closed */
} rs_spec_limits;

typedef struct rs_spec_timeouts { /* milliseconds */
    uint32_t header;              /* first byte of a request to end of its header block */
    uint32_t body;                /* longest silence while a request body is expected */
    uint32_t idle;                /* keep-alive connection with nothing in progress */
    uint32_t write;               /* queued output that makes no progress */
    uint32_t handshake;           /* TLS: accept to a completed handshake */
} rs_spec_timeouts;

/* What a listener speaks (bits of rs_spec_listener.protocols). */
enum {
    RS_LISTEN_HTTP1 = 1u << 0,
    RS_LISTEN_WEBSOCKET = 1u << 1,
    RS_LISTEN_H2C = 1u << 2, /* HTTP/2 prior knowledge; with HTTP1 recognised by its preface */
    RS_LISTEN_H2 = 1u << 3,  /* HTTP/2 chosen by ALPN "h2" on a TLS listener */
};

#define RS_MAX_LISTENERS 16

typedef struct rs_spec_listener {
    const char *name; /* for --listen NAME=PORT */
    uint16_t port;
    uint8_t protocols; /* RS_LISTEN_* */
    /* TLS: certificate chain and key files (PEM), or NULL for cleartext.
     * ALPN offers h2 before http/1.1 when h2_first, else the other way. */
    const char *tls_cert, *tls_key;
    bool h2_first;
} rs_spec_listener;

/* [server] request_id (runtime/app/request_id.h). */
enum { RS_REQUEST_ID_OFF = 0, RS_REQUEST_ID_PASS, RS_REQUEST_ID_GENERATE };

typedef struct rs_spec_config {
    const char *spec_name; /* e.g. "arena" */
    const char *host;      /* IP address every listener binds; "" = every interface */
    uint16_t port;         /* the first listener's */
    uint8_t listener_count;
    const rs_spec_listener *listeners;
    uint16_t workers;          /* 0 = one per CPU in the affinity mask */
    uint32_t max_connections;  /* per worker */
    uint32_t recv_buffers;     /* provided buffers per worker (power of two) */
    uint32_t recv_buffer_size; /* bytes per provided buffer */
    const char *access_log;    /* [server.log] path: a file, "-" for stdout, NULL: no access log */
    bool access_log_json;      /* [server.log] format = "json" (else "common") */
    uint8_t request_id;        /* [server] request_id: RS_REQUEST_ID_OFF / _PASS / _GENERATE */
    bool request_id_echo;      /* [server] request_id_echo: X-Request-Id on every reply */
    rs_spec_limits limits;
    rs_spec_timeouts timeouts;
} rs_spec_config;

/* ---- what dispatch tells the runtime ---------------------------------- */

/* Typed parameters of one request, filled by dispatch (path, query) and by
 * the runtime (body).  Storage lives in the connection slot, so it must
 * stay small: codegen rejects routes with more than RS_MAX_PARAMS (8: the
 * violations word has 4 bits per slot).  String values a reply reads live
 * off the slot, in request-scoped text (rs_request_text). */
#define RS_MAX_PARAMS 8

/* Why a parameter was refused (spec v2 constraints).  Dispatch records one
 * per slot and answers 400; generated rs_route_invalid turns them into the
 * violations body.  The numbering is part of the interface (generated code
 * switches on it). */
typedef enum rs_violation {
    RS_V_NONE = 0,
    RS_V_MISSING,    /* required and absent */
    RS_V_TYPE,       /* not an integer, or bad percent-encoding */
    RS_V_REPEATED,   /* a query key given twice */
    RS_V_MIN,        /* int below min */
    RS_V_MAX,        /* int above max */
    RS_V_ENUM,       /* not one of the enum values */
    RS_V_MIN_LENGTH, /* string shorter than min_length */
    RS_V_MAX_LENGTH, /* string longer than max_length */
    RS_V_PATTERN,    /* string does not match pattern */
} rs_violation;

typedef struct rs_params {
    int64_t value[RS_MAX_PARAMS]; /* ints, bools (0/1); a string's enum index or length */
    uint32_t present;             /* bit i set when value[i] was supplied */
    uint32_t violations;          /* rs_violation of slot i in bits 4i..4i+3 */
} rs_params;

/* Packed so that rs_params (and the connection slot) did not grow. */
#define RS_VIOLATION_BITS 4
_Static_assert((RS_MAX_PARAMS * RS_VIOLATION_BITS) <= 32, "violations of every slot fit in 32 bits");
static inline rs_violation rs_violation_of(const rs_params *p, unsigned slot)
{
    return (rs_violation)((p->violations >> (RS_VIOLATION_BITS * slot)) & 0xFu);
}

/* Records why slot was refused; the first reason of a slot wins. */
static inline void rs_params_refuse(rs_params *p, unsigned slot, rs_violation why)
{
    if (rs_violation_of(p, slot) == RS_V_NONE)
        p->violations |= (uint32_t)why << (RS_VIOLATION_BITS * slot);
}

/* Content codings a route may compress with (RFC 9110 §8.4.1). */
typedef enum rs_coding {
    RS_CODING_NONE = 0, /* the route never compresses: no Vary */
    RS_CODING_IDENTITY, /* the route could, this request gets identity */
    RS_CODING_GZIP,
    RS_CODING_BR,
} rs_coding;

/* A route's offer: codings in the server's order of preference (used when
 * the client's q-values tie) with their gzip level / brotli quality. */
#define RS_MAX_CODINGS 2
typedef struct rs_compress {
    uint8_t count;
    struct {
        uint8_t coding; /* RS_CODING_GZIP or RS_CODING_BR */
        uint8_t level;  /* gzip 1..9, br 0..11 */
    } offer[RS_MAX_CODINGS];
} rs_compress;

/* How the runtime consumes a request body for the matched route. */
typedef enum rs_body_kind {
    RS_BODY_DISCARD = 0, /* read and drop (also used for error routes) */
    RS_BODY_INT,         /* decimal integer, surrounding whitespace allowed */
    RS_BODY_STREAM,      /* read and drop as it arrives (constant memory, any
                          * size up to the limit); the body param receives the
                          * number of body bytes read, always present */
    RS_BODY_JSON,        /* Content-Type application/json (else 415), kept whole
                          * up to the limit; the route parses it (rs_body_parse) */
} rs_body_kind;

/* ---- static files (runtime/static_*.c) ---- */

typedef enum rs_static_cache {
    RS_STATIC_MEMORY = 0, /* every file (+ siblings) loaded at start-up, sent by reference */
    RS_STATIC_NONE,       /* opened and read from disk per request, through the ring */
} rs_static_cache;

typedef struct rs_mime_type {
    const char *ext;   /* lower case, without the dot: "css" */
    const char *type;  /* "text/css" */
    bool compressible; /* text-like: precompressed siblings may be served */
} rs_mime_type;

typedef struct rs_static_mount rs_static_mount; /* the runtime's state of a directory */

/* A directory served under a route prefix.  Generated code emits one per
 * static route (mutable only through `mount`, which the runtime sets). */
typedef struct rs_static_dir {
    const char *dir;                  /* "/data/static" resolves under --data-root */
    uint8_t cache;                    /* rs_static_cache */
    uint8_t sibling_count;            /* precompressed codings looked for */
    uint8_t siblings[RS_MAX_CODINGS]; /* RS_CODING_BR / _GZIP, server's preference first */
    const rs_mime_type *mime;         /* extension table; others get default_type */
    uint16_t mime_count;
    const char *default_type; /* "application/octet-stream" */
    const char *index;        /* served for a path ending in "/" ("index.html"); NULL: 404 */
    rs_static_mount *mount;   /* set by rs_static_load_all at start-up */
} rs_static_dir;

/* ---- WebSocket routes ------------------------------------------------- */

/* A route whose dispatch yields an rs_ws_route upgrades to WebSocket
 * (RFC 6455): the runtime validates the handshake, answers 101, parses and
 * validates frames, reassembles fragmented messages, answers ping and
 * close itself, and hands each complete text or binary message to the
 * route's on_message.  The spec's behaviour names the function:
 * `websocket = "echo"` is the runtime's rs_ws_echo; a C handler written
 * against this header can take its place without any runtime change. */
typedef struct rs_ws rs_ws; /* the connection a message arrived on */

/* A complete message: RS_WS_TEXT (valid UTF-8) or RS_WS_BINARY.  data is
 * valid only during the call. */
typedef void (*rs_ws_on_message)(rs_ws *ws, unsigned opcode, const char *data, size_t len);

typedef struct rs_ws_route {
    rs_ws_on_message on_message;
    uint32_t max_message; /* bytes; a larger message -> close 1009 */
} rs_ws_route;

#define RS_WS_TEXT 0x1u
#define RS_WS_BINARY 0x2u

/* Queues one unfragmented, unmasked frame with this opcode and payload.
 * Output is bounded: the runtime stops reading the connection while its
 * queue is over the spec's output_queue cap. */
void rs_ws_send(rs_ws *ws, unsigned opcode, const char *data, size_t len);

/* The "echo" behaviour: sends the message back with the same opcode. */
void rs_ws_echo(rs_ws *ws, unsigned opcode, const char *data, size_t len);

/* ---- CORS (runtime/app/cors.c) ---------------------------------------- */

/* A route's cross-origin policy ([server.cors] / a route's cors), emitted by
 * codegen once per distinct policy.  The runtime answers preflights
 * (OPTIONS with Access-Control-Request-Method on a path no route answers
 * OPTIONS for) and adds Access-Control-Allow-Origin to replies of an allowed
 * origin; the origin echoed is the spec's string, never request bytes. */
typedef struct rs_cors {
    const char *const *origins; /* serialized origins, exact match; NULL with any_origin */
    uint8_t origin_count;
    bool any_origin;            /* "*": Access-Control-Allow-Origin: * (never with credentials) */
    bool credentials;           /* Access-Control-Allow-Credentials: true */
    uint32_t methods;           /* RS_METHOD_BIT mask a preflight may ask for */
    const char *const *headers; /* lower-case request headers a preflight may ask for */
    uint8_t header_count;
    const char *preflight_lines; /* Allow-Methods, Allow-Headers, Max-Age lines (CRLF each) */
    const char *actual_lines;    /* Expose-Headers line, or "" */
} rs_cors;

typedef struct rs_request_view rs_request_view;

/* The method a preflight asks about (Access-Control-Request-Method), or
 * RS_METHOD_OTHER when absent or unknown. */
rs_method rs_cors_requested_method(const rs_request_view *req);

typedef struct rs_route_match {
    int16_t route;                /* index of the matched route, or -1 */
    uint16_t status;              /* 0 = dispatch succeeded; else 400/404/405 */
    uint8_t body_kind;            /* rs_body_kind */
    uint8_t body_param;           /* params slot the body value goes to */
    uint64_t body_limit;          /* bytes; larger bodies -> 413 */
    const char *allow;            /* for 405: the Allow header value */
    const rs_compress *compress;  /* NULL: the route never compresses */
    rs_static_dir *static_dir;    /* non-NULL: serve files under this directory */
    uint16_t static_prefix;       /* bytes of the path that name the route ("/static/") */
    const rs_ws_route *websocket; /* non-NULL: a WebSocket route (GET + handshake) */
    const rs_cors *cors;          /* the route's CORS policy, or NULL */
    bool preflight;               /* an OPTIONS preflight: the runtime answers it (status 0) */
} rs_route_match;

/* A view of the request head, valid only during rs_route_dispatch. */
struct rs_request_view {
    rs_method method;
    const char *path; /* request-target up to '?' (not decoded) */
    size_t path_len;
    const char *query; /* after '?', or NULL */
    size_t query_len;
    const char *accept_encoding; /* field value (untrimmed), or NULL when absent */
    size_t accept_encoding_len;
    const char *head; /* the whole validated head, for rs_request_header */
    size_t head_len;
    struct rs_reactor *reactor; /* opaque: where rs_request_text keeps its block */
    struct rs_conn *conn;
};

/* ---- provided by generated code --------------------------------------- */

extern const rs_spec_config rs_spec;

/* Matches method + path, parses path and query parameters into *params
 * (applying defaults) and fills *m.  Never allocates. */
void rs_route_dispatch(const rs_request_view *req, rs_params *params, rs_route_match *m);

/* The Allow header value of a route (for 405), or NULL for no route, and its
 * body limit in bytes (route -1: the spec's default, as rs_route_match says
 * for an unknown path).  Asked again when needed, so the connection slot need
 * not keep them. */
const char *rs_route_allow(int route);
uint64_t rs_route_body_limit(int route);

/* The CORS policy of a route, or NULL (none, or route -1). */
const rs_cors *rs_route_cors(int route);

typedef struct rs_reply rs_reply;

/* The static directories of this build (count may be 0).  The runtime
 * loads or opens each once at start-up, after rs_data_load. */
extern rs_static_dir *const rs_static_dirs[];
extern const unsigned rs_static_dir_count;

/* Loads the spec's data sources (files under /data resolve under data_root)
 * into read-only structs shared by all workers.  Called once, before any
 * worker starts.  On failure prints what is wrong (file, item index, field)
 * to stderr and returns -1. */
int rs_data_load(const char *data_root);

/* Writes the response of route m->route once the request is complete.
 * Must call exactly one rs_reply_* function. */
void rs_route_respond(int route, const rs_params *params, rs_reply *reply);

/* The answer of a metrics route (`metrics = true`): every worker's counters
 * in the Prometheus text format (runtime/app/metrics.c). */
void rs_metrics_reply(rs_reply *r);

/* Writes the spec's violations reply (400 by default, JSON listing each slot
 * with a violation: where, name, what, expected) for a request that
 * dispatch refused with params->violations != 0.  Called by
 * the runtime instead of rs_reply_error then. */
void rs_route_invalid(int route, const rs_params *params, rs_reply *reply);

/* ---- provided by the runtime, for generated code ---------------------- */

/* head: preformatted status line and fixed headers, each ending in CRLF,
 * e.g. "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n".  The runtime adds
 * Date, Content-Length and Connection, and omits the body for HEAD. */
void rs_reply_text(rs_reply *r, const char *head, size_t head_len, const char *body, size_t body_len);

/* Header lines ("Name: value\r\n" each, living as long as the process) the
 * runtime adds to whatever reply r sends: an untyped handler route's
 * response_headers, set by generated code before the handler runs. */
void rs_reply_route_headers(rs_reply *r, const char *lines, size_t len);

/* A canned response (400, 404, 405, 500, ...); the connection stays open. */
void rs_reply_error(rs_reply *r, unsigned status);

/* Strict base-10: optional '-', digits only (leading zeros allowed, "010"
 * is 10), no spaces, no '+', no empty string; false on overflow. */
bool rs_parse_i64(const char *s, size_t n, int64_t *out);

/* Iterates "k=v&k=v" pairs.  Returns false at the end.  A pair without '='
 * yields an empty value; empty pairs ("&&") are skipped. */
typedef struct rs_str {
    const char *ptr;
    size_t len;
} rs_str;
bool rs_query_next(const char **cursor, const char *end, rs_str *key, rs_str *value);

/* Finds a header field of the request (name in lower case, matched
 * case-insensitively) and returns its value without surrounding
 * whitespace; the first one when the field is repeated.  Scans the head,
 * which the parser has already validated, so use it for fields a route
 * needs, not on every request of a hot route. */
bool rs_request_header(const rs_request_view *req, const char *lower_name, rs_str *value);

/* rs_request_header that also counts the field's lines: 0 (absent, value
 * {NULL, 0}), 1, or 2 for two or more (value: the first).  A header that is
 * a route parameter is a `repeated` violation when sent twice, like a
 * repeated query parameter, rather than one copy winning silently. */
unsigned rs_request_header_copies(const rs_request_view *req, const char *lower_name, rs_str *value);

/* Percent-decodes a query value ("+" is a space) into dst (cap bytes).
 * Returns the decoded length, SIZE_MAX when it does not fit in cap, or
 * SIZE_MAX - 1 for a malformed escape ("%zz", "%4"). */
size_t rs_url_decode(const char *s, size_t n, char *dst, size_t cap);

/* rs_url_decode for a path segment, where "+" is itself (RFC 3986). */
size_t rs_path_decode(const char *s, size_t n, char *dst, size_t cap);

/* Request text put into a response header value: visible ASCII except '%' is
 * copied, every other byte (controls, CR, LF, space, non-ASCII) written as
 * %XX, so a value can never end the field or the head.  dst holds 3 * n
 * bytes; returns the bytes written. */
size_t rs_header_text(char *dst, const char *s, size_t n);

/* rs_request_header for several fields in one pass over the head: names
 * in lower case; values[i].ptr is NULL when field i is absent. */
void rs_request_headers(const rs_request_view *req, const char *const *lower_names, size_t n, rs_str *values);

/* Writes v in decimal to dst (needs 20 bytes), returns bytes written. */
size_t rs_format_i64(char *dst, int64_t v);

/* An rs_str of a string literal, or of a NUL-terminated string (NULL -> empty). */
#define RS_STR(literal) ((rs_str){(literal), sizeof(literal) - 1})
static inline rs_str rs_str_of(const char *s)
{
    return (rs_str){s, s ? strlen(s) : 0};
}

/* ---- request-scoped text and data queries -------------------------------- */

/* size bytes that stay valid until the request's response is written: dispatch
 * decodes the string parameters a reply reads into it (the head's bytes are
 * gone by the time the body has been read).  Kept off the 256-byte slot.
 * NULL when out of memory. */
char *rs_request_text(const rs_request_view *req, size_t size);

/* The block rs_request_text gave during this request's dispatch, or NULL. */
const char *rs_reply_request_text(const rs_reply *r);

/* String tests of data queries (`where` in a spec), bytewise over UTF-8;
 * the i- forms fold ASCII letters only.  rs_text_cmp orders like strcmp on
 * the bytes, a prefix first.  (runtime/text_match.c) */
bool rs_text_starts_with(const char *s, size_t n, const char *prefix, size_t prefix_len);
bool rs_text_contains(const char *s, size_t n, const char *needle, size_t needle_len);
bool rs_text_icontains(const char *s, size_t n, const char *needle, size_t needle_len);
bool rs_text_iequal(const char *a, size_t a_len, const char *b, size_t b_len);
int rs_text_cmp(const char *a, size_t a_len, const char *b, size_t b_len);

/* An index array of n entries in the reactor's query scratch (grown to the
 * largest need, then reused: no per-request malloc), valid until the reply
 * is written.  NULL when out of memory. */
uint32_t *rs_reply_index_scratch(rs_reply *r, size_t n);

/* ---- JSON replies ------------------------------------------------------ */

/* A JSON body being written into the reactor's scratch buffer.  The body
 * is built whole before the response head because Content-Length (and any
 * compression) needs all of it.  The buffer grows geometrically up to a cap
 * and is then reused: steady state allocates nothing.  Past the cap, or
 * with no memory, `failed` is set, writes stop and the reply becomes 500. */
typedef struct rs_json {
    char *p;    /* next byte to write */
    char *end;  /* end of the buffer */
    char *base; /* start of the buffer */
    bool failed;
} rs_json;

/* Slow path of rs_json_room: grows the buffer so n more bytes fit. */
bool rs_json_grow(rs_json *w, size_t n);

static inline bool rs_json_room(rs_json *w, size_t n)
{
    return (size_t)(w->end - w->p) >= n || rs_json_grow(w, n);
}

static inline void rs_json_raw(rs_json *w, const char *s, size_t n)
{
    if (rs_json_room(w, n)) {
        memcpy(w->p, s, n);
        w->p += n;
    }
}

static inline void rs_json_int(rs_json *w, int64_t v)
{
    if (rs_json_room(w, 20))
        w->p += rs_format_i64(w->p, v);
}

static inline void rs_json_bool(rs_json *w, bool v)
{
    if (v)
        rs_json_raw(w, "true", 4);
    else
        rs_json_raw(w, "false", 5);
}

/* A JSON string: quotes, with '"', '\\' and control characters escaped.
 * s must be valid UTF-8 (data sources are checked at load); other bytes
 * pass through unchanged. */
void rs_json_string(rs_json *w, const char *s, size_t n);

/* Starts the JSON body of this request (empties the scratch buffer). */
rs_json *rs_reply_json_begin(rs_reply *r);

/* Sends the body written since rs_reply_json_begin: compressed with the
 * coding negotiated for this request when the route offers one (cfg, or
 * NULL), with Vary: Accept-Encoding whenever cfg is given. */
void rs_reply_json_end(rs_reply *r, const char *head, size_t head_len, const rs_compress *cfg);

/* ---- JSON request bodies (body = { shape = "X" }) ---------------------- */

/* Generated code reads a route's JSON body into its typed struct and
 * records every broken field here; a body with any violation is answered
 * with the spec's violations reply (where "body", name the JSON path).
 * Bounded: at most RS_BODY_MAX_VIOLATIONS are listed, paths are cut at
 * RS_BODY_PATH_MAX - 1 bytes. */
#define RS_BODY_MAX_VIOLATIONS 32
#define RS_BODY_PATH_MAX 128

typedef struct rs_body_violation {
    const char *what;            /* "missing", "type", "min", ..., "malformed" */
    const char *expected;        /* e.g. "<= 99" */
    char name[RS_BODY_PATH_MAX]; /* JSON path: "items[2].qty"; "" = the whole body */
} rs_body_violation;

typedef struct rs_body_check {
    unsigned count; /* violations recorded (at most the array's size) */
    size_t path_len;
    char path[RS_BODY_PATH_MAX]; /* path of the value being read */
    char detail[208];            /* expected text of a malformed body */
    rs_body_violation v[RS_BODY_MAX_VIOLATIONS];
} rs_body_check;

struct json_t; /* libjansson */

/* Parses the request body of the route being answered (RS_BODY_JSON) into
 * a libjansson document, duplicate keys refused, allocation bounded by
 * the body's size.  Returns the document, a JSON object, or NULL after
 * recording one violation: "missing" (no body), "malformed" (expected
 * names jansson's reason and the byte offset) or "type" (not an object).
 * Strings of the typed body point into the document: free it with
 * rs_body_free only once the reply has been written. */
struct json_t *rs_body_parse(const rs_reply *r, rs_body_check *c);
void rs_body_free(struct json_t *doc);

/* Records a violation at the current path (ignored past the maximum). */
void rs_body_refuse(rs_body_check *c, const char *what, const char *expected);

/* Extends the path by ".key" (no dot at the root) or "[i]"; returns the
 * mark rs_body_path_pop restores. */
size_t rs_body_path_key(rs_body_check *c, const char *key);
size_t rs_body_path_index(rs_body_check *c, size_t i);
static inline void rs_body_path_pop(rs_body_check *c, size_t mark)
{
    c->path_len = mark;
    c->path[mark] = '\0';
}

/* ---- typed handler responses ([[route.response]], [error.X]) ------- */

/* What a typed handler returns: the response it prepared with one of its
 * generated functions (<handler>_reply_<status>, rs_error_<name>).  A
 * struct, so that `return 404;` does not compile; {0} means nothing was
 * prepared.  The generated code sends the prepared response after the
 * handler returns, if the route declares it, else answers 500. */
typedef struct rs_status {
    uint16_t code;  /* HTTP status */
    uint16_t error; /* the named error's number (1-based, spec order); 0 for a response */
    uint16_t route; /* a response: 1 + the number of the route whose function made it */
} rs_status;

/* Records st as the request's prepared response, whose body is what was
 * written since rs_reply_json_begin, and returns it.  The last one wins. */
rs_status rs_reply_prepare(rs_reply *r, rs_status st);

/* The response prepared last ({0} when none). */
rs_status rs_reply_prepared(const rs_reply *r);

/* The status of the response written for this request, 0 while none is. */
unsigned rs_reply_status(const rs_reply *r);

/* A handler broke its contract (answered nothing, returned a status its
 * route does not declare, ...): answers 500 unless a response was already
 * written, and logs the message the first time `once` is seen set (the
 * generated code keeps one flag per route, so a bad handler cannot flood
 * the log). */
void rs_reply_handler_fault(rs_reply *r, atomic_flag *once, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- Postgres ([database], [sql.NAME]; runtime/db/) -------------------- */

/* [database]: names of environment variables, not their values (the URL
 * holds a password; the pool cap depends on the machine). */
typedef struct rs_db_config {
    const char *url_env;      /* "DATABASE_URL": a libpq connection string or URI */
    const char *max_conn_env; /* "DATABASE_MAX_CONN": connections across all workers */
    uint32_t max_conn;        /* the cap when that variable is unset */
    uint32_t pipeline_depth;  /* statements in flight per connection */
    uint32_t statement_timeout_ms;
    uint32_t reconnect_min_ms, reconnect_max_ms; /* backoff, doubling per failure */
    bool generic_plans;                          /* plan_cache_mode=force_generic_plan */
} rs_db_config;

/* A named statement, prepared on every connection as "s<index>". */
typedef struct rs_sql_statement {
    const char *name;
    const char *text;
    uint8_t nparams;
    bool writes; /* INSERT/UPDATE/DELETE: no answer from the database is a 503 */
} rs_sql_statement;

extern const rs_db_config *const rs_db_spec; /* NULL: the spec has no [database] */
extern const rs_sql_statement rs_sql_statements[];
extern const unsigned rs_sql_statement_count;

/* The rows of one statement's result, text format (valid during the call). */
typedef struct rs_db_rows rs_db_rows;
unsigned rs_db_row_count(const rs_db_rows *rows);
rs_str rs_db_value(const rs_db_rows *rows, unsigned row, unsigned col);

/* Runs statement with its parameters as text (copied) and parks the request:
 * nothing behind it on the connection is answered before it.  The runtime
 * answers through rs_route_db_done once Postgres has, or with rows == NULL
 * when it cannot (no connection, statement failed, queue full). */
void rs_reply_db(rs_reply *r, unsigned statement, const rs_str *args, unsigned nargs);

/* Statements from C handlers.  rs_db_run sends statement (its index in
 * rs_sql_statements: handlers.h names them RS_SQL_<name>) with its
 * parameters as text (copied) and parks the request; once Postgres has
 * answered, done(reply, rows, tag) writes the response through the reply
 * (rs_reply_json_begin/_end, rs_reply_text, rs_reply_error), rows NULL when
 * the database could not answer.  Called at once, before rs_db_run returns,
 * when no connection is up.  The handler then returns what rs_db_run
 * returned (typed handlers) or nothing more (untyped ones); its parameters
 * and JSON body are gone by the time done runs: pass what done needs in
 * tag.  A request whose statement had to queue runs its handler again. */
typedef void (*rs_db_done)(rs_reply *reply, const rs_db_rows *rows, int64_t tag);
rs_status rs_db_run(rs_reply *reply, unsigned statement, const rs_str *args, unsigned nargs, rs_db_done done,
                    int64_t tag);

/* The request was handed to the database (rs_reply_db, rs_db_run): it
 * waits, or the callback has answered it already; the generated code sends
 * nothing more for it. */
bool rs_reply_waiting(const rs_reply *reply);

/* Provided by generated code (sql.c): the answer of a parked request. */
void rs_route_db_done(int route, const rs_params *params, rs_reply *reply, const rs_db_rows *rows);

/* [cache.NAME]: process-wide replies of statements, keyed by their
 * arguments, kept for an absolute TTL (runtime/db/db_cache.c). */
typedef struct rs_cache_config {
    const char *name;
    uint32_t ttl_ms;
    uint32_t entries; /* bound on the entries kept */
} rs_cache_config;

extern const rs_cache_config rs_caches[];
extern const unsigned rs_cache_count;

/* A fresh entry for key: answered with it (head, then the stored body) and
 * true; false on a miss. */
bool rs_cache_reply(rs_reply *r, unsigned cache, const rs_str *key, unsigned nkey, const char *head,
                    size_t head_len);
/* Stores body for key (copied), replacing what was there. */
void rs_cache_store(rs_reply *r, unsigned cache, const rs_str *key, unsigned nkey, const char *body,
                    size_t len);
/* Drops key's entry: the next read is a miss. */
void rs_cache_invalidate(unsigned cache, const rs_str *key, unsigned nkey);

static inline int64_t rs_clamp(int64_t v, int64_t low, int64_t high)
{
    return v < low ? low : v > high ? high : v;
}

/* within(x, low, high, otherwise) of the reply language: x when it lies in
 * low..high, else otherwise (the arena's "limit > 50 or < 1 -> 10"). */
static inline int64_t rs_within(int64_t v, int64_t low, int64_t high, int64_t otherwise)
{
    return v >= low && v <= high ? v : otherwise;
}

#endif
