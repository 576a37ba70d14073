"""HTTP/1.1 semantics of the arena spec: keep-alive, pipelining, HTTP/1.0,
Connection, HEAD, Expect: 100-continue, 404/405, integer parsing, request
bodies (Content-Length / chunked) and delivery in arbitrary pieces."""

import http.client
import random
import threading
import time

import pytest

from conftest import (RawConn, arena_request, assert_content_type, assert_ok, baseline, get,
                      post, run_curl)

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


# --------------------------------------------------------------------------
# keep-alive and pipelining


def test_keep_alive_many_requests(conn):
    rng = random.Random(1)
    for i in range(200):
        a, b = rng.randint(-10**6, 10**6), rng.randint(0, 10**9)
        if i % 2:
            assert_ok(conn.request(get(baseline(a, b))), a + b)
        else:
            c = rng.randint(0, 999)
            assert_ok(conn.request(post(baseline(a, b), str(c), chunked=bool(i % 4))), a + b + c)


def test_keep_alive_with_http_client(server):
    """A stock client (http.client) reuses one connection throughout."""
    hc = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)
    try:
        hc.request("GET", "/pipeline")
        r = hc.getresponse()
        assert (r.status, r.read()) == (200, b"ok")
        sock = hc.sock
        for i in range(50):
            hc.request("POST", baseline(i, 2 * i), body=str(i), headers={"Content-Type": "text/plain"})
            r = hc.getresponse()
            assert (r.status, r.read()) == (200, str(4 * i).encode())
            assert hc.sock is sock, "connection was not kept alive"
    finally:
        hc.close()


def test_pipeline_16_distinct_in_one_write(conn):
    reqs = b"".join(get(baseline(i, 1000 * i)) for i in range(16))
    conn.send(reqs)
    for i, r in enumerate(conn.read_responses(["GET"] * 16)):
        assert_ok(r, 1001 * i)


def test_pipeline_256_in_one_write(conn):
    conn.send(get("/pipeline") * 256)
    for r in conn.read_responses(["GET"] * 256, deadline=10):
        assert_ok(r, b"ok")


def test_pipeline_mixed_methods_in_one_write(conn):
    reqs = [
        (get(baseline(1, 2)), "GET", 200, b"3"),
        (post(baseline(3, 4), "5"), "POST", 200, b"12"),
        (post(baseline(6, 7), "8", chunked=True), "POST", 200, b"21"),
        (get(baseline(9, 10), method=b"HEAD"), "HEAD", 200, b""),
        (get("/pipeline"), "GET", 200, b"ok"),
        (get("/pipeline", method=b"HEAD"), "HEAD", 200, b""),
        (get("/no/such/path"), "GET", 404, None),
        (get(baseline(1, 1), method=b"DELETE"), "DELETE", 405, None),
        (post("/pipeline", "1"), "POST", 405, None),
        (post(baseline(100, 200), ""), "POST", 200, b"300"),
        (post(baseline(11, 12), "", chunked=True), "POST", 200, b"23"),
        (get(baseline("010", "0005")), "GET", 200, b"15"),
        (arena_request("post_chunked.raw"), "POST", 200, b"75"),
        (arena_request("post_cl.raw"), "POST", 200, b"75"),
        (arena_request("get.raw"), "GET", 200, b"55"),
        (get(baseline(-5, 2)), "GET", 200, b"-3"),
    ]
    conn.send(b"".join(r[0] for r in reqs))
    resps = conn.read_responses([r[1] for r in reqs])
    for (raw, method, status, body), r in zip(reqs, resps):
        assert r.status == status, (raw, r)
        if body is not None:
            assert r.body == body, (raw, r)
        assert not r.closes, (raw, r)
    # the connection is still in sync
    assert_ok(conn.request(get(baseline(40, 2))), 42)


def test_pipeline_stops_after_connection_close(conn):
    conn.send(get(baseline(1, 1)) + get(baseline(2, 2), extra=b"Connection: close\r\n")
              + get(baseline(3, 3)))
    r1, r2 = conn.read_responses(["GET", "GET"])
    assert_ok(r1, 2)
    assert r2.status == 200 and r2.body == b"4", r2
    assert r2.closes, r2
    conn.expect_eof(what="after Connection: close (the third request must not be answered)")


