"""`ringspec routes SPEC`: each parameter with its real type (int, string, bool), the
constraints the server checks, and its default or `?` when it may be absent."""

import re

from conftest import REPO, ringspec

CATALOGUE = REPO / "spec" / "examples" / "catalogue" / "catalogue.toml"
INVENTORY = REPO / "spec" / "examples" / "inventory" / "inventory.toml"


def params_column(spec, path: str) -> list[str]:
    """The PARAMS cell of the route at `path`, split at the commas between parameters."""
    result = ringspec("routes", spec)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.split("\n\n")[0].splitlines()  # the listeners follow a blank line
    start, end = header.index("PARAMS"), header.index("REPLY")
    for row in rows:
        if row[header.index("PATH"):start].split() == [path]:
            return re.split(r", (?=(?:path|query|header|body) )", row[start:end].strip())
    raise AssertionError(f"no route {path} in:\n{result.stdout}")


def test_string_bool_and_int_params_show_their_types_and_constraints():
    assert params_column(CATALOGUE, "/products") == [
        'query category: string (length 0..32; pattern "[a-z-]+")?',
        "query min_price: int (0..)?",
        "query max_price: int (0..)?",
        "query q: string (length 1..64)?",
        "query active: bool?",
        'query sort: string (one of id|price|-price|name; length 0..256) = "id"',
        "query limit: int (1..100) = 20",
        "query offset: int (0..1000000) = 0",
    ]


def test_int_range_and_default():
    assert params_column(INVENTORY, "/items/{id:int}/reserve") == ["path id: int", "query quantity: int (1..100) = 1"]


def test_bool_default_is_shown_as_true_or_false(tmp_path):
    spec = tmp_path / "flags.toml"
    spec.write_text('[[route]]\npath = "/f"\nquery = { on = { type = "bool", default = true }, '
                    'off = { type = "bool", default = false } }\nreply = { text = "{on} {off}" }\n')
    assert params_column(spec, "/f") == ["query on: bool = true", "query off: bool = false"]
