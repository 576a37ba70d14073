"""Custom handlers: `ringspec init` scaffolds a project whose handler builds and links;
a missing handler is a diagnostic naming the route and the file to create (before any C
compiler runs); a mistyped one is a compile error against the generated prototype."""

from conftest import ringspec


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
