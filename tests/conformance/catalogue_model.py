"""An independent model of spec/examples/catalogue/catalogue.toml's GET /products, in plain
Python over the same products.json: what the generated C must answer. Written from the
spec's meaning (not from the server's output), so a disagreement is a bug on one side."""

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "spec" / "examples" / "catalogue"
PRODUCTS = json.loads((EXAMPLE / "data" / "products.json").read_text())

SORTS = {"id": ("id", False), "price": ("price", False), "-price": ("price", True), "name": ("name", False)}


def products(category=None, min_price=None, max_price=None, q=None, active=None, sort="id", limit=20, offset=0):
    """The reply body of GET /products with these (already valid) parameters."""
    matches = [p for p in PRODUCTS
               if (category is None or p["category"] == category)
               and (min_price is None or p["price"] >= min_price)
               and (max_price is None or p["price"] <= max_price)
               and (q is None or q.lower() in p["name"].lower())
               and (active is None or p["active"] == active)]
    field, descending = SORTS[sort]
    # Stable, ties in data order both ways (Python's sort is stable, reverse=True too).
    ordered = sorted(matches, key=lambda p: p[field], reverse=descending)
    return {"items": ordered[offset:offset + limit], "total": len(matches), "limit": limit, "offset": offset}


def product(id):
    return next((p for p in PRODUCTS if p["id"] == id), None)
