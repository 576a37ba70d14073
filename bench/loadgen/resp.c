#include "resp.h"

#include <string.h>

enum state {
    ST_HEAD = 0,
    ST_BODY,       /* Content-Length body */
    ST_CHUNK_SIZE, /* waiting for a chunk-size line */
    ST_CHUNK_DATA,
    ST_CHUNK_CRLF, /* the CRLF after chunk data, possibly split */
    ST_TRAILER,    /* trailer lines until an empty one */
};

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
}

/* name (len n) equals lowercase literal lit? */
static int name_is(const char *name, size_t n, const char *lit, size_t litlen)
{
    if (n != litlen)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(name[i]) != lit[i])
            return 0;
    return 1;
}

/* Does the value contain token (lowercase literal), case-insensitively? */
static int value_has(const char *v, size_t n, const char *tok, size_t toklen)
{
    for (size_t i = 0; i + toklen <= n; i++) {
        size_t j = 0;
        while (j < toklen && lower(v[i + j]) == tok[j])
            j++;
        if (j == toklen)
            return 1;
    }
    return 0;
}

static void trim(const char **v, size_t *n)
{
    while (*n && (**v == ' ' || **v == '\t'))
        (*v)++, (*n)--;
    while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t' || (*v)[*n - 1] == '\r'))
        (*n)--;
}

static void check_body(struct resp_parser *p, const char *data, size_t n, const char *expect,
                       size_t expect_len)
{
    if (!expect || p->mismatch)
        return;
    if (p->body_off + n > expect_len || memcmp(expect + p->body_off, data, n) != 0)
        p->mismatch = 1;
}

/* Parses the header block at the start of buf in one pass, setting up body
 * framing. Returns its length, 0 if it is not complete yet (it is parsed
 * again from the start once more bytes arrive; every field it sets is
 * simply set again), or -1 if it is malformed. */
static long parse_head(struct resp_parser *p, const char *buf, size_t len)
{
    const char *end = buf + len;
    const char *eol = memchr(buf, '\n', len);
    if (!eol)
        return len > RESP_MAX_HEAD ? -1 : 0;
    if (eol - buf < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
        return -1;
    unsigned status = 0;
    for (int i = 9; i < 12; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return -1;
        status = status * 10 + (unsigned)(buf[i] - '0');
    }
    if (status < 100)
        return -1;
    p->status = (uint16_t)status;

    int have_length = 0, chunked = 0;
    uint64_t length = 0;
    const char *line = eol + 1;
    for (;;) {
        /* The blank line ends the head; check for it before searching. */
        if (line >= end)
            return len > RESP_MAX_HEAD ? -1 : 0;
        if (*line == '\n') {
            line += 1;
            break;
        }
        if (*line == '\r') {
            if (line + 1 >= end)
                return 0;
            if (line[1] != '\n')
                return -1;
            line += 2;
            break;
        }
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl)
            return len > RESP_MAX_HEAD ? -1 : 0;
        size_t n = (size_t)(nl - line);
        if (line[n - 1] == '\r')
            n--;
        const char *colon = memchr(line, ':', n);
        if (!colon)
            return -1;
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1;
        size_t vlen = n - nlen - 1;
        trim(&v, &vlen);
        /* Dispatch on name length first: most headers are skipped with
         * one compare. */
        switch (nlen) {
        case 14:
            if (name_is(line, nlen, "content-length", 14)) {
                if (vlen == 0 || vlen > 18)
                    return -1;
                length = 0;
                for (size_t i = 0; i < vlen; i++) {
                    if (v[i] < '0' || v[i] > '9')
                        return -1;
                    length = length * 10 + (uint64_t)(v[i] - '0');
                }
                have_length = 1;
            }
            break;
        case 17:
            if (name_is(line, nlen, "transfer-encoding", 17) && value_has(v, vlen, "chunked", 7))
                chunked = 1;
            break;
        case 10:
            if (name_is(line, nlen, "connection", 10) && value_has(v, vlen, "close", 5))
                p->conn_close = 1;
            break;
        case 20:
            if (name_is(line, nlen, "sec-websocket-accept", 20) && vlen < sizeof p->accept) {
                memcpy(p->accept, v, vlen);
                p->accept_len = (uint8_t)vlen;
            }
            break;
        }
        line = nl + 1;
    }
    if ((size_t)(line - buf) > RESP_MAX_HEAD)
        return -1;

    /* 1xx, 204 and 304 never have a body. Neither Content-Length nor
     * chunked means an empty body, as gcannon assumes (we do not read to
     * EOF: that would hide a server bug as a slow response). */
    if (status < 200 || status == 204 || status == 304)
        p->state = ST_HEAD;
    else if (chunked)
        p->state = ST_CHUNK_SIZE;
    else if (have_length && length)
        p->state = ST_BODY;
    else
        p->state = ST_HEAD;
    p->remaining = length;
    return line - buf;
}

