/* http1_parser.rl — strict, resumable HTTP/1.1 request parser (RFC 9112).
 *
 * Build: ragel -G2 -o generated/http1_parser.c runtime/http1_parser.rl
 *
 * One Ragel machine with four entry points:
 *   main         the request head (request line, header fields, CRLF)
 *   chunk_first  the first chunk-size line of a chunked body
 *   chunk_next   CRLF after chunk data, then the next chunk-size line
 *   trailer      trailer fields after the last chunk, then CRLF
 * Chunk data and Content-Length bodies never go through the machine: the C
 * driver below hands them out in bulk and re-enters the machine after them.
 *
 * Resumability: Ragel keeps all of its state in `cs`; everything else the
 * actions need is a numeric field of the parser, or an offset into the head,
 * which the caller re-presents from its first byte on every call until the
 * head is complete (see http1_parser.h).  That is also why actions may look
 * back at bytes of the head (rl_done reads the version digits behind p).
 *
 * Limits are enforced without per-byte checks: the scan is cut at the byte
 * budget (max_head), the target length is checked when the target ends or
 * when a call ends inside it, and the field count when a field line starts.
 */
#include "http1/http1_parser.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef unsigned char uchar;

/* p->phase: where the next call resumes. */
enum {
    PH_HEAD = 0,   /* scanning the head (0 so that a zeroed parser is ready) */
    PH_HEAD_DONE,  /* set by the machine at the blank line; C validates */
    PH_NOBODY,     /* head returned, no body: the next call returns DONE */
    PH_LENGTH,     /* Content-Length body, p->remaining bytes left */
    PH_CHUNK_META, /* inside chunk-size lines (machine) */
    PH_CHUNK_DATA, /* inside chunk data, p->remaining bytes left (bulk) */
    PH_TRAILER,    /* inside the trailer section (machine) */
    PH_DONE,       /* message complete: the next call starts a new one */
    PH_DEAD,       /* after an error: every call returns ERROR */
};

/* p->aux bits, valid while one head is being parsed. */
enum {
    AUX_TE_SEEN = 1u << 0,    /* a Transfer-Encoding field line was seen */
    AUX_TE_ANY = 1u << 1,     /* ... and it held at least one coding */
    AUX_TE_BAD = 1u << 2,     /* ... which is not exactly "chunked" -> 501 */
    AUX_EXPECT_BAD = 1u << 3, /* an expectation other than 100-continue */
    AUX_AE_SEEN = 1u << 4,    /* an Accept-Encoding field line was seen */
    AUX_AE_DUP = 1u << 5,     /* ... more than one: the span is dropped */
};

/* Spans are uint16_t, so a head can never be longer than this whatever
 * the configured max_head says. */
#define HEAD_HARD_MAX 65535u
#define CL_MAX (UINT64_C(1) << 62)       /* lengths above saturate to CL_MAX + 1 */
#define CHUNK_LIMIT (UINT64_C(1) << 60) /* chunk sizes stay below this */

#define OFF(ptr) ((uint16_t)((ptr) - data))

/* Byte classes for the skip actions below (RFC 9110 §5.5, RFC 9112 §3.2). */
enum { CLASS_FIELD = 1, CLASS_PATH = 2, CLASS_QUERY = 4 };
static const uint8_t byte_class[256] = {
    /* field_char: HTAB, SP, VCHAR, obs-text; path: VCHAR but '?'; query: VCHAR */
    ['\t'] = CLASS_FIELD,
    [' '] = CLASS_FIELD,
    [0x21 ... 0x3e] = CLASS_FIELD | CLASS_PATH | CLASS_QUERY,
    ['?'] = CLASS_FIELD | CLASS_QUERY,
    [0x40 ... 0x7e] = CLASS_FIELD | CLASS_PATH | CLASS_QUERY,
    [0x80 ... 0xff] = CLASS_FIELD,
};

#ifdef __SSE2__
/* 16 bytes at a time while 16 remain before pe (never a read past it): a
 * mask of the bytes outside class k, from the ranges byte_class encodes. */
