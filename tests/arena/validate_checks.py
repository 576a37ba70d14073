"""HttpArena validate.sh check blocks, as ARENA.md §3.1-3.8 and §4 describe them.

Each block runs its checks the way validate.sh does (curl with the same options for the
curl checks, a raw socket for the fragmentation checks) and records PASS/FAIL into a
Results. Multi-case checks count once, as in validate.sh (§4.2). The blocks run in
validate.sh's order (§4.1 step 6).
"""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CURL_TIMEOUT = "30"  # validate.sh: curl -s --max-time 30

# §2.4: the 20 served files, in static-rotate.lua order.
STATIC_FILES = (
    "reset.css", "layout.css", "theme.css", "components.css", "utilities.css", "analytics.js",
    "helpers.js", "app.js", "vendor.js", "router.js", "header.html", "footer.html", "regular.woff2",
    "bold.woff2", "logo.svg", "icon-sprite.svg", "hero.webp", "thumb1.webp", "thumb2.webp",
    "manifest.json",
)


class Results:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.passed = 0
        self.failed = 0

    def record(self, label: str, ok: bool | None, detail: str = "") -> None:
        """ok None = SKIP (validate.sh counts neither)."""
        if ok is None:
            print(f"  SKIP [{self.prefix}] {label}: {detail}")
        elif ok:
            self.passed += 1
            print(f"  PASS [{self.prefix}] {label}")
        else:
            self.failed += 1
            print(f"  FAIL [{self.prefix}] {label}: {detail}")


# -- helpers with validate.sh's semantics (§4.2) ------------------------------------------


def _curl(args: list, stdin: bytes | None = None, max_time: str = CURL_TIMEOUT) -> bytes:
    result = subprocess.run(["curl", "-s", "--max-time", max_time, *args], input=stdin,
                            capture_output=True, timeout=float(max_time) + 10)
    return result.stdout


def check(r: Results, base: str, label: str, expected: str, path: str, *args: str,
          stdin: bytes | None = None, max_time: str = CURL_TIMEOUT) -> None:
    """`check`: curl -s -D- ..., the last line of headers+body compared with expected.
    The shell's $(...) drops trailing newlines, so one trailing \\n passes and \\r fails."""
    out = _curl(["-D-", *args, base + path], stdin, max_time).decode("latin-1").rstrip("\n")
    last = out.split("\n")[-1]
    r.record(label, last == expected, f"expected {expected!r}, got {last[:80]!r}")


