"""Load for the stress tests: pipelining clients whose every request has a
distinct answer, so a response delivered to the wrong connection, out of
order, or with a wrong byte is caught.

Request i of connection `cid` is /baseline11?a=<cid>&b=<i> (a GET, or a POST
with an integer body padded with whitespace so it spans receive buffers);
the answer is the exact sum."""

import random
import re
import socket
import struct
import threading
import time

HEAD_RE = re.compile(rb"^HTTP/1\.1 (\d{3}) [^\r\n]*\r\n(.*?)\r\n\r\n", re.S)
CL_RE = re.compile(rb"(?im)^content-length:[ \t]*(\d+)[ \t]*$")


def make_requests(cid, n, rng, pad_max=0):
    """(bytes of each request, expected body of each response)."""
    reqs, want = [], []
    for i in range(n):
        target = b"/baseline11?a=%d&b=%d" % (cid, i)
        if pad_max and rng.random() < 0.3:
            val = rng.randint(0, 999)
            body = b" " * rng.randint(0, pad_max) + b"%d" % val + b"\r\n"
            reqs.append(b"POST " + target + b" HTTP/1.1\r\nHost: s\r\nContent-Length: %d\r\n\r\n"
                        % len(body) + body)
            want.append(b"%d" % (cid + i + val))
        else:
            reqs.append(b"GET " + target + b" HTTP/1.1\r\nHost: s\r\n\r\n")
            want.append(b"%d" % (cid + i))
    return reqs, want


def take_responses(buf):
    """Complete responses at the start of buf: ([(status, body)], rest)."""
    out = []
    while True:
        m = HEAD_RE.match(buf)
        if not m:
            return out, buf
        cl = CL_RE.search(m.group(2))
        assert cl, f"response without Content-Length: {m.group(0)!r}"
        end = m.end() + int(cl.group(1))
        if len(buf) < end:
            return out, buf
        out.append((int(m.group(1)), bytes(buf[m.end():end])))
        buf = buf[end:]


class Tally:
    """Shared, locked counters of a run; `wrong` holds the first mismatches."""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = {"connections": 0, "responses_checked": 0, "requests_sent": 0,
                  "closed_mid_request": 0, "closed_mid_response": 0, "reset_by_client": 0,
                  "dropped": 0}
        self.wrong = []

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                self.n[k] += v

    def fail(self, what):
        with self.lock:
            if len(self.wrong) < 10:
                self.wrong.append(what)


def check(got, want, cid, tally):
    for i, (status, body) in enumerate(got):
        if i >= len(want) or status != 200 or body != want[i]:
            tally.fail(f"conn {cid} response {i}: got {status} {body[:40]!r}, "
                       f"want 200 {want[i] if i < len(want) else 'nothing'!r}")
            return False
    return True


def one_connection(port, cid, rng, tally, churn, pad_max, max_depth, timeout=5.0):
    """Pipelines up to max_depth requests on one connection.  With churn the
    connection is then closed at a random point: mid-request (the last
    request cut short), mid-response (after reading some of the answers,
    sometimes with an RST), or after everything.  Without churn every answer
    must arrive (a dropped connection is counted)."""
    n = rng.randint(1, max_depth)
    reqs, want = make_requests(cid, n, rng, pad_max)
    mode = rng.choice(("complete", "mid-request", "mid-response")) if churn else "complete"
    payload = b"".join(reqs)
    expect = n
    if mode == "mid-request":
        cut = rng.randint(1, len(reqs[-1]) - 1)
        payload = payload[:len(payload) - len(reqs[-1]) + cut]
        expect = n - 1
    if mode == "mid-response":
        expect = rng.randint(0, n - 1)  # answers to read before closing
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    tally.add(connections=1, requests_sent=n)
    buf, got = b"", []
    try:
        # Send in a few random pieces so heads and bodies straddle receives.
        pos = 0
        while pos < len(payload):
            step = rng.choice((len(payload), rng.randint(1, 512)))
            s.sendall(payload[pos:pos + step])
            pos += step
        deadline = time.monotonic() + timeout
        while len(got) < expect and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            more, buf = take_responses(buf)
            got += more
        if len(got) < expect:
            tally.add(dropped=1)
            tally.fail(f"conn {cid} ({mode}): {len(got)} of {expect} answers before EOF/timeout")
        if mode == "mid-request":
            tally.add(closed_mid_request=1)
        elif mode == "mid-response":
            tally.add(closed_mid_response=1)
            if rng.random() < 0.5:  # close with unread answers in flight: RST
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                tally.add(reset_by_client=1)
    except (ConnectionResetError, BrokenPipeError) as e:
        tally.add(dropped=1)
        tally.fail(f"conn {cid} ({mode}): {e!r}")
    finally:
        s.close()
    check(got, want, cid, tally)
    tally.add(responses_checked=len(got))


def run_clients(port, threads, seconds, churn, pad_max=0, max_depth=40, seed=1):
    """Runs `threads` client loops for `seconds`; returns the Tally."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    ids = iter(range(1, 1 << 40))
    ids_lock = threading.Lock()

    def loop(k):
        rng = random.Random(seed * 1000 + k)
        for _ in range(10_000_000):  # bounded; the deadline ends it first
            if time.monotonic() >= deadline:
                return
            with ids_lock:
                cid = next(ids) * 1000  # room for b < 1000 without collisions
            try:
                one_connection(port, cid, rng, tally, churn, pad_max, max_depth)
            except OSError as e:
                tally.add(dropped=1)
                tally.fail(f"conn {cid}: {e!r}")

    ts = [threading.Thread(target=loop, args=(k,), daemon=True) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(seconds + 30)
    return tally
