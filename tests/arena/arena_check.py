"""make arena-check: each entry folder built and validated the way HttpArena would.

For every entry folder given (frameworks/ringspec*): copy it to a clean temporary
directory, build it with its own `./build.sh binary`, lay out a copy of the arena data as
validate.sh mounts it (dataset.json always, static/ only for static tests: ARENA.md §4.1
step 4), start `./server --data-root <that copy>` as the image's CMD does, wait for
readiness as validate.sh does, run the check blocks of the tests in meta.json
(validate_checks.py, ws_checks.py), stop the server. Then the optional-mount start-ups:
without static/, without dataset.json. Prints `N passed, M failed`; exit 1 on a failure.

Port 8080 as in the arena; ARENA_PORT=N overrides it on a shared machine (--port N is then
passed, and --listen 1=M moves the h2c listener off 8082 to a free port M); ARENA_PORT=auto takes 8080 if it can be bound,
else a free port (make test uses that, so a busy 8080 cannot fail the suite). No Docker:
the engine is not available here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import validate_checks as vc  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("ARENA_DATA", REPO / "data"))
PORT = 8080  # set by choose_port()
H2C_PORT = 8082  # the h2c-only listener (baseline-h2c, json-h2c); moved with PORT
H2C_TESTS = {"baseline-h2c", "json-h2c"}
ENTRY_H2C = False  # the entry being checked has an h2c-only listener (set by check_entry)
OBJ_CACHE = Path(os.environ.get("RINGSPEC_OBJ_CACHE", REPO / "build" / "arena-objcache"))
STATIC_TESTS = {"static", "static-h2", "static-h3"}
# TLS listeners (json-tls on 8081, baseline-h2 on 8443): the arena mounts its certificate at /certs;
# here the same self-signed pair from tests/fixtures/tls, and each listener on a free port.
TLS_CERT, TLS_KEY = REPO / "tests" / "fixtures" / "tls" / "server.crt", REPO / "tests" / "fixtures" / "tls" / "server.key"
TLS_PORTS = {8081: 0, 8443: 0}  # arena port -> the port used here (set by main)
LISTENER_HELP = re.compile(r"^\s+listener (\d+) '[^']+': port (\d+),")
DB_TESTS = {"async-db", "crud", "api-4", "api-16"}
GRPC_TESTS = {"unary-grpc", "unary-grpc-tls", "stream-grpc", "stream-grpc-tls"}
DB_ENV: dict = {}  # DATABASE_URL / DATABASE_MAX_CONN of the test Postgres, once started
READY_TRIES = 30  # validate.sh: 30 x 1 s


class Server:
    """The entry's server on PORT with a data root; stopped with SIGTERM like docker stop."""

    def __init__(self, entry: Path, data_root: Path, log: Path):
        args = [str(entry / "server"), "--data-root", str(data_root)]
        if PORT != 8080:
            args += ["--port", str(PORT)]
        help_text = subprocess.run([str(entry / "server"), "--help"], capture_output=True, text=True).stdout
        if H2C_PORT != 8082 and "  listener 1 " in help_text:  # spec/arena.toml's second listener: 8082
            args += ["--listen", f"1={H2C_PORT}"]
        for line in help_text.splitlines():  # TLS listeners: to their free ports, with the test pair
            m = LISTENER_HELP.match(line)
            if m and " TLS:" in line and int(m[2]) in TLS_PORTS:
                args += ["--listen", f"{m[1]}={TLS_PORTS[int(m[2])]}"]
        if " TLS:" in help_text:
            args += ["--tls-cert", str(TLS_CERT), "--tls-key", str(TLS_KEY)]
        self.h2c = ENTRY_H2C
        self.log = log
        # validate.sh passes the database to every server it starts for a DB test (§4.1 step 4).
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(log, "wb"),
                                     env=dict(os.environ, **DB_ENV))

    def ready(self) -> bool:
        """validate.sh readiness: curl --max-time 2 /baseline11?a=1&b=1, any HTTP answer."""
        for _ in range(READY_TRIES):
            if self.proc.poll() is not None:
                return False
            code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                   f"http://localhost:{PORT}/baseline11?a=1&b=1"],
                                  capture_output=True, text=True).stdout
            if code not in ("", "000") and (not self.h2c or self.h2c_ready()):
                return True
            time.sleep(1)
        return False

    def h2c_ready(self) -> bool:
        """validate.sh's h2c readiness: any answer to prior knowledge on 8082."""
        code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                               "--http2-prior-knowledge", f"http://localhost:{H2C_PORT}/baseline2?a=1&b=1"],
                              capture_output=True, text=True).stdout
        return code not in ("", "000")

    def exited(self, seconds: float) -> int | None:
        try:
            return self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]


