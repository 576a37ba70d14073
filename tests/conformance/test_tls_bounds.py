"""TLS bounds from the spec (issue 16), against a one-worker server built from
specs/tls_bounds/tls_bounds.toml: [server.timeouts] handshake = 3 s (the header timeout is 10 s and the
idle one 30 s, so a close near 3 s can only be the handshake's), [server.limits] tls_handshakes = 4, and a
512 KiB worker budget ([server.limits] buffered) that OpenSSL's own memory is charged to.

Real clients only: Python's ssl module (OpenSSL), with a real ClientHello taken from a memory BIO for the
half-hello cases.
"""

import os
import socket
import ssl
import time
from pathlib import Path

import pytest

from conftest import build_spec_server, server_binary, start_server, stop_server
from server_stats import stats_now, stats_until

HERE = Path(__file__).resolve().parent
SPEC = HERE / "specs" / "tls_bounds" / "tls_bounds.toml"
FIXTURES = HERE.parents[1] / "tests" / "fixtures" / "tls"
CERT, KEY = FIXTURES / "server.crt", FIXTURES / "server.key"
HANDSHAKE_TIMEOUT = 3.0  # the spec's
HANDSHAKE_CAP = 4  # the spec's
BUDGET = 512 * 1024  # the spec's [server.limits] buffered
ASAN = "asan" in str(server_binary())


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("tls-bounds-data")
    (root / "static").mkdir()
    (root / "static" / "big.bin").write_bytes(os.urandom(4 << 20))
    return root


@pytest.fixture(scope="module")
def srv(tmp_path_factory, data_root):
    binary = build_spec_server(SPEC, tmp_path_factory.mktemp("tls-bounds-build"))
    server = start_server(tmp_path_factory.mktemp("tls-bounds"), name="tls_bounds", binary=binary,
                          header_timeout=10, idle_timeout=30,
                          extra_args=("--workers", "1", "--stats", "--tls-cert", str(CERT), "--tls-key", str(KEY),
                                      "--data-root", str(data_root)))
    yield server
    assert server.alive(), server.stderr()[-3000:]
    stop_server(server)


def _context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _https(port, timeout=5):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return _context().wrap_socket(raw, server_hostname="localhost")


def _get_hello(sock):
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    buf, end = b"", time.monotonic() + 5
    while not buf.endswith(b"hello"):
        assert time.monotonic() < end, buf
        chunk = sock.recv(4096)
        assert chunk, f"closed: {buf!r}"
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 200"), buf


def _client_hello():
    """The first flight of a real TLS client (Python's OpenSSL), taken from a memory BIO."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = _context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    hello = outgoing.read()
    assert hello[0] == 0x16 and len(hello) > 100, hello[:8]  # a handshake record
    return hello


def _closed_after(sock, limit):
    """Seconds until the server closes sock (EOF or reset), reading whatever comes; None past limit."""
    t0 = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - t0 < limit:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - t0
    return None


def _assert_near_timeout(elapsed, what):
    # The header timeout (10 s) would close it much later; the timer wheel rounds up a little.
    assert elapsed is not None, f"{what}: still open after 8 s"
    assert HANDSHAKE_TIMEOUT - 0.3 <= elapsed <= HANDSHAKE_TIMEOUT + 1.5, f"{what}: closed after {elapsed:.2f} s"


def test_silent_client_is_closed_at_the_handshake_timeout(srv):
    before = stats_now(srv, 1)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    _assert_near_timeout(_closed_after(s, 8), "no ClientHello")
    s.close()
    after = stats_now(srv, 1)
    assert after["timeouts_handshake"] - before["timeouts_handshake"] == 1, after
    assert after["timeouts_header"] == before["timeouts_header"], after


def test_half_a_client_hello_is_closed_at_the_handshake_timeout(srv):
    hello = _client_hello()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall(hello[:len(hello) // 2])
    _assert_near_timeout(_closed_after(s, 8), "half a ClientHello")
    s.close()


def test_trickled_client_hello_does_not_extend_the_deadline(srv):
    """A byte every 0.25 s is progress to a timer that refreshes on input: this one is absolute."""
    hello = _client_hello()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    t0, closed_at = time.monotonic(), None
    for i in range(len(hello) - 1):
        try:
            s.send(hello[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            closed_at = time.monotonic() - t0
            break
        time.sleep(0.25)
        if time.monotonic() - t0 > 8:
            break
    if closed_at is None:
        rest = _closed_after(s, 1)
        closed_at = None if rest is None else time.monotonic() - t0
    s.close()
    # A send succeeds into the socket buffer after the close; the next one fails.
    _assert_near_timeout(closed_at - 0.25 if closed_at else None, "trickled ClientHello")


def test_handshakes_over_the_cap_are_refused_others_unaffected(srv):
    """Cap 4: with 4 handshakes stalled (half a ClientHello each), a 5th connection is closed before any
    TLS byte; a connection past its handshake goes on being served; once the stalled ones go away, new
    handshakes succeed again."""
    hello = _client_hello()
    established = _https(srv.port)
    _get_hello(established)
    before = stats_now(srv, 1)
    stalled = []
    for _ in range(HANDSHAKE_CAP):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.sendall(hello[:40])
        stalled.append(s)
    # All 4 accepted (and their 40 bytes read) before the 5th: the counters say so.
    st = stats_until(srv, 1, lambda s: s["accepted"] - before["accepted"] >= HANDSHAKE_CAP)
    assert st["accepted"] - before["accepted"] == HANDSHAKE_CAP, st
    t0 = time.monotonic()
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError, OSError)):
        _https(srv.port)  # refused: the server closes it before answering its ClientHello
    assert time.monotonic() - t0 < HANDSHAKE_TIMEOUT - 1, "refused at once, not timed out"
    _get_hello(established)  # past its handshake: not affected
    after = stats_now(srv, 1)
    assert after["tls_refused"] - before["tls_refused"] == 1, after
    assert after["tls_handshakes"] == before["tls_handshakes"], after
    for s in stalled:
        s.close()
    # The server sees the 4 FINs, the slots come free, a new handshake succeeds.
    deadline, ok = time.monotonic() + 2, False
    while not ok and time.monotonic() < deadline:
        try:
            with _https(srv.port) as fresh:
                _get_hello(fresh)
                ok = True
        except (ssl.SSLError, OSError):
            time.sleep(0.1)
    assert ok, "no handshake succeeded after the stalled ones closed"
    established.close()


def _rss_anon_kib(pid):
    """Anonymous resident memory: the static cache is a memfd (RssShmem), pages of it touched by a send
    are not per-connection memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise AssertionError("no RssAnon")


