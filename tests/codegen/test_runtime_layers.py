"""The runtime's folders are layers (docs/runtime.md, "Layers of runtime/"): every
`#include "..."` under runtime/ names its folder, and no file includes a layer it may
not see. A protocol never includes another protocol, and core names none of them: the
transport reaches them through the per-connection table (core/proto.h) and the hooks
of core/layer_hooks.h, which server/ (the composition root) fills in.

Pure text: no compiler needed, so it runs first and fails with the edge to remove."""

from __future__ import annotations

import re
from pathlib import Path

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"

# What each folder may include besides itself (keep docs/runtime.md in step).
ALLOWED = {
    "core": set(),
    "tls": {"core"},
    "app": {"core"},
    "static": {"core", "app"},
    "db": {"core", "app"},
    "http1": {"core", "tls", "app", "static", "db"},
    "ws": {"core", "tls", "app"},
    "h2": {"core", "tls", "app", "static", "db", "grpc"},
    "grpc": {"core", "app"},  # the call once h2 hands it over (docs/grpc.md)
    "server": {"core", "tls", "app", "static", "db", "http1", "ws", "h2", "grpc"},
}

# The spec contract between generated code and the runtime: the rs_spec tables and
# value types every layer is configured by. Any layer may read it.
CONTRACT = {"app/ringspec.h"}

# State held by value in core's fixed-size records, so core/conn.h and core/reactor.h
# must see its type (not its functions): the slot's union of per-protocol state (256
# bytes, one cache-friendly record per connection) and per-worker scratch. Nothing
# else in core may include them. Each entry must still be in use (the list only shrinks).
STATE_EMBEDDED = {
    ("core/conn.h", "http1/http1_parser.h"),
    ("core/conn.h", "ws/ws_parser.h"),
    ("core/conn.h", "static/static.h"),
    ("core/reactor.h", "http1/http1_parser.h"),
    ("core/reactor.h", "app/compress.h"),
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def runtime_files():
    return sorted(p for p in RUNTIME.rglob("*") if p.suffix in (".c", ".h", ".rl") and p.is_file())


def includes():
    """(including file, included path) for every quoted include, both relative to runtime/."""
    for path in runtime_files():
        rel = path.relative_to(RUNTIME).as_posix()
        for name in INCLUDE.findall(path.read_text()):
            yield rel, name


def folder(rel: str) -> str:
    return rel.split("/", 1)[0] if "/" in rel else ""


def upward_edges(edges) -> list[str]:
    bad = []
    for src, dst in edges:
        a, b = folder(src), folder(dst)
        if a == b or dst in CONTRACT or (src, dst) in STATE_EMBEDDED:
            continue
        if a not in ALLOWED:
            bad.append(f"{src}: folder {a!r} is not a layer (add it to ALLOWED and docs/runtime.md)")
        elif b not in ALLOWED[a]:
            bad.append(f"{src} includes {dst}: {a} may include only {sorted(ALLOWED[a]) or 'itself'}")
    return bad


def folder_cycles(edges) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for src, dst in edges:
        a, b = folder(src), folder(dst)
        if a != b and dst not in CONTRACT and (src, dst) not in STATE_EMBEDDED:
            graph.setdefault(a, set()).add(b)
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_every_runtime_file_is_in_a_layer_folder():
    loose = [p.name for p in runtime_files() if p.parent == RUNTIME]
    assert loose == [], f"put these in the folder of their layer: {loose}"
    unknown = sorted({folder(p.relative_to(RUNTIME).as_posix()) for p in runtime_files()} - set(ALLOWED))
    assert unknown == [], f"folders that are no layer yet (add them to ALLOWED and docs/runtime.md): {unknown}"


def test_includes_name_the_folder_of_an_existing_runtime_header():
    wrong = [f"{src}: #include \"{dst}\"" for src, dst in includes()
             if (RUNTIME / dst).is_file() is False and (RUNTIME / folder(src) / dst).is_file()]
    missing = [f"{src}: #include \"{dst}\"" for src, dst in includes()
               if "/" in dst and not (RUNTIME / dst).is_file()]
    assert wrong == [], "write the folder: " + "; ".join(wrong)
    assert missing == [], "no such runtime header: " + "; ".join(missing)


def test_no_layer_includes_a_higher_or_sibling_layer():
    bad = upward_edges(list(includes()))
    assert bad == [], "\n".join(bad)


def test_no_cycle_between_folders():
    assert folder_cycles(list(includes())) == []


def test_state_embedding_exceptions_are_still_needed():
    edges = set(includes())
    stale = sorted(STATE_EMBEDDED - edges)
    assert stale == [], f"no longer included, drop from STATE_EMBEDDED: {stale}"


def test_the_check_sees_an_upward_edge_and_a_cycle():
    edges = [("core/conn_lifecycle.c", "static/static_serve.h"), ("static/static_serve.c", "core/reactor.h"),
             ("http1/http1_conn.c", "ws/ws_conn.h")]
    bad = upward_edges(edges)
    assert len(bad) == 2 and "core/conn_lifecycle.c includes static/static_serve.h" in bad[0]
    assert folder_cycles(edges) == [["core", "static", "core"]]