def test_pipeline_backpressure_slow_reader(server):
    """5000 pipelined requests while the client reads late: the server must
    throttle (not drop, reorder or balloon) and answer every one in order."""
    n = 5000
    reqs = b"".join(get(baseline(i, 1)) for i in range(n))
    c = RawConn(server.port, timeout=10)
    errors = []

    def writer():
        try:
            c.sock.sendall(reqs)
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=writer, daemon=True)
    try:
        t.start()
        time.sleep(0.5)
        for i in range(n):
            r = c.read_response(deadline=10)
            assert r.status == 200 and r.body == str(i + 1).encode(), (i, r)
        t.join(10)
        assert not t.is_alive() and not errors, errors
    finally:
        c.close()


def test_concurrent_connections(server):
    failures = []

    def client(k):
        try:
            with RawConn(server.port, timeout=5) as c:
                for i in range(25):
                    if i % 3 == 0:
                        c.send(post(baseline(k, i), "7", chunked=bool(k % 2)))
                        r = c.read_response(deadline=10)
                        assert r.status == 200 and r.body == str(k + i + 7).encode(), r
                    else:
                        c.send(get(baseline(k, i)))
                        r = c.read_response(deadline=10)
                        assert r.status == 200 and r.body == str(k + i).encode(), r
        except Exception as e:  # noqa: BLE001 - collected and reported below
            failures.append((k, repr(e)))

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not any(t.is_alive() for t in threads), "clients hung"
    assert not failures, failures[:5]


def test_ipv6_loopback(server):
    """The listener is dual-stack."""
    with RawConn(server.port, host="::1") as c:
        assert_ok(c.request(get(baseline(2, 3))), 5)


# --------------------------------------------------------------------------
# HTTP/1.0 and Connection


def test_http10_closes_after_response(conn):
    r = conn.request(get(baseline(1, 2), version=b"HTTP/1.0"))
    assert r.status == 200 and r.body == b"3", r
    conn.expect_eof(what="after an HTTP/1.0 response without keep-alive")


def test_http10_without_host_is_fine(conn):
    r = conn.request(get("/pipeline", version=b"HTTP/1.0", host=None))
    assert r.status == 200 and r.body == b"ok", r
    conn.expect_eof(what="after an HTTP/1.0 response without keep-alive")


def test_http10_keep_alive(conn):
    ka = b"Connection: keep-alive\r\n"
    for i in range(3):
        r = conn.request(get(baseline(i, 5), version=b"HTTP/1.0", extra=ka))
        assert r.status == 200 and r.body == str(i + 5).encode(), r
        assert "keep-alive" in r.tokens("connection"), f"missing Connection: keep-alive: {r!r}"
    r = conn.request(post(baseline(1, 1), "1", version=b"HTTP/1.0", extra=ka), method="POST")
    assert r.status == 200 and r.body == b"3", r
    assert "keep-alive" in r.tokens("connection"), r
    # without the token the 1.0 connection ends after this response
    r = conn.request(get(baseline(1, 1), version=b"HTTP/1.0"))
    assert r.status == 200 and r.body == b"2", r
    conn.expect_eof(what="after an HTTP/1.0 request without keep-alive")


@pytest.mark.parametrize("value", [b"close", b"Close", b"keep-alive, close"])
def test_connection_close(conn, value):
    r = conn.request(get(baseline(4, 5), extra=b"Connection: " + value + b"\r\n"))
    assert r.status == 200 and r.body == b"9", r
    assert r.closes, f"response lacks Connection: close: {r!r}"
    conn.expect_eof(what="after Connection: close")


def test_connection_close_on_post_and_404(server):
    with server.conn() as c:
        r = c.request(post(baseline(1, 2), "3", extra=b"Connection: close\r\n"), method="POST")
        assert r.status == 200 and r.body == b"6" and r.closes, r
        c.expect_eof()
    with server.conn() as c:
        r = c.request(get("/missing", extra=b"Connection: close\r\n"))
        assert r.status == 404 and r.closes, r
        c.expect_eof()


# --------------------------------------------------------------------------
# HEAD


def test_head_has_length_but_no_body(conn):
    # HEAD then GET in one write: if HEAD carried a body the GET's answer
    # would be misparsed.
    conn.send(get(baseline(100, 23), method=b"HEAD") + get(baseline(1, 1)))
    h, g = conn.read_responses(["HEAD", "GET"])
    assert h.status == 200, h
    assert h.header("content-length") == "3", h
    assert_content_type(h, "text/plain")
    assert_ok(g, 2)
    conn.send(get("/pipeline", method=b"HEAD") + get("/pipeline"))
    h, g = conn.read_responses(["HEAD", "GET"])
    assert h.status == 200 and h.header("content-length") == "2", h
    assert_ok(g, b"ok")
    # nothing else is pending on the connection
    assert not conn.readable(0.2), f"stray bytes after HEAD: {bytes(conn.buf)!r}"


