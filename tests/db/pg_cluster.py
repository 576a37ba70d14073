"""A throw-away PostgreSQL 15 cluster for tests (Debian postgresql-15).

initdb in a temporary directory, postgres on a free loopback port with its Unix socket in that
directory, the arena's database (benchmark, user/password bench/bench, max_connections 256)
seeded by tests/db/seed_items.py. Postgres refuses to run as root, so under root every server
binary runs as an unprivileged user (RS_PG_USER, default `nobody`) that owns the directory.

Used by tests/db/conftest.py (session fixture) and tests/arena/arena_check.py.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("RS_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER, PASSWORD, DATABASE = "bench", "bench", "benchmark"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, rows: int | None = None, port: int | None = None):
        self.rows = rows
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="rs-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.os_user = None
        if os.geteuid() == 0:
            self.os_user = os.environ.get("RS_PG_USER", "nobody")
            pw = pwd.getpwnam(self.os_user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)

    @property
    def url(self) -> str:
        """What DATABASE_URL holds in the arena, on this cluster's port (TCP, password auth)."""
        return f"postgres://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, args: list, input: str | None = None, check: bool = True, timeout: float = 120):
        cmd = [str(a) for a in args]
        if self.os_user:
            cmd = ["runuser", "-u", self.os_user, "--"] + cmd
        return subprocess.run(cmd, input=input, capture_output=True, text=True, check=check, timeout=timeout,
                              cwd=self.dir)

    def init(self) -> "PgCluster":
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.os_user:
            pw = pwd.getpwnam(self.os_user)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        # Superuser `bench` as in the arena's image; scram for TCP (what libpq must speak there).
        self._run([PG_BIN / "initdb", "-D", self.data, "-U", USER, "--pwfile", pwfile, "--auth-local=trust",
                   "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"])
        return self

    def start(self) -> "PgCluster":
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=256 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run([PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "60", "start"])
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run([PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"], check=False)

    def running(self) -> bool:
        r = self._run([PG_BIN / "pg_ctl", "-D", self.data, "status"], check=False)
        return r.returncode == 0

    def psql(self, sql: str, db: str = DATABASE) -> str:
        """Runs sql through psql on the socket; unaligned, tab-separated, tuples only."""
        r = self._run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-p", self.port, "-U", USER,
                       "-d", db, "-At", "-F", "\t"], input=sql)
        return r.stdout

    def session(self) -> "PsqlSession":
        """A psql kept open, for statements that must land within milliseconds."""
        cmd = ["psql", "-X", "-q", "-h", str(self.dir), "-p", str(self.port), "-U", USER, "-d", DATABASE, "-At"]
        if self.os_user:
            cmd = ["runuser", "-u", self.os_user, "--"] + cmd
        return PsqlSession(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                            cwd=self.dir))

    def seed(self) -> "PgCluster":
        from seed_items import ROWS, copy_text  # noqa: E402 (tests/db on sys.path)
        self.psql(f"CREATE DATABASE {DATABASE};", db="postgres")
        self.psql(copy_text(self.rows or ROWS))
        return self

    def backends(self) -> int:
        """Client backends connected to the benchmark database (not counting this psql)."""
        out = self.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid();")
        return int(out.strip())

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PsqlSession:
    def __init__(self, proc):
        self.proc = proc

    def run(self, sql: str) -> None:
        """Runs sql and waits until psql has answered it."""
        self.proc.stdin.write(sql + "\n\\echo rs-done\n")
        self.proc.stdin.flush()
        while self.proc.stdout.readline().strip() != "rs-done":
            pass

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def wait_until(predicate, timeout: float, step: float = 0.05):
    """predicate() until truthy or timeout; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= end:
            return value
        time.sleep(step)
