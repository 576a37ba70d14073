"""fd churn and a tiny buffer ring: pipelining clients, every answer checked.

fd churn: clients pipeline requests with distinct query values and close at
random points (mid-request, mid-response, with and without RST); every
response that arrives must be the exact answer to its own request, and the
server's fd count must come back to where it was.  A completion for a
recycled slot would show up as a wrong answer or in stale_cqes.

tiny ring: the same load against 4 receive buffers per worker, so recv runs
out of buffers constantly: ENOBUFS must be a pause, never a dropped
connection or a wrong byte."""

from clients import run_clients
from conftest import report, scaled


def test_fd_churn(stressed):
    srv = stressed()
    seconds = scaled(8, 60)
    tally = run_clients(srv.port, threads=8, seconds=seconds, churn=True, pad_max=3000)
    st, fds = srv.wait_quiet()
    final = srv.stop()
    report("fd_churn", seconds=seconds, **tally.n, stale_cqes=final["stale_cqes"],
           fds_before=srv.fds_before, fds_after=fds, accepted=final["accepted"], closed=final["closed"],
           requests=final["requests"], enobufs_pauses=final["enobufs_pauses"])
    assert not tally.wrong, tally.wrong
    assert tally.n["dropped"] == 0
    assert tally.n["responses_checked"] > 1000
    assert tally.n["closed_mid_request"] > 0 and tally.n["closed_mid_response"] > 0
    assert fds == srv.fds_before, f"fd leak: {srv.fds_before} fds at start, {fds} after"
    assert st["open"] == 0
    assert final["accepted"] == final["closed"] == tally.n["connections"] + srv.accepted_before
    assert final["stale_cqes"] == 0, "a completion arrived for a recycled slot"
    assert final["5xx"] == 0 and final["parse_errors"] == 0


def test_tiny_buffer_ring(stressed):
    srv = stressed("--recv-buffers", "4")
    seconds = scaled(6, 60)
    tally = run_clients(srv.port, threads=12, seconds=seconds, churn=False, pad_max=6000, seed=2)
    st, fds = srv.wait_quiet()
    final = srv.stop()
    report("tiny_ring", seconds=seconds, **tally.n, enobufs_pauses=final["enobufs_pauses"],
           stale_cqes=final["stale_cqes"], fds_before=srv.fds_before, fds_after=fds)
    assert not tally.wrong, tally.wrong
    assert tally.n["dropped"] == 0
    assert tally.n["responses_checked"] == tally.n["requests_sent"] > 500
    assert final["enobufs_pauses"] > 0, "the ring never ran dry: the test did not test anything"
    assert fds == srv.fds_before and st["open"] == 0
    assert final["stale_cqes"] == 0 and final["parse_errors"] == 0 and final["5xx"] == 0
