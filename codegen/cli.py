"""Command line: ringspec {generate,build,check,routes,arena,stub} SPEC ..., init DIR,
explain RSxxx, reference [--readme FILE].

Spec errors go to stderr as file:line: key: message, all of them, with exit status 1;
nothing is written then. `build` runs the Makefile's `server` target after generating.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from . import arena_entry, diagnostics, emit, handlers, profile_tuning, reference, scaffold
from .model import Spec
from .diagnostics import SpecError, SpecErrors
from .spec_loader import load
from .validate import validate_all


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except SpecErrors as exc:
        report(exc.errors, getattr(args, "spec", ""), exc.lines)
        return 1


def report(diagnostics: list, file: str, lines: list | None) -> None:
    """Prints diagnostics to stderr, each with its caret and hint, then a count."""
    for d in diagnostics:
        print(d.format(file, lines), file=sys.stderr)
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if diagnostics:
        print(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
              file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ringspec",
        description="Compile a declarative TOML spec into a specialised C HTTP server.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, run, help_text: str, profile: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("spec", metavar="SPEC", help="spec file, e.g. spec/arena.toml")
        if profile:
            sub.add_argument("--profile", metavar="NAME", help="only the routes of [profile.NAME]")
        sub.set_defaults(run=run)
        return sub

    gen = command("generate", _generate, "Validate SPEC and write the generated C.")
    gen.add_argument("-o", dest="gen_dir", metavar="GEN_DIR", type=Path,
                     help="output directory (default: generated/<name>)")
    build = command("build", _build, "Generate, then compile the server with make.")
    build.add_argument("-o", dest="out_dir", metavar="OUT_DIR", type=Path,
                       help="build directory (default: build/<name>, build/<name>-asan with --sanitize)")
    build.add_argument("--sanitize", action="store_true", help="build with ASan and UBSan")
    command("check", _check, "Validate SPEC only: print every diagnostic.", profile=False)
    command("stub", _stub, "Print a C starting point for each handler SPEC names (for handlers/*.c).",
            profile=False)
    init = commands.add_parser("init", help="Scaffold a new project in DIR: spec, handlers/, Makefile.",
                               description="Scaffold a new project in DIR: spec, handlers/, Makefile.")
    init.add_argument("dir", metavar="DIR", type=Path)
    init.set_defaults(run=scaffold.init)
    explain = commands.add_parser("explain", help="Explain a diagnostic id such as RS012.",
                                  description="Explain a diagnostic id such as RS012.")
    explain.add_argument("code", metavar="RSxxx")
    explain.set_defaults(run=_explain)
    command("routes", _routes, "Print the route table of SPEC.")
    ref_help = "Print the spec-language reference (every key, type, default; diagnostic ids) as Markdown."
    ref = commands.add_parser("reference", help=ref_help, description=ref_help)
    ref.add_argument("--readme", metavar="FILE", type=Path,
                     help="rewrite the section between the spec-reference markers of FILE instead")
    ref.add_argument("--check", action="store_true", help="with --readme: exit 1 if FILE is out of date")
    ref.set_defaults(run=_reference)
    arena = command("arena", _arena, "Write an HttpArena entry folder (Dockerfile, meta.json, build.sh).")
    arena.add_argument("-o", dest="out_dir", metavar="DIR", type=Path, required=True,
                       help="entry folder, e.g. frameworks/ringspec (replaced if it exists)")
    return parser


def _load(spec_path: str, profile: str | None) -> Spec:
    """The validated spec as one build of `profile` sees it (profile_tuning.select)."""
    source = load(spec_path)
    spec, warnings = validate_all(source)
    problems = handlers.find_problems(spec, source.locator)
    if problems:
        raise SpecErrors(problems + warnings, source.locator.lines)
    tunings = profile_tuning.check(source, spec)  # every profile, so `check` reports them all
    if warnings:
        report(warnings, spec_path, source.locator.lines)
    if profile is not None and profile not in spec.profiles:
        known = "known: " + ", ".join(spec.profiles) if spec.profiles else "this spec defines none"
        raise SpecErrors([SpecError(None, "--profile", f'no profile "{profile}" ({known})', "RS060")])
    return profile_tuning.select(spec, profile, tunings)


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory if inside it."""
    path = path.resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _generate_into(args) -> tuple[Spec, Path]:
    spec = _load(args.spec, args.profile)
    files = emit.render(spec, args.profile)  # everything rendered before anything is written
    gen_dir = getattr(args, "gen_dir", None) or emit.REPO_ROOT / "generated" / spec.output_name(args.profile)
    for path in emit.write(files, gen_dir):
        print(f"generated {_shown(path)}")
    return spec, gen_dir


