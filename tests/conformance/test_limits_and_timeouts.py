"""Size limits and timers: header/body timeouts (408), the idle keep-alive
timeout, the 1 MiB body limit (413 before the body), limit boundaries, and
shutdown on SIGTERM."""

import signal
import subprocess
import threading
import time

import pytest

from conftest import (BODY_LIMIT, BODY_TIMEOUT, HEAD_LIMIT, HEADER_COUNT_LIMIT, HEADER_TIMEOUT,
                      IDLE_TIMEOUT, TARGET_LIMIT, RawConn, assert_ok, baseline, get, server_binary,
                      start_server, stop_server)


def read_408_and_close(c, started, timeout, what):
    """The server must answer 408 + Connection: close and then close, within
    timeout + 2 s of `started`, and not much before `timeout`."""
    try:
        r = c.read_response(deadline=timeout + 2 - (time.monotonic() - started))
    except TimeoutError:
        pytest.fail(f"no 408 within {timeout + 2}s for an incomplete {what}")
    elapsed = time.monotonic() - started
    assert r.status == 408, r
    assert r.closes, r
    assert elapsed >= timeout - 0.5, f"408 after {elapsed:.2f}s, before the {timeout}s timeout"
    c.expect_eof(deadline=1.5, what="after the 408")
    return elapsed


# --------------------------------------------------------------------------
# header timeout


def test_header_timeout_408(server):
    with server.conn(timeout=HEADER_TIMEOUT + 3) as c:
        t0 = time.monotonic()
        c.send(b"GET /baseline11?a=1&b=1 HTTP/1.1\r\nHost: localhost\r\n")
        read_408_and_close(c, t0, HEADER_TIMEOUT, "request head")


def test_header_timeout_after_a_keep_alive_request(server):
    """A second request that stalls half-way also gets its 408."""
    with server.conn(timeout=HEADER_TIMEOUT + 3) as c:
        assert_ok(c.request(get(baseline(1, 1))), 2)
        t0 = time.monotonic()
        c.send(b"GET /base")
        read_408_and_close(c, t0, HEADER_TIMEOUT, "second request head")


