"""ARENA.md §3.1 (baseline), §3.2 (pipelined) and §3.3 (limited-conn):
every validate.sh check, plus the bench templates replayed byte-exact."""

import random

import pytest

from conftest import RawConn, arena_request, assert_content_type, assert_ok, run_curl

FRAG_PAUSE = 0.030  # validate.sh pauses 30 ms between writes


# --------------------------------------------------------------------------
# §3.1 checks 1-8 (validate.sh uses curl for these)


def test_v1_get_sum(server):
    r = run_curl(server.url("/baseline11?a=13&b=42"))
    assert r.status == 200
    assert r.body == b"55"


def test_v2_post_content_length(server):
    r = run_curl(server.url("/baseline11?a=13&b=42"), "-X", "POST",
                 "-H", "Content-Type: text/plain", "--data-binary", "20")
    assert r.status == 200
    assert r.body == b"75"


def test_v3_post_chunked(server):
    r = run_curl(server.url("/baseline11?a=13&b=42"), "-X", "POST",
                 "-H", "Content-Type: text/plain", "-H", "Transfer-Encoding: chunked",
                 "--data-binary", "20", "-v")
    assert r.status == 200
    assert r.body == b"75"
    # make sure curl really sent it chunked
    assert "transfer-encoding: chunked" in r.stderr.lower()


def _is_text_plain(value):
    v = (value or "").lower()
    return v == "text/plain" or v.startswith("text/plain;")


def test_v4_get_content_type(server):
    r = run_curl(server.url("/baseline11?a=13&b=42"))
    assert r.status == 200
    assert _is_text_plain(r.header("content-type")), r.headers


def test_v5_post_content_type(server):
    r = run_curl(server.url("/baseline11?a=13&b=42"), "-X", "POST",
                 "-H", "Content-Type: text/plain", "--data-binary", "20")
    assert r.status == 200
    assert _is_text_plain(r.header("content-type")), r.headers


def test_v6_anti_cheat_random_get(server):
    for _ in range(3):
        a, b = random.randint(100, 999), random.randint(100, 999)
        r = run_curl(server.url(f"/baseline11?a={a}&b={b}"))
        assert r.status == 200
        assert r.body == str(a + b).encode(), (a, b, r.body)


def test_v7_v8_anti_cheat_random_post_bodies(server):
    b1 = random.randint(100, 999)
    b2 = random.choice([x for x in range(100, 1000) if x != b1])
    for body in (b1, b2):
        r = run_curl(server.url("/baseline11?a=13&b=42"), "-X", "POST",
                     "-H", "Content-Type: text/plain", "--data-binary", str(body))
        assert r.status == 200
        assert r.body == str(55 + body).encode(), (body, r.body)


# --------------------------------------------------------------------------
# §3.1 checks 9-12: TCP fragmentation (raw socket, TCP_NODELAY, 30 ms pauses,
# read until EOF with a 5 s socket timeout, then parse)

FRAG_POST_HEAD = (b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\n"
                  b"Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")

FRAGMENT_CASES = {
    "split-request-line": ([b"GET /baseli", b"ne11?a=13&b=42 HTTP/1.1\r\n",
                            b"Host: localhost\r\nConnection: close\r\n\r\n"], b"55"),
    "header-per-write": ([b"GET /baseline11?a=13&b=42 HTTP/1.1\r\n", b"Host: localhost\r\n",
                          b"User-Agent: arena-frag/1.0\r\n", b"Connection: close\r\n\r\n"], b"55"),
    "body-after-head": ([FRAG_POST_HEAD, b"20"], b"75"),
    "body-byte-by-byte": ([FRAG_POST_HEAD, b"2", b"0"], b"75"),
}


