"""Our own generator of the arena's Postgres `items` table (ARENA.md §10.2).

Same columns, types and distributions as the arena's seed: 100,000 rows, ids 1..N, price uniform
1..500, quantity 1..1000, active a coin flip, 1-4 distinct tags, name = a dataset name + " " + id,
category one of the dataset's categories, rating_score 1..50, rating_count 1..500, from a fixed
random seed. Names, categories and tags come from the repository's data/dataset.json (the same
vocabulary as the arena's). The exact rows differ from the arena's: tests compare the server's
replies with psql on this table, never with hard-coded rows.

    /usr/bin/python3 tests/db/seed_items.py [ROWS] > items.sql   # DDL + COPY, for psql
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

DATASET = Path(__file__).resolve().parents[2] / "data" / "dataset.json"
ROWS = 100_000
SEED = 42

DDL = """CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    active BOOLEAN NOT NULL,
    tags JSONB NOT NULL,
    rating_score INTEGER NOT NULL,
    rating_count INTEGER NOT NULL
);
"""
COLUMNS = "id, name, category, price, quantity, active, tags, rating_score, rating_count"


def vocabulary() -> tuple[list, list, list]:
    items = json.loads(DATASET.read_text())
    names = sorted({it["name"] for it in items})
    categories = sorted({it["category"] for it in items})
    tags = sorted({t for it in items for t in it["tags"]})
    return names, categories, tags


def rows(count: int = ROWS, seed: int = SEED):
    """Yields (id, name, category, price, quantity, active, tags_json, score, count) tuples."""
    names, categories, tags = vocabulary()
    rnd = random.Random(seed)
    for i in range(1, count + 1):
        picked = rnd.sample(tags, rnd.randint(1, 4))
        yield (i, f"{rnd.choice(names)} {i}", rnd.choice(categories), rnd.randint(1, 500),
               rnd.randint(1, 1000), rnd.random() < 0.5, json.dumps(picked), rnd.randint(1, 50),
               rnd.randint(1, 500))


def copy_text(count: int = ROWS, seed: int = SEED) -> str:
    """The table's DDL and a COPY ... FROM STDIN block (text format) for psql."""
    out = [DDL, f"COPY items ({COLUMNS}) FROM STDIN;\n"]
    for r in rows(count, seed):
        # Text COPY: tab-separated; backslash is the only escape our values could need.
        fields = [str(v).lower() if isinstance(v, bool) else str(v) for v in r]
        out.append("\t".join(f.replace("\\", "\\\\") for f in fields) + "\n")
    out.append("\\.\nANALYZE items;\n")
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(copy_text(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS))
