"""Conformance suite for the ringspec arena server (spec/arena.toml).

Runs a real server binary and talks to it over TCP with a small raw
HTTP/1.1 client (RawConn) and, where a real client matters, with curl.

Environment:
  RS_SERVER     server binary (default: <repo>/build/arena/server)
  RS_ARENA_DIR  arena fixtures: either the `requests/` directory itself or
                the arena checkout containing it
                (default: <repo>/tests/fixtures/arena/requests, copied from the arena)

Run:  /usr/bin/python3 -m pytest tests/conformance -q
"""

import email.utils
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_ROOT = REPO_ROOT / "data"

# Timeouts the session server is started with (seconds).
HEADER_TIMEOUT = 2
BODY_TIMEOUT = 2
IDLE_TIMEOUT = 5
WORKERS = 2

BODY_LIMIT = 1024 * 1024  # 1 MiB
TARGET_LIMIT = 8192
HEAD_LIMIT = 16384
HEADER_COUNT_LIMIT = 64

# gcannon's response parser limits (ARENA.md §1.3).
MAX_RESPONSE_HEAD = 1024  # header block must be strictly smaller
MAX_RESPONSE_HEADERS = 16

SOCK_TIMEOUT = 3.0  # default per socket operation
READ_DEADLINE = 5.0  # default bound for reading one response
TEST_DEADLINE = 40  # hard bound for any single test (SIGALRM)

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
)

TOKEN_RE = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
STATUS_RE = re.compile(rb"^HTTP/1\.([01]) ([1-5][0-9][0-9]) ([^\r\n]*)$")


# --------------------------------------------------------------------------
# Paths


def server_binary():
    return Path(os.environ.get("RS_SERVER", REPO_ROOT / "build" / "arena" / "server"))


def arena_requests_dir():
    env = os.environ.get("RS_ARENA_DIR")
    if env:
        base = Path(env)
        if (base / "requests").is_dir():
            return base / "requests"
        return base
    return REPO_ROOT / "tests" / "fixtures" / "arena" / "requests"


def arena_request(name):
    """Bytes of an arena fixture such as 'get.raw' (fails if missing)."""
    path = arena_requests_dir() / name
    if not path.is_file():
        pytest.fail(f"arena fixture {path} not found (set RS_ARENA_DIR)")
    return path.read_bytes()


# --------------------------------------------------------------------------
# Raw HTTP/1.1 client


class Response:
    def __init__(self, version, status, reason, headers, body, raw_head):
        self.version = version  # "1.0" / "1.1"
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name-lowercase str, value str)
        self.body = body
        self.raw_head = raw_head  # status line .. blank line, as sent

    def header(self, name):
        """Value of a header sent once, or None. Fails if sent twice."""
        name = name.lower()
        vals = [v for n, v in self.headers if n == name]
        assert len(vals) <= 1, f"header {name} sent {len(vals)} times: {self!r}"
        return vals[0] if vals else None

    def tokens(self, name):
        val = self.header(name)
        if val is None:
            return []
        return [t.strip().lower() for t in val.split(",") if t.strip()]

    @property
    def closes(self):
        return "close" in self.tokens("connection")

    def __repr__(self):
        body = self.body if len(self.body) <= 80 else self.body[:80] + b"..."
        return f"<Response {self.status} head={self.raw_head!r} body={body!r}>"


