"""ARENA.md §2.4/§3.8 (static): every validate.sh check on the arena server, then the
static-file semantics on both cache modes (specs/static_modes.toml: /static/ from memory,
/disk/ from disk): precompressed negotiation, HEAD, conditionals, ranges, traversal
attempts, symlinks, directories, pipelining and a file larger than the output queue."""

import gzip
import os
import shutil
import time

import brotli
import pytest

from conftest import (DATA_ROOT, REPO_ROOT, RawConn, build_spec_server, get, run_curl, start_server,
                      stop_server)

HERE = REPO_ROOT / "tests" / "conformance"
STATIC = DATA_ROOT / "static"
FILES = ["reset.css", "layout.css", "theme.css", "components.css", "utilities.css", "analytics.js",
         "helpers.js", "app.js", "vendor.js", "router.js", "header.html", "footer.html", "regular.woff2",
         "bold.woff2", "logo.svg", "icon-sprite.svg", "hero.webp", "thumb1.webp", "thumb2.webp",
         "manifest.json"]
BINARY = {"regular.woff2", "bold.woff2", "hero.webp", "thumb1.webp", "thumb2.webp"}
AE = b"Accept-Encoding: br;q=1, gzip;q=0.8\r\n"
SECRET = b"TOP-SECRET-OUTSIDE-THE-DIRECTORY"


def decode(resp):
    coding = resp.header("content-encoding")
    if coding is None:
        return resp.body
    return gzip.decompress(resp.body) if coding == "gzip" else brotli.decompress(resp.body)


# ---- the arena server: validate.sh ----------------------------------------------------

@pytest.mark.parametrize("name, types", [("reset.css", ["text/css"]),
                                         ("app.js", ["application/javascript", "text/javascript"]),
                                         ("manifest.json", ["application/json"])])
def test_validate_content_types(server, name, types):
    r = run_curl(server.url("/static/" + name))
    assert r.status == 200 and r.header("content-type") in types


@pytest.mark.parametrize("name", FILES)
def test_validate_plain_size(server, name):
    r = run_curl(server.url("/static/" + name))
    assert r.status == 200
    assert r.header("content-encoding") is None
    assert r.body == (STATIC / name).read_bytes()


def test_validate_compressed(server):
    compressed = 0
    for name in FILES:
        r = run_curl(server.url("/static/" + name), "--compressed")
        assert r.body == (STATIC / name).read_bytes()  # curl decoded it
        compressed += r.header("content-encoding") is not None
        assert (r.header("content-encoding") is None) == (name in BINARY)
    assert compressed == 15


def test_validate_404(server):
    assert run_curl(server.url("/static/nonexistent.txt")).status == 404


def test_bench_mix_gets_br_for_text(port):
    with RawConn(port) as c:
        for name in FILES:
            resp = c.request(get("/static/" + name, AE))
            assert resp.status == 200
            assert resp.header("content-encoding") == (None if name in BINARY else "br")
            if name not in BINARY:
                assert resp.header("vary") == "Accept-Encoding"
                assert resp.body == (STATIC / (name + ".br")).read_bytes()
            assert decode(resp) == (STATIC / name).read_bytes()


# ---- both modes, with fixtures ---------------------------------------------------------

@pytest.fixture(scope="module")
def modes(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "static_modes.toml", tmp_path_factory.mktemp("static-build"))
    root = tmp_path_factory.mktemp("static-root")
    shutil.copytree(STATIC, root / "static")
    (root / "secret.txt").write_bytes(SECRET)
    (root / "static" / "sub").mkdir()
    (root / "static" / "sub" / "inner.txt").write_bytes(b"inner file\n")
    (root / "static" / "big.bin").write_bytes(os.urandom(3 << 20))
    (root / "static" / ".hidden").write_bytes(SECRET)
    os.symlink("../secret.txt", root / "static" / "evil.txt")
    os.symlink(str(root / "secret.txt"), root / "static" / "evil-abs.txt")
    os.symlink("/etc", root / "static" / "etc")
    os.symlink("reset.css", root / "static" / "alias.css")
    for name, age in (("settled.txt", -3600), ("recent.txt", 3600)):  # If-Range by date: strong / weak
        (root / "static" / name).write_bytes(b"0123456789" * 10)
        stamp = time.time() + age  # recent: in the future, so "modified in the current second" for an hour
        os.utime(root / "static" / name, (stamp, stamp))
    srv = start_server(tmp_path_factory.mktemp("static"), name="static", extra_args=("--data-root", str(root)),
                       binary=binary)
    srv.root = root
    yield srv
    stop_server(srv)


