"""Connection lifecycle under clients that stop reading, half-close, or pipeline behind a
streamed file (issue 13 items 1-3 and half-close).

stuck closing: clients pipeline large responses, never read, and the write timeout
aborts them.  Every slot must close (fds back to baseline, no CLOSING slot left in the
--stats states), and SIGTERM must exit within the server's grace period.

half-close: a client pipelines requests, shuts down its write side and reads.  Every
request received before the FIN is answered, in order, and the connection ends with a
FIN, not a reset (nc, `printf ... | nc` and friends rely on it), even when the responses
outrun the socket buffer (ring sends completing with -EAGAIN) and the output cap.

file then pipeline: a 20 MB file from disk (cache = "none") followed at once by 70 KB of
pipelined requests.  The file body must arrive byte-exact, with no response interleaved
in it, and then every request behind it is answered in order."""

import random
import re
import socket
import threading
import time

import pytest

from conftest import conformance, report, scaled
from clients import take_responses

JSON_REQ = b"GET /json/50?m=1 HTTP/1.1\r\nHost: s\r\n\r\n"
COUNT_RE = re.compile(rb'"count":(\d+)}$')


def send_all_bounded(sock, data, seconds):
    """Sends what the server will take within `seconds` (it may stop reading)."""
    sock.settimeout(0.2)
    sent, end = 0, time.monotonic() + seconds
    while sent < len(data) and time.monotonic() < end:
        try:
            sent += sock.send(data[sent:sent + 65536])
        except socket.timeout:
            continue
    return sent


def read_until_eof(sock, seconds, limit):
    """Everything until EOF; (bytes, error or None)."""
    sock.settimeout(seconds)
    buf = bytearray()
    end = time.monotonic() + seconds
    try:
        while len(buf) < limit and time.monotonic() < end:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return bytes(buf), None
            buf += chunk
        return bytes(buf), "no EOF within bounds"
    except OSError as e:
        return bytes(buf), repr(e)


# --------------------------------------------------------------------------
# Item 1: a connection aborted while its send is in flight must still close


def test_write_timeout_closes_every_slot(stressed):
    srv = stressed("--write-timeout", "1", workers=1)
    clients = []
    for _ in range(3):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        s.connect(("127.0.0.1", srv.port))
        clients.append(s)
    for s in clients:
        send_all_bounded(s, JSON_REQ * 1500, 1.0)
    # Never read: each stalls at its output cap, the write timeout (1 s) aborts it.
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        st = srv.stats()
        if st["timeouts_write"] >= 3:
            break
        time.sleep(0.2)
    assert st["timeouts_write"] == 3, st
    time.sleep(0.5)  # the abort's cancel and close complete within a loop iteration or two
    during = srv.stats()
    for s in clients:
        s.close()
    st, fds = srv.wait_quiet(timeout=5)
    report("stuck_closing", timeouts_write=st["timeouts_write"], open_while_clients_exist=during["open"],
           closing_while_clients_exist=during.get("conns_closing"), open_after=st["open"],
           fds_after=fds, fds_before=srv.fds_before)
    assert during["open"] == 0, during  # closed while the clients still exist
    assert st["open"] == 0 and st["conns_closing"] == 0, st
    assert fds == srv.fds_before, (fds, srv.fds_before)
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 5.5  # the server's stop grace is at most 5 s


def test_sigterm_with_stalled_readers_exits_within_grace(stressed):
    """The same stalled clients, but SIGTERM arrives while they still hold their slots: the
    stop's deadline aborts them, and every abort must reach its close."""
    srv = stressed("--write-timeout", "30", workers=1)
    clients = []
    for _ in range(3):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", srv.port))
        clients.append(s)
    for s in clients:
        send_all_bounded(s, JSON_REQ * 1500, 1.0)
    time.sleep(0.3)
    t0 = time.monotonic()
    try:
        srv.stop()
    finally:
        for s in clients:
            s.close()
    took = time.monotonic() - t0
    report("sigterm_stalled", exit_seconds=round(took, 2))
    assert took < 5.5, took


# --------------------------------------------------------------------------
# Item 2 and half-close: everything received before the FIN is answered


def json_count(body):
    m = COUNT_RE.search(body)
    return int(m.group(1)) if m else None


# (SO_RCVBUF or 0 for the default, bytes per read, pause after each read in s): readers
# whose socket buffer fills at different rates, which is what makes the kernel hand a
# partly sent ring send to its io-wq worker (and, on a non-blocking socket, complete it
# with -EAGAIN).
READERS = [(0, 1 << 20, 0), (4096, 1 << 20, 0), (4096, 4096, 0.0005), (16384, 2048, 0.0005)]
STATIC_FIRST = b"GET /static/reset.css HTTP/1.1\r\nHost: s\r\n\r\n"


def pipeline_and_half_close(port, first, requests, rcvbuf, chunk, pause, out):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    payload = first + JSON_REQ * requests

    def send():
        send_all_bounded(s, payload, 20)
        s.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    s.settimeout(scaled(30, 60))
    buf, err, end = bytearray(), None, time.monotonic() + scaled(30, 60)
    try:
        while time.monotonic() < end:
            data = s.recv(chunk)
            if not data:
                break
            buf += data
            if pause:
                time.sleep(pause)
        else:
            err = "no EOF within bounds"
    except OSError as e:
        err = repr(e)
    sender.join(5)
    s.close()
    got, rest = take_responses(bytes(buf))
    if first:
        got = got[1:] if got and got[0][0] == 200 and len(got[0][1]) == 8192 else [(0, b"no static")]
    out.append({"responses": len(got), "error": err, "rest": len(rest),
                "all_json_50": all(status == 200 and json_count(body) == 50 for status, body in got)})


