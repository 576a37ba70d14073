"""Issue 13 item 4: WebSocket echo output held for clients that never read.

Connections upgrade to /ws, each sends one 16 MiB binary message (the arena's
ws_message limit) and never reads.  Every byte the worker holds for them --
reassembly, the echo waiting in the output queue, spills -- is charged to the
one per-worker budget ([server.limits] buffered, 64 MiB in spec/arena.toml), so
the server's RSS grows by at most the budget plus a fixed allowance, whatever
the number of connections; the messages that do not fit are refused with close
1013.  Once the clients close, every charged byte is given back and the RSS
returns near where it started.

One worker, so the per-worker budget is the whole server's."""

import socket
import time

from conftest import ASAN, MIB, report, rss_bytes, scaled

BUDGET = 64 * MIB  # spec/arena.toml leaves [server.limits] buffered at its default
MESSAGE = 16 * MIB  # spec/arena.toml [server.limits] ws_message
# What is not the budget's: the receive-buffer ring, chunk pool caches, the
# allocator's own slack, and (ASan) shadow memory and redzones.
ALLOWANCE = (48 if ASAN else 16) * MIB

UPGRADE = (b"GET /ws HTTP/1.1\r\nHost: s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def binary_frame(payload):
    """One masked FIN binary frame.  The mask key is zero (legal; the server
    cannot tell), so the payload needs no XOR here."""
    return bytes([0x82, 0x80 | 127]) + len(payload).to_bytes(8, "big") + b"\0\0\0\0" + payload


def upgrade(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(UPGRADE)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)  # byte by byte: nothing past the 101's head is consumed
        assert chunk, "EOF before the 101"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101 "), head
    s.setblocking(False)
    return s


def send_one_by_one(socks, data, stall, sample):
    """Sends data on each socket in turn (the next starts once the server has
    read the previous one's message, so reassembly alone never holds more than
    one), until it is all sent, the server closed the socket, or nothing moved
    for `stall` seconds; calls sample() as it goes.  Returns (bytes sent,
    messages sent whole)."""
    total, whole = 0, 0
    view = memoryview(data)
    for s in socks:
        sent, last = 0, time.monotonic()
        while sent < len(data) and time.monotonic() - last < stall:
            try:
                n = s.send(view[sent:sent + 4 * MIB])
                sent += n
                last = time.monotonic()
            except BlockingIOError:
                sample()
                time.sleep(0.005)
            except OSError:  # refused (1013) and closed under us
                break
        sample()
        total += sent
        whole += sent == len(data)
    return total, whole


def test_unread_websocket_echo_is_bounded_by_the_budget(stressed, monkeypatch):
    conns, hold = scaled(12, 48), scaled(1, 10)
    # ASan's quarantine would keep freed blocks resident and measure ASan, not us.
    monkeypatch.setenv("ASAN_OPTIONS", "quarantine_size_mb=1")
    # The write timeout would drop the stalled echoes; keep it out of the way.
    srv = stressed("--write-timeout", "120", workers=1)
    rss_max = [srv.rss_before]

    def sample():
        rss_max[0] = max(rss_max[0], rss_bytes(srv.pid))

    socks = [upgrade(srv.port) for _ in range(conns)]
    sent, whole = send_one_by_one(socks, binary_frame(b"x" * MESSAGE), stall=2, sample=sample)
    end = time.monotonic() + hold
    while time.monotonic() < end:
        sample()
        time.sleep(0.05)
    during = srv.stats()
    sample()
    for s in socks:
        s.close()  # unread echoes pending: the kernel resets them
    # Given back: every charged byte, and the memory with it.
    deadline = time.monotonic() + 15
    after = srv.stats()
    while time.monotonic() < deadline:
        after = srv.stats()
        if after["open"] == 0 and after["buffered_bytes"] == 0 and \
                rss_bytes(srv.pid) - srv.rss_before < ALLOWANCE:
            break
        time.sleep(0.2)
    rss_after = rss_bytes(srv.pid)
    final = srv.stop()
    report("ws_echo_unread", connections=conns, message_mib=MESSAGE // MIB, bytes_sent=sent,
           messages_sent_whole=whole, rss_before_kib=srv.rss_before // 1024, rss_max_kib=rss_max[0] // 1024,
           rss_after_kib=rss_after // 1024, budget_kib=BUDGET // 1024,
           buffered_during=during["buffered_bytes"], buffered_output_during=during.get("buffered_output", "-"),
           buffered_after=after["buffered_bytes"], open_after=after["open"],
           refused_messages=final["budget_refused_messages"], closes_1013=final["ws_closes_sent_1013"],
           messages_out=final["ws_messages_out"])
    assert rss_max[0] - srv.rss_before < BUDGET + ALLOWANCE, \
        f"RSS grew {(rss_max[0] - srv.rss_before) / MIB:.1f} MiB, budget {BUDGET / MIB:.0f} MiB"
    # What the server held for the stalled clients was charged while it held it.
    assert during["buffered_bytes"] >= MESSAGE, during
    assert during["buffered_bytes"] <= BUDGET, during
    # More messages than fit were refused with 1013, not held.
    assert final["budget_refused_messages"] >= 1 and final["ws_closes_sent_1013"] >= 1, final
    assert after["buffered_bytes"] == 0 and after["open"] == 0, after
    assert rss_after - srv.rss_before < ALLOWANCE, \
        f"RSS after the clients closed: {rss_after / MIB:.1f} MiB (before {srv.rss_before / MIB:.1f})"
    assert final["stale_cqes"] == 0
