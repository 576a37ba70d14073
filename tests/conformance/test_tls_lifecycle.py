"""TLS connection lifecycle on a live server (issue 16's list; the in-memory cases are in
tests/unit/test_tls_records.c): KeyUpdate, a session ticket resuming, the peer closing mid-record,
close_notify when the server stops, and a reader that stops reading kept paused with its ciphertext
aside.  spec/arena.toml's "tls" listener (HTTP/1.1) with the certificate of tests/fixtures/tls.

Real clients only: openssl s_client (KeyUpdate), Python's ssl module (OpenSSL) for the rest.
"""

import socket
import ssl
import subprocess
import time

import pytest

from conftest import REPO_ROOT, start_server, stop_server
from server_stats import stats_now, stats_until

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "tls"
TLS_ARGS = ("--tls-cert", str(FIXTURES / "server.crt"), "--tls-key", str(FIXTURES / "server.key"))


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("tls-lifecycle"), name="tls_lifecycle",
                          extra_args=(*TLS_ARGS, "--workers", "1"))
    yield server
    stop_server(server)


def _context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # a FIN without close_notify must show
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _tls(port, ctx=None, session=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    return (ctx or _context()).wrap_socket(raw, server_hostname="localhost", session=session,
                                           suppress_ragged_eofs=False)


def _sum(sock, a, b):
    sock.sendall(f"GET /baseline2?a={a}&b={b} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    buf, end = b"", time.monotonic() + 5
    while b"\r\n\r\n" not in buf or not buf.endswith(str(a + b).encode()):
        assert time.monotonic() < end, buf
        chunk = sock.recv(4096)
        assert chunk, buf
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 200"), buf


def test_key_update_requested_by_the_client(srv):
    """s_client's K: a KeyUpdate asking the server to update too.  The server answers with its own
    KeyUpdate and the connection goes on serving, with the new keys both ways."""
    port = srv.listener_ports["tls"]
    p = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                          "-tls1_3", "-crlf", "-msg"],  # (-ign_eof would turn the command letters off)
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        def send(line, pause):
            p.stdin.write(line)
            p.stdin.flush()
            time.sleep(pause)
        send(b"GET /baseline2?a=1&b=2 HTTP/1.1\nHost: x\n\n", 0.5)
        send(b"K\n", 0.5)
        send(b"GET /baseline2?a=40&b=2 HTTP/1.1\nHost: x\nConnection: close\n\n", 0.5)
        out, _ = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    text = out.decode(errors="replace")
    after = text.split("KEYUPDATE", 1)
    assert len(after) == 2, f"s_client sent no KeyUpdate:\n{text[-3000:]}"
    # Received after ours: the server's KeyUpdate, then the answer to the second request.
    assert "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" in after[1], after[1][-3000:]
    assert "\n42" in after[1] or "\r\n42" in after[1], after[1][-3000:]
    assert "\n3" in after[0], after[0][-3000:]


def test_session_ticket_resumes_a_later_connection(srv):
    """One stateless ticket per full handshake (runtime/tls/README.md): a client coming back with it
    resumes instead of a full handshake; without one it does not."""
    port = srv.listener_ports["tls"]
    ctx = _context()
    with _tls(port, ctx) as first:
        _sum(first, 1, 1)  # the ticket arrives after the handshake: read something first
        assert not first.session_reused
        session = first.session
        assert session is not None and session.has_ticket
    with _tls(port, ctx, session=session) as again:
        _sum(again, 2, 2)
        assert again.session_reused
    with _tls(port, ctx) as fresh:
        _sum(fresh, 3, 3)
        assert not fresh.session_reused


def _memory_bio_client(port):
    """A TLS 1.3 client whose records we hold in our hands: (socket, SSLObject, incoming, outgoing)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = _context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    end = time.monotonic() + 5
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            assert time.monotonic() < end, "handshake"
            data = sock.recv(65536)
            assert data, "closed during the handshake"
            incoming.write(data)
    sock.sendall(outgoing.read())  # the client's Finished
    return sock, obj, incoming, outgoing


def test_peer_closing_mid_record_closes_that_connection_only(srv):
    """Half an application-data record, then the client's FIN: the server closes that connection without
    an answer (the request never arrived whole), counts a TLS error, and serves the others."""
    port = srv.listener_ports["tls"]
    before = stats_now(srv, 1)
    sock, obj, incoming, outgoing = _memory_bio_client(port)
    obj.write(b"GET /baseline2?a=5&b=5 HTTP/1.1\r\nHost: x\r\n\r\n")
    record = outgoing.read()
    assert record[0] == 0x17 and len(record) > 40, record[:5]  # one application-data record
    sock.sendall(record[:len(record) // 2])
    with _tls(port) as other:  # served meanwhile
        _sum(other, 6, 6)
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(3)  # the server closes at once; 3 s is the bound
    rest = b""
    try:
        while chunk := sock.recv(65536):
            rest += chunk
    except ConnectionResetError:
        pass
    sock.close()
    # What came back decrypts to no plaintext: session tickets, maybe an alert, no answer.
    incoming.write(rest)
    incoming.write_eof()
    try:
        plain = obj.read(65536)  # b"": close_notify
    except (ssl.SSLWantReadError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
        plain = b""
    assert plain == b"", plain
    # (recv saw the server's FIN: a socket.timeout above would mean it kept the connection open)
    after = stats_now(srv, 1)
    assert after["requests"] - before["requests"] == 1, after  # the other connection's only


def test_a_tls_reader_that_stops_keeps_its_ciphertext_aside(srv):
    """A client with a small receive window pipelines 1000 requests for ~10 KB answers, one TLS
    record each, and reads nothing.  At
    the output cap the connection pauses: no more records are decrypted for HTTP/1.1, the ciphertext
    already received is kept aside (buffered_tls) rather than handed over and spilled as plaintext
    (buffered_input), and nothing else is parsed until the client reads; then every answer arrives."""
    port = srv.listener_ports["tls"]
    before = stats_now(srv, 1)
    request = b"GET /json/50?m=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)  # before connect: a small window
    raw.settimeout(5)
    raw.connect(("127.0.0.1", port))
    s = _context().wrap_socket(raw, server_hostname="localhost")
    s.setblocking(False)
    count, end = 0, time.monotonic() + 5
    while count < 1000 and time.monotonic() < end:
        try:
            s.send(request)  # one record per request
            count += 1
        except (ssl.SSLWantWriteError, BlockingIOError):
            time.sleep(0.01)
    try:
        # The kernel's buffers take a few MB first; then the connection stays paused: the count of
        # parsed requests stops moving.
        last, end = stats_now(srv, 1), time.monotonic() + 10
        while time.monotonic() < end:
            time.sleep(0.5)
            now = stats_now(srv, 1)
            if now["requests"] == last["requests"]:
                break
            last = now
        assert now["requests"] == last["requests"], "never paused"
        assert now["requests"] - before["requests"] < count, now  # not everything was parsed
        assert now["buffered_tls"] > 0, now  # received records kept aside, undecrypted
        assert now["buffered_input"] < 16384, now  # not decrypted and spilled as plaintext
        s.setblocking(True)
        s.settimeout(5)
        got, end = b"", time.monotonic() + 30
        while got.count(b"HTTP/1.1 200") < count and time.monotonic() < end:
            got += s.recv(1 << 20)
        assert got.count(b"HTTP/1.1 200") == count
    finally:
        s.close()
    done = stats_until(srv, 1, lambda st: st["buffered_tls"] == 0)
    assert done["buffered_tls"] == 0, done


def test_server_stop_sends_close_notify_to_idle_connections(tmp_path):
    """SIGTERM with idle keep-alive TLS connections open: each gets close_notify before the FIN, which a
    client can tell from a truncation (Python raises SSLEOFError on a FIN without it)."""
    server = start_server(tmp_path, name="tls_stop", extra_args=(*TLS_ARGS, "--workers", "1"))
    port = server.listener_ports["tls"]
    idle = [_tls(port) for _ in range(3)]
    for i, s in enumerate(idle):
        _sum(s, i, 1)
    server.proc.send_signal(15)
    for s in idle:
        s.settimeout(5)
        assert s.recv(100) == b""  # close_notify: an orderly end, not SSLEOFError
        s.close()
    stop_server(server, already_signalled=True)
