/* test_request_headers.c — rs_request_header over validated heads. */
#include "app/ringspec.h"
#include "test_util.h"

static rs_request_view view_of(const char *head)
{
    rs_request_view v = {.head = head, .head_len = strlen(head)};
    return v;
}

static void expect(const char *head, const char *name, const char *want)
{
    rs_request_view v = view_of(head);
    rs_str got = {0};
    bool found = rs_request_header(&v, name, &got);
    if (!want) {
        CHECK(!found);
        return;
    }
    char buf[256] = {0};
    if (found && got.len < sizeof buf)
        memcpy(buf, got.ptr, got.len);
    CHECK(found);
    CHECK_EQ_STR(buf, want, name);
}

static void expect_copies(const char *head, const char *name, unsigned want, const char *first)
{
    rs_request_view v = view_of(head);
    rs_str got = {0};
    unsigned copies = rs_request_header_copies(&v, name, &got);
    CHECK(copies == want);
    CHECK(want == 0 ? got.ptr == NULL : got.len == strlen(first) && memcmp(got.ptr, first, got.len) == 0);
}

int main(void)
{
    const char *h = "GET /x?if-none-match:1 HTTP/1.1\r\nHost: a\r\nIf-None-Match:  \"abc\" \t\r\n"
                    "X-Empty:\r\nRange: bytes=0-1\r\nrange: bytes=5-6\r\n\r\n";
    expect(h, "host", "a");
    expect(h, "if-none-match", "\"abc\""); /* OWS trimmed both sides */
    expect(h, "x-empty", "");              /* present, empty */
    expect(h, "range", "bytes=0-1");       /* first of a repeat */
    expect(h, "if-none", NULL);            /* prefix of a name is not the name */
    expect(h, "x", NULL);                  /* the request line is not a field */
    expect("\r\n\r\nGET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", "upgrade", "websocket");
    expect("GET / HTTP/1.1\r\n\r\n", "host", NULL);
    /* a repeated field is counted (a header parameter sent twice is a violation) */
    expect_copies(h, "range", 2, "bytes=0-1");
    expect_copies(h, "host", 1, "a");
    expect_copies(h, "x-empty", 1, "");
    expect_copies(h, "if-none", 0, NULL);
    expect_copies("GET / HTTP/1.1\r\nX-A: 1\r\nX-B: 2\r\nx-a:3\r\n\r\n", "x-a", 2, "1");
    expect_copies("GET / HTTP/1.1\r\nX-A: 1\r\nX-AB: 2\r\n\r\n", "x-a", 1, "1"); /* a longer name */
    expect_copies("GET / HTTP/1.1\r\nX-A:\r\nX-A:\r\n\r\n", "x-a", 2, "");       /* empty values count too */
    rs_request_view none = {0};
    rs_str s;
    CHECK(!rs_request_header(&none, "host", &s));
    return tu_summary("request_headers");
}
