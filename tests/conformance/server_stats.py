"""The server's counters from a test: SIGUSR1 makes every worker print one
`stats worker=N key=value ...` line on stderr (and --stats prints them at exit);
these helpers wait for those lines and sum them over the workers, as
tests/stress/conftest.py does for the stress suite."""

import signal
import time


def stats_lines(srv):
    """Complete lines only: stderr is a file the server may be writing while we read it,
    so a last line without its newline can be cut anywhere."""
    complete = srv.stderr().split("\n")[:-1]
    return [line for line in complete if line.startswith("stats worker=")]


def parse_stats(lines):
    """Sums the key=value fields of the given stats lines."""
    total = {}
    for line in lines:
        for field in line.split()[2:]:  # after "stats worker=N"
            key, _, value = field.partition("=")
            total[key] = total.get(key, 0) + int(value)
    return total


def stats_now(srv, workers, timeout=5):
    """SIGUSR1, then the sum of every worker's new line."""
    seen = len(stats_lines(srv))
    srv.proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = stats_lines(srv)
        if len(lines) >= seen + workers:
            return parse_stats(lines[seen:seen + workers])
        time.sleep(0.02)
    raise AssertionError("the workers did not print their counters on SIGUSR1")


def stats_until(srv, workers, done, timeout=5):
    """Polls the counters until done(stats) holds; returns the last ones either way."""
    deadline = time.monotonic() + timeout
    while True:
        st = stats_now(srv, workers)
        if done(st) or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def delta(after, before, prefix):
    """The counters starting with prefix that changed, as after - before."""
    return {k: after[k] - before.get(k, 0) for k in after if k.startswith(prefix) and after[k] != before.get(k, 0)}