def _generate(args) -> int:
    _generate_into(args)
    return 0


def _build(args) -> int:
    spec, gen_dir = _generate_into(args)
    name = spec.output_name(args.profile) + ("-asan" if args.sanitize else "")
    out_dir = args.out_dir or emit.REPO_ROOT / "build" / name
    # Absolute paths: make runs in the repo root, not in the caller's directory.
    command = ["make", "-s", "-C", str(emit.REPO_ROOT), "server", f"GEN_DIR={gen_dir.resolve()}",
               f"OUT={out_dir.resolve()}", f"SANITIZE={int(args.sanitize)}"]
    if any(r.handler for r in spec.routes):  # the user's C, checked by handlers.find_problems
        command.append("HANDLERS=" + " ".join(str(p) for p in handlers.sources(spec.file)))
    print("compiling: " + " ".join(command), flush=True)
    try:
        status = subprocess.run(command).returncode
    except FileNotFoundError:
        print("ringspec: make not found", file=sys.stderr)
        return 127
    if status != 0:
        print(f"ringspec: make failed with status {status}", file=sys.stderr)
        return status
    print(f"built {_shown(out_dir / 'server')}")
    return 0


def _check(args) -> int:
    spec = _load(args.spec, None)
    print(f"ok: {len(spec.routes)} route{'s' if len(spec.routes) != 1 else ''}")
    return 0


def _arena(args) -> int:
    if args.profile is None:  # the spec's `all` profile is the default entry, if it has one
        if "all" in _load(args.spec, None).profiles:
            args.profile = "all"
    spec = _load(args.spec, args.profile)
    return arena_entry.write(spec, args.spec, args.profile, args.out_dir)


def _stub(args) -> int:
    spec = validate_all(load(args.spec))[0]  # no handler check: the stubs are what is missing
    routes = [r for r in spec.routes if r.handler]
    if not routes:
        print(f"{args.spec} names no handlers", file=sys.stderr)
        return 1
    for route in routes:
        print(f"/* ---- {handlers.handlers_dir(spec.file).name}/{route.handler}.c ---- */")
        print(handlers.stub(route))
    return 0


def _explain(args) -> int:
    text = diagnostics.explain(args.code)
    if text is None:
        print(f"ringspec: unknown diagnostic id {args.code!r} (known: {', '.join(diagnostics.CODES)})",
              file=sys.stderr)
        return 2
    print(text, end="")
    return 0


def _reference(args) -> int:
    if args.readme is None:
        print(reference.render(), end="")
        return 0
    return reference.update_readme(args.readme, args.check)


def _routes(args) -> int:
    spec = _load(args.spec, args.profile)
    rows = [("#", "METHODS", "PATH", "PARAMS", "REPLY")]
    for number, route in enumerate(spec.select(args.profile)):
        if route.body_stream:
            params = "body body: stream (bytes read)"
        else:
            params = ", ".join(
                f"{p.source} {p.name}: int" + ("" if p.required else f" = {p.default}") for p in route.params
            )
        if route.websocket:
            reply, path = f"101 websocket {route.websocket}", route.path
        elif route.static is not None:
            s = route.static
            reply = f"files under {s.dir} (cache {s.cache}, precompressed {', '.join(s.precompressed) or '-'})"
            path = route.path + "*"
        else:
            reply = f"{route.status} {route.content_type} {route.text_source!r}"
            path = route.path
        rows.append((str(number), ", ".join(route.methods), path, params or "-", reply))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
    return 0


if __name__ == "__main__":  # python -m codegen.cli
    sys.exit(main())
