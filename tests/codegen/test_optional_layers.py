"""features.mk: a build links the TLS layer (libssl, libcrypto) only when its spec has a TLS
listener, and the Postgres pool (libpq) only when one of its routes runs a statement
(codegen/emit/emit.py _features, the Makefile's RS_TLS / RS_DB, runtime/*/..._absent.c)."""

from __future__ import annotations

import subprocess

from conftest import REPO, ringspec

ROUTE = '[[route]]\npath = "/a"\nreply = { text = "x" }\n'
TLS_LISTENER = ('[[server.listen]]\nport = 9080\n[[server.listen]]\nname = "tls"\nport = 9443\n'
                'tls = { cert = "/nonexistent/c.crt", key = "/nonexistent/c.key" }\n')


def _generate(tmp_path, text: str, *args) -> str:
    spec = tmp_path / "s.toml"
    spec.write_text(text)
    gen = tmp_path / "gen"
    result = ringspec("generate", spec, "-o", gen, *args)
    assert result.returncode == 0, result.stderr
    return (gen / "features.mk").read_text()


def _linked(binary) -> str:
    return subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout


def test_no_tls_listener_and_no_statement_link_neither(tmp_path):
    features = _generate(tmp_path, ROUTE)
    assert "RS_TLS := 0" in features and "RS_DB := 0" in features
    built = subprocess.run(["make", "-s", "-C", str(REPO), "server", f"GEN_DIR={tmp_path / 'gen'}",
                            f"OUT={tmp_path}"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-4000:]
    libs = _linked(tmp_path / "server")
    assert "libssl" not in libs and "libcrypto" not in libs and "libpq" not in libs, libs
    assert "liburing" in libs
    assert subprocess.run([str(tmp_path / "server"), "--help"], capture_output=True).returncode == 0


def test_a_tls_listener_links_tls(tmp_path):
    features = _generate(tmp_path, TLS_LISTENER + ROUTE)
    assert "RS_TLS := 1" in features and "RS_DB := 0" in features


def test_a_profile_with_a_statement_links_libpq_and_one_without_does_not(tmp_path):
    arena = (REPO / "spec" / "arena.toml").read_text()
    assert "RS_DB := 1" in _generate(tmp_path, arena, "--profile", "async-db")
    assert "RS_DB := 0" in _generate(tmp_path, arena, "--profile", "baseline")