def headers_of(base: str, path: str, *args: str) -> list:
    """Response header lines (curl -s -D- -o /dev/null), last response only."""
    raw = _curl(["-D-", "-o", "/dev/null", *args, base + path]).decode("latin-1")
    blocks = [b for b in raw.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return blocks[-1].split("\n")[1:] if blocks else []


def header_value(lines: list, name: str) -> str | None:
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name.lower():
            return value.strip()
    return None


def check_header(r: Results, base: str, label: str, name: str, expected: str, path: str,
                 *args: str) -> None:
    """`check_header`: first matching line; value equal or `value;params`; text/javascript
    counts as application/javascript."""
    value = header_value(headers_of(base, path, *args), name)
    norm = (value or "").replace("text/javascript", "application/javascript").lower()
    want = expected.lower()
    ok = value is not None and (norm == want or norm.replace(" ", "").startswith(want + ";"))
    r.record(label, ok, f"{name}: expected {expected!r}, got {value!r}")


def check_status(r: Results, base: str, label: str, expected: int, path: str, *args: str) -> None:
    code = _curl(["-o", "/dev/null", "-w", "%{http_code}", *args, base + path]).decode()
    r.record(label, code == str(expected), f"expected status {expected}, got {code!r}")


def check_fragmented(r: Results, port: int, label: str, pieces: list, expected: str) -> None:
    """`check_fragmented`: raw socket, TCP_NODELAY, 30 ms between writes, read to EOF (5 s
    socket timeout), body by chunked / Content-Length / remainder, stripped."""
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i, piece in enumerate(pieces):
                if i:
                    time.sleep(0.03)
                s.sendall(piece)
            for _ in range(10000):  # bounded: a response is far smaller than 10000 reads
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        if not data:
            r.record(label, False, f"socket: {exc}")
            return
    head, _, rest = data.partition(b"\r\n\r\n")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        fields.setdefault(k.strip().lower(), v.strip())
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        body = b""
        for _ in range(1000):
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            body, rest = body + rest[:size], rest[size + 2:]
    elif b"content-length" in fields:
        body = rest[: int(fields[b"content-length"])]
    else:
        body = rest
    got = body.decode("latin-1").strip()
    r.record(label, got == expected, f"expected {expected!r}, got {got!r}")


# -- blocks -------------------------------------------------------------------------------


def baseline(r: Results, base: str, port: int) -> None:
    """§3.1 (runs for baseline, limited-conn, api-4, api-16)."""
    q = "/baseline11?a=13&b=42"
    check(r, base, "GET /baseline11", "55", q)
    check(r, base, "POST /baseline11 body", "75", q, "-X", "POST", "-H", "Content-Type: text/plain", "-d", "20")
    check(r, base, "POST /baseline11 chunked", "75", q, "-X", "POST", "-H", "Content-Type: text/plain",
          "-H", "Transfer-Encoding: chunked", "-d", "20")
    check_header(r, base, "GET Content-Type", "Content-Type", "text/plain", q)
    check_header(r, base, "POST Content-Type", "Content-Type", "text/plain", q, "-X", "POST",
                 "-H", "Content-Type: text/plain", "-d", "20")
    a, b = random.randint(100, 999), random.randint(100, 999)
    check(r, base, "anti-cheat random query", str(a + b), f"/baseline11?a={a}&b={b}")
    for n in (1, 2):
        body = random.randint(100, 999)
        check(r, base, f"anti-cheat random body {n}", str(55 + body), q, "-X", "POST",
              "-H", "Content-Type: text/plain", "-d", str(body))
    post = (b"POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 2\r\nConnection: close\r\n\r\n")
    check_fragmented(r, port, "fragmented request line", [
        b"GET /baseli", b"ne11?a=13&b=42 HTTP/1.1\r\n", b"Host: localhost\r\nConnection: close\r\n\r\n"], "55")
    check_fragmented(r, port, "fragmented headers", [
        b"GET /baseline11?a=13&b=42 HTTP/1.1\r\n", b"Host: localhost\r\n", b"User-Agent: arena-frag/1.0\r\n",
        b"Connection: close\r\n\r\n"], "55")
    check_fragmented(r, port, "fragmented body", [post, b"20"], "75")
    check_fragmented(r, port, "body byte by byte", [post, b"2", b"0"], "75")


def pipelined(r: Results, base: str) -> None:
    """§3.2."""
    check(r, base, "GET /pipeline", "ok", "/pipeline")
    check_header(r, base, "pipeline Content-Type", "Content-Type", "text/plain", "/pipeline")


def _json_cases(base: str, pairs: list, *args: str) -> tuple:
    """Count/total checks of §3.4 over several (count, m); (ok, detail) for all of them."""
    for count, m in pairs:
        raw = _curl([*args, f"{base}/json/{count}?m={m}"])
        try:
            doc = json.loads(raw)
            items = doc["items"]
            if doc["count"] != count or len(items) != count:
                return False, f"/json/{count}?m={m}: count {doc['count']}, {len(items)} items"
            for it in items:
                if "total" not in it or it["total"] != it["price"] * it["quantity"] * m:
                    return False, f"/json/{count}?m={m}: bad total in item {it.get('id')}"
        except (ValueError, KeyError, TypeError) as exc:
            return False, f"/json/{count}?m={m}: {type(exc).__name__} {exc} in {raw[:60]!r}"
    return True, ""


def json_block(r: Results, base: str) -> None:
    """§3.4."""
    ok, detail = _json_cases(base, [(12, 3), (22, 7), (31, 2), (50, 5)])
    r.record("json count/total (12,3) (22,7) (31,2) (50,5)", ok, detail)
    check_header(r, base, "json Content-Type", "Content-Type", "application/json", "/json/50?m=1")


def json_comp(r: Results, base: str) -> None:
    """§3.5."""
    value = header_value(headers_of(base, "/json/50?m=1", "-H", "Accept-Encoding: gzip, br"),
                         "Content-Encoding")
    token = (value or "").split(",")[0].strip().lower()
    r.record("json-comp Content-Encoding gzip|br", token in ("gzip", "br"), f"got {value!r}")
    ok, detail = _json_cases(base, [(25, 3), (40, 7), (50, 2)], "--compressed", "-H",
                             "Accept-Encoding: gzip, br")
    r.record("json-comp decoded count/total (25,3) (40,7) (50,2)", ok, detail)
    value = header_value(headers_of(base, "/json/50?m=1"), "Content-Encoding")
    r.record("json-comp no Accept-Encoding -> no Content-Encoding", value is None, f"got {value!r}")


def upload(r: Results, base: str) -> None:
    """§3.7: bodies of 512000 .. 20971520 random bytes from dd, through curl --data-binary @-."""
    check(r, base, "upload 17 bytes", "17", "/upload", "-X", "POST", "-H",
          "Content-Type: application/octet-stream", "--data-binary", "Hello, HttpArena!")
    text = base64.b64encode(secrets.token_bytes(36)).decode()  # 48 characters
    check(r, base, "upload 48-char base64", "48", "/upload", "-X", "POST", "-H",
          "Content-Type: application/octet-stream", "--data-binary", text)
    for size in (512000, 2097152, 10485760, 20971520):
        check(r, base, f"upload {size} bytes", str(size), "/upload", "-X", "POST", "-H",
              "Content-Type: application/octet-stream", "--data-binary", "@-",
              stdin=os.urandom(size), max_time="60")


def static(r: Results, base: str, static_dir: Path) -> None:
    """§3.8."""
    check_header(r, base, "static reset.css Content-Type", "Content-Type", "text/css", "/static/reset.css")
    check_header(r, base, "static app.js Content-Type", "Content-Type", "application/javascript",
                 "/static/app.js")
    check_header(r, base, "static manifest.json Content-Type", "Content-Type", "application/json",
                 "/static/manifest.json")
    bad = []
    for name in STATIC_FILES:
        size = _curl(["-o", "/dev/null", "-w", "%{size_download}", f"{base}/static/{name}"]).decode()
        if size != str((static_dir / name).stat().st_size):
            bad.append(f"{name}: {size}")
    r.record("static 20 files, plain sizes", not bad, ", ".join(bad))
    compressed, bad = 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for name in STATIC_FILES:
            body, head = Path(tmp) / "body", Path(tmp) / "head"
            subprocess.run(["curl", "-s", "--max-time", CURL_TIMEOUT, "--compressed", "-D", str(head),
                            "-o", str(body), f"{base}/static/{name}"], timeout=40)
            lines = head.read_text("latin-1").replace("\r\n", "\n").strip().split("\n")[1:]
            if header_value(lines, "Content-Encoding") is None:
                continue  # uncompressed: skipped, as validate.sh does
            compressed += 1
            if body.stat().st_size != (static_dir / name).stat().st_size:
                bad.append(f"{name}: decoded {body.stat().st_size}")
    r.record("static --compressed decoded sizes", (not bad) if compressed else None,
             ", ".join(bad) or "no response was compressed")
    check_status(r, base, "static nonexistent -> 404", 404, "/static/nonexistent.txt")


# -- HTTP/2 with prior knowledge on its own port (ARENA.md §3.14-3.15) ---------------------

H2C = "--http2-prior-knowledge"


def _http_version(base: str, path: str) -> str:
    return _curl([H2C, "-o", "/dev/null", "-w", "%{http_version}", base + path]).decode()


def baseline_h2c(r: Results, base: str) -> None:
    """§3.14: base is the h2c-only port (8082)."""
    version = _http_version(base, "/baseline2?a=1&b=1")
    r.record("baseline-h2c prior knowledge is HTTP/2", version == "2", f"http_version {version!r}")
    code = _curl(["--http1.1", "-o", "/dev/null", "-w", "%{http_code}", base + "/baseline2?a=1&b=1"]).decode()
    r.record("baseline-h2c HTTP/1.1 does not get 200", code != "200", f"got {code!r}")
    check(r, base, "baseline-h2c /baseline2?a=13&b=42", "55", "/baseline2?a=13&b=42", H2C)
    a, b = random.randint(100, 999), random.randint(100, 999)
    check(r, base, f"baseline-h2c /baseline2?a={a}&b={b}", str(a + b), f"/baseline2?a={a}&b={b}", H2C)
    check_header(r, base, "baseline-h2c Content-Type", "Content-Type", "text/plain", "/baseline2?a=1&b=1", H2C)


def json_h2c(r: Results, base: str) -> None:
    """§3.15 (totals not checked there; checked here too, as the HTTP/1.1 block does)."""
    version = _http_version(base, "/json/1?m=1")
    r.record("json-h2c prior knowledge is HTTP/2", version == "2", f"http_version {version!r}")
    check_header(r, base, "json-h2c Content-Type", "Content-Type", "application/json", "/json/1?m=1", H2C)
    ok, detail = _json_cases(base, [(12, 3), (22, 7), (31, 2), (50, 5)], H2C)
    r.record("json-h2c count (12,3) (22,7) (31,2) (50,5)", ok, detail)


# -- TLS listeners (ARENA.md §3.6, §3.12): curl -k, as validate.sh -----------------------


def json_tls(r: Results, base: str) -> None:
    """§3.6: base is the TLS HTTP/1.1 port (8081)."""
    version = _curl(["-k", "--http1.1", "-o", "/dev/null", "-w", "%{http_version}", base + "/json/1?m=1"]).decode()
    r.record("json-tls HTTP/1.1", version == "1.1", f"http_version {version!r}")
    ok, detail = _json_cases(base, [(7, 2), (23, 11), (50, 1)], "-k", "--http1.1")
    r.record("json-tls count (7,2) (23,11) (50,1)", ok, detail)
    check_header(r, base, "json-tls Content-Type", "Content-Type", "application/json", "/json/1?m=1", "-k",
                 "--http1.1")


def baseline_h2(r: Results, base: str) -> None:
    """§3.12: base is the TLS HTTP/2 port (8443)."""
    version = _curl(["-k", "--http2", "-o", "/dev/null", "-w", "%{http_version}", base + "/baseline2?a=1&b=1"]).decode()
    r.record("baseline-h2 negotiates HTTP/2", version == "2", f"http_version {version!r}")
    check(r, base, "baseline-h2 /baseline2?a=13&b=42", "55", "/baseline2?a=13&b=42", "-k", "--http2")
    a, b = random.randint(100, 999), random.randint(100, 999)
    check(r, base, f"baseline-h2 /baseline2?a={a}&b={b}", str(a + b), f"/baseline2?a={a}&b={b}", "-k", "--http2")
    check_header(r, base, "baseline-h2 Content-Type", "Content-Type", "text/plain", "/baseline2?a=1&b=1", "-k",
                 "--http2")


def static_h2(r: Results, base: str) -> None:
    """§3.13: Content-Types of three files, reset.css not empty, a missing file 404 (over h2)."""
    version = _curl(["-k", "--http2", "-o", "/dev/null", "-w", "%{http_version}", base + "/static/reset.css"]).decode()
    r.record("static-h2 negotiates HTTP/2", version == "2", f"http_version {version!r}")
    for name, ctype in (("reset.css", "text/css"), ("app.js", "application/javascript"),
                        ("manifest.json", "application/json")):
        check_header(r, base, f"static-h2 {name} Content-Type", "Content-Type", ctype, f"/static/{name}", "-k",
                     "--http2")
    size = _curl(["-k", "--http2", "-o", "/dev/null", "-w", "%{size_download}", base + "/static/reset.css"]).decode()
    r.record("static-h2 reset.css size > 0", size.isdigit() and int(size) > 0, f"size {size!r}")
    code = _curl(["-k", "--http2", "-o", "/dev/null", "-w", "%{http_code}", base + "/static/nonexistent.txt"]).decode()
    r.record("static-h2 /static/nonexistent.txt -> 404", code == "404", f"got {code!r}")


def _db_item_ok(item) -> bool:
    """§3.9: every item has rating.score, tags is a list, active is a bool."""
    return (isinstance(item.get("rating"), dict) and "score" in item["rating"] and isinstance(item.get("tags"), list)
            and isinstance(item.get("active"), bool))


def async_db(r: Results, base: str) -> None:
    """§3.9 (also run for crud, api-4 and api-16 subscribers)."""
    detail, ok = "", True
    for low, high, limit in ((5, 80, 7), (20, 150, 18), (100, 400, 33), (10, 50, 50)):
        raw = _curl([f"{base}/async-db?min={low}&max={high}&limit={limit}"])
        try:
            doc = json.loads(raw)
            if doc["count"] != limit or len(doc["items"]) != limit or not all(map(_db_item_ok, doc["items"])):
                ok, detail = False, f"min={low}&max={high}&limit={limit}: count {doc['count']}, {raw[:80]!r}"
                break
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            ok, detail = False, f"min={low}&max={high}&limit={limit}: {type(exc).__name__} in {raw[:80]!r}"
            break
    r.record("async-db count == limit, item fields (4 ranges)", ok, detail)
    check_header(r, base, "async-db Content-Type", "Content-Type", "application/json",
                 "/async-db?min=10&max=50&limit=50")
    raw = _curl([f"{base}/async-db?min=9999&max=9999&limit=50"])
    try:
        empty = json.loads(raw)["count"] == 0
    except (ValueError, KeyError, TypeError):
        empty = False
    r.record("async-db empty range -> count 0", empty, f"got {raw[:80]!r}")


def _json_of(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def crud(r: Results, base: str) -> None:
    """§3.10 validate steps 1-7 (validate starts no Redis: the cache is in-process)."""
    doc = _json_of(_curl([f"{base}/crud/items?category=electronics&page=1&limit=5"])) or {}
    items = doc.get("items") if isinstance(doc, dict) else None
    ok = (isinstance(items, list) and len(items) == 5 and isinstance(doc.get("total"), int) and doc["total"] > 0
          and doc.get("page") == 1 and all(isinstance(i, dict) and "rating" in i for i in items))
    r.record("crud list electronics page 1 limit 5", ok, f"got {str(doc)[:120]!r}")
    one = _json_of(_curl([f"{base}/crud/items/1"]))
    r.record("crud GET /crud/items/1 -> id 1", isinstance(one, dict) and one.get("id") == 1, f"got {str(one)[:80]!r}")
    first = header_value(headers_of(base, "/crud/items/42"), "X-Cache")
    second = header_value(headers_of(base, "/crud/items/42"), "X-Cache")
    r.record("crud /crud/items/42 twice: MISS then HIT", (first, second) == ("MISS", "HIT"),
             f"got {first!r}, {second!r}")
    check_status(r, base, "crud GET /crud/items/999999 -> 404", 404, "/crud/items/999999")
    json_args = ["-H", "Content-Type: application/json", "-d"]
    check_status(r, base, "crud POST /crud/items -> 201", 201, "/crud/items", "-X", "POST", *json_args,
                 '{"id":200001,"name":"ValidateItem","category":"test","price":42,"quantity":7}')
    made = _json_of(_curl([f"{base}/crud/items/200001"]))
    r.record("crud GET /crud/items/200001 -> id 200001", isinstance(made, dict) and made.get("id") == 200001,
             f"got {str(made)[:80]!r}")
    _curl([f"{base}/crud/items/200001"])  # warm
    check_status(r, base, "crud PUT /crud/items/200001 -> 200", 200, "/crud/items/200001", "-X", "PUT", *json_args,
                 '{"name":"UpdatedItem","category":"test","price":99,"quantity":1}')
    after = header_value(headers_of(base, "/crud/items/200001"), "X-Cache")
    r.record("crud GET after PUT -> X-Cache: MISS", after == "MISS", f"got {after!r}")
