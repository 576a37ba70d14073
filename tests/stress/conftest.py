"""Stress tests: a real server under misbehaving clients, judged by its own
counters (SIGUSR1 / --stats lines), its fds (/proc/PID/fd) and its RSS.

Environment:
  RS_SERVER         server binary (release or ASan build)
  RS_STRESS=long    full-length runs (`make stress`); default: short (`make test`)
  RS_STRESS_REPORT  file the measured numbers are appended to (one line per test)

Server start/stop and the sanitizer check come from the conformance suite's
conftest (loaded under another name: both files are called conftest.py).
Every loop here is bounded in count and in time."""

import importlib.util
import os
import resource
import signal
import time
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "rs_conformance", Path(__file__).resolve().parents[1] / "conformance" / "conftest.py")
conformance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conformance)

LONG = os.environ.get("RS_STRESS") == "long"
ASAN = "asan" in str(conformance.server_binary())
OUTPUT_CAP = 64 * 1024  # spec/arena.toml [server.limits] output_queue
MIB = 1024 * 1024


def scaled(short, long):
    return long if LONG else short


# --------------------------------------------------------------------------
# Limits of this process and of the host


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def raise_sysctls():
    """Enough ports and queue for ~16k loopback connections (DESIGN.md §4).
    CI runs as root; elsewhere the current values are kept."""
    wanted = {"net/ipv4/ip_local_port_range": "1024 65535", "net/core/somaxconn": "65535",
              "net/ipv4/tcp_max_syn_backlog": "65535"}
    for key, value in wanted.items():
        path = Path("/proc/sys") / key
        try:
            cur = path.read_text().split()
            if [int(x) for x in cur] != [int(x) for x in value.split()]:
                path.write_text(value)
        except OSError:
            pass


# --------------------------------------------------------------------------
# The server process


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def parse_stats(lines):
    """Sums the key=value stats lines of all workers."""
    total = {}
    for line in lines:
        for field in line.split()[2:]:  # "stats worker=N ..."
            key, _, value = field.partition("=")
            total[key] = total.get(key, 0) + int(value)
    return total


class Stressed:
    """A server started for one test, with its counters at hand."""

    def __init__(self, tmpdir, workers, extra_args):
        self.workers = workers
        self.srv = conformance.start_server(
            tmpdir, name="stress", extra_args=("--workers", str(workers), "--stats", *extra_args))
        self.pid = self.srv.proc.pid
        self.port = self.srv.port
        # The start-up probe connection holds a slot and an fd until its close
        # completes, which on a loaded machine can take longer than a fixed sleep:
        # the baseline is taken once no connection is open (bounded wait).
        deadline = time.monotonic() + 5
        while self.stats()["open"] != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.fds_before = fd_count(self.pid)
        self.rss_before = rss_bytes(self.pid)
        self.accepted_before = self.stats()["accepted"]  # the start-up probe
        self.final = None

    def stats_lines(self):
        # Complete lines only: the server may be writing the last one as we read the file.
        return [l for l in self.srv.stderr().split("\n")[:-1] if l.startswith("stats worker=")]

    def stats(self, timeout=5):
        """Counters now: SIGUSR1, then every worker's new line."""
        seen = len(self.stats_lines())
        self.srv.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.stats_lines()
            if len(lines) >= seen + self.workers:
                return parse_stats(lines[seen:seen + self.workers])
            time.sleep(0.02)
        raise AssertionError("workers did not print their counters on SIGUSR1")

    def stats_settled(self, open_at_most, timeout=5):
        """Stats once the server has seen the test's own short-lived connections
        (probes, bystanders) close: a client's close reaches the server a moment
        later, and on a loaded machine that moment can outlast the first stats
        call.  Returns the first stats with open <= open_at_most, or the last."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats()
            if st["open"] <= open_at_most or time.monotonic() > deadline:
                return st
            time.sleep(0.1)

    def wait_quiet(self, timeout=10):
        """Waits until no connection is open and the fd count is back to
        where it was at start; returns (stats, fds)."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats()
            fds = fd_count(self.pid)
            if (st["open"] == 0 and fds == self.fds_before) or time.monotonic() > deadline:
                return st, fds
            time.sleep(0.2)

    def stop(self):
        """SIGTERM, exit 0, clean sanitizer log; the --stats lines at exit."""
        n = len(self.stats_lines())
        conformance.stop_server(self.srv, grace=10)
        self.final = parse_stats(self.stats_lines()[n:])
        return self.final

    def kill(self):
        if self.srv.alive():
            self.srv.proc.kill()
            self.srv.proc.wait(5)


@pytest.fixture
def stressed(tmp_path):
    """Factory: stressed(workers=2, *args) starts a server; killed if the
    test did not stop it."""
    started = []

    def start(*extra_args, workers=2):
        s = Stressed(tmp_path, workers, extra_args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()


def report(name, **numbers):
    """Prints the measured numbers and appends them to RS_STRESS_REPORT."""
    variant = "asan" if ASAN else "release"
    text = f"{name} [{variant}, {'long' if LONG else 'short'}]: " + " ".join(
        f"{k}={v}" for k, v in numbers.items())
    print(text)
    path = os.environ.get("RS_STRESS_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(text + "\n")


@pytest.fixture(autouse=True)
def _limits():
    raise_nofile()
