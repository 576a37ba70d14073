"""HTTP/2 with real clients (Debian's curl, nghttp, h2load from nghttp2-client): prior
knowledge on the h2c listener and on the mixed one, bounded load with zero failures, and
the same answers as HTTP/1.1 for the routes of spec/arena.toml."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import run_curl

H2C = "--http2-prior-knowledge"


@pytest.fixture(scope="module")
def h2port(server):
    if "h2c" not in server.listener_ports:
        pytest.skip("the server under test has no h2c listener")
    return server.listener_ports["h2c"]


def need(tool: str) -> None:
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed (scripts/install-deps.sh test installs nghttp2-client)")


def curl_version(url: str, *args: str) -> tuple:
    p = subprocess.run(["curl", "-s", "--max-time", "5", "-o", "-", "-w", "\n%{http_version} %{http_code}", *args, url],
                       capture_output=True, timeout=10)
    body, _, tail = p.stdout.rpartition(b"\n")
    return tail.decode(), body


@pytest.mark.parametrize("which", ["h2c", "main"])
def test_curl_prior_knowledge(server, h2port, which):
    port = h2port if which == "h2c" else server.port
    tail, body = curl_version(f"http://127.0.0.1:{port}/baseline2?a=13&b=42", H2C)
    assert (tail, body) == ("2 200", b"55")


def test_curl_http1_on_the_h2c_port_gets_no_200(h2port):
    tail, _ = curl_version(f"http://127.0.0.1:{h2port}/baseline2?a=1&b=1", "--http1.1")
    assert not tail.endswith(" 200")


@pytest.mark.parametrize("path,args", [
    ("/json/7?m=3", ()),
    ("/json/7?m=3", ("-H", "Accept-Encoding: br", "--compressed")),
    ("/baseline11?a=1&b=2", ("--data-binary", "40")),
    ("/upload", ("--data-binary", "@/dev/stdin")),
    ("/baseline11?a=1&b=2", ("-X", "PUT")),
    ("/baseline2?a=1", ()),
    ("/static/reset.css", ()),
    ("/static/app.js", ("-H", "Accept-Encoding: br")),
    ("/static/app.js", ()),  # 200 KiB: NO_COPY DATA from the memfd-backed buffer
    ("/static/reset.css", ("-H", "Range: bytes=10-99")),
    ("/static/nonexistent.txt", ()),
    # Wider parity (issue 15 step 3): every kind of answer spec/arena.toml gives.
    ("/pipeline", ()),
    ("/json/0?m=1", ()),
    ("/json/50?m=7", ()),
    ("/json/7?m=3", ("-H", "Accept-Encoding: gzip", "--compressed")),
    ("/json/7?m=3", ("-H", "Accept-Encoding: br;q=0, gzip;q=0")),
    ("/json/x?m=1", ()),
    ("/json/7?m=3", ("-X", "DELETE")),
    ("/baseline2?a=x&b=1", ()),
    ("/baseline2?a=99999999999999999999&b=1", ()),
    ("/baseline2?a=1&b=2&a=3", ()),
    ("/baseline11?a=1&b=2", ("--data-binary", "2x")),
    ("/baseline11?a=1&b=2", ("--data-binary", "-7")),
    ("/upload", ("--data-binary", "")),
    ("/upload", ("-X", "GET")),
    ("/static/app.js", ("-H", "Accept-Encoding: gzip")),
    ("/static/reset.css", ("-H", "Range: bytes=999999-")),
    ("/static/reset.css", ("-H", "Range: bytes=-100")),
    ("/static/reset.css", ("-H", "If-Modified-Since: Sun, 06 Nov 2044 08:49:37 GMT")),
    ("/static/%2e%2e/spec/arena.toml", ()),
    ("/static/hero.webp", ("-H", "Accept-Encoding: br")),
    ("/nope", ("-X", "POST", "--data-binary", "123")),
])
def test_same_answer_as_http1(server, h2port, path, args):
    """Conformance parity: status, Content-Type, Content-Encoding and body over h2 equal the
    HTTP/1.1 answer (static files: by reference from memory over h2)."""
    stdin = b"y" * 100_000 if "@/dev/stdin" in args else None

    def fetch(*extra):
        p = subprocess.run(["curl", "-s", "--max-time", "8", "-D", "-", "-o", "/dev/stderr", *extra, *args,
                            f"http://127.0.0.1:{server.port}{path}" if not extra else
                            f"http://127.0.0.1:{h2port}{path}"], input=stdin, capture_output=True, timeout=12)
        head = p.stdout.decode("latin-1").lower()
        status = int(re.search(r"^http/[\d.]+ (\d+)", head, re.M)[1])
        fields = {k: v.strip() for k, v in re.findall(r"^(content-type|content-encoding): (.*)$", head, re.M)}
        return status, fields, p.stderr

    h1 = fetch()
    h2 = fetch(H2C)
    assert h2 == h1


def test_nghttp_verbose_exchange(h2port):
    need("nghttp")
    p = subprocess.run(["nghttp", "-nv", f"http://127.0.0.1:{h2port}/baseline2?a=20&b=22"], capture_output=True,
                       text=True, timeout=15)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "recv SETTINGS frame" in out and "(niv=5)" in out
    assert "[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128]" in out
    assert ":status: 200" in out


def h2load(*args: str) -> dict:
    need("h2load")
    p = subprocess.run(["h2load", *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", p.stdout)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", p.stdout)
    keys = ("total", "started", "done", "succeeded", "failed", "errored", "timeout")
    return dict(zip(keys, map(int, m.groups()))) | {"2xx": int(codes[1])}


def test_h2load_baseline_no_failures(h2port):
    r = h2load("-n", "40000", "-c", "8", "-m", "100", "-t", "1", f"http://127.0.0.1:{h2port}/baseline2?a=1&b=1")
    assert r["succeeded"] == r["2xx"] == 40000 and r["failed"] == r["errored"] == r["timeout"] == 0


def test_h2load_json_uris_no_failures(h2port, tmp_path):
    uris = tmp_path / "uris.txt"
    pairs = [(1, 1), (5, 2), (10, 3), (15, 4), (25, 5), (40, 6), (50, 7)]  # the json-h2c set (ARENA.md §3.15)
    uris.write_text("".join(f"http://127.0.0.1:{h2port}/json/{c}?m={m}\n" for c, m in pairs))
    r = h2load("-n", "7000", "-c", "4", "-m", "32", "-t", "1", "-i", str(uris))
    assert r["succeeded"] == r["2xx"] == 7000 and r["failed"] == r["errored"] == r["timeout"] == 0


def test_h2load_on_the_mixed_listener(server):
    r = h2load("-n", "5000", "-c", "4", "-m", "50", "-t", "1", f"http://127.0.0.1:{server.port}/baseline2?a=1&b=1")
    assert r["succeeded"] == r["2xx"] == 5000 and r["failed"] == 0


def test_static_conditional_and_head(h2port):
    p = subprocess.run(["curl", "-s", H2C, "-D", "-", "-o", "/dev/null", f"http://127.0.0.1:{h2port}/static/reset.css"],
                       capture_output=True, text=True, timeout=10)
    etag = re.search(r"^etag: (.*)$", p.stdout, re.M)[1].strip()
    tail, body = curl_version(f"http://127.0.0.1:{h2port}/static/reset.css", H2C, "-H", f"If-None-Match: {etag}")
    assert (tail, body) == ("2 304", b"")
    tail, body = curl_version(f"http://127.0.0.1:{h2port}/static/reset.css", H2C, "-I")
    assert tail == "2 200" and b"content-length: 8192" in body.lower()


def test_http1_keeps_working_beside_h2(server):
    r = run_curl(server.url("/baseline11?a=13&b=42"))
    assert (r.status, r.body) == (200, b"55")
