"""Custom handlers: `ringspec init` scaffolds a project whose handler builds and links;
a missing handler is a diagnostic naming the route and the file to create (before any C
compiler runs); a mistyped one is a compile error against the generated prototype; a
profile's build compiles only the handler files of its routes (handlers.build_sources)."""

import shutil
from pathlib import Path

from conftest import REPO, ringspec


def init(tmp_path):
    root = tmp_path / "shop"
    result = ringspec("init", root)
    assert result.returncode == 0, result.stderr
    return root


def test_init_refuses_to_overwrite(tmp_path):
    root = init(tmp_path)
    result = ringspec("init", root)
    assert result.returncode == 1 and "refusing to overwrite" in result.stderr


def test_missing_handler_names_route_and_file(tmp_path):
    root = init(tmp_path)
    (root / "handlers" / "item.c").unlink()
    result = ringspec("check", "shop.toml", cwd=root)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == ('shop.toml:26:11: error[RS070]: route[1].handler: route "/items/{id:int}" needs handler '
                        '"item", which no file in handlers/ defines')
    assert "create handlers/item.c defining `rs_status item(const item_params *in, rs_reply *reply)`" in lines[3]
    stub = ringspec("stub", "shop.toml", cwd=root)
    assert stub.returncode == 0 and "rs_status item(const item_params *in, rs_reply *reply)" in stub.stdout


def test_handler_without_the_generated_header(tmp_path):
    root = init(tmp_path)
    path = root / "handlers" / "item.c"
    path.write_text(path.read_text().replace('#include "handlers.h"', '#include "ringspec.h"'))
    result = ringspec("check", "shop.toml", cwd=root)
    assert result.returncode == 1 and 'without #include "handlers.h"' in result.stderr


def test_scaffold_builds_and_mistyped_handler_does_not(tmp_path):
    root = init(tmp_path)
    result = ringspec("build", "shop.toml", "-o", root / "build", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "build" / "server").is_file()
    path = root / "handlers" / "item.c"
    path.write_text(path.read_text().replace("const item_params *in", "const item_params *in, int extra"))
    result = ringspec("build", "shop.toml", "-o", root / "build2", cwd=root)
    assert result.returncode != 0
    assert "conflicting types for" in result.stderr and "item" in result.stderr


def test_scaffold_cases_pass_with_ringspec_test(tmp_path):
    root = init(tmp_path)
    result = ringspec("test", "shop.toml", "-o", root / "build", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  /items/{id:int}  GET /items/7" in result.stdout
    assert "PASS  /items/{id:int}  ids start at 1" in result.stdout
    assert "PASS  /items/{id:int}  the shop has 100 items" in result.stdout
    assert "3 passed, 0 failed in " in result.stdout
    assert "test:" in (root / "Makefile").read_text()


INVENTORY = REPO / "spec" / "examples" / "inventory"
PROFILES = """
[profile.reading]
routes = ["/items", "/items/{id:int}"]

[profile.listing]
routes = ["/items"]
"""


def inventory_with_profiles(tmp_path):
    """spec/examples/inventory plus two profiles: items.c defines list_items and get_item,
    orders.c reserve_item and restock_item, stock.c no handler (code they share)."""
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root, ignore=shutil.ignore_patterns("build"))
    spec = root / "inventory.toml"
    spec.write_text(spec.read_text() + PROFILES)
    return root


def test_profile_compiles_only_the_handler_files_of_its_routes(tmp_path):
    """orders.c uses reserve_item_params, which the reading profile's handlers.h does not
    declare: the build leaves it out, and the profile's cases pass against the server."""
    root = inventory_with_profiles(tmp_path)
    result = ringspec("test", "inventory.toml", "--profile", "reading", "-o", tmp_path / "out", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    compiling = next(line for line in result.stdout.splitlines() if line.startswith("compiling: "))
    handler_files = compiling.split("HANDLERS=")[1].split()
    assert [Path(f).name for f in handler_files] == ["items.c", "stock.c"]
    assert "PASS  /items/{id:int}  GET /items/1" in result.stdout
    assert ", 0 failed in " in result.stdout


def test_file_with_handlers_in_and_out_of_the_profile_is_a_diagnostic(tmp_path):
    root = inventory_with_profiles(tmp_path)
    result = ringspec("build", "inventory.toml", "--profile", "listing", "-o", tmp_path / "out", cwd=root)
    assert result.returncode == 1
    assert "error[RS070]: --profile: handlers/items.c defines list_items (in profile listing) and get_item " \
           "(left out)" in result.stderr
    assert "move get_item to a file of its own" in result.stderr
    assert "compiling:" not in result.stdout and not (tmp_path / "out").exists()
