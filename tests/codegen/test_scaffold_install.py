"""A new user's path, end to end: `make install PREFIX=...` into a temporary prefix, then from
another directory `ringspec init books`, the README's "first service" edit (its data file and
spec snippet, read from README.md), `make build`, `make run PORT=<free port>` answered over curl
with the reply the README shows, and `make test`. The scaffold's Makefile finds ringspec on
PATH and gives the server data/ beside the spec; output goes beside the spec; nothing is
written into the installed tree."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO

from codegen.testing.case_runner import _free_port as free_port

README = REPO / "README.md"
START_TIMEOUT = 30  # a scaffold build is already done when `make run` starts; this bounds the wait


def first_service_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Your first service in five minutes")
    return text[start:text.index("\n## ", start + 1)]


def fenced(section: str, lang: str) -> list:
    return re.findall(rf"^```{lang}\n(.*?)^```$", section, re.M | re.S)


def snapshot(tree: Path) -> dict:
    """Every file of tree (bytecode caches aside) with its size and mtime."""
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in tree.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def curl(port: int, target: str) -> tuple:
    r = subprocess.run(["curl", "-s", "-m", "5", "-w", "\n%{http_code}", f"http://127.0.0.1:{port}{target}"],
                       capture_output=True, text=True, timeout=10)
    body, _, status = r.stdout.rpartition("\n")
    return int(status), body


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    r = subprocess.run(["make", "-s", "-C", str(REPO), "install", f"PREFIX={prefix}"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (prefix / "bin" / "ringspec").is_file()
    env = {**os.environ, "PATH": f"{prefix / 'bin'}:{os.environ['PATH']}"}
    return prefix, env


def make(project: Path, env: dict, *targets: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-C", str(project), *targets], capture_output=True, text=True, env=env,
                          timeout=600)


def test_installed_ringspec_scaffolds_builds_runs_and_tests_the_readme_service(installed, tmp_path):
    prefix, env = installed
    before = snapshot(prefix / "lib" / "ringspec")
    work = tmp_path / "elsewhere"
    work.mkdir()
    r = subprocess.run(["ringspec", "init", "books"], cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "not on PATH" not in r.stderr
    project = work / "books"
    makefile = (project / "Makefile").read_text()
    assert str(REPO) not in makefile  # no checkout path baked in: ringspec comes from PATH

    section = first_service_section()
    (data_json,), (snippet,) = fenced(section, "json"), fenced(section, "toml")
    (project / "data").mkdir()
    (project / "data" / "books.json").write_text(data_json)
    with open(project / "books.toml", "a") as spec:
        spec.write("\n" + snippet)

    r = make(project, env, "build")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / "build" / "books" / "server").is_file()  # beside the spec
    assert f"GEN_DIR={project / 'generated' / 'books'}" in r.stdout

    port = free_port()
    server = subprocess.Popen(["make", "-s", "-C", str(project), "run", f"PORT={port}"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "make run did not start serving"
                time.sleep(0.1)
        assert curl(port, "/hello?times=3") == (200, "hello x3")  # the scaffold's own route
        assert curl(port, "/items/7") == (200, '{"id":7,"name":"an item"}')
        # the README's curl line and the reply it shows underneath, from data/ beside the spec
        shown = re.search(r"^curl '(localhost:8081)?(?P<target>/books\?[^']*)'\n# (?P<reply>\{.*\})$",
                          section, re.M)
        assert shown, "the README's first service shows a /books request and its reply"
        assert curl(port, shown["target"]) == (200, shown["reply"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)

    r = make(project, env, "test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS  /books  GET /books?author=butler" in r.stdout
    assert "4 passed, 0 failed" in r.stdout
    assert snapshot(prefix / "lib" / "ringspec") == before  # the installed tree is only read