def test_header_timeout_is_a_deadline_not_per_byte(server):
    """Slowloris: a head trickled one byte at a time never completes; the
    header timeout bounds the whole head, not the gap between bytes."""
    with server.conn(timeout=HEADER_TIMEOUT + 3) as c:
        t0 = time.monotonic()
        c.send(b"GET /pipeline HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        while time.monotonic() - t0 < HEADER_TIMEOUT + 2:
            if c.readable(0.25):
                break
            try:
                c.send(b"a")
            except (BrokenPipeError, ConnectionResetError):
                break
        read_408_and_close(c, t0, HEADER_TIMEOUT, "trickled request head")


# --------------------------------------------------------------------------
# body timeout


@pytest.mark.parametrize("chunked", [False, True])
def test_body_timeout_408(server, chunked):
    with server.conn(timeout=BODY_TIMEOUT + 3) as c:
        if chunked:
            c.send(b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n5\r\n12")
        else:
            c.send(b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\n"
                   b"Content-Length: 5\r\n\r\n12")
        t0 = time.monotonic()
        read_408_and_close(c, t0, BODY_TIMEOUT, "request body")


# --------------------------------------------------------------------------
# idle timeout


def test_idle_keep_alive_closed_silently(server):
    with server.conn(timeout=IDLE_TIMEOUT + 3) as c:
        assert_ok(c.request(get(baseline(2, 2))), 4)
        t0 = time.monotonic()
        try:
            rest = c.read_until_eof(deadline=IDLE_TIMEOUT + 2)
        except TimeoutError:
            pytest.fail(f"idle keep-alive connection still open after {IDLE_TIMEOUT + 2}s")
        except ConnectionResetError:
            pytest.fail("idle connection was reset instead of closed")
        elapsed = time.monotonic() - t0
        assert rest == b"", f"idle close must be silent, got {rest[:200]!r}"
        assert elapsed >= IDLE_TIMEOUT - 1.5, (
            f"idle keep-alive connection closed after {elapsed:.2f}s (idle timeout {IDLE_TIMEOUT}s)")


@pytest.mark.parametrize("flag", ["--header-timeout", "--body-timeout", "--idle-timeout", "--write-timeout"])
def test_timeout_flags_below_one_millisecond_are_refused(flag):
    """Timers count whole milliseconds: 0.0004 s would be a 0 ms timeout that closes every
    connection at once, so the flags take the spec's range, 0.001..86400."""
    r = subprocess.run([str(server_binary()), "--port", "1", flag, "0.0004"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"{flag} expects seconds in 0.001..86400, got '0.0004'" in r.stderr


def test_one_millisecond_idle_timeout_is_accepted(tmp_path):
    """A fresh connection is idle too, so on a busy machine the server may close it before the
    request arrives: each try must end in the answer and a close, or in a close with no bytes;
    at least one of ten must be answered."""
    srv = start_server(tmp_path, name="idle-1ms", idle_timeout=0.001)
    answered = 0
    try:
        for _ in range(10):
            with srv.conn() as c:
                c.send(get(baseline(2, 3)))
                try:
                    data = c.read_until_eof(deadline=2)
                except ConnectionResetError:
                    data = b""  # closed before the request arrived, so the kernel reset it
                except TimeoutError:
                    pytest.fail("connection still open 2 s after a 1 ms idle timeout")
                assert data == b"" or (data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"\r\n\r\n5")), data
                answered += data != b""
            if answered:
                break
        assert answered, "no try was answered before the 1 ms idle timeout closed it"
        assert srv.alive()
    finally:
        stop_server(srv)


def test_keep_alive_outlives_the_header_timeout(server):
    """Between requests the idle timer applies, not the header timer."""
    with server.conn(timeout=HEADER_TIMEOUT + 3) as c:
        assert_ok(c.request(get(baseline(1, 2))), 3)
        time.sleep(HEADER_TIMEOUT + 1)
        assert IDLE_TIMEOUT > HEADER_TIMEOUT + 1.5
        assert not c.readable(0), f"server sent something while idle: {bytes(c.buf)!r}"
        assert_ok(c.request(get(baseline(3, 4))), 7)


def test_silent_connection_is_closed(server):
    """A connection that never sends a byte is eventually closed (silently
    or with a 408), it is not kept forever."""
    limit = max(HEADER_TIMEOUT, IDLE_TIMEOUT) + 2
    with server.conn(timeout=limit + 1) as c:
        try:
            data = c.read_until_eof(deadline=limit)
        except TimeoutError:
            pytest.fail(f"connection without any request still open after {limit}s")
        except ConnectionResetError:
            pytest.fail("silent connection was reset instead of closed")
        if data:
            r = RawConn.from_bytes(data).read_response()
            assert r.status == 408 and r.closes, r


# --------------------------------------------------------------------------
# body limit


def test_413_before_the_body_is_read(server):
    """A declared body over the limit is refused at once (well before the
    body timeout), without waiting for any body byte."""
    with server.conn() as c:
        t0 = time.monotonic()
        c.send(b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Length: %d\r\n\r\n" % (BODY_LIMIT + 1))
        r = c.read_response(deadline=BODY_TIMEOUT + 2)
        elapsed = time.monotonic() - t0
        assert r.status == 413, r
        assert elapsed < BODY_TIMEOUT / 2, f"413 took {elapsed:.2f}s (was the body awaited?)"
        assert r.closes, r
        c.expect_eof()


def test_413_instead_of_100_continue(server):
    with server.conn() as c:
        c.send(b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
               b"Content-Length: %d\r\n\r\n" % (BODY_LIMIT + 1))
        r = c.read_response(deadline=1.5)
        assert r.status == 413, f"expected a final 413 and no 100 Continue, got {r!r}"
        assert r.closes, r
        c.expect_eof()


def test_chunked_body_over_the_limit_413(server):
    """A chunked body whose chunks add up to more than the limit: 413 and
    close (the close may reset, since the client is still sending)."""
    chunk = b"10000\r\n" + b"0" * 0x10000 + b"\r\n"
    data = (b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunk * (BODY_LIMIT // 0x10000 + 1)
            + b"0\r\n\r\n")
    with server.conn(timeout=5) as c:
        t = threading.Thread(target=_send_ignoring_errors, args=(c.sock, data), daemon=True)
        t.start()
        r = c.read_response(deadline=BODY_TIMEOUT + 2)
        assert r.status == 413, r
        assert r.closes, r
        t.join(5)


def test_declared_chunk_over_the_limit_413_at_once(server):
    """A chunk-size line alone that exceeds the body limit already proves the
    body is too large: 413 without waiting for the chunk data (the analogue
    of the Content-Length rule)."""
    with server.conn() as c:
        t0 = time.monotonic()
        c.send(b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % (BODY_LIMIT + 1) + b"0" * 1000)
        r = c.read_response(deadline=BODY_TIMEOUT + 2)
        elapsed = time.monotonic() - t0
        assert r.status == 413, r
        assert elapsed < BODY_TIMEOUT / 2, f"413 took {elapsed:.2f}s"
        assert r.closes, r
        c.expect_eof()


def _send_ignoring_errors(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server closed after its 413


def test_body_of_exactly_the_limit_is_accepted(server):
    body = b"0" * (BODY_LIMIT - 2) + b"42"  # an integer with leading zeros
    with server.conn(timeout=10) as c:
        c.send(b"POST /baseline11?a=1&b=2 HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body) + body)
        assert_ok(c.read_response(deadline=10), 45)
        assert_ok(c.request(get(baseline(1, 1))), 2)


def test_limits_boundaries_accepted(server):
    """Just inside each head limit is served normally."""
    with server.conn() as c:
        # a request-target of exactly TARGET_LIMIT bytes: an unknown path -> 404
        r = c.request(get("/" + "a" * (TARGET_LIMIT - 1)))
        assert r.status == 404, r
        # exactly HEADER_COUNT_LIMIT header fields (Host included)
        extra = b"".join(b"X-H%d: v\r\n" % i for i in range(HEADER_COUNT_LIMIT - 1))
        assert_ok(c.request(get(baseline(1, 2), extra=extra)), 3)
        # a head well above 8 KiB but below HEAD_LIMIT
        extra = b"".join(b"X-Pad-%02d: %s\r\n" % (i, b"p" * 990) for i in range(15))
        raw = get(baseline(3, 4), extra=extra)
        assert 15000 < len(raw) < HEAD_LIMIT
        assert_ok(c.request(raw), 7)


def test_limits_just_over(server):
    """One byte / one header over each limit is refused (then close)."""
    cases = [
        (get("/" + "a" * TARGET_LIMIT), 414),
        (get(baseline(1, 2), extra=b"".join(b"X-H%d: v\r\n" % i for i in range(HEADER_COUNT_LIMIT))),
         431),
    ]
    for raw, status in cases:
        with server.conn() as c:
            r = c.request(raw)
            assert r.status == status, r
            assert r.closes, r
            c.expect_eof()


# --------------------------------------------------------------------------
# SIGTERM


def test_sigterm_with_idle_keep_alive_connections(tmp_path):
    """Shutdown must not wait for idle keep-alive clients (the idle timeout
    here is 30 s): exit 0 within 5 s and close them."""
    srv = start_server(tmp_path, name="sigterm-idle", idle_timeout=30)
    try:
        idle = [srv.conn(timeout=6) for _ in range(3)]
        for i, c in enumerate(idle):
            assert_ok(c.request(get(baseline(i, 1))), i + 1)
        stop_server(srv, grace=5)
        for c in idle:
            try:
                rest = c.read_until_eof(deadline=2)
            except ConnectionResetError:
                rest = b""  # a reset of an idle connection at shutdown is acceptable
            assert rest == b"", rest
            c.close()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait(5)


def test_sigterm_with_a_stalled_request(tmp_path):
    """A client stuck half-way through a head cannot hold shutdown beyond
    its header timeout: exit 0 within header timeout + 5 s; the client gets
    a 408 or a plain close."""
    srv = start_server(tmp_path, name="sigterm-stalled", idle_timeout=30)
    try:
        half = srv.conn(timeout=HEADER_TIMEOUT + 6)
        half.send(b"GET /pipeline HTTP/1.1\r\n")
        time.sleep(0.1)
        stop_server(srv, grace=HEADER_TIMEOUT + 5)
        try:
            data = half.read_until_eof(deadline=2)
        except ConnectionResetError:
            data = b""
        if data:
            r = RawConn.from_bytes(data).read_response()
            assert r.status == 408 and r.closes, r
        half.close()
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait(5)


def test_sigterm_during_pipelined_burst(tmp_path):
    """Responses already started are finished: whatever arrives before the
    close is a sequence of complete responses, and the server exits 0."""
    srv = start_server(tmp_path, name="sigterm-burst")
    try:
        c = srv.conn(timeout=6)
        c.send(get(baseline(1, 1)) * 2000)
        assert_ok(c.read_response(), 2)
        srv.proc.send_signal(signal.SIGTERM)
        try:
            c.read_until_eof(deadline=5)
        except ConnectionResetError:
            c.eof = True  # what arrived before the reset is still checked
        while c.buf:
            r = c.read_response(deadline=0.5)
            assert r.status == 200 and r.body == b"2", r
        c.close()
        stop_server(srv, grace=5, already_signalled=True)
    finally:
        if srv.alive():
            srv.proc.kill()
            srv.proc.wait(5)