def bindable(port: int) -> bool:
    """Whether the server could bind the port (a connect test misses bound, unlistened
    sockets of other processes)."""
    with socket.socket(socket.AF_INET6) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("::", port))
            return True
        except OSError:
            return False


def choose_port() -> int | None:
    wanted = os.environ.get("ARENA_PORT", "8080")
    if wanted == "auto":
        if bindable(8080):
            return 8080
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::", 0))
            port = s.getsockname()[1]
        print(f"arena-check: port 8080 is taken on this machine; using {port} (ARENA_PORT=auto)")
        return port
    port = int(wanted)
    if not bindable(port):
        print(f"arena-check: port {port} is taken; set ARENA_PORT to a free port or to auto", file=sys.stderr)
        return None
    return port


def data_root(tmp: Path, name: str, dataset: bool, static: bool) -> Path:
    """A copy of the arena data laid out as /data, with the mounts validate.sh would make."""
    root = tmp / name
    root.mkdir()
    if dataset:
        shutil.copy2(DATA / "dataset.json", root / "dataset.json")
    if static:
        shutil.copytree(DATA / "static", root / "static")
    return root


def run_blocks(r: vc.Results, tests: list, static_dir: Path) -> None:
    """The blocks of the subscribed tests, in validate.sh's order (§4.1 step 6)."""
    base = f"http://localhost:{PORT}"
    if {"baseline", "limited-conn", "api-4", "api-16"} & set(tests):
        vc.baseline(r, base, PORT)
    if "pipelined" in tests:
        vc.pipelined(r, base)
    if {"json", "api-4", "api-16"} & set(tests):
        vc.json_block(r, base)
    if "json-comp" in tests:
        vc.json_comp(r, base)
    if "upload" in tests:
        vc.upload(r, base)
    if "baseline-h2c" in tests:
        vc.baseline_h2c(r, f"http://localhost:{H2C_PORT}")
    if "json-h2c" in tests:
        vc.json_h2c(r, f"http://localhost:{H2C_PORT}")
    if "json-tls" in tests:
        vc.json_tls(r, f"https://localhost:{TLS_PORTS[8081]}")
    if "baseline-h2" in tests:
        vc.baseline_h2(r, f"https://localhost:{TLS_PORTS[8443]}")
    if "static-h2" in tests:
        vc.static_h2(r, f"https://localhost:{TLS_PORTS[8443]}")
    if "static" in tests:
        vc.static(r, base, static_dir)
    if DB_TESTS & set(tests):
        vc.async_db(r, base)
    if "crud" in tests:
        vc.crud(r, base)
    if "echo-ws" in tests:
        import ws_checks  # only entries serving /ws need it

        ws_checks.echo_ws(r, "127.0.0.1", PORT)
    if GRPC_TESTS & set(tests):
        import grpc_checks  # python3-grpcio: only entries serving gRPC need it

        for test, check in (("unary-grpc", grpc_checks.unary_grpc), ("stream-grpc", grpc_checks.stream_grpc)):
            if test in tests:  # h2c on 8080, beside HTTP/1.1
                check(r, PORT, None, test)
            if test + "-tls" in tests:  # h2 on 8443 by ALPN
                check(r, TLS_PORTS[8443], TLS_CERT, test + "-tls")


def serve_and_check(entry: Path, root: Path, log: Path, r: vc.Results, check) -> None:
    server = Server(entry, root, log)
    try:
        if not server.ready():
            r.record("readiness", False, "no HTTP answer; server stderr:\n" + server.stderr())
            return
        check()
    finally:
        server.stop()


