"""Command line: ringspec {generate,build,run,test,check,proto,routes,openapi,arena,stub} SPEC ..., init DIR,
explain RSxxx, reference [--readme FILE].

Spec errors go to stderr as file:line: key: message, all of them, with exit status 1;
nothing is written then. `build` runs the Makefile's `server` target after generating;
`run` builds and execs the server; `test` builds, starts it and runs the spec's
[[route.test]] cases (codegen/testing/case_runner.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from .export import arena_entry, openapi, reference, scaffold
from .testing import case_runner
from .spec import diagnostics, profile_tuning, route_tests, static_dir
from .emit import emit, handlers
from .spec.model import Spec
from .spec.diagnostics import SpecError, SpecErrors
from .spec.spec_loader import load
from .spec.validate import validate_all


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    server_args = []
    if "--" in argv:  # ringspec run SPEC [options] -- SERVER_ARGS: the rest goes to the server
        server_args, argv = argv[argv.index("--") + 1:], argv[:argv.index("--")]
    parser = _parser()
    args = parser.parse_args(argv)
    if server_args and args.run is not _run:
        parser.error("-- SERVER_ARGS is for `ringspec run` only")
    args.server_args = server_args
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

    def command(name: str, run, help_text: str, profile: bool = True, about: str | None = None):
        sub = commands.add_parser(name, help=help_text, description=about or help_text)
        sub.add_argument("spec", metavar="SPEC", help="spec file, e.g. spec/arena.toml")
        if profile:
            sub.add_argument("--profile", metavar="NAME", help="only the routes of [profile.NAME]")
        sub.set_defaults(run=run)
        return sub

    gen = command("generate", _generate, "Validate SPEC and write the generated C.")
    gen.add_argument("-o", dest="gen_dir", metavar="GEN_DIR", type=Path,
                     help="output directory (default: generated/<name> beside SPEC; in this checkout, its generated/)")
    build = command("build", _build, "Generate, then compile the server with make.")
    build.add_argument("-o", dest="out_dir", metavar="OUT_DIR", type=Path,
                       help="build directory (default: build/<name>, build/<name>-asan with --sanitize, beside SPEC; "
                            "for specs in this checkout, its build/)")
    build.add_argument("--sanitize", action="store_true", help="build with ASan and UBSan")
    run = command("run", _run, "Build, then run the server in the foreground.",
                  about="Build, then run the server in the foreground (exec). Flags after -- go to the server, "
                        "e.g. -- --workers 1 (see build/<name>/server --help); --data-root defaults to the "
                        "data/ directory beside SPEC (see test).")
    run.usage = "ringspec run [-h] [--profile NAME] [--port N] [--sanitize] [-o OUT_DIR] SPEC [-- SERVER_ARGS ...]"
    run.add_argument("--port", type=int, metavar="N", help="TCP port (default: the spec's [server] port)")
    run.add_argument("--sanitize", action="store_true", help="build and run with ASan and UBSan")
    run.add_argument("-o", dest="out_dir", metavar="OUT_DIR", type=Path,
                     help="build directory (default: as build); generated C goes to OUT_DIR/generated")
    test = command("test", _test, "Build, serve and run the [[route.test]] cases of SPEC.",
                   about="Build, start the server on a free loopback port and run every [[route.test]] case "
                         "of SPEC: one PASS/FAIL line per case with what differs, a summary, exit 1 on any "
                         "failure or if the server dies, or stops badly after the SIGTERM it gets at the end.")
    test.add_argument("--sanitize", action="store_true", help="test an ASan + UBSan build (sanitizer reports fail)")
    test.add_argument("--keep-going", action="store_true",
                      help="run every case (default: stop at the first failing case)")
    test.add_argument("-o", dest="out_dir", metavar="OUT_DIR", type=Path,
                      help="build directory (default: as build); generated C goes to OUT_DIR/generated")
    test.add_argument("--data-root", metavar="DIR", type=Path,
                      help="the server's --data-root (default: data/ beside SPEC; for specs in this "
                           "checkout without one, its data/ as make run serves)")
    command("check", _check, "Validate SPEC only: print every diagnostic.", profile=False)
    proto = command("proto", _proto, "Write the .proto of SPEC's gRPC messages and services.", profile=False)
    proto.add_argument("-o", dest="out_file", metavar="FILE", type=Path, help="output file (default: stdout)")
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
    api = command("openapi", _openapi, "Write the OpenAPI 3.1 document (JSON) of SPEC's routes.")
    api.add_argument("-o", dest="out_file", metavar="FILE", type=Path, help="output file (default: stdout)")
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


def _proto(args) -> int:
    from .grpc import proto_emit
    spec = _load(args.spec, None)
    if spec.grpc is None:
        print(f"ringspec: {args.spec} declares no [message.*] or [service.*]", file=sys.stderr)
        return 1
    text = proto_emit.render(spec.grpc, args.spec)
    if args.out_file:
        args.out_file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


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


def output_root(spec_file: str) -> Path:
    """Where a spec's build/<name> and generated/<name> go by default: this checkout for the
    specs inside it (build/arena/server, which make and scripts use), else the spec's own
    directory, so two specs named alike elsewhere never share output and ringspec never
    writes into its own (possibly installed) tree for them."""
    spec_dir = Path(spec_file).resolve().parent
    return emit.REPO_ROOT if spec_dir.is_relative_to(emit.REPO_ROOT) else spec_dir


def _generate_into(args, spec: Spec | None = None) -> tuple[Spec, Path]:
    spec = spec or _load(args.spec, args.profile)
    files = emit.render(spec, args.profile)  # everything rendered before anything is written
    gen_dir = getattr(args, "gen_dir", None) or output_root(args.spec) / "generated" / spec.output_name(args.profile)
    for path in emit.write(files, gen_dir):
        print(f"generated {_shown(path)}")
    return spec, gen_dir


def _generate(args) -> int:
    _generate_into(args)
    return 0


def _build(args) -> int:
    return _build_server(args)[0]


def _build_server(args) -> tuple[int, Path, Spec]:
    """Generates and compiles; (make's status, the server binary, the spec as built)."""
    spec = _load(args.spec, args.profile)
    handler_files, problems = handlers.build_sources(spec, args.profile)
    if problems:  # before anything is generated or compiled, as for any spec error
        raise SpecErrors(problems, None)
    spec, gen_dir = _generate_into(args, spec)
    name = spec.output_name(args.profile) + ("-asan" if args.sanitize else "")
    out_dir = args.out_dir or output_root(args.spec) / "build" / name
    # Absolute paths: make runs in the repo root, not in the caller's directory.
    command = ["make", "-s", "-C", str(emit.REPO_ROOT), "server", f"GEN_DIR={gen_dir.resolve()}",
               f"OUT={out_dir.resolve()}", f"SANITIZE={int(args.sanitize)}"]
    if handler_files:  # the user's C, checked by handlers.find_problems (rule: handlers.build_sources)
        command.append("HANDLERS=" + " ".join(str(p) for p in handler_files))
    print("compiling: " + " ".join(command), flush=True)
    binary = out_dir / "server"
    try:
        status = subprocess.run(command).returncode
    except FileNotFoundError:
        print("ringspec: make not found", file=sys.stderr)
        return 127, binary, spec
    if status != 0:
        print(f"ringspec: make failed with status {status}", file=sys.stderr)
        return status, binary, spec
    print(f"built {_shown(binary)}", flush=True)
    return 0, binary, spec


def default_data_root(spec_file: str) -> Path | None:
    """data/ beside the spec (spec/examples/<name>/data); for a spec inside this checkout
    without one, the checkout's data/ (the sample data `make run` serves); else None (the
    server's own default, /data)."""
    spec_dir = Path(spec_file).resolve().parent
    if (spec_dir / "data").is_dir():
        return spec_dir / "data"
    if spec_dir.is_relative_to(emit.REPO_ROOT) and (emit.REPO_ROOT / "data").is_dir():
        return emit.REPO_ROOT / "data"
    return None


def _test(args) -> int:
    spec = _load(args.spec, args.profile)  # diagnostics first: no build for a broken spec
    selection = route_tests.select(spec, args.profile)
    if not selection.cases:
        print(f"ringspec test: {args.spec} has no [[route.test]] cases"
              + (f" in profile {args.profile}" if args.profile else ""), file=sys.stderr)
        return 1
    if args.out_dir is not None:
        args.gen_dir = args.out_dir / "generated"
    status, binary, _ = _build_server(args)
    if status != 0:
        return status
    data_root = args.data_root or default_data_root(args.spec)
    server_args = ["--data-root", str(data_root)] if data_root else []
    routes = len(spec.select(args.profile)) - len(selection.untested)
    print(f"testing {args.spec}" + (f" (profile {args.profile})" if args.profile else "")
          + f": {len(selection.cases)} case{'s' * (len(selection.cases) != 1)} on {routes} route{'s' * (routes != 1)}"
          + (f" (no cases: {', '.join(selection.untested)})" if selection.untested else ""), flush=True)
    server = case_runner.Server(binary, server_args)
    return case_runner.run(server, selection.cases, args.spec, args.keep_going)


def _run(args) -> int:
    if args.out_dir is not None:
        args.gen_dir = args.out_dir / "generated"
    status, binary, _ = _build_server(args)
    if status != 0:
        return status
    server_args = list(args.server_args)
    if args.port is not None:
        server_args = ["--port", str(args.port)] + server_args
    data_root = default_data_root(args.spec)
    if "--data-root" not in server_args and data_root is not None:
        server_args = ["--data-root", str(data_root)] + server_args
    print(f"exec {_shown(binary)} {' '.join(server_args)}".rstrip(), flush=True)
    os.execv(binary, [str(binary), *server_args])
    return 127  # not reached: execv returns only by raising


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


def _openapi(args) -> int:
    text = json.dumps(openapi.document(_load(args.spec, args.profile), args.profile), indent=2) + "\n"
    if args.out_file is None:
        sys.stdout.write(text)
    else:
        args.out_file.write_text(text, encoding="utf-8")
        print(f"wrote {_shown(args.out_file)}")
    return 0


def _reference(args) -> int:
    if args.readme is None:
        print(reference.render(), end="")
        return 0
    return reference.update_readme(args.readme, args.check)


def param_type(p) -> str:
    """A parameter's type as `routes` prints it: the kind, the constraints the server checks,
    then `= default` or `?` when it may be absent (the reply then sees no value)."""
    c = p.constraints
    checks = []
    if c is not None:
        if c.min is not None or c.max is not None:
            checks.append(f"{'' if c.min is None else c.min}..{'' if c.max is None else c.max}")
        if c.enum:
            checks.append("one of " + "|".join(str(v) for v in c.enum))
        if c.min_length is not None or c.max_length is not None:
            checks.append(f"length {c.min_length or 0}..{'' if c.max_length is None else c.max_length}")
        if c.pattern is not None:
            checks.append(f"pattern {json.dumps(c.pattern)}")
    text = p.kind + (f" ({'; '.join(checks)})" if checks else "")  # `; `: the params are `, `-separated
    if p.default is not None:  # the slot's value: a bool's 0/1, a string enum's index
        shown = {"bool": lambda d: "true" if d else "false", "string": lambda d: json.dumps(c.enum[d])}
        return text + " = " + shown.get(p.kind, str)(p.default)
    return text if p.required else text + "?"


def _routes(args) -> int:
    spec = _load(args.spec, args.profile)
    rows = [("#", "METHODS", "PATH", "PARAMS", "REPLY")]
    selected = spec.select(args.profile)
    selected += static_dir.slash_redirects(selected)  # the build's numbering: these come last
    for number, route in enumerate(selected):
        if route.body_stream:
            params = "body body: stream (bytes read)"
        else:
            params = ", ".join(f"{p.source} {p.name}: {param_type(p)}" for p in route.params)
        if route.websocket:
            reply, path = f"101 websocket {route.websocket}", route.path
        elif route.metrics:
            reply, path = f"200 {route.content_type} Prometheus metrics (every worker's counters)", route.path
        elif route.handler:
            outcomes = [r.label for r in route.responses] + [f"{e.status} {e.name}" for e in route.errors]
            reply, path = f"handler {route.handler}()" + (": " + " | ".join(outcomes) if outcomes else ""), route.path
        elif route.static is not None:
            s = route.static
            reply = f"files under {s.dir} (cache {s.cache}, precompressed {', '.join(s.precompressed) or '-'})"
            path = route.path + "*"
        elif not route.content_type:  # 204, 304 or a redirect
            location = [h for h in route.headers if h.name == "Location"]
            reply = f"{route.status} -> " + "".join(getattr(p, "text", None) or "{" + p.source + "}"
                                                    for p in location[0].template) if location else f"{route.status}"
            path = route.path
        else:
            reply = f"{route.status} {route.content_type} {route.text_source!r}"
            path = route.path
        if route.json_body is not None:
            params = ", ".join(filter(None, [params, f"body body: json {route.json_body.shape}"]))
        rows.append((str(number), ", ".join(route.methods), path, params or "-", reply))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
    print()  # then the listeners, after a blank line (readers of the table stop there)
    for listener in spec.server.listeners:
        tls = "; TLS" if listener.tls_cert else ""
        print(f"listener {listener.name}: port {listener.port} ({', '.join(listener.protocols)}{tls})")
    methods = spec.grpc_methods(args.profile)
    if methods:  # then the gRPC methods (HTTP/2 only; docs/grpc.md), after another blank line
        print()
    for m in methods:
        if m.handler:
            reply = f"handler {m.handler}() -> {m.response}"
        else:
            fields = ", ".join(f"{k} = {v}" for k, v in m.reply_source.items())
            reply = (f"stream of {m.count_source} x {m.response} {{{fields}}}" if m.server_stream
                     else f"{m.response} {{{fields}}}")
        print(f"rpc POST {m.path(spec.grpc.package)}  message {m.request}  {reply}")
    return 0


if __name__ == "__main__":  # python -m codegen.cli
    sys.exit(main())
