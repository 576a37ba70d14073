"""HTTP/2 answers as HTTP/1.1 does where the two used to differ (issue 15): a Date on every
response, files of a cache = "none" directory (read through the ring as flow control and
the output cap allow; 501 before), and request-body credit that follows consumption (a
stream whose body nobody takes any more gets no stream window back, the connection does).
Against tests/conformance/specs/h2_gaps.toml: HTTP/1.1 and h2c on one port."""

from __future__ import annotations

import email.utils
import http.client
import re
import shutil
import time

import pytest
from h2client import H2, DataFrame, HeadersFrame, RawH2, WindowUpdateFrame, h2
from hpack import Decoder

from conftest import DATA_ROOT, REPO_ROOT, build_spec_server, start_server, stop_server

SPEC = REPO_ROOT / "tests" / "conformance" / "specs" / "h2_gaps.toml"
IMF_FIXDATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                         r"\d{4} \d\d:\d\d:\d\d GMT$")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    root = tmp_path_factory.mktemp("h2-parity-root")
    shutil.copytree(DATA_ROOT / "static", root / "static")
    binary = build_spec_server(SPEC, tmp_path_factory.mktemp("h2-parity-build"))
    s = start_server(tmp_path_factory.mktemp("h2-parity"), name="h2-parity", binary=binary,
                     extra_args=("--data-root", str(root)))
    s.files = root / "static"
    yield s
    stop_server(s)


def h1(srv, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def h2_get(srv, path: str, method: str = "GET", headers: list | None = None, body: bytes = b"",
           settings: dict | None = None):
    c = H2(srv.port, settings=settings)
    try:
        return c.response(c.request(path, method, headers=headers, body=body), deadline=20)
    finally:
        c.close()


# ---- Date ------------------------------------------------------------------------------


@pytest.mark.parametrize("path,method,body,status", [("/static/logo.svg", "GET", b"", 200),
                                                     ("/small", "POST", b"7", 200),
                                                     ("/nope", "GET", b"", 404),
                                                     ("/disk/reset.css", "HEAD", b"", 200)])
def test_every_h2_response_carries_a_current_date(srv, path, method, body, status):
    got, headers, _ = h2_get(srv, path, method, body=body)
    assert got == status
    assert IMF_FIXDATE.match(headers.get("date", "")), headers
    sent = email.utils.parsedate_to_datetime(headers["date"]).timestamp()
    assert abs(sent - time.time()) < 5
    h1_headers = h1(srv, path, method, body=body or None)[1]
    assert IMF_FIXDATE.match(h1_headers["date"])  # the same field, from the same cache


# ---- files read from disk (cache = "none") ---------------------------------------------


@pytest.mark.parametrize("name", ["vendor.js", "header.html", "reset.css", "hero.webp"])
def test_disk_file_over_h2_is_the_file_and_matches_http1(srv, name):
    data = (srv.files / name).read_bytes()
    status, headers, body = h2_get(srv, f"/disk/{name}")
    assert (status, len(body)) == (200, len(data)) and body == data
    assert int(headers["content-length"]) == len(data)
    h1_status, h1_headers, h1_body = h1(srv, f"/disk/{name}")
    assert (h1_status, h1_body) == (200, data)
    for field in ("content-type", "etag", "last-modified", "accept-ranges"):
        assert headers.get(field) == h1_headers.get(field), field


def test_disk_file_over_h2_negotiates_its_precompressed_sibling(srv):
    status, headers, body = h2_get(srv, "/disk/vendor.js", headers=[("accept-encoding", "br")])
    assert status == 200 and headers["content-encoding"] == "br"
    assert body == (srv.files / "vendor.js.br").read_bytes()


def test_disk_range_conditional_head_and_missing_over_h2(srv):
    data = (srv.files / "app.js").read_bytes()
    status, headers, body = h2_get(srv, "/disk/app.js", headers=[("range", "bytes=100000-170000")])
    assert status == 206 and body == data[100000:170001]
    assert headers["content-range"] == f"bytes 100000-170000/{len(data)}"
    etag = h2_get(srv, "/disk/app.js", "HEAD")[1]["etag"]
    status, headers, body = h2_get(srv, "/disk/app.js", headers=[("if-none-match", etag)])
    assert (status, body) == (304, b"")
    status, headers, body = h2_get(srv, "/disk/app.js", "HEAD")
    assert (status, int(headers["content-length"]), body) == (200, len(data), b"")
    assert h2_get(srv, "/disk/nonexistent.js")[0] == 404


def test_disk_files_on_concurrent_streams_under_a_tiny_window(srv):
    """Several 200-300 KB files at once on one connection whose client grants 1,000-byte
    stream windows: each body arrives whole, paced by flow control."""
    names = ["vendor.js", "app.js", "components.css", "header.html"]
    c = H2(srv.port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1000})
    try:
        sids = {c.request(f"/disk/{n}"): n for n in names}
        c.until(lambda: all(c.ended(s) for s in sids), deadline=60)
        for sid, name in sids.items():
            status, _, body = c.response(sid, deadline=1)
            assert status == 200 and body == (srv.files / name).read_bytes(), name
    finally:
        c.close()


def test_a_stalled_disk_stream_does_not_hold_the_worker(srv):
    """A client that grants no window gets the head and no DATA; others are served."""
    c = H2(srv.port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    try:
        sid = c.request("/disk/vendor.js")
        c.until(lambda: any(isinstance(e, h2.events.ResponseReceived) for e in c.log), deadline=5)
        assert any(isinstance(e, h2.events.ResponseReceived) and e.stream_id == sid for e in c.log)
        assert h2_get(srv, "/disk/reset.css")[0] == 200
        assert h1(srv, "/disk/reset.css")[0] == 200
        assert not any(isinstance(e, h2.events.DataReceived) and e.stream_id == sid for e in c.log)
    finally:
        c.close()


# ---- request-body credit follows consumption -------------------------------------------


def test_a_refused_body_gets_no_more_stream_credit_but_the_connection_does(srv):
    """/small takes 1000 bytes: past them the 413 is decided. The client grants no window,
    so the 413's body cannot leave and the stream stays open; the 34 KB it keeps sending
    are nobody's, so no WINDOW_UPDATE for the stream (automatic credit gave one), while
    the connection's window comes back for other streams."""
    c = RawH2(srv.port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    try:
        c.send(c.headers(1, "/small", "POST", end_stream=False))
        c.send(DataFrame(1, data=b"1" * 2000))
        first = c.frames(until=lambda f: isinstance(f, HeadersFrame) and f.stream_id == 1)
        assert dict(Decoder().decode(first[-1].data))[":status"] == "413"
        c.send(DataFrame(1, data=b"1" * 16384), DataFrame(1, data=b"1" * 16384))
        later = c.frames(deadline=1.5)
        updates = [f for f in first + later if isinstance(f, WindowUpdateFrame)]
        assert not [f for f in updates if f.stream_id == 1], updates
        assert sum(f.window_increment for f in updates if f.stream_id == 0) >= 32768
    finally:
        c.close()


def test_a_body_answered_at_its_end_is_still_taken_whole(srv):
    """A 404 is answered when its request ends: its body, larger than every window, must
    keep getting credit until then (consumed and dropped)."""
    status, _, _ = h2_get(srv, "/nope", "POST", body=b"x" * 300_000)
    assert status == 404
    status, _, body = h2_get(srv, "/small", "POST", body=b" " * 900 + b"42")
    assert (status, body) == (200, b"42")