def _validate_style_decode(raw):
    """validate.sh's check_fragmented decoding: chunked, then
    Content-Length, else the raw remainder; stripped."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = [l.lower() for l in head.split(b"\r\n")[1:]]
    if any(l.startswith(b"transfer-encoding:") and b"chunked" in l for l in lines):
        out = b""
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            out += rest[:size]
            rest = rest[size + 2:]
        return out.strip()
    for l in lines:
        if l.startswith(b"content-length:"):
            return rest[:int(l.split(b":", 1)[1])].strip()
    return rest.strip()


@pytest.mark.parametrize("case", list(FRAGMENT_CASES))
def test_v9_v12_tcp_fragmentation(server, case):
    parts, expected = FRAGMENT_CASES[case]
    with RawConn(server.port, timeout=5, nodelay=True) as c:
        c.send_slowly(parts, FRAG_PAUSE)
        # validate.sh reads until EOF (the server must honour Connection: close)
        raw = c.read_until_eof(deadline=5)
    assert _validate_style_decode(raw) == expected, raw
    # and the same bytes must also pass the strict reader
    strict = RawConn.from_bytes(raw)
    resp = strict.read_response()
    assert resp.status == 200
    assert resp.body == expected, resp
    assert resp.closes, f"no Connection: close on a Connection: close request: {resp!r}"
    assert_content_type(resp, "text/plain")
    assert strict.buf == b"", f"trailing bytes after the response: {bytes(strict.buf)!r}"


# --------------------------------------------------------------------------
# §3.2 pipelined


def test_pipeline_validate(server):
    r = run_curl(server.url("/pipeline"))
    assert r.status == 200
    assert r.body == b"ok"
    assert _is_text_plain(r.header("content-type")), r.headers


GCANNON_PIPELINE_REQ = b"GET /pipeline HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"


def test_pipeline_request_is_48_bytes():
    # guards the template below against typos (ARENA.md §3.2)
    assert len(GCANNON_PIPELINE_REQ) == 48
    assert arena_request("pipeline.raw") == GCANNON_PIPELINE_REQ


def test_pipeline_16_in_one_write_repeated(conn):
    for _ in range(20):
        conn.send(GCANNON_PIPELINE_REQ * 16)
        for r in conn.read_responses(["GET"] * 16):
            assert_ok(r, b"ok")


def test_pipeline_refill_as_responses_arrive(conn):
    """gcannon keeps 16 in flight and refills by the number of completed
    responses, so requests arrive while earlier answers are still queued."""
    rng = random.Random(7)
    conn.send(GCANNON_PIPELINE_REQ * 16)
    in_flight, done = 16, 0
    while done < 400:
        n = rng.randint(1, in_flight)
        for r in conn.read_responses(["GET"] * n):
            assert_ok(r, b"ok")
        done += n
        conn.send(GCANNON_PIPELINE_REQ * n)
    for r in conn.read_responses(["GET"] * 16):
        assert_ok(r, b"ok")


# --------------------------------------------------------------------------
# Bench templates (§3.1 bench), byte-exact


TEMPLATES = {"get.raw": b"55", "post_cl.raw": b"75", "post_chunked.raw": b"75"}


def test_bench_templates_are_as_documented():
    assert arena_request("get.raw") == (
        b"GET /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\n\r\n")
    assert arena_request("post_cl.raw") == (
        b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\n"
        b"Content-Length: 2\r\n\r\n20")
    assert arena_request("post_chunked.raw") == (
        b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n20\r\n0\r\n\r\n")


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_bench_template_repeated_on_one_connection(conn, template):
    """baseline bench: connection i sends template i mod 3 forever (-p 1)."""
    raw = arena_request(template)
    for _ in range(200):
        assert_ok(conn.request(raw), TEMPLATES[template])


def test_bench_templates_interleaved_on_one_connection(conn):
    raws = [(arena_request(t), v) for t, v in TEMPLATES.items()]
    for i in range(150):
        raw, expected = raws[i % 3]
        assert_ok(conn.request(raw), expected)


def test_bench_templates_on_parallel_connections(server):
    conns = [(RawConn(server.port), arena_request(t), v) for t, v in TEMPLATES.items() for _ in range(4)]
    try:
        for _ in range(50):
            for c, raw, _v in conns:
                c.send(raw)
            for c, _raw, expected in conns:
                assert_ok(c.read_response(), expected)
    finally:
        for c, _, _ in conns:
            c.close()


# --------------------------------------------------------------------------
# §3.3 limited-conn: -r 10, then reconnect rotating to the next template


def test_limited_conn_rotation(server):
    names = list(TEMPLATES)
    for conn_no in range(9):
        name = names[conn_no % 3]
        raw = arena_request(name)
        with RawConn(server.port) as c:
            for _ in range(10):
                assert_ok(c.request(raw), TEMPLATES[name])
        # client closes after 10 responses (no Connection: close sent)


def test_limited_conn_validate_block(server):
    """§3.3 validates with the §3.1 block; run its core once more on
    fresh connections, one request each (the short-lived pattern)."""
    a, b = random.randint(100, 999), random.randint(100, 999)
    for raw, expected in [
        (f"GET /baseline11?a={a}&b={b} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode(), a + b),
        (b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\n"
         + str(a).encode(), 55 + a),
    ]:
        with RawConn(server.port) as c:
            assert_ok(c.request(raw), expected)
