"""The server under test for tests/db: built from tests/db/specs/db.toml (release, or
ASan/UBSan with RS_SANITIZE=1) unless RS_DB_SERVER names a binary, started on a free port
with DATABASE_URL / DATABASE_MAX_CONN in its environment, stopped with SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from pg_cluster import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "tests" / "db" / "specs" / "db.toml"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def build_server() -> Path:
    given = os.environ.get("RS_DB_SERVER")
    if given:
        return Path(given)
    sanitize = os.environ.get("RS_SANITIZE") == "1"
    out = REPO / "build" / ("db-test-asan" if sanitize else "db-test")
    cmd = [str(REPO / "ringspec"), "build", str(SPEC), "-o", str(out)] + (["--sanitize"] if sanitize else [])
    subprocess.run(cmd, check=True, capture_output=True, cwd=REPO, timeout=600)
    return out / "server"


class Server:
    def __init__(self, binary: Path, url: str, max_conn: int = 3, workers: int = 1, extra_env: dict | None = None,
                 args: tuple = ()):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="rs-db-server-", suffix=".log", delete=False)
        env = dict(os.environ, DATABASE_URL=url, DATABASE_MAX_CONN=str(max_conn))
        env.update(extra_env or {})
        self.proc = subprocess.Popen([str(binary), "--port", str(self.port), "--workers", str(workers), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        if not wait_until(self._listening, 10):
            self.stop()
            raise RuntimeError("server did not start: " + self.output())

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError("server exited: " + self.output())
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def get(self, target: str, timeout: float = 10) -> tuple:
        """(status, headers dict, body bytes) of one GET on a new connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", target)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def send(self, method: str, target: str, body=None, timeout: float = 10) -> tuple:
        """(status, headers dict, body bytes) of one request on a new connection; body: a
        JSON value sent as application/json, or bytes as they are."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
            conn.request(method, target, body=data, headers={"Content-Type": "application/json"} if data else {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def get_json(self, target: str):
        status, _, body = self.get(target)
        assert status == 200, (target, status, body)
        return json.loads(body)

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def fd_targets(self) -> list:
        d = f"/proc/{self.proc.pid}/fd"
        return sorted(os.readlink(f"{d}/{n}") for n in os.listdir(d))

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> str:
        """SIGTERM, wait, and the output; fails on a crash or a sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out = self.output()
        os.unlink(self.log.name)
        assert self.proc.returncode == 0, f"server exited with {self.proc.returncode}:\n{out[-4000:]}"
        for marker in SANITIZER_MARKERS:
            assert marker not in out, out[-4000:]
        return out


def items_from_psql(pg, sql: str) -> list:
    """The rows of an items query as the arena's JSON items (ARENA.md §2.3), built from psql's
    text output: what the server must answer for the same query."""
    items = []
    for line in pg.psql(sql).splitlines():
        i, name, category, price, quantity, active, tags, score, count = line.split("\t")
        items.append({"id": int(i), "name": name, "category": category, "price": int(price),
                      "quantity": int(quantity), "active": active == "t", "tags": json.loads(tags),
                      "rating": {"score": int(score), "count": int(count)}})
    return items


def wait_for_rows(server: Server, target: str, timeout: float) -> bool:
    """True once target answers with at least one item (the pool is connected)."""
    def ready():
        try:
            status, _, body = server.get(target, timeout=2)
            return status == 200 and json.loads(body)["count"] > 0
        except (OSError, http.client.HTTPException):
            return False
    return bool(wait_until(ready, timeout, 0.1))


def time_limit(seconds: float):
    end = time.monotonic() + seconds
    return lambda: time.monotonic() < end