PREFIXES = ["/static/", "/disk/"]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("accept, coding", [(None, None), ("gzip", "gzip"), ("br", "br"),
                                            ("br;q=0, gzip", "gzip"), ("identity", None),
                                            ("gzip;q=0.5, br;q=0.9", "br"), ("deflate", None)])
def test_negotiation(modes, prefix, accept, coding):
    extra = b"" if accept is None else b"Accept-Encoding: " + accept.encode() + b"\r\n"
    with modes.conn() as c:
        resp = c.request(get(prefix + "app.js", extra))
    assert resp.status == 200
    assert resp.header("content-encoding") == coding
    assert resp.header("vary") == "Accept-Encoding"
    assert decode(resp) == (STATIC / "app.js").read_bytes()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_head(modes, prefix):
    with modes.conn() as c:
        resp = c.request(get(prefix + "vendor.js", AE, method=b"HEAD"), method="HEAD")
        assert resp.status == 200
        assert int(resp.header("content-length")) == (STATIC / "vendor.js.br").stat().st_size
        assert c.request(get(prefix + "reset.css")).body == (STATIC / "reset.css").read_bytes()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_conditionals(modes, prefix):
    with modes.conn() as c:
        first = c.request(get(prefix + "theme.css"))
        etag, lm = first.header("etag"), first.header("last-modified")
        assert etag and lm
        for extra in (b"If-None-Match: " + etag.encode(), b"If-None-Match: W/" + etag.encode(),
                      b'If-None-Match: "x", ' + etag.encode(), b"If-None-Match: *",
                      b"If-Modified-Since: " + lm.encode()):
            resp = c.request(get(prefix + "theme.css", extra + b"\r\n"))
            assert resp.status == 304, extra
            assert resp.header("etag") == etag
        for extra in (b'If-None-Match: "nope"', b"If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT",
                      b"If-Modified-Since: garbage"):
            resp = c.request(get(prefix + "theme.css", extra + b"\r\n"))
            assert resp.status == 200 and resp.body == (STATIC / "theme.css").read_bytes(), extra
        # the br representation has a tag of its own
        br = c.request(get(prefix + "theme.css", AE))
        assert br.header("etag") != etag
        assert c.request(get(prefix + "theme.css", AE + b"If-None-Match: " + etag.encode() + b"\r\n")).status == 200


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("spec, start, end", [("0-9", 0, 9), ("100-", 100, 8191), ("-10", 8182, 8191),
                                              ("8000-99999", 8000, 8191), ("8191-8191", 8191, 8191)])
