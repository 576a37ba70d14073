"""A file served from disk (cache = "none") is described by one snapshot (issue 21): the
fstat taken at the head decides status, Content-Length, Content-Range, ETag and
Last-Modified, even when the body of a GET (here one byte the client holds back) delays
the answer while the file changes; a file that no longer matches the snapshot when its
last byte is read ends the connection, so no client or cache gets a complete-looking
response of the wrong length or under the wrong validator."""

import shutil
import socket
import time

import pytest

from conftest import DATA_ROOT, REPO_ROOT, RawConn, build_spec_server, start_server, stop_server

SPEC = REPO_ROOT / "tests" / "conformance" / "specs" / "static_modes.toml"  # /disk/: cache = "none"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    root = tmp_path_factory.mktemp("snapshot-root")
    shutil.copytree(DATA_ROOT / "static", root / "static")
    binary = build_spec_server(SPEC, tmp_path_factory.mktemp("snapshot-build"))
    s = start_server(tmp_path_factory.mktemp("snapshot"), name="snapshot", binary=binary,
                     extra_args=("--data-root", str(root)))
    s.files = root / "static"
    yield s
    stop_server(s)


def head_and_body(raw: bytes):
    """(status, {name: value}, body) of what arrived; (None, {}, b"") when no head did."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return None, {}, b""
    lines = head.decode("latin-1").split("\r\n")
    fields = dict((k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
    return int(lines[0].split()[1]), fields, body


def everything(conn: RawConn, deadline: float = 3.0) -> bytes:
    """What the server sends until it closes (a reset ends it too)."""
    try:
        return conn.read_until_eof(deadline)
    except ConnectionResetError:
        return bytes(conn.buf)


def held_get(srv, name: str, change, extra: bytes = b"") -> tuple:
    """GET with a one-byte body held back until change() has run on the file."""
    with RawConn(srv.port) as conn:
        conn.send(f"GET /disk/{name} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n".encode() + extra + b"\r\n")
        time.sleep(0.3)  # the head is resolved (file opened and measured) as soon as it arrives
        change(srv.files / name)
        conn.send(b"x")
        conn.sock.shutdown(socket.SHUT_WR)
        return head_and_body(everything(conn))


def plain_get(srv, name: str) -> tuple:
    with RawConn(srv.port) as conn:
        conn.send(f"GET /disk/{name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        return head_and_body(everything(conn))


def test_a_file_growing_under_a_held_request_is_never_sent_whole_under_a_new_etag(srv):
    path = srv.files / "grow.txt"
    path.write_bytes(b"a" * 100)
    status, fields, body = plain_get(srv, "grow.txt")
    assert (status, fields["content-length"], body) == (200, "100", b"a" * 100)
    old_etag = fields["etag"]

    def grow(p):
        with open(p, "ab") as f:  # the same inode the server holds open
            f.write(b"b" * 100)

    status, fields, body = held_get(srv, "grow.txt", grow)
    if status is not None:  # the head describes the file as it was measured ...
        assert (status, fields["content-length"], fields["etag"]) == (200, "100", old_etag)
    assert len(body) < 100  # ... and the connection ends before a whole body: nothing to cache
    # the grown file, asked again, is described by its own snapshot
    status, fields, body = plain_get(srv, "grow.txt")
    assert (status, fields["content-length"], body) == (200, "200", b"a" * 100 + b"b" * 100)
    assert fields["etag"] != old_etag


def test_a_file_shrinking_under_a_held_range_request_keeps_one_content_range(srv):
    path = srv.files / "shrink.txt"
    path.write_bytes(bytes(range(100)))

    def shrink(p):
        with open(p, "r+b") as f:
            f.truncate(10)

    status, fields, body = held_get(srv, "shrink.txt", shrink, b"Range: bytes=50-\r\n")
    if status is not None:
        assert status == 206
        assert fields["content-range"] == "bytes 50-99/100"  # never 50-99/10
        assert fields["content-length"] == "50"
    assert len(body) < 50
    status, fields, body = plain_get(srv, "shrink.txt")
    assert (status, body) == (200, bytes(range(10)))


def test_an_unchanged_file_behind_a_held_body_is_served_whole(srv):
    path = srv.files / "still.txt"
    path.write_bytes(b"s" * 300)
    status, fields, body = held_get(srv, "still.txt", lambda p: None, b"Range: bytes=100-\r\n")
    assert (status, fields["content-range"], body) == (206, "bytes 100-299/300", b"s" * 200)