def _read_exactly(sock, n, deadline):
    got = bytearray()
    while len(got) < n:
        assert time.monotonic() < deadline, f"{len(got)} of {n} bytes"
        chunk = sock.recv(min(1 << 20, n - len(got)))
        assert chunk, f"closed after {len(got)} of {n} bytes"
        got += chunk
    return bytes(got)


def test_openssl_memory_is_charged_and_a_spent_budget_refuses_new_tls(srv, data_root):
    """48 TLS connections each start a 4 MiB download and stop reading after 64 KiB (a small receive
    window): each holds ciphertext, an SSL object and its buffers.  All of it is charged to the 512 KiB
    budget (buffered_openssl for OpenSSL's part), so once the budget is spent further TLS connections
    are refused at the accept (budget_refused_tls) instead of the worker growing by ~80 KiB per
    connection; the admitted downloads then complete byte-exact, and once they close the charge goes
    back to where it was."""
    big = (data_root / "static" / "big.bin").read_bytes()
    pid = srv.proc.pid
    with _https(srv.port) as warm:  # OpenSSL's per-thread state exists before the baseline
        _get_hello(warm)
    time.sleep(0.3)
    before = stats_now(srv, 1)
    rss_before = _rss_anon_kib(pid)
    admitted, refused = [], 0
    for _ in range(48):
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # before connect: a small window
        raw.settimeout(5)
        raw.connect(("127.0.0.1", srv.port))
        try:
            s = _context().wrap_socket(raw, server_hostname="localhost")
            s.sendall(b"GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                assert chunk, head
                head += chunk
            assert head.startswith(b"HTTP/1.1 200"), head[:200]
            head, _, body = head.partition(b"\r\n\r\n")
            body += _read_exactly(s, 65536 - len(body), time.monotonic() + 5) if len(body) < 65536 else b""
            admitted.append((s, body))
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            refused += 1
            raw.close()
    try:
        time.sleep(0.5)
        held = stats_now(srv, 1)
        grown_kib = _rss_anon_kib(pid) - rss_before
        openssl = held["buffered_openssl"] - before["buffered_openssl"]
        print(f"admitted {len(admitted)}, refused {refused}, RssAnon +{grown_kib} KiB, buffered_openssl "
              f"+{openssl}, output {held['buffered_output']}, peak {held['buffered_peak']}")
        assert held["buffered_openssl"] - before["buffered_openssl"] >= 8 * 1024 * len(admitted) // 2, held
        assert held["budget_refused_tls"] - before["budget_refused_tls"] == refused, held
        assert refused > 0 and len(admitted) >= 2, (len(admitted), refused, held)
        # TLS seals a static body a window (4 records) at a time: no connection ever held its 4 MiB as
        # ciphertext, so the most the worker held is the budget plus what the last admitted connections
        # added before it was seen spent.
        assert held["buffered_output"] <= len(admitted) * 80 * 1024, held
        assert held["buffered_peak"] <= BUDGET + len(admitted) * 128 * 1024, held
        if not ASAN:  # ASan's quarantine keeps freed memory resident
            assert grown_kib < 6 * 1024, f"RssAnon grew by {grown_kib} KiB with {len(admitted)} downloads"
        deadline = time.monotonic() + 30
        for s, body in admitted:
            body += _read_exactly(s, len(big) - len(body), deadline)
            assert body == big, "download differs from the file"
    finally:
        for s, _ in admitted:
            s.close()
    after = stats_until(srv, 1, lambda st: st["buffered_openssl"] <= before["buffered_openssl"])
    assert after["buffered_openssl"] == before["buffered_openssl"], (before["buffered_openssl"], after)
    assert after["buffered_bytes"] == before["buffered_bytes"], after
    with _https(srv.port) as again:  # the budget is free again: new TLS connections are taken
        _get_hello(again)