@pytest.mark.parametrize("first", [b"", STATIC_FIRST], ids=["ring-only", "after-sendfile"])
def test_pipeline_then_half_close_gets_every_response(stressed, first):
    """Item 2: 1500 pipelined /json/50 then shutdown(SHUT_WR), by readers of mixed speeds.
    after-sendfile: a static file first, sent by sendfile, which leaves the socket
    non-blocking, so ring sends on it can complete with -EAGAIN and must be retried."""
    srv = stressed(workers=1)
    requests, out = 1500, []
    clients = [threading.Thread(target=pipeline_and_half_close, args=(srv.port, first, requests, *rd, out),
                                daemon=True) for rd in READERS]
    for t in clients:
        t.start()
    for t in clients:
        t.join(scaled(40, 70))
    st = srv.stats()
    report("half_close_pipeline", variant="after-sendfile" if first else "ring-only",
           responses=[o["responses"] for o in out], errors=[o["error"] for o in out if o["error"]],
           send_again=st.get("send_again"), recv_again=st.get("recv_again"))
    assert len(out) == len(READERS)
    for o in out:
        assert o["error"] is None and o["rest"] == 0 and o["responses"] == requests, o
        assert o["all_json_50"], o
    srv.stop()


# --------------------------------------------------------------------------
# Item 3: nothing is written into a streamed file body


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("lifecycle-root")
    (root / "static").mkdir()
    (root / "static" / "big.bin").write_bytes(random.Random(13).randbytes(20 << 20))
    return root


@pytest.fixture(scope="module")
def static_binary(tmp_path_factory):
    spec = conformance.REPO_ROOT / "tests" / "conformance" / "specs" / "static_modes.toml"
    return conformance.build_spec_server(spec, tmp_path_factory.mktemp("lifecycle-build"))


def test_pipeline_behind_streamed_file(tmp_path, static_root, static_binary):
    srv = conformance.start_server(tmp_path, name="lifecycle-static", binary=static_binary,
                                   extra_args=("--data-root", str(static_root), "--workers", "1"))
    try:
        body = (static_root / "static" / "big.bin").read_bytes()
        ok = b"GET /ok HTTP/1.1\r\nHost: s\r\n\r\n"
        n_ok = 70 * 1024 // len(ok)
        payload = b"GET /disk/big.bin HTTP/1.1\r\nHost: s\r\n\r\n" + ok * n_ok
        s = socket.create_connection(("127.0.0.1", srv.port))
        # Sent from a thread: the server may stop reading while the file streams.
        sender = threading.Thread(target=lambda: (send_all_bounded(s, payload, 30),
                                                  s.shutdown(socket.SHUT_WR)), daemon=True)
        sender.start()
        data, err = read_until_eof(s, scaled(30, 60), len(body) + 1024 * 1024)
        sender.join(5)
        s.close()
        head_end = data.find(b"\r\n\r\n") + 4
        assert data.startswith(b"HTTP/1.1 200 ") and head_end > 4
        assert int(re.search(rb"(?im)^content-length: *(\d+)", data[:head_end]).group(1)) == len(body)
        got_body = data[head_end:head_end + len(body)]
        if got_body != body:
            at = next(i for i in range(min(len(got_body), len(body))) if got_body[i] != body[i]) \
                if len(got_body) == len(body) else len(got_body)
            report("file_then_pipeline", corrupt_at=at, excerpt=got_body[at:at + 30])
        assert got_body == body, "file body differs (a response was written into it, or it was cut)"
        got, rest = take_responses(data[head_end + len(body):])
        report("file_then_pipeline", ok_requests=n_ok, ok_answered=len(got), error=err)
        assert err is None and rest == b""
        assert got == [(200, b"ok")] * n_ok
    finally:
        conformance.stop_server(srv)


def test_half_close_behind_streamed_file(tmp_path, static_root, static_binary):
    """`printf 'GET /disk/big.bin ...GET /ok ...' | nc`: the request behind the file was
    received before the FIN and must be answered, after the whole file."""
    srv = conformance.start_server(tmp_path, name="lifecycle-halfclose", binary=static_binary,
                                   extra_args=("--data-root", str(static_root), "--workers", "1"))
    try:
        body = (static_root / "static" / "big.bin").read_bytes()
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"GET /disk/big.bin HTTP/1.1\r\nHost: s\r\n\r\nGET /ok HTTP/1.1\r\nHost: s\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        data, err = read_until_eof(s, scaled(30, 60), len(body) + 4096)
        s.close()
        got, rest = take_responses(data)
        report("half_close_file", responses=len(got), error=err)
        assert err is None and rest == b""
        assert [status for status, _ in got] == [200, 200]
        assert got[0][1] == body and got[1][1] == b"ok"
    finally:
        conformance.stop_server(srv)
