"""`ringspec test`'s run: start the built server, send every case, report, stop the server.

The server listens on a free loopback port; each case is one line, PASS or FAIL, printed
as soon as it is known, a failure followed by its differences (codegen/testing/case_checks.py).
The server is always stopped with SIGTERM, and must then exit 0 within STOP_TIMEOUT; a
server that dies during the run, exits non-zero, or whose stderr carries a sanitizer
report fails the run as well.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import case_checks, case_client

START_TIMEOUT = 20.0  # seconds until the server accepts (an ASan build loading files is slow)
STOP_TIMEOUT = 10.0  # seconds from SIGTERM to exit
_SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class ServerFailed(Exception):
    """The server did not start, died, or stopped badly: the message says how."""


class Server:
    """One server process on a free loopback port, its output kept in a temporary file."""

    def __init__(self, binary: Path, args: list):
        self.binary, self.args = binary, args
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="ringspec-test-", suffix=".log")

    def start(self) -> None:
        self.port = _free_port()
        env = dict(os.environ)
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.proc = subprocess.Popen([str(self.binary), "--port", str(self.port), *self._other_listeners(),
                                      *self.args],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, env=env)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise ServerFailed(f"the server {_exit_text(self.proc.returncode)} at start-up"
                                   + self.output_tail())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise ServerFailed(f"the server did not accept on port {self.port} within "
                                       f"{START_TIMEOUT:g} s" + self.output_tail()) from None
                time.sleep(0.05)

    def _other_listeners(self) -> list:
        """--listen N=PORT on a free port for every listener after the first (its --help
        lists them), so a test run binds no fixed port."""
        out = subprocess.run([str(self.binary), "--help"], capture_output=True, text=True).stdout
        indexes = [int(m[1]) for m in re.finditer(r"^\s+listener (\d+) ", out, re.M)]
        return [a for i in indexes if i > 0 for a in ("--listen", f"{i}={_free_port()}")]

    def check_alive(self, grace: float = 0.0) -> None:
        """Raises ServerFailed if the server has exited, waiting up to grace seconds for an
        exit in progress (a crash resets the connection a moment before the process is gone)."""
        if self.proc is None:
            return
        try:
            self.proc.wait(grace) if grace else self.proc.poll()
        except subprocess.TimeoutExpired:
            return
        if self.proc.returncode is not None:
            status = self.proc.returncode
            self.proc = None
            raise ServerFailed(f"the server {_exit_text(status)} unexpectedly" + self.output_tail())

    def stop(self) -> list:
        """SIGTERM, then what went wrong (an empty list when it exited 0 and cleanly)."""
        problems = []
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                status = self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append(f"the server did not exit within {STOP_TIMEOUT:g} s of SIGTERM (killed)")
            else:
                if status != 0:
                    problems.append(f"the server {_exit_text(status)} after SIGTERM")
            self.proc = None
        output = self.output()
        if any(marker in output for marker in _SANITIZER_MARKERS):
            problems.append("the sanitizers reported a problem")
        if problems:
            problems[-1] += self.output_tail()
        self.log.close()
        return problems

    def output(self) -> str:
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def output_tail(self, lines: int = 30) -> str:
        tail = self.output().splitlines()[-lines:]
        return ("; its output ends:\n" + "\n".join("    | " + line for line in tail)) if tail else \
            " (it printed nothing)"


def _exit_text(status: int) -> str:
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(server: Server, cases: list, spec_file: str, keep_going: bool, out=None) -> int:
    """Runs the cases against a started server and stops it; 0 when everything passed."""
    passed = failed = 0
    server_problems = []
    started = time.monotonic()

    def say(text: str) -> None:
        print(text, file=out or sys.stdout, flush=True)

    try:
        server.start()
        say(f"server {server.binary} listening on 127.0.0.1:{server.port}")
        for case in cases:
            lost = False  # no complete exchange: perhaps the server is dying
            try:
                problems = case_checks.differences(case, case_client.run(case, server.port))
            except case_client.CaseError as exc:
                problems, lost = [str(exc)], True
            crashed = False
            try:
                server.check_alive(grace=0.5 if lost else 0.0)
            except ServerFailed as exc:  # fails the case that caused it, and ends the run
                problems.append(str(exc))
                crashed = True
            where = f"  ({spec_file}:{case.line})" if case.line else ""
            if problems:
                failed += 1
                say(f"FAIL  {case.route_path}  {case.name}{where}")
                for line in problems:
                    say(f"        {line}")
                if crashed:
                    server_problems.append("the server died during the run")
                if crashed or not keep_going:
                    break
            else:
                passed += 1
                say(f"PASS  {case.route_path}  {case.name}")
    except ServerFailed as exc:
        server_problems.append(str(exc))
    finally:
        server_problems += server.stop()
    for problem in server_problems:
        say(f"FAIL  server: {problem}")
    not_run = len(cases) - passed - failed
    summary = f"{passed} passed, {failed} failed"
    if not_run:
        summary += f", {not_run} not run" + ("" if server_problems else " (stopped at the first failure; "
                                             "--keep-going runs every case)")
    say(f"{summary} in {time.monotonic() - started:.1f} s")
    return 1 if failed or server_problems or not_run else 0
