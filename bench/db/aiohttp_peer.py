#!/usr/bin/python3
"""The async-db peer of bench/run's db scenario: Python aiohttp + asyncpg (both from Debian), written
the way their documentation suggests (one process, one event loop, an asyncpg pool, a prepared
statement per connection, json.dumps of the rows).

  aiohttp_peer.py --port P     DATABASE_URL and DATABASE_MAX_CONN from the environment

GET /async-db?min=&max=&limit= (defaults 10/50/50, limit clamped 1..50) answers ARENA.md §3.9's
{"items":[...],"count":K} with the §2.3 item shape; without a database, {"items":[],"count":0}.
Listens on 127.0.0.1 only.
"""

import argparse
import json
import os

import asyncpg
from aiohttp import web

SQL = ("SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count "
       "FROM items WHERE price BETWEEN $1 AND $2 LIMIT $3")
EMPTY = '{"items":[],"count":0}'


def int_arg(q, name, default):
    try:
        return int(q.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest()


async def async_db(request):
    q = request.query
    lo, hi = int_arg(q, "min", 10), int_arg(q, "max", 50)
    limit = min(50, max(1, int_arg(q, "limit", 50)))
    pool = request.app["pool"]
    try:
        async with pool.acquire() as conn:
            rows = await conn.fetch(SQL, lo, hi, limit)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return web.Response(text=EMPTY, content_type="application/json")
    items = [{"id": r["id"], "name": r["name"], "category": r["category"], "price": r["price"],
              "quantity": r["quantity"], "active": r["active"], "tags": r["tags"],
              "rating": {"score": r["rating_score"], "count": r["rating_count"]}} for r in rows]
    return web.Response(text=json.dumps({"items": items, "count": len(items)}, separators=(",", ":")),
                        content_type="application/json")


async def init_conn(conn):
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def on_startup(app):
    size = max(1, int(os.environ.get("DATABASE_MAX_CONN", "16")))
    app["pool"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=size, max_size=size, init=init_conn)


async def on_cleanup(app):
    await app["pool"].close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    app = web.Application()
    app.router.add_get("/async-db", async_db)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    # backlog: aiohttp's default 128 drops SYNs under the bench's 256 reconnecting clients
    web.run_app(app, host="127.0.0.1", port=a.port, access_log=None, print=None, backlog=4096)


if __name__ == "__main__":
    main()
