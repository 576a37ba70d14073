"""Database tests: a real PostgreSQL 15 for the whole session (tests/db/pg_cluster.py).

The cluster is started once, seeded with the arena's items table by our own generator, and
stopped at the end. Tests that stop or restart it (pg_ctl stop -m immediate) leave it running.

Environment:
  RS_SERVER   server binary built from tests/db/specs/db.toml (tests that need one)
  RS_PG_BIN   PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
  RS_PG_USER  unprivileged user the cluster runs as when the tests run as root (default nobody)
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_cluster import PgCluster  # noqa: E402


@pytest.fixture(scope="session")
def pg():
    cluster = PgCluster().init().start().seed()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def pg_running(pg):
    """The session cluster, started again if a previous test left it stopped."""
    if not pg.running():
        pg.start()
    return pg


@pytest.fixture(scope="session")
def server_binary():
    from db_server import build_server
    return build_server()


@pytest.fixture
def two_workers(pg_running, server_binary):
    """A server with two workers sharing a pool of 4: a cache and its invalidation seen
    from either worker."""
    from db_server import Server, wait_for_rows
    s = Server(server_binary, pg_running.url, max_conn=4, workers=2)
    try:
        assert wait_for_rows(s, "/async-db?limit=1", 10), s.output()
        yield s
    finally:
        s.stop()


@pytest.fixture
def server(pg_running, server_binary):
    """A server connected to the session cluster: one worker, a pool of 3."""
    from db_server import Server, wait_for_rows
    s = Server(server_binary, pg_running.url)
    try:
        assert wait_for_rows(s, "/async-db?limit=1", 10), s.output()
        yield s
    finally:
        s.stop()