static inline unsigned outside_class16(const unsigned char *q, uint8_t k)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i bad;
    if (k == CLASS_FIELD) { /* below SP but HTAB, or DEL */
        __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
        ctl = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), ctl);
        bad = _mm_or_si128(ctl, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
    } else { /* not VCHAR (SP and below, DEL and above); for a path also '?' */
        bad = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v),
                           _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x7f)), v));
        if (k == CLASS_PATH)
            bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('?')));
    }
    return (unsigned)_mm_movemask_epi8(bad);
}
#endif

/* The first byte at or after q (before pe) that is not of class k. */
static inline const unsigned char *skip_class(const unsigned char *q, const unsigned char *pe, uint8_t k)
{
#ifdef __SSE2__
    while (pe - q >= 16) {
        unsigned bad = outside_class16(q, k);
        if (bad)
            return q + __builtin_ctz(bad);
        q += 16;
    }
#endif
    while (q < pe && (byte_class[*q] & k))
        q++;
    return q;
}

%%{
    machine http1;
    alphtype unsigned char;

    # ---- actions: keep them small, they run inside the scan loop -------

    # A known method leaves its token on the SP; anything else stays
    # RS_METHOD_OTHER (0 after reset).  Case-sensitive (RFC 9110 §9.1).
    action m_get     { hp->method = RS_METHOD_GET; }
    action m_head    { hp->method = RS_METHOD_HEAD; }
    action m_post    { hp->method = RS_METHOD_POST; }
    action m_put     { hp->method = RS_METHOD_PUT; }
    action m_delete  { hp->method = RS_METHOD_DELETE; }
    action m_patch   { hp->method = RS_METHOD_PATCH; }
    action m_options { hp->method = RS_METHOD_OPTIONS; }
    action m_connect { hp->method = RS_METHOD_CONNECT; }
    action m_trace   { hp->method = RS_METHOD_TRACE; }

    action t_start { hp->target.off = hp->path.off = OFF(p); }
    action t_path { hp->path.off = OFF(p); }
    action t_query { hp->query.off = OFF(p) + 1; }
    action t_end {
        uint16_t end = OFF(p);
        hp->target.len = end - hp->target.off;
        if (hp->query.off) {
            hp->path.len = hp->query.off - 1 - hp->path.off;
            hp->query.len = end - hp->query.off;
        } else {
            hp->path.len = end - hp->path.off;
        }
        if (hp->target.len > hp->limits->max_target) {
            hp->error_status = 414;
            fbreak;
        }
    }

    # p is on the LF of "HTTP/d.d CRLF": the digits are still in the buffer.
    action rl_done {
        if (p[-4] != '1') {
            hp->error_status = 505;
            fbreak;
        }
        hp->version_minor = p[-2] != '0'; /* 1.x, x >= 2, is served as 1.1 */
    }

    action field_start {
        if (++hp->header_count > hp->limits->max_headers) {
            hp->error_status = 431;
            fbreak;
        }
    }

    action cl_start {
        /* Even an identical repeat is refused: no list-valued lengths. */
        if (hp->flags & RS_HTTP1_HAS_LENGTH) {
            hp->error_status = 400;
            fbreak;
        }
        hp->flags |= RS_HTTP1_HAS_LENGTH;
    }
    action cl_digit {
        /* A well-formed length beyond anything we accept saturates just past
         * CL_MAX: it is still a valid number, so the caller answers 413
         * (Content Too Large) rather than 400. */
        if (hp->content_length > CL_MAX / 10 ||
            (hp->content_length = hp->content_length * 10 + (fc - '0')) > CL_MAX)
            hp->content_length = CL_MAX + 1;
    }

    action te_start {
        if (hp->aux & AUX_TE_SEEN) {
            hp->error_status = 400;
            fbreak;
        }
        hp->aux |= AUX_TE_SEEN;
    }
    # "chunked" must be the one and only coding; anything else -> 501.
    action te_chunked {
        if (hp->aux & AUX_TE_ANY)
            hp->aux |= AUX_TE_BAD;
        hp->aux |= AUX_TE_ANY;
    }
    action te_other { hp->aux |= AUX_TE_ANY | AUX_TE_BAD; }
    action te_end {
        if (!(hp->aux & AUX_TE_ANY)) {
            hp->error_status = 400;
            fbreak;
        }
    }

    action conn_close { hp->flags |= RS_HTTP1_CONN_CLOSE; }
    action conn_ka    { hp->flags |= RS_HTTP1_CONN_KEEPALIVE; }
    action conn_up    { hp->flags |= RS_HTTP1_CONN_UPGRADE; }

    action exp_ok  { hp->flags |= RS_HTTP1_EXPECT_CONTINUE; }
    action exp_bad { hp->aux |= AUX_EXPECT_BAD; }

    action host { hp->host_count += hp->host_count < 255; }

    # The value is kept as a span for content negotiation, untrimmed (the
    # negotiation code skips OWS).  A repeated field would need its lists
    # joined; we drop both instead, which means identity: always safe.
    action ae_start {
        if (hp->aux & AUX_AE_SEEN)
            hp->aux |= AUX_AE_DUP;
        hp->aux |= AUX_AE_SEEN;
        hp->accept_encoding.off = OFF(p) + 1;
    }
    action ae_end { hp->accept_encoding.len = OFF(p) - hp->accept_encoding.off; }

    # Chunk sizes accumulate in p->remaining (0 at every chunk-size line).
    # Below 2^60, i.e. at most 15 significant hex digits, and no overflow.
    action chunk_digit {
        if (hp->remaining >= CHUNK_LIMIT / 16) {
            hp->error_status = 400;
            fbreak;
        }
        hp->remaining = hp->remaining * 16 + (fc <= '9' ? fc - '0' : (fc | 0x20) - 'a' + 10);
    }

    # Skips: inside a field value, a path or a query, the machine stays in
    # one state for every byte of its class, so after the first such byte
    # the rest of the run is skipped in C (a table lookup per byte instead
    # of the state's range tests).  The scan stops at pe, so a split input
    # resumes in the same state.  Attached only where a byte of the class
    # cannot end anything else (not in header names, where known names
    # share prefixes with others, nor in Expect's value).
    action skip_field { fexec skip_class(p + 1, pe, CLASS_FIELD); }
    action skip_path  { fexec skip_class(p + 1, pe, CLASS_PATH); }
    action skip_query { fexec skip_class(p + 1, pe, CLASS_QUERY); }

    # Leave the machine: the C driver takes over at these points.
    action head_done  { hp->phase = PH_HEAD_DONE; fbreak; }
    action chunk_line { hp->phase = hp->remaining ? PH_CHUNK_DATA : PH_TRAILER; fbreak; }
    action trailer_done { hp->phase = PH_DONE; fbreak; }

    # ---- grammar (RFC 9110 §5.6, RFC 9112) ------------------------------

    CRLF = "\r\n";
    SP = ' ';
    OWS = ( ' ' | '\t' )*;
    tchar = alnum | [!#$%&'*+\-.^_`|~];
    token = tchar+;
    vchar = 0x21..0x7e;
    obs_text = 0x80..0xff;
    # Any other control byte (NUL, bare CR or LF, DEL...) is a syntax error.
    field_char = vchar | obs_text | ' ' | '\t';

    qdtext = '\t' | ' ' | 0x21 | 0x23..0x5b | 0x5d..0x7e | obs_text;
    quoted_pair = '\\' ( '\t' | ' ' | vchar | obs_text );
    quoted_string = '"' ( qdtext | quoted_pair )* '"';

    method = "GET" %m_get | "HEAD" %m_head | "POST" %m_post | "PUT" %m_put
           | "DELETE" %m_delete | "PATCH" %m_patch | "OPTIONS" %m_options
           | "CONNECT" %m_connect | "TRACE" %m_trace | token;

    # origin-form, asterisk-form, and absolute-form for http(s) URIs (RFC 9112
    # §3.2.2: a server MUST accept it).  Routing uses the path (empty in
    # "http://a" or "http://a?q": served as "/"), never the authority, which
    # may differ from Host (§3.2.3 lets it take precedence; nothing here uses
    # either).  Userinfo ("user@host") is refused (RFC 9110 §4.2.4), as is an
    # empty host.  authority-form (CONNECT) stays 400.
    path_query = ( vchar - '?' )* $skip_path ( '?' >t_query vchar* $skip_query )?;
    origin_form = '/' path_query;
    auth_char = alnum | '-' | '.' | '_' | '~' | '!' | '$' | '&' | "'" | '(' | ')' | '*' | '+'
              | ',' | ';' | '=' | '%' | ':' | '[' | ']';
    authority = ( auth_char - ':' ) auth_char*;
    absolute_form = "http"i "s"i? "://" authority %t_path ( '/' path_query | '?' >t_query vchar* )?;
    target = ( origin_form | '*' | absolute_form ) >t_start %t_end;

    # The digits are read back by rl_done; "HTTP/1.10" fails on the '0'.
    version = "HTTP/" digit '.' digit;
    request_line = method SP target SP version CRLF @rl_done;

    # Field lines.  Known names are matched case-insensitively; the generic
    # rule subtracts them so exactly one alternative applies to any name.
    known = "content-length"i | "transfer-encoding"i | "connection"i | "expect"i | "host"i
          | "accept-encoding"i;
    generic_field = ( token - known ) ':' field_char* $skip_field CRLF;

    cl_field = "content-length"i ':' @cl_start OWS digit+ $cl_digit OWS CRLF;

    # #transfer-coding (empty list elements are legal, RFC 9110 §5.6.1.2);
    # a coding with parameters is never "chunked".
    te_param = OWS ';' OWS token '=' ( token | quoted_string );
    te_item = "chunked"i %te_chunked | ( ( token - "chunked"i ) | token te_param+ ) %te_other;
    te_list = te_item? ( OWS ',' OWS te_item? )*;
    te_field = "transfer-encoding"i ':' @te_start OWS te_list OWS CRLF @te_end;

    conn_known = "close"i | "keep-alive"i | "upgrade"i;
    conn_opt = "close"i %conn_close | "keep-alive"i %conn_ka | "upgrade"i %conn_up
             | ( token - conn_known );
    conn_list = conn_opt? ( OWS ',' OWS conn_opt? )*;
    conn_field = "connection"i ':' OWS conn_list OWS CRLF;

    expect_ok = OWS "100-continue"i OWS;
    expect_field = "expect"i ':' ( expect_ok %exp_ok | ( field_char* - expect_ok ) %exp_bad ) CRLF;

    host_field = "host"i ':' @host field_char* $skip_field CRLF;

    ae_field = "accept-encoding"i ':' @ae_start field_char* $skip_field %ae_end CRLF;

    # A line starting with SP/HTAB (obs-fold) cannot start a token: 400.
    field_line = ( generic_field | cl_field | te_field | conn_field | expect_field | host_field
                 | ae_field ) >field_start;

    # RFC 9112 §2.2: ignore a few empty lines before the request line.
    main := CRLF{,4} request_line field_line* CRLF @head_done;

    # Chunked body (RFC 9112 §7.1).  Extensions are validated, then ignored.
    chunk_ext = ( OWS ';' OWS token ( OWS '=' OWS ( token | quoted_string ) )? )*;
    chunk_size_line = xdigit+ $chunk_digit chunk_ext CRLF @chunk_line;
    chunk_first := chunk_size_line;
    chunk_next := CRLF chunk_size_line;
    trailer := ( ( token ':' field_char* CRLF ) >field_start )* CRLF @trailer_done;

}%%

/* Ragel emits every state id; not all of them are referenced. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
%% write data nofinal;
#pragma GCC diagnostic pop

/* Runs the machine over [p, pe) from hp->cs; returns where it stopped.
 * -G2 code resumes through `case` labels placed between the states, so
 * falling through into them is the design, not a bug. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
static const uchar *run(rs_http1_parser *hp, const uchar *data, const uchar *p, const uchar *pe)
{
    int cs = hp->cs;
    %% write exec;
    hp->cs = cs;
    return p;
}
#pragma GCC diagnostic pop

/* Clamped head budget: spans are 16-bit offsets. */
static inline uint32_t max_head(const rs_http1_parser *hp)
{
    uint32_t m = hp->limits->max_head;
    return m < HEAD_HARD_MAX ? m : HEAD_HARD_MAX;
}

static inline int in_target(const rs_http1_parser *hp)
{
    /* target.off is >= 2 once the target started; len > 0 once it ended. */
    return hp->target.off != 0 && hp->target.len == 0;
}

static rs_http1_event fail(rs_http1_parser *hp, uint16_t status)
{
    hp->error_status = status;
    hp->phase = PH_DEAD;
    return RS_HTTP1_ERROR;
}

/* The machine stopped in its error state at p, or an action set a status. */
static rs_http1_event machine_error(rs_http1_parser *hp, const uchar *data, const uchar *p)
{
    if (hp->error_status)
        return fail(hp, hp->error_status);
    /* A split input would have reported 414 before reaching this byte. */
    if (in_target(hp) && (size_t)(p - data) - hp->target.off > hp->limits->max_target)
        return fail(hp, 414);
    return fail(hp, 400);
}

void rs_http1_init(rs_http1_parser *p, const rs_http1_limits *limits)
{
    memset(p, 0, sizeof *p);
    p->limits = limits;
    p->cs = http1_en_main;
}

/* Whole-head rules that no single field line can decide (RFC 9112 §3.2,
 * §6.1, §6.3; RFC 9110 §10.1.1), then the body framing. */
static rs_http1_event finish_head(rs_http1_parser *hp)
{
    uint16_t f = hp->flags;
    uint32_t aux = hp->aux;
    int v11 = hp->version_minor;

    if ((aux & AUX_TE_SEEN) && ((f & RS_HTTP1_HAS_LENGTH) || !v11))
        return fail(hp, 400); /* smuggling vector / TE unknown to 1.0 */
    if (v11 ? hp->host_count != 1 : hp->host_count > 1)
        return fail(hp, 400);
    if (aux & AUX_TE_BAD)
        return fail(hp, 501);
    if (aux & AUX_AE_DUP)
        hp->accept_encoding = (rs_span){0, 0};
    if (!v11) /* a 1.0 server MUST ignore 100-continue (RFC 9110 §10.1.1) */
        f &= ~RS_HTTP1_EXPECT_CONTINUE;
    else if (aux & AUX_EXPECT_BAD)
        return fail(hp, 417);

    /* 1.1 persists unless "close"; 1.0 only with "keep-alive" (RFC 9112 §9.3). */
    if (v11 ? !(f & RS_HTTP1_CONN_CLOSE)
            : (f & (RS_HTTP1_CONN_CLOSE | RS_HTTP1_CONN_KEEPALIVE)) == RS_HTTP1_CONN_KEEPALIVE)
        f |= RS_HTTP1_KEEP_ALIVE;

    if (aux & AUX_TE_SEEN) {
        f |= RS_HTTP1_CHUNKED;
        hp->phase = PH_CHUNK_META;
        hp->cs = http1_en_chunk_first;
        hp->remaining = 0;
    } else if (hp->content_length) {
        hp->phase = PH_LENGTH;
        hp->remaining = hp->content_length;
    } else {
        hp->phase = PH_NOBODY;
    }
    hp->flags = f;
    hp->scanned = 0; /* from now on: framing bytes of the current segment */
    return RS_HTTP1_HEAD;
}

static rs_http1_event parse_head(rs_http1_parser *hp, const uchar *data, size_t len, size_t *consumed)
{
    uint32_t limit = max_head(hp);
    size_t end = len < limit ? len : limit;

    if (len <= hp->scanned) /* nothing new (or the caller broke the contract) */
        return len == hp->scanned ? RS_HTTP1_NEED_MORE : fail(hp, 400);

    const uchar *p = run(hp, data, data + hp->scanned, data + end);
    if (hp->error_status || hp->cs == http1_error)
        return machine_error(hp, data, p);
    if (hp->phase == PH_HEAD_DONE) {
        *consumed = (size_t)(p - data);
        return finish_head(hp);
    }
    hp->scanned = (uint32_t)(p - data);
    if (in_target(hp) && hp->scanned - hp->target.off > hp->limits->max_target)
        return fail(hp, 414);
    if (hp->scanned >= limit) /* a complete head needs at least one more byte */
        return fail(hp, in_target(hp) ? 414 : 431);
    return RS_HTTP1_NEED_MORE;
}

/* Chunked body: the machine scans framing, chunk data is handed out in bulk.
 * Each framing segment (CRLF + chunk-size line, or the trailer section) may
 * be at most max_head bytes, so a peer cannot stream extensions forever. */
static rs_http1_event parse_chunked(rs_http1_parser *hp, const uchar *data, size_t len, size_t *consumed,
                                    const char **body, size_t *body_len)
{
    const uchar *q = data, *end = data + len;

    for (;;) {
        if (hp->phase == PH_CHUNK_DATA) {
            size_t n = (size_t)(end - q);
            if (n == 0)
                break;
            if (n > hp->remaining)
                n = (size_t)hp->remaining;
            hp->remaining -= n;
            if (hp->remaining == 0) {
                hp->phase = PH_CHUNK_META;
                hp->cs = http1_en_chunk_next;
            }
            *body = (const char *)q;
            *body_len = n;
            *consumed = (size_t)(q + n - data);
            return RS_HTTP1_BODY;
        }

        uint32_t limit = max_head(hp);
        uint8_t phase = hp->phase;
        size_t budget = limit - hp->scanned;
        const uchar *stop = (size_t)(end - q) > budget ? q + budget : end;
        const uchar *p = run(hp, data, q, stop);
        if (hp->error_status || hp->cs == http1_error)
            return fail(hp, hp->error_status ? hp->error_status : 400);
        hp->scanned += (uint32_t)(p - q);
        q = p;
        if (hp->phase != phase) {
            hp->scanned = 0;
            if (hp->phase == PH_DONE) {
                *consumed = (size_t)(q - data);
                return RS_HTTP1_DONE;
            }
            if (hp->phase == PH_TRAILER)
                hp->cs = http1_en_trailer;
            continue;
        }
        if (hp->scanned >= limit)
            return fail(hp, phase == PH_TRAILER ? 431 : 400);
        break; /* all input scanned */
    }
    *consumed = len;
    return RS_HTTP1_NEED_MORE;
}

bool rs_http1_done_without_body(rs_http1_parser *p)
{
    if (p->phase != PH_NOBODY)
        return false;
    p->phase = PH_DONE;
    return true;
}

rs_http1_event rs_http1_execute(rs_http1_parser *p, const char *data, size_t len, size_t *consumed,
                                const char **body, size_t *body_len)
{
    const uchar *in = (const uchar *)data;

    *consumed = 0;
    switch (p->phase) {
    case PH_DONE: /* new request: forget everything but the limits */
        rs_http1_init(p, p->limits);
        return parse_head(p, in, len, consumed);
    case PH_HEAD:
        return parse_head(p, in, len, consumed);
    case PH_NOBODY:
        p->phase = PH_DONE;
        return RS_HTTP1_DONE;
    case PH_LENGTH: {
        if (len == 0)
            return RS_HTTP1_NEED_MORE;
        size_t n = len < p->remaining ? len : (size_t)p->remaining;
        p->remaining -= n;
        if (p->remaining == 0)
            p->phase = PH_NOBODY; /* the next call returns DONE */
        *body = data;
        *body_len = n;
        *consumed = n;
        return RS_HTTP1_BODY;
    }
    case PH_CHUNK_META:
    case PH_CHUNK_DATA:
    case PH_TRAILER:
        if (len == 0)
            return RS_HTTP1_NEED_MORE;
        return parse_chunked(p, in, len, consumed, body, body_len);
    default:
        return RS_HTTP1_ERROR;
    }
}
