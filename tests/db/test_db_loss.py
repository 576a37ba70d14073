"""Losing the database (PROTOCOLS.md §3.3): start without it, lose it under load, get it
back. Meanwhile reads answer the empty shape, first() answers 503, nothing crashes, and
afterwards the pool is whole again without leaking descriptors or Postgres sessions."""

import http.client
import json
import threading
import time

from db_server import Server, wait_for_rows
from pg_cluster import PgCluster, wait_until


def test_database_absent_at_start(server_binary):
    cluster = PgCluster(rows=2000).init()  # initialised, not started: nothing listens on its port
    try:
        server = Server(server_binary, cluster.url)
        try:
            for _ in range(3):
                assert server.get_json("/async-db") == {"items": [], "count": 0}
            assert server.get("/items/1")[0] == 503  # first(): no fake 404 while the database is away
            cluster.start().seed()
            # reconnect_max = 1 s in specs/db.toml: connected within a few backoff rounds
            assert wait_for_rows(server, "/async-db?limit=3", 10), server.output()
            assert server.get_json("/items/1")["id"] == 1
        finally:
            out = server.stop()
        assert "connection 0 ready" in out
    finally:
        cluster.destroy()


class Load:
    """threads keep-alive clients sending GET /async-db?limit=5 until stopped (bounded)."""

    def __init__(self, port, threads=6, seconds=30):
        self.port, self.stop_at = port, time.monotonic() + seconds
        self.lock = threading.Lock()
        self.counts, self.errors, self.done = {}, [], threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        conn = None
        while not self.done.is_set() and time.monotonic() < self.stop_at:
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/async-db?limit=5")
                resp = conn.getresponse()
                body = json.loads(resp.read())
                key = (resp.status, body["count"])
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if conn:
                    conn.close()
                conn = None
                key = ("error", type(exc).__name__)
            with self.lock:
                self.counts[key] = self.counts.get(key, 0) + 1
        if conn:
            conn.close()

    def snapshot(self):
        with self.lock:
            return dict(self.counts)

    def finish(self):
        self.done.set()
        for t in self.threads:
            t.join(15)
        return self.snapshot()


def test_immediate_stop_under_load_then_restart(server, pg):
    # Settled (no client left open by the fixture): the listener and the pool's 3 sockets.
    assert wait_until(lambda: server.fd_targets().count("socket") == 0 and
                      sum(t.startswith("socket:") for t in server.fd_targets()) == 4, 5), server.fd_targets()
    fds_before = server.fds()
    load = Load(server.port)
    try:
        assert wait_until(lambda: load.snapshot().get((200, 5), 0) > 50, 10)
        pg.stop("immediate")
        # meanwhile: the empty shape, never an error status or a dropped connection
        assert wait_until(lambda: load.snapshot().get((200, 0), 0) > 50, 10), load.snapshot()
        pg.start()
        before = load.snapshot().get((200, 5), 0)
        assert wait_until(lambda: load.snapshot().get((200, 5), 0) > before + 50, 15), load.snapshot()
    finally:
        counts = load.finish()
    assert server.alive()
    assert set(counts) <= {(200, 5), (200, 0)}, counts
    # the pool is whole again: as many descriptors as before, and 3 sessions in Postgres
    assert wait_until(lambda: server.fds() == fds_before, 5), f"{server.fds()} != {fds_before}: {server.fd_targets()}"
    assert wait_until(lambda: pg.backends() == 3, 5), pg.backends()
    assert "lost (" in server.output()


def test_first_request_right_after_start_waits_for_the_connection(pg_running, server_binary):
    """validate.sh asks as soon as the port answers: a request that arrives while the pool is
    still connecting waits for it instead of getting the empty shape."""
    for _ in range(3):
        server = Server(server_binary, pg_running.url)  # returns as soon as the port accepts
        try:
            assert server.get_json("/async-db?limit=7")["count"] == 7
        finally:
            server.stop()