def mount_checks(entry: Path, tmp: Path, tests: list, r: vc.Results) -> None:
    """Start-up without the optional mounts (ARENA.md §1.1): no static/ -> the static route
    404s and the others work; no dataset.json -> JSON entries refuse to start, saying why,
    and the others start."""
    base = f"http://localhost:{PORT}"
    serves_baseline = bool({"baseline", "limited-conn"} & set(tests))
    if STATIC_TESTS & set(tests):
        def no_static() -> None:
            vc.check_status(r, base, "no static/: /static/reset.css -> 404", 404, "/static/reset.css")
            if serves_baseline:
                vc.check(r, base, "no static/: /baseline11 still served", "55", "/baseline11?a=13&b=42")
        serve_and_check(entry, data_root(tmp, "data-nostatic", True, False), tmp / "nostatic.log", r, no_static)
    root = data_root(tmp, "data-nodataset", False, bool(STATIC_TESTS & set(tests)))
    if {"json", "json-comp", "json-h2c", "json-tls", "api-4", "api-16"} & set(tests):
        server = Server(entry, root, tmp / "nodataset.log")
        status = server.exited(10)
        server.stop()
        ok = status not in (None, 0) and "dataset.json" in server.stderr()
        r.record("no dataset.json: start-up fails naming it", ok,
                 f"exit status {status}; stderr: {server.stderr()[-300:]!r}")
    else:
        def no_dataset() -> None:
            r.record("no dataset.json: starts and answers", True)
        serve_and_check(entry, root, tmp / "nodataset.log", r, no_dataset)



def build_outputs(entry_src):
    """copytree's ignore for an entry: the binary `server` at the entry's top only (src/runtime/server
    is the runtime's wiring layer and must be copied), objects (`build`) and generated C anywhere."""
    top = os.path.realpath(entry_src)

    def ignore(directory, names):
        skip = {n for n in names if n in ("build", "generated", "__pycache__")}
        if os.path.realpath(directory) == top and "server" in names:
            skip.add("server")
        return skip
    return ignore

def check_entry(entry_src: Path) -> vc.Results:
    global ENTRY_H2C
    meta = json.loads((entry_src / "meta.json").read_text())
    tests = meta["tests"]
    ENTRY_H2C = bool(H2C_TESTS & set(tests))
    r = vc.Results(entry_src.name)
    print(f"== {entry_src.name}: tests {', '.join(tests)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="arena-check-") as tmp_name:
        tmp = Path(tmp_name)
        entry = tmp / entry_src.name
        # A clean copy: no binary, objects or generated C from an earlier build.
        shutil.copytree(entry_src, entry, symlinks=True, ignore=build_outputs(entry_src))
        env = dict(os.environ, RINGSPEC_OBJ_CACHE=str(OBJ_CACHE))
        build = subprocess.run([str(entry / "build.sh"), "binary"], cwd=entry, env=env,
                               capture_output=True, text=True)
        if build.returncode != 0 or not (entry / "server").is_file():
            r.record("build.sh binary", False, (build.stdout + build.stderr)[-2000:])
            return r
        has_static = bool(STATIC_TESTS & set(tests))
        root = data_root(tmp, "data", True, has_static)
        serve_and_check(entry, root, tmp / "server.log", r, lambda: run_blocks(r, tests, root / "static"))
        before = r.passed + r.failed
        mount_checks(entry, tmp, tests, r)
        print(f"   ({r.passed + r.failed - before} of these are start-up checks without optional mounts)")
    print(f"{entry_src.name}: {r.passed} passed, {r.failed} failed", flush=True)
    return r


def start_postgres(entries: list):
    """The arena's Postgres for entries with DB tests: our own PostgreSQL 15 cluster
    (tests/db/pg_cluster.py) seeded with the items table, as validate.sh starts postgres:18."""
    if not any(DB_TESTS & set(json.loads((e / "meta.json").read_text())["tests"]) for e in entries):
        return None
    sys.path.insert(0, str(REPO / "tests" / "db"))
    from pg_cluster import PgCluster  # noqa: E402
    print("arena-check: starting PostgreSQL 15 with the items table", flush=True)
    cluster = PgCluster().init().start().seed()
    DB_ENV.update(DATABASE_URL=cluster.url, DATABASE_MAX_CONN="256")
    return cluster


def main(argv: list) -> int:
    entries = [Path(a) for a in argv]
    if not entries:
        print("usage: arena_check.py ENTRY_DIR...", file=sys.stderr)
        return 2
    global PORT
    port = choose_port()
    if port is None:
        return 2
    PORT = port
    global H2C_PORT
    if port != 8080 or not bindable(8082):
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::", 0))
            H2C_PORT = s.getsockname()[1]
        print(f"arena-check: the h2c listener (8082 in the arena) on {H2C_PORT}")
    for arena_port in TLS_PORTS:  # always free ports: the arena's may be in use by another server here
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::", 0))
            TLS_PORTS[arena_port] = s.getsockname()[1]
    passed = failed = 0
    cluster = start_postgres(entries)
    try:
        for entry in entries:
            r = check_entry(entry)
            passed, failed = passed + r.passed, failed + r.failed
    finally:
        if cluster:
            cluster.destroy()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