class RawConn:
    """One TCP connection with a buffered, strict HTTP/1.1 response reader.

    Every socket operation has a timeout; every read has a deadline.
    """

    def __init__(self, port, host="127.0.0.1", timeout=SOCK_TIMEOUT, nodelay=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        if nodelay:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False

    @classmethod
    def from_bytes(cls, raw):
        """A reader over bytes already received (e.g. read until EOF)."""
        c = cls.__new__(cls)
        c.sock, c.timeout, c.buf, c.eof = None, SOCK_TIMEOUT, bytearray(raw), True
        return c

    # -- plumbing ---------------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.sock is None:
            return
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def send_slowly(self, parts, pause):
        """Send each part separately with a pause between them."""
        for i, part in enumerate(parts):
            if i:
                time.sleep(pause)
            self.send(part)

    def _fill(self, deadline):
        """Read more bytes into the buffer; returns False on EOF."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline exceeded waiting for server data")
        self.sock.settimeout(min(remaining, self.timeout))
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError(
                f"no data from server within {min(remaining, self.timeout):.1f}s "
                f"(buffered: {bytes(self.buf[:200])!r})"
            ) from None
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _take(self, n):
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _read_line(self, deadline, limit=65536):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                return self._take(i + 2)[:-2]
            assert len(self.buf) < limit, "line too long in response"
            if not self._fill(deadline):
                raise AssertionError(
                    f"EOF in the middle of a response line: {bytes(self.buf)!r}"
                )

    def _read_exact(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise AssertionError(
                    f"EOF after {len(self.buf)} of {n} body bytes: {bytes(self.buf[:200])!r}"
                )
        return self._take(n)

    # -- responses --------------------------------------------------------

    def read_response(self, method="GET", deadline=READ_DEADLINE, check=True):
        """Read one response (1xx included) and check the arena limits."""
        end = time.monotonic() + deadline
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                break
            assert len(self.buf) < 65536, "response header block over 64 KiB"
            if not self._fill(end):
                raise AssertionError(
                    f"EOF before a complete response head; got {bytes(self.buf[:300])!r}"
                )
        raw_head = self._take(i + 4)
        lines = raw_head[:-4].split(b"\r\n")
        m = STATUS_RE.match(lines[0])
        assert m, f"bad status line {lines[0]!r} in {raw_head!r}"
        version = "1." + m.group(1).decode()
        status = int(m.group(2))
        reason = m.group(3).decode("latin-1")
        headers = []
        for line in lines[1:]:
            assert b"\n" not in line and b"\r" not in line, f"bare CR/LF in {raw_head!r}"
            assert line[:1] not in (b" ", b"\t"), f"obs-fold in response {raw_head!r}"
            name, sep, value = line.partition(b":")
            assert sep, f"header line without colon {line!r}"
            assert TOKEN_RE.match(name), f"bad header name {name!r}"
            headers.append((name.decode().lower(), value.strip(b" \t").decode("latin-1")))
        resp = Response(version, status, reason, headers, b"", raw_head)
        if status < 200:
            return resp

        if check:
            check_response_head(resp)
        te = resp.header("transfer-encoding")
        cl = resp.header("content-length")
        if method == "HEAD" or status in (204, 304):
            return resp
        if te is not None:
            assert te.lower() == "chunked", f"unexpected transfer-encoding {te!r}"
            resp.body = self._read_chunked(end)
        elif cl is not None:
            resp.body = self._read_exact(int(cl), end)
        else:
            resp.body = self.read_until_eof(deadline=max(0.1, end - time.monotonic()))
        return resp

    def _read_chunked(self, deadline):
        body = bytearray()
        while True:
            size_line = self._read_line(deadline)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while self._read_line(deadline):  # trailers
                    pass
                return bytes(body)
            body += self._read_exact(size, deadline)
            assert self._read_exact(2, deadline) == b"\r\n", "bad chunk terminator"

    def read_responses(self, methods, deadline=READ_DEADLINE):
        """Read len(methods) responses (pipelined); methods[i] is the
        request method of the i-th response ('HEAD' means no body)."""
        end = time.monotonic() + deadline
        out = []
        for m in methods:
            out.append(self.read_response(method=m, deadline=max(0.05, end - time.monotonic())))
        return out

    def read_until_eof(self, deadline=READ_DEADLINE):
        """Everything until the server closes. Fails on timeout or reset."""
        end = time.monotonic() + deadline
        while self._fill(end):
            pass
        return self._take(len(self.buf))

    def expect_eof(self, deadline=READ_DEADLINE, what="after the response"):
        """The server must close gracefully (FIN, no reset) with no more data."""
        try:
            rest = self.read_until_eof(deadline)
        except ConnectionResetError:
            pytest.fail(f"connection reset {what}; expected a graceful close (FIN)")
        except TimeoutError:
            pytest.fail(f"server did not close the connection {what} within {deadline}s")
        assert rest == b"", f"unexpected bytes {what} before EOF: {rest[:200]!r}"

    def readable(self, wait):
        """True if data or EOF is ready within `wait` seconds."""
        if self.buf or self.eof:
            return True
        r, _, _ = select.select([self.sock], [], [], wait)
        return bool(r)

    def request(self, data, method="GET", deadline=READ_DEADLINE):
        self.send(data)
        return self.read_response(method=method, deadline=deadline)


def check_response_head(resp):
    """Checks every final response must pass (ARENA.md §1.3 + contract)."""
    assert len(resp.raw_head) < MAX_RESPONSE_HEAD, (
        f"response header block is {len(resp.raw_head)} bytes (must be < {MAX_RESPONSE_HEAD}): "
        f"{resp.raw_head!r}"
    )
    assert len(resp.headers) <= MAX_RESPONSE_HEADERS, (
        f"{len(resp.headers)} response headers (max {MAX_RESPONSE_HEADERS}): {resp.raw_head!r}"
    )
    names = [n for n, _ in resp.headers]
    dups = sorted({n for n in names if names.count(n) > 1})
    assert not dups, f"headers sent more than once: {dups} in {resp.raw_head!r}"
    cl = resp.header("content-length")
    if resp.status == 204:  # RFC 9110 §8.6: a server MUST NOT send it in a 204
        assert cl is None, f"204 with Content-Length: {resp.raw_head!r}"
    elif resp.status != 304:  # a 304 may send it or not
        assert cl is not None, f"response without Content-Length: {resp.raw_head!r}"
    assert cl is None or cl.isdigit(), f"bad Content-Length {cl!r}"
    assert resp.header("transfer-encoding") is None, "Content-Length together with Transfer-Encoding"
    date = resp.header("date")
    assert date is not None, f"response without Date: {resp.raw_head!r}"
    assert re.fullmatch(
        r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
        r"\d{4} \d\d:\d\d:\d\d GMT",
        date,
    ), f"Date is not an IMF-fixdate: {date!r}"
    skew = abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time())
    assert skew < 10, f"Date {date!r} is {skew:.0f}s away from the clock"


def assert_ok(resp, body, content_type="text/plain"):
    """200 with exactly `body` (bytes or str) and the given content type."""
    if isinstance(body, (int, str)):
        body = str(body).encode()
    assert resp.status == 200, f"expected 200, got {resp!r}"
    assert resp.body == body, f"expected body {body!r}, got {resp!r}"
    if content_type:
        assert_content_type(resp, content_type)
    assert not resp.closes, f"keep-alive response says Connection: close: {resp!r}"


def assert_content_type(resp, expected):
    ct = resp.header("content-type")
    assert ct is not None, f"no Content-Type: {resp!r}"
    assert ct.lower() == expected or ct.lower().startswith(expected + ";"), (
        f"Content-Type {ct!r}, expected {expected!r}"
    )


def get(path, extra=b"", version=b"HTTP/1.1", method=b"GET", host=b"localhost"):
    """Bytes of a simple request without a body."""
    if isinstance(path, str):
        path = path.encode()
    head = method + b" " + path + b" " + version + b"\r\n"
    if host is not None:
        head += b"Host: " + host + b"\r\n"
    return head + extra + b"\r\n"


def post(path, body, extra=b"", chunked=False, version=b"HTTP/1.1"):
    if isinstance(path, str):
        path = path.encode()
    if isinstance(body, str):
        body = body.encode()
    head = b"POST " + path + b" " + version + b"\r\nHost: localhost\r\n" + extra
    if chunked:
        enc = (b"%x\r\n" % len(body) + body + b"\r\n") if body else b""
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + enc + b"0\r\n\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def baseline(a, b):
    return f"/baseline11?a={a}&b={b}"


# --------------------------------------------------------------------------
# Rejected requests (test_noise.py, test_smuggling.py)

VALID = [("valid-get1.raw", 55), ("valid-get2.raw", 100), ("valid-get3.raw", 95),
         ("valid-post1.raw", 31), ("valid-post4.raw", 103)]


def assert_server_healthy(server, bystander=None, n=0):
    """A keep-alive connection opened before the bad request still works,
    and a fresh connection gets a correct answer."""
    if bystander is not None:
        assert_ok(bystander.request(get(baseline(n, 1000))), n + 1000)
    name, value = VALID[n % len(VALID)]
    with server.conn() as c:
        assert_ok(c.request(arena_request(name)), value)


def assert_rejected(server, payload, status, method="GET"):
    """Send payload on a new connection: expect `status`, Connection: close,
    EOF. Checks the server is still healthy afterwards."""
    with server.conn() as bystander:
        assert_ok(bystander.request(get("/pipeline")), b"ok")
        with server.conn() as c:
            c.send(payload)
            r = c.read_response(method=method)
            assert r.status == status, f"expected {status}, got {r!r}"
            assert r.closes, f"error response without Connection: close: {r!r}"
            c.expect_eof(what=f"after the {status} response")
        assert_server_healthy(server, bystander, status)
    return r


# --------------------------------------------------------------------------
# curl


class CurlResult:
    def __init__(self, status, headers, body, stderr, elapsed, all_heads):
        self.status = status
        self.headers = headers  # final response: list of (lower name, value)
        self.body = body
        self.stderr = stderr
        self.elapsed = elapsed
        self.all_heads = all_heads  # every status line curl saw, in order

    def header(self, name):
        vals = [v for n, v in self.headers if n == name.lower()]
        assert len(vals) <= 1, f"header {name} sent {len(vals)} times"
        return vals[0] if vals else None


def run_curl(url, *args, timeout=8):
    with tempfile.TemporaryDirectory() as d:
        hdr, body = os.path.join(d, "h"), os.path.join(d, "b")
        cmd = ["curl", "-sS", "--noproxy", "*", "--max-time", str(timeout - 2),
               "-D", hdr, "-o", body, "-w", "%{http_code}", *args, url]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        elapsed = time.monotonic() - t0
        assert p.returncode == 0, f"curl failed ({p.returncode}): {p.stderr.decode(errors='replace')}"
        raw = Path(hdr).read_bytes()
        data = Path(body).read_bytes() if os.path.exists(body) else b""
    blocks = [b for b in raw.split(b"\r\n\r\n") if b.strip()]
    assert blocks, f"curl saw no response head: {p.stderr!r}"
    status_lines = [b.split(b"\r\n")[0].decode() for b in blocks]
    headers = []
    for line in blocks[-1].split(b"\r\n")[1:]:
        n, _, v = line.partition(b":")
        headers.append((n.decode().strip().lower(), v.decode("latin-1").strip()))
    # the arena limits apply to what curl saw too
    final = Response("1.1", int(p.stdout.decode().strip() or 0), "", headers, b"",
                     blocks[-1] + b"\r\n\r\n")
    check_response_head(final)
    return CurlResult(int(p.stdout.decode().strip()), headers, data,
                      p.stderr.decode(errors="replace"), elapsed, status_lines)


# --------------------------------------------------------------------------
# The server under test


class ServerProc:
    def __init__(self, proc, port, stderr_path, listener_ports=None):
        self.proc = proc
        self.port = port
        self.listener_ports = listener_ports or {}  # name -> port of every listener after the first
        self.stderr_path = stderr_path
        self.seen = 0  # stderr characters already checked for sanitizer reports

    def stderr(self):
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def conn(self, **kw):
        return RawConn(self.port, **kw)

    def alive(self):
        return self.proc.poll() is None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


LISTENER_LINE = re.compile(r"^\s+listener (\d+) '([^']+)': port \d+,(.*)$")


def listeners_of(binary) -> list:
    """(index, name, protocols) of every listener the server's --help lists."""
    out = subprocess.run([str(binary), "--help"], capture_output=True, text=True).stdout
    found = [LISTENER_LINE.match(line) for line in out.splitlines()]
    return [(int(m[1]), m[2], m[3].split()) for m in found if m]


def build_spec_server(spec, out):
    """Compiles a test spec into out/server, with ASan+UBSan when the suite runs against an
    ASan build, so a second server from another spec is held to the same checks."""
    gen = Path(out) / "gen"
    r = subprocess.run([str(REPO_ROOT / "ringspec"), "generate", str(spec), "-o", str(gen)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    sanitize = 1 if "asan" in str(server_binary()) else 0
    handlers = " ".join(str(p) for p in sorted((Path(spec).parent / "handlers").glob("*.c")))
    r = subprocess.run(["make", "-s", "-C", str(REPO_ROOT), "server", f"GEN_DIR={gen}", f"OUT={out}",
                        f"SANITIZE={sanitize}", f"HANDLERS={handlers}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return Path(out) / "server"


def start_server(tmpdir, name="server", header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT,
                 idle_timeout=IDLE_TIMEOUT, extra_args=(), binary=None):
    binary = Path(binary) if binary else server_binary()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"server binary {binary} not found or not executable (build it or set RS_SERVER)")
    port = free_port()
    stderr_path = Path(tmpdir) / f"{name}-{port}.stderr"
    env = dict(os.environ)
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    # Every listener after the first on a free port too: tests never bind fixed ports.
    listener_ports = {name: free_port() for index, name, _ in listeners_of(binary) if index > 0}
    listen_args = [a for name, p in listener_ports.items() for a in ("--listen", f"{name}={p}")]
    args = [str(binary), "--port", str(port), *listen_args, "--workers", str(WORKERS),
            "--header-timeout", str(header_timeout), "--body-timeout", str(body_timeout),
            "--idle-timeout", str(idle_timeout), *extra_args]
    if "--data-root" not in extra_args:  # the sample data shipped in data/ (no /data here)
        args += ["--data-root", str(DATA_ROOT)]
    with open(stderr_path, "wb") as errf:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                                env=env)
    srv = ServerProc(proc, port, stderr_path, listener_ports)
    deadline = time.monotonic() + 5
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode} at start-up: {srv.stderr()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait(5)
                pytest.fail(f"server did not accept on port {port} within 5s: {srv.stderr()[-3000:]}")
            time.sleep(0.05)
    return srv


def stop_server(srv, grace=5, already_signalled=False):
    """SIGTERM; must exit 0 within `grace` s with a clean sanitizer log."""
    proc = srv.proc
    rc = proc.poll()
    if rc is None:
        if not already_signalled:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            pytest.fail(f"server did not exit within {grace}s of SIGTERM: {srv.stderr()[-3000:]}")
    err = srv.stderr()
    bad = [m for m in SANITIZER_MARKERS if m in err]
    assert not bad, f"sanitizer reports in server stderr ({bad}):\n{err[-6000:]}"
    assert rc == 0, f"server exited with {rc} after SIGTERM (expected 0):\n{err[-3000:]}"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("server"))
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def port(server):
    return server.port


@pytest.fixture(autouse=True)
def _bounded_and_server_alive(request):
    """Every test is time-bounded; after each test the session server must
    still be running (so a crash is blamed on the test that caused it)."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded {TEST_DEADLINE}s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TEST_DEADLINE)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if "server" in request.fixturenames:
        srv = request.getfixturevalue("server")
        if not srv.alive():
            pytest.fail(f"server died (exit {srv.proc.returncode}) during this test:\n"
                        f"{srv.stderr()[-4000:]}")
        err = srv.stderr()
        new, srv.seen = err[srv.seen:], len(err)
        bad = [m for m in SANITIZER_MARKERS if m in new]
        if bad:
            pytest.fail(f"sanitizer report in server stderr during this test:\n{new[-6000:]}")


@pytest.fixture
def conn(server):
    c = server.conn()
    yield c
    c.close()