/* Takes what is available of the body bytes still owed (a Content-Length body or the current chunk),
 * checking them against the expected body; returns the bytes taken. */
static size_t take_body(struct resp_parser *p, const char *b, size_t avail, const char *expect,
                        size_t expect_len)
{
    size_t n = avail < p->remaining ? avail : (size_t)p->remaining;
    check_body(p, b, n, expect, expect_len);
    p->body_off += n;
    p->remaining -= n;
    return n;
}

int resp_parse(struct resp_parser *p, const char *buf, size_t len, size_t *used, const char *expect,
               size_t expect_len)
{
    size_t off = 0;
    for (;;) {
        const char *b = buf + off;
        size_t avail = len - off;
        switch (p->state) {
        case ST_HEAD: {
            long h = parse_head(p, b, avail);
            if (h <= 0) {
                *used = off;
                return h < 0 ? RESP_ERROR : RESP_NEED_MORE;
            }
            off += (size_t)h;
            if (p->state == ST_HEAD)
                goto done; /* no body */
            break;
        }
        case ST_BODY: {
            off += take_body(p, b, avail, expect, expect_len);
            if (p->remaining) {
                *used = off;
                return RESP_NEED_MORE;
            }
            goto done;
        }
        case ST_CHUNK_SIZE: {
            const char *nl = memchr(b, '\n', avail);
            if (!nl) {
                *used = off;
                return avail > 1024 ? RESP_ERROR : RESP_NEED_MORE;
            }
            uint64_t size = 0;
            size_t digits = 0;
            for (const char *c = b; c < nl; c++, digits++) {
                char d = lower(*c);
                if (d >= '0' && d <= '9')
                    size = size << 4 | (uint64_t)(d - '0');
                else if (d >= 'a' && d <= 'f')
                    size = size << 4 | (uint64_t)(d - 'a' + 10);
                else if (d == ';' || d == '\r' || d == ' ' || d == '\t')
                    break; /* extensions are ignored */
                else
                    return RESP_ERROR;
                if (digits >= 15)
                    return RESP_ERROR;
            }
            if (digits == 0)
                return RESP_ERROR;
            off += (size_t)(nl + 1 - b);
            p->remaining = size;
            p->state = size ? ST_CHUNK_DATA : ST_TRAILER;
            break;
        }
        case ST_CHUNK_DATA: {
            off += take_body(p, b, avail, expect, expect_len);
            if (p->remaining) {
                *used = off;
                return RESP_NEED_MORE;
            }
            p->state = ST_CHUNK_CRLF;
            p->remaining = 2;
            break;
        }
        case ST_CHUNK_CRLF:
            /* Byte by byte, so a CRLF split across reads still works. */
            if (avail == 0) {
                *used = off;
                return RESP_NEED_MORE;
            }
            if (*b != (p->remaining == 2 ? '\r' : '\n'))
                return RESP_ERROR;
            off++;
            if (--p->remaining == 0)
                p->state = ST_CHUNK_SIZE;
            break;
        case ST_TRAILER: {
            const char *nl = memchr(b, '\n', avail);
            if (!nl) {
                *used = off;
                return avail > RESP_MAX_HEAD ? RESP_ERROR : RESP_NEED_MORE;
            }
            size_t n = (size_t)(nl - b);
            off += n + 1;
            if (n == 0 || (n == 1 && b[0] == '\r'))
                goto done;
            break;
        }
        default:
            return RESP_ERROR;
        }
    }
done:
    *used = off;
    p->state = ST_HEAD;
    if (expect && p->body_off != expect_len)
        p->mismatch = 1;
    return RESP_DONE;
}