# --------------------------------------------------------------------------
# Expect: 100-continue


def test_expect_100_continue_raw(conn):
    conn.send(b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\n"
              b"Content-Type: text/plain\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
    interim = conn.read_response(deadline=1.5)
    assert interim.raw_head == b"HTTP/1.1 100 Continue\r\n\r\n", interim
    conn.send(b"20")
    assert_ok(conn.read_response(), 75)
    # and again on the same connection, chunked
    conn.send(b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\n"
              b"Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
    interim = conn.read_response(deadline=1.5)
    assert interim.raw_head == b"HTTP/1.1 100 Continue\r\n\r\n", interim
    conn.send(b"1\r\n4\r\n0\r\n\r\n")
    assert_ok(conn.read_response(), 7)


def test_expect_100_continue_body_sent_eagerly(conn):
    """A client may send the body without waiting; the final answer is
    still correct (an interim 100 before it is allowed)."""
    conn.send(b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\n"
              b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\n100")
    r = conn.read_response()
    if r.status == 100:
        r = conn.read_response()
    assert_ok(r, 155)
    assert_ok(conn.request(get(baseline(1, 1))), 2)


def test_expect_100_continue_curl(server):
    r = run_curl(server.url("/baseline11?a=13&b=42"), "-v", "--expect100-timeout", "4",
                 "-H", "Expect: 100-continue", "-H", "Content-Type: text/plain",
                 "--data-binary", "20", timeout=10)
    assert r.status == 200
    assert r.body == b"75"
    assert r.all_heads[0].startswith("HTTP/1.1 100"), r.all_heads
    assert r.elapsed < 2, f"curl waited {r.elapsed:.1f}s: no timely 100 Continue"


def test_expect_100_continue_curl_larger_body(server):
    """A multi-segment body after the 100 (curl 7.88 only adds the Expect
    header itself above 1 MiB, i.e. above our body limit, so force it)."""
    body = "0" * 60000 + "9"
    r = run_curl(server.url("/baseline11?a=1&b=2"), "--expect100-timeout", "4",
                 "-H", "Expect: 100-continue", "--data-binary", body, timeout=10)
    assert r.status == 200
    assert r.body == b"12"
    assert r.elapsed < 2, f"curl waited {r.elapsed:.1f}s: no timely 100 Continue"


# --------------------------------------------------------------------------
# absolute-form request targets (RFC 9112 §3.2.2)


def test_absolute_form_routes_on_the_path(conn):
    """The authority may differ from Host (§3.2.3 lets the target's win); the route and its
    query come from the URI's path and query."""
    resp = conn.request(b"GET http://elsewhere.example:81/baseline11?a=2&b=3 HTTP/1.1\r\n"
                        b"Host: localhost\r\n\r\n")
    assert_ok(resp, b"5")
    resp = conn.request(b"GET HTTPS://[::1]/pipeline HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert_ok(resp, b"ok")  # and the connection stayed usable in between


def test_absolute_form_from_curl(server):
    """curl sends an absolute-form target as given (what it sends to a proxy); Host stays
    127.0.0.1:port."""
    r = run_curl(server.url("/"), "--request-target", "http://example.invalid/baseline11?a=40&b=2",
                 timeout=10)
    assert r.status == 200
    assert r.body == b"42"


def test_absolute_form_with_userinfo_is_400(conn):
    resp = conn.request(b"GET http://user@localhost/pipeline HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert resp.status == 400


def test_expect_100_continue_ignored_for_http10(conn):
    """RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request
    MUST be ignored (no interim response)."""
    conn.send(b"POST /baseline11?a=1&b=2 HTTP/1.0\r\nExpect: 100-continue\r\n"
              b"Content-Length: 1\r\n\r\n")
    assert not conn.readable(0.5), f"server answered before the body: {bytes(conn.buf)!r}"
    conn.send(b"3")
    r = conn.read_response()
    assert r.status == 200 and r.body == b"6", r


# --------------------------------------------------------------------------
# Routing: 404 and 405


@pytest.mark.parametrize("path", ["/", "/no/such/path", "/baseline12?a=1&b=2", "/baseline1",
                                  "/pipelines", "/PIPELINE", "/baseline11x?a=1&b=1"])
def test_404_keeps_connection(conn, path):
    r = conn.request(get(path))
    assert r.status == 404, r
    assert not r.closes, r
    assert_ok(conn.request(get(baseline(20, 22))), 42)


@pytest.mark.parametrize("method,path,allow", [
    (b"DELETE", "/baseline11?a=1&b=2", {"GET", "HEAD", "POST"}),
    (b"PUT", "/baseline11?a=1&b=2", {"GET", "HEAD", "POST"}),
    (b"PATCH", "/baseline11?a=1&b=2", {"GET", "HEAD", "POST"}),
    (b"OPTIONS", "/baseline11?a=1&b=2", {"GET", "HEAD", "POST"}),
    (b"DELETE", "/pipeline", {"GET", "HEAD"}),
    (b"PUT", "/pipeline", {"GET", "HEAD"}),
    (b"POST", "/pipeline", {"GET", "HEAD"}),
])
def test_405_with_allow(conn, method, path, allow):
    r = conn.request(get(path, method=method), method=method.decode())
    assert r.status == 405, r
    got = r.header("allow")
    assert got is not None, f"405 without Allow: {r!r}"
    assert {t.strip() for t in got.split(",")} == allow, got
    assert not r.closes, r
    assert_ok(conn.request(get(baseline(1, 41))), 42)


@pytest.mark.parametrize("chunked", [False, True])
def test_405_with_body_keeps_framing(conn, chunked):
    """The body of a refused request is consumed, not parsed as a request."""
    raw = post("/pipeline", "GET /pipeline HTTP/1.1\r\n\r\n", chunked=chunked)
    r = conn.request(raw, method="POST")
    assert r.status == 405, r
    assert_ok(conn.request(get(baseline(2, 40))), 42)
    assert not conn.readable(0.2), f"stray bytes: {bytes(conn.buf)!r}"


# --------------------------------------------------------------------------
# Integer parsing and arithmetic


@pytest.mark.parametrize("a,b,expected", [
    ("010", "0005", 15),
    ("00042", "00001", 43),
    ("0", "0", 0),
    ("000", "1", 1),
    ("-7", "3", -4),
    ("-0", "5", 5),
    (str(INT64_MAX), "0", INT64_MAX),
    (str(INT64_MIN), "0", INT64_MIN),
    (str(INT64_MAX), str(INT64_MIN), -1),
    ("0" * 30 + "7", "1", 8),
])
def test_int_parsing(conn, a, b, expected):
    assert_ok(conn.request(get(f"/baseline11?a={a}&b={b}")), expected)


def test_query_parameter_order(conn):
    assert_ok(conn.request(get("/baseline11?b=7&a=3")), 10)


@pytest.mark.parametrize("body,expected", [("007", 62), ("0", 55), ("-60", -5),
                                           (str(INT64_MAX - 55), INT64_MAX)])
def test_post_body_int(conn, body, expected):
    assert_ok(conn.request(post(baseline(13, 42), body), method="POST"), expected)
    assert_ok(conn.request(post(baseline(13, 42), body, chunked=True), method="POST"), expected)


def test_post_without_body_counts_zero(conn):
    assert_ok(conn.request(post(baseline(5, 6), ""), method="POST"), 11)
    assert_ok(conn.request(post(baseline(5, 6), "", chunked=True), method="POST"), 11)
    # neither Content-Length nor Transfer-Encoding: no body
    assert_ok(conn.request(b"POST /baseline11?a=5&b=6 HTTP/1.1\r\nHost: localhost\r\n\r\n",
                           method="POST"), 11)


@pytest.mark.parametrize("a,b,body", [
    (str(INT64_MAX), "1", None),
    (str(INT64_MIN), "-1", None),
    (str(INT64_MAX), str(INT64_MAX), None),
    (str(INT64_MAX), "0", "1"),
    (str(INT64_MIN), "0", "-1"),
])
def test_overflow_is_500(server, a, b, body):
    raw = get(f"/baseline11?a={a}&b={b}") if body is None else post(f"/baseline11?a={a}&b={b}", body)
    with server.conn() as c:
        r = c.request(raw, method="GET" if body is None else "POST")
        assert r.status == 500, r


@pytest.mark.parametrize("query", [
    "a=abc&b=1", "a=1&b=xyz", "a=&b=1", "a=1&b=", "a=1x&b=2", "a=0x10&b=1", "a=1.5&b=1",
    "a=1", "b=1", "", "a&b", "a=1&b=2-", "a=--1&b=1",
    "a=9223372036854775808&b=0", "a=1&b=-9223372036854775809",
    "a=99999999999999999999999&b=1",
])
def test_bad_int_is_400(server, query):
    path = "/baseline11" + ("?" + query if query else "")
    with server.conn() as c:
        r = c.request(get(path))
        assert r.status == 400, (path, r)


# --------------------------------------------------------------------------
# Request bodies and delivery


def test_chunked_with_extensions_and_trailer(conn):
    raw = (b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n"
           b"2;ext=1\r\n20\r\n1;name=\"quoted value\";flag\r\n5\r\n0;last=yes\r\n"
           b"X-Trailer: t\r\nX-Other: u\r\n\r\n")
    assert_ok(conn.request(raw, method="POST"), 55 + 205)
    assert_ok(conn.request(get(baseline(1, 1))), 2)


@pytest.mark.parametrize("chunks,value", [
    (b"A\r\n1234567890\r\n0\r\n\r\n", 1234567890),
    (b"a\r\n1234567890\r\n0\r\n\r\n", 1234567890),
    (b"0002\r\n20\r\n000\r\n\r\n", 20),
    (b"1\r\n2\r\n1\r\n0\r\n0\r\n\r\n", 20),
    (b"1\r\n1\r\n1\r\n2\r\n1\r\n3\r\n0\r\n\r\n", 123),
])
def test_chunk_sizes(conn, chunks, value):
    raw = (b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
    assert_ok(conn.request(raw, method="POST"), 55 + value)


def test_transfer_coding_name_is_case_insensitive(conn):
    raw = (b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\n"
           b"Transfer-Encoding: Chunked\r\n\r\n2\r\n20\r\n0\r\n\r\n")
    assert_ok(conn.request(raw, method="POST"), 75)


def test_header_names_case_insensitive_and_ows(conn):
    raw = (b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nhOsT: localhost\r\n"
           b"content-LENGTH:   2  \r\nX-Empty:\r\n\r\n20")
    assert_ok(conn.request(raw, method="POST"), 75)


BYTE_BY_BYTE = [
    (get(baseline(13, 42)), ["GET"], [b"55"]),
    (post(baseline(13, 42), "20"), ["POST"], [b"75"]),
    (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"1;x=y\r\n3\r\n2\r\n00\r\n0\r\nX-T: v\r\n\r\n", ["POST"], [b"303"]),
    (get("/pipeline") + post(baseline(1, 1), "1") + get(baseline(2, 2)),
     ["GET", "POST", "GET"], [b"ok", b"3", b"4"]),
]


@pytest.mark.parametrize("idx", range(len(BYTE_BY_BYTE)))
def test_byte_by_byte_delivery(conn, idx):
    raw, methods, bodies = BYTE_BY_BYTE[idx]
    for i in range(len(raw)):
        conn.send(raw[i:i + 1])
        time.sleep(0.001)
    for r, body in zip(conn.read_responses(methods), bodies):
        assert_ok(r, body)


def test_random_fragmentation_of_a_pipeline(conn):
    rng = random.Random(11)
    reqs = []
    for i in range(30):
        kind = i % 3
        if kind == 0:
            reqs.append((get(baseline(i, 7)), "GET", i + 7))
        elif kind == 1:
            reqs.append((post(baseline(i, 7), "100"), "POST", i + 107))
        else:
            reqs.append((post(baseline(i, 7), "1000", chunked=True), "POST", i + 1007))
    data = b"".join(r[0] for r in reqs)
    pos = 0
    while pos < len(data):
        n = rng.randint(1, 40)
        conn.send(data[pos:pos + n])
        pos += n
        time.sleep(0.0005)
    for (raw, method, value), r in zip(reqs, conn.read_responses([r[1] for r in reqs])):
        assert_ok(r, value)


def test_valid_arena_fixtures(conn):
    expected = {"valid-get1.raw": 55, "valid-get2.raw": 100, "valid-get3.raw": 95,
                "valid-get4.raw": 100, "valid-get5.raw": 500, "valid-post1.raw": 31,
                "valid-post2.raw": 66, "valid-post3.raw": 125, "valid-post4.raw": 103,
                "valid-post5.raw": 33}
    for name, value in expected.items():
        assert_ok(conn.request(arena_request(name)), value)
    # and all of them pipelined in one write
    conn.send(b"".join(arena_request(n) for n in expected))
    for r, value in zip(conn.read_responses(["GET"] * len(expected)), expected.values()):
        assert_ok(r, value)
