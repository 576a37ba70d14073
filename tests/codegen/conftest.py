"""Shared helpers for the codegen tests: run ./ringspec, build the C harness.

The harness (harness.c) links generated routes.c with runtime/app/http_util.c and stands in
for the runtime, so dispatch and respond are tested as compiled C, under ASan + UBSan.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPECS = Path(__file__).resolve().parent / "specs"
HARNESS_C = Path(__file__).resolve().parent / "harness.c"
WARN = ["-std=c17", "-Wall", "-Wextra", "-Werror"]
STRICT = WARN + ["-O2"]  # the flags the brief requires generated code to pass
COMPILERS = [c for c in ("cc", "clang") if shutil.which(c)]

sys.path.insert(0, str(REPO))  # for the unit tests that import codegen directly


def ringspec(*args, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO / "ringspec"), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True)


def generate(spec: Path, out: Path, profile: str | None = None) -> Path:
    args = ["generate", spec, "-o", out] + (["--profile", profile] if profile else [])
    result = ringspec(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return out / "routes.c"


def compile_object(compiler: str, source: Path, out: Path) -> None:
    result = subprocess.run([compiler, *STRICT, f"-I{REPO / 'runtime'}", "-c", str(source), "-o", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # warning-free, not merely error-free


def _unescape(text: str) -> str:
    table = {"r": "\r", "n": "\n", "\\": "\\"}
    return re.sub(r"\\(x[0-9a-f]{2}|[rn\\])",
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "x" else table[m.group(1)], text)


@dataclass
class Response:
    route: int
    dispatch_status: int
    body_kind: int
    body_param: int
    body_limit: int
    allow: str | None
    status: int  # what the client would see: the dispatch error, or the reply's status
    head: str | None = None
    body: str | None = None
    websocket: str | None = None  # "echo max_message=N" for a route that upgrades


class Harness:
    def __init__(self, exe: Path):
        self.exe = exe

    def run(self, *args: str) -> str:
        result = subprocess.run([str(self.exe), *args], capture_output=True, text=True,
                                env={**os.environ, "ASAN_OPTIONS": "detect_leaks=0",
                                     "RS_DATA_ROOT": str(REPO / "data")})
        assert result.returncode == 0 and result.stderr == "", (result.returncode, result.stderr)
        return result.stdout

    def request(self, method: str, path: str, query: str | None = None, body: str | None = None) -> Response:
        out = self.run("request", method, path, "-" if query is None else query, "-" if body is None else body)
        lines = out.splitlines()
        m = re.fullmatch(r"dispatch route=(-?\d+) status=(\d+) body_kind=(\d+) body_param=(\d+) "
                         r"body_limit=(\d+) allow=(.*)", lines[0])
        assert m, out
        route, status, kind, param, limit = map(int, m.groups()[:5])
        response = Response(route, status, kind, param, limit, None if m.group(6) == "-" else m.group(6), status)
        if status != 0:
            assert len(lines) == 1, out
            return response
        if lines[1].startswith("websocket "):
            assert len(lines) == 2, out
            response.websocket = lines[1][len("websocket on_message="):]
            return response
        if lines[1].startswith("reply error "):
            assert len(lines) == 2, out
            response.status = int(lines[1].split()[2])
            return response
        assert len(lines) == 4 and lines[2].startswith("head ") and lines[3].startswith("body "), out
        response.status = int(lines[1].split()[1])
        response.head = _unescape(lines[2][5:])
        response.body = _unescape(lines[3][5:])
        return response


@pytest.fixture(scope="session")
def harness(tmp_path_factory):
    """harness(spec, profile=None) -> Harness, built once per (spec, profile)."""
    cache: dict = {}

    def build(spec: Path, profile: str | None = None) -> Harness:
        key = (spec, profile)
        if key not in cache:
            out = tmp_path_factory.mktemp("harness")
            generate(spec, out, profile)
            exe = out / "harness"
            cmd = [COMPILERS[0], *WARN, "-D_GNU_SOURCE", "-O1", "-g", "-fsanitize=address,undefined",
                   "-fno-sanitize-recover=all", f"-I{REPO / 'runtime'}",
                   *sorted(str(c) for c in out.glob("*.c")),
                   *(str(REPO / "runtime" / "app" / name)
                     for name in ("http_util.c", "json_writer.c", "request_headers.c", "text_match.c")),
                   str(REPO / "runtime" / "ws" / "utf8.c"),
                   str(HARNESS_C), "-o", str(exe),
                   "-ljansson"]
            result = subprocess.run(cmd, capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
            cache[key] = Harness(exe)
        return cache[key]

    return build


@pytest.fixture
def arena(harness) -> Harness:
    return harness(REPO / "spec" / "arena.toml")


@pytest.fixture
def params_spec(harness) -> Harness:
    return harness(SPECS / "params.toml")
