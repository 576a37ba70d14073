"""Many more clients than pipelines: 1000 concurrent connections over one worker's pool of
3 connections x 16 statements. Every request is answered with its rows (nothing is shed
with an empty 200), the server's memory stays bounded, and Postgres sees 3 sessions."""

import asyncio
import json
import resource

CLIENTS = 1000
ROUNDS = 3


async def client(port, n, results):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for i in range(ROUNDS):
            limit = 1 + (n + i) % 50
            writer.write(f"GET /async-db?min=10&max=50&limit={limit} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            body = json.loads(await reader.readexactly(length))
            results.append((head.split(b" ")[1], body["count"] == limit))
    finally:
        writer.close()


async def run_all(port):
    results = []
    await asyncio.wait_for(asyncio.gather(*(client(port, n, results) for n in range(CLIENTS))), 120)
    return results


def test_a_thousand_clients_over_a_pool_of_three(server, pg):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))
    rss_before = server.rss_kib()
    results = asyncio.run(run_all(server.port))
    assert len(results) == CLIENTS * ROUNDS
    assert all(status == b"200" for status, _ in results)
    assert all(full for _, full in results), sum(not f for _, f in results)
    growth = server.rss_kib() - rss_before
    assert growth < 64 * 1024, f"RSS grew by {growth} KiB"
    assert pg.backends() == 3