def test_range(modes, prefix, spec, start, end):
    data = (STATIC / "reset.css").read_bytes()
    with modes.conn() as c:
        resp = c.request(get(prefix + "reset.css", b"Range: bytes=" + spec.encode() + b"\r\n"))
    assert resp.status == 206
    assert resp.header("content-range") == f"bytes {start}-{end}/{len(data)}"
    assert resp.body == data[start:end + 1]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_range_edge_cases(modes, prefix):
    data = (STATIC / "reset.css").read_bytes()
    with modes.conn() as c:
        for spec in (b"bytes=8192-", b"bytes=9000-9999", b"bytes=-0"):
            resp = c.request(get(prefix + "reset.css", b"Range: " + spec + b"\r\n"))
            assert resp.status == 416, spec
            assert resp.header("content-range") == f"bytes */{len(data)}"
        for spec in (b"bytes=0-1, 5-6", b"items=0-1", b"bytes=5-1", b"bytes=x-"):
            resp = c.request(get(prefix + "reset.css", b"Range: " + spec + b"\r\n"))
            assert resp.status == 200 and resp.body == data, spec
        etag = c.request(get(prefix + "reset.css")).header("etag")
        ok = c.request(get(prefix + "reset.css", b"Range: bytes=0-3\r\nIf-Range: " + etag.encode() + b"\r\n"))
        assert ok.status == 206 and ok.body == data[:4]
        stale = c.request(get(prefix + "reset.css", b'Range: bytes=0-3\r\nIf-Range: "old"\r\n'))
        assert stale.status == 200 and stale.body == data


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("unit", [b"Bytes", b"BYTES", b"bYtEs"])
def test_range_unit_is_case_insensitive(modes, prefix, unit):
    data = (STATIC / "reset.css").read_bytes()
    with modes.conn() as c:
        resp = c.request(get(prefix + "reset.css", b"Range: " + unit + b"=0-1\r\n"))
    assert (resp.status, resp.header("content-range"), resp.body) == (206, f"bytes 0-1/{len(data)}", data[:2])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_if_range_date_matches_only_a_strong_last_modified(modes, prefix):
    """RFC 9110 §13.1.5: a date in If-Range holds only for a strong validator; a Last-Modified
    in the current second (or later) is weak (§8.8.2.2), so the whole file is sent."""
    with modes.conn() as c:
        for name, strong in (("settled.txt", True), ("recent.txt", False)):
            date = c.request(get(prefix + name)).header("last-modified")
            resp = c.request(get(prefix + name, b"Range: bytes=0-3\r\nIf-Range: " + date.encode() + b"\r\n"))
            if strong:
                assert (resp.status, resp.body) == (206, b"0123"), name
            else:
                assert (resp.status, resp.body) == (200, b"0123456789" * 10), name
            weak_tag = b"W/" + c.request(get(prefix + name)).header("etag").encode()  # never matches If-Range
            resp = c.request(get(prefix + name, b"Range: bytes=0-3\r\nIf-Range: " + weak_tag + b"\r\n"))
            assert resp.status == 200, name


TRAVERSALS = ["../secret.txt", "..%2fsecret.txt", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt",
              "sub/../../secret.txt", "sub/%2e%2e/%2e%2e/secret.txt", "..\\secret.txt", "..%5csecret.txt",
              "%2fetc%2fpasswd", "/etc/passwd", "//etc/passwd", "evil.txt", "evil-abs.txt", "etc/passwd",
              "etc/hostname", "reset.css%00.js", "reset.css\x00", ".hidden", "%2ehidden", "./reset.css",
              "sub/./inner.txt", "sub//inner.txt", "%", "%zz", "%2", "sub/", "sub", ".", "..", ""]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_never_leaks(modes, prefix, path):
    with modes.conn() as c:
        c.send(b"GET " + (prefix + path).encode("latin-1") + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            resp = c.read_response()
        except AssertionError:
            return  # the parser refused the request line outright: nothing served
    assert resp.status in (400, 404), path
    assert SECRET not in resp.body and b"root:" not in resp.body


@pytest.mark.parametrize("prefix", PREFIXES)
def test_inside_links_and_subdirs(modes, prefix):
    with modes.conn() as c:
        assert c.request(get(prefix + "alias.css")).body == (STATIC / "reset.css").read_bytes()
        assert c.request(get(prefix + "sub/inner.txt")).body == b"inner file\n"
        assert c.request(get(prefix + "sub%2finner.txt")).status == 400  # encoded slash
        assert c.request(get(prefix + "reset%2ecss")).body == (STATIC / "reset.css").read_bytes()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_pipelined_and_large(modes, prefix):
    big = (modes.root / "static" / "big.bin").read_bytes()
    names = ["reset.css", "big.bin", "manifest.json", "vendor.js", "big.bin", "thumb2.webp"]
    with modes.conn(timeout=10) as c:
        c.send(b"".join(get(prefix + n) for n in names))
        for n in names:
            resp = c.read_response(deadline=20)
            want = big if n == "big.bin" else (STATIC / n).read_bytes()
            assert resp.status == 200 and resp.body == want, n
        assert c.request(get("/ok")).body == b"ok"


def test_post_is_405(modes):
    with modes.conn() as c:
        resp = c.request(b"POST /static/reset.css HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert resp.status == 405
