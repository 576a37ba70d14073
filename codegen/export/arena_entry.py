"""`ringspec arena`: writes a self-contained HttpArena entry folder (ARENA.md §7).

    DIR/Dockerfile   multi-stage Debian 12 build; runs `./build.sh binary`, then only the
                     shared libraries and the server remain; CMD serves /data
    DIR/build.sh     `./build.sh` builds the image httparena-<folder name> (validate.sh runs
                     an executable build.sh and expects exactly that, §4.1 step 3);
                     `./build.sh binary` compiles DIR/server (in Docker or outside it)
    DIR/meta.json    language C, type engine, engine io_uring, the arena tests covered
    DIR/README.md    what it is, how to regenerate it
    DIR/src/         this repository's spec, codegen, runtime and Makefile: the image is
                     built from these copies, never from a network fetch

The folder is generated: regenerate it rather than edit it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import jinja2

from ..spec.model import Spec

REPO_ROOT = Path(__file__).resolve().parents[2]
_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "arena"

# Arena test ids (ARENA.md §3): a profile of that name covers that test.
ARENA_TESTS = (
    "baseline", "pipelined", "limited-conn", "json", "json-comp", "json-tls", "upload", "static",
    "async-db", "crud", "api-4", "api-16", "baseline-h2", "static-h2", "baseline-h2c", "json-h2c",
    "baseline-h3", "static-h3", "unary-grpc", "unary-grpc-tls", "stream-grpc", "stream-grpc-tls",
    "echo-ws", "gateway-64", "gateway-h3", "production-stack",
)

# What the build needs from this repository, relative to its root. A spec's C handlers
# live next to it (handlers.handlers_dir) and are copied with it.
_SOURCES = ("codegen", "runtime", "Makefile", "ringspec", ".clang-format")


# Tests that need a listener speaking a protocol on a port of their own (ARENA.md §3.6,
# §3.12-3.15): (port, protocol, through TLS).
_LISTENER_NEEDED = {"baseline-h2c": (8082, "h2c", False), "json-h2c": (8082, "h2c", False),
                    "json-tls": (8081, "http1", True), "baseline-h2": (8443, "h2", True),
                    "static-h2": (8443, "h2", True), "unary-grpc": (8080, "h2c", False),
                    "stream-grpc": (8080, "h2c", False), "unary-grpc-tls": (8443, "h2", True),
                    "stream-grpc-tls": (8443, "h2", True)}


def _has_listener(spec: Spec, test: str) -> bool:
    port, protocol, tls = _LISTENER_NEEDED.get(test, (None, None, False))
    return port is None or any(lst.port == port and protocol in lst.protocols and bool(lst.tls_cert) == tls
                               for lst in spec.server.listeners)


def covered_tests(spec: Spec, profile: str | None) -> list:
    """Arena tests a build of `profile` passes: its own name if that is a test id, else
    every test-named profile whose routes it serves entirely (so `all` covers them all),
    on the listener the test needs (h2c on 8082)."""
    if profile in ARENA_TESTS:
        return [profile] if _has_listener(spec, profile) else []
    served = {r.path for r in spec.select(profile)}
    served |= {m.path(spec.grpc.package) for m in spec.grpc_methods(profile)}  # "/benchmark.BenchmarkService/GetSum"
    return [name for name in ARENA_TESTS
            if name in spec.profiles and set(spec.profiles[name]) <= served and _has_listener(spec, name)]


def write(spec: Spec, spec_path: str, profile: str | None, out_dir: Path) -> int:
    tests = covered_tests(spec, profile)
    if not tests:
        print(f"ringspec: profile {profile or '(none)'} covers no HttpArena test "
              f"(name a profile after one: {', '.join(ARENA_TESTS[:8])}, ...)", file=sys.stderr)
        return 1
    out_dir = out_dir.resolve()
    if out_dir.exists():
        shutil.rmtree(out_dir)  # regenerated as a whole: no stale file survives
    src = out_dir / "src"
    src.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in _SOURCES:
        path = REPO_ROOT / name
        if path.is_dir():
            # copy2 keeps mtimes, so a build may reuse objects compiled from the same files.
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    spec_file = Path("spec") / Path(spec_path).name
    (src / "spec").mkdir()
    shutil.copy2(spec_path, src / spec_file)
    handlers = Path(spec_path).resolve().parent / "handlers"
    if handlers.is_dir():
        shutil.copytree(handlers, src / "spec" / "handlers", ignore=ignore)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False)
    context = {"name": out_dir.name, "profile": profile, "spec_file": spec_file.as_posix(),
               "spec_path": spec_path, "tests": tests, "routes": spec.select(profile)}
    for name, mode in (("Dockerfile", 0o644), ("build.sh", 0o755), ("README.md", 0o644)):
        target = out_dir / name
        target.write_text(env.get_template(name + ".j2").render(context), encoding="utf-8")
        target.chmod(mode)
    (out_dir / ".dockerignore").write_text("server\nsrc/build/\nsrc/generated/\n", encoding="utf-8")
    (out_dir / "meta.json").write_text(json.dumps(meta(profile, tests), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out_dir} (profile {profile or '(all routes)'}; tests: {', '.join(tests)})")
    return 0


def meta(profile: str | None, tests: list) -> dict:
    """ARENA.md §7.3. Every variant shares display_name, so the leaderboard groups them."""
    which = "every profile it supports" if profile in (None, "all") else f"the {profile} profile only"
    return {
        "display_name": "ringspec",
        "language": "C",
        "type": "engine",
        "engine": "io_uring",  # also makes validate.sh add seccomp=unconfined and memlock
        "description": f"HTTP/1.1, HTTP/2 (h2c, h2 over TLS) and gRPC server compiled from a declarative TOML spec; io_uring runtime ({which}).",
        "repo": "",
        "enabled": True,
        "tests": tests,
        "maintainers": [],
    }
