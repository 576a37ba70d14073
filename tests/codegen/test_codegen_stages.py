"""codegen/ is a pipeline of stage packages, and imports only run down it.

lang (expressions, patterns, queries, sql() calls) knows nothing of specs; spec (loading,
keys, validation, the model) uses lang to check; emit renders the model into C; testing
(in-spec [[route.test]] running) and export (OpenAPI, reference, arena entry, scaffold)
come last and do not use each other. A module may import its own stage and earlier ones,
never a later one, and the stage packages form no cycle. The shared subpackages (cors,
grpc, reply_head, routing, values) hold a check and its emitter side by side, so each of
their modules is given the stage of what it does (SHARED); cli.py ties the stages together
and is outside the order."""

import ast
from pathlib import Path

CODEGEN = Path(__file__).resolve().parents[2] / "codegen"

# Position in the pipeline; a stage imports only from stages with a smaller number (or itself).
STAGES = {"lang": 0, "spec": 1, "emit": 2, "testing": 3, "export": 3}
SHARED = {
    "values.string_holes": "lang",  # holes in reply text: expressions over parameters
    "cors.policy": "spec", "grpc.model": "spec", "grpc.spec": "spec", "reply_head.check": "spec",
    "routing.method_groups": "spec", "routing.paths": "spec",
    "cors.emit": "emit", "grpc.codec_emit": "emit", "grpc.proto_emit": "emit", "grpc.service_emit": "emit",
    "reply_head.emit": "emit",
}


def _stage_of(module: str) -> str | None:
    """"codegen.spec.model" -> "spec"; "codegen.reply_head.check" -> SHARED's "spec";
    None for cli.py and package __init__ files that import nothing."""
    parts = module.split(".")[1:]
    if parts and parts[0] in STAGES:
        return parts[0]
    return SHARED.get(".".join(parts))


def _imported(path: Path) -> set[str]:
    """Absolute names of the codegen modules or packages a file imports (anywhere in it,
    function-level imports included)."""
    here = ["codegen", *path.relative_to(CODEGEN).with_suffix("").parts]
    package = here[:-1]  # the package the file is in (an __init__.py is its package)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("codegen")}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
                if not base.startswith("codegen"):
                    continue
            else:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            for a in node.names:  # `from codegen.spec import model` names a module
                name = f"{base}.{a.name}"
                found.add(name if CODEGEN.parent.joinpath(*name.split(".")).with_suffix(".py").exists() else base)
    return found


def _edges() -> list[tuple[str, str, str]]:
    """(file, importing stage, imported stage) for every import from one stage into another."""
    edges = []
    for path in sorted(CODEGEN.rglob("*.py")):
        mine = _stage_of(".".join(["codegen", *path.relative_to(CODEGEN).with_suffix("").parts]))
        for target in _imported(path):
            theirs = _stage_of(target)
            if mine and theirs and mine != theirs:
                edges.append((str(path.relative_to(CODEGEN.parent)), mine, theirs))
    return edges


def backward_imports(edges) -> list[str]:
    return [f"{f}: {a} (stage {STAGES[a]}) imports {b} (stage {STAGES[b]})"
            for f, a, b in edges if STAGES[b] >= STAGES[a]]


def package_cycle(edges) -> list[str] | None:
    """A cycle in the graph of stages, as a list of names."""
    graph: dict[str, set[str]] = {}
    for _, a, b in edges:
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt, stack + [nxt])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_every_stage_package_exists_and_top_level_holds_only_the_cli():
    assert all((CODEGEN / s / "__init__.py").exists() for s in STAGES)
    assert sorted(p.name for p in CODEGEN.glob("*.py")) == ["__init__.py", "cli.py"]


def test_every_shared_module_has_a_stage():
    shared = {".".join(p.relative_to(CODEGEN).with_suffix("").parts) for p in CODEGEN.glob("*/*.py")
              if p.parent.name not in STAGES and p.name != "__init__.py"}
    assert shared == set(SHARED)


def test_the_checker_sees_the_imports_it_judges():
    """Relative imports, `from PACKAGE import MODULE` and function-level imports are resolved:
    known dependencies of the emitter are found."""
    edges = {(a, b) for f, a, b in _edges() if f == "codegen/emit/json_plan.py"}
    assert edges == {("emit", "lang"), ("emit", "spec")}


def test_no_stage_imports_a_later_one_or_a_sibling():
    assert backward_imports(_edges()) == []


def test_packages_form_no_cycle():
    assert package_cycle(_edges()) is None


def test_a_backward_import_and_a_cycle_are_reported():
    """The rules themselves catch what they are for (on made-up edges)."""
    edges = [("codegen/lang/x.py", "lang", "spec"), ("codegen/spec/y.py", "spec", "lang")]
    assert backward_imports(edges) == ["codegen/lang/x.py: lang (stage 0) imports spec (stage 1)"]
    assert package_cycle(edges) in (["lang", "spec", "lang"], ["spec", "lang", "spec"])
