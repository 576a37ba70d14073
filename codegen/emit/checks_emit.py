"""C snippets for the constraint checks of spec v2 parameters (templates/checks.c.j2).

For each checked parameter: the conditions that refuse a value, the texts the violations
body shows for it ("expected"), and the Ragel machine of its pattern (patterns.c).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import body_emit
from ..lang import expr
from ..spec.model import STATUS_REASONS, Param, Spec

# rs_violation order (runtime/app/ringspec.h): the "what" of each violation.
VIOLATIONS = ("", "missing", "type", "repeated", "min", "max", "enum", "min_length", "max_length", "pattern")


def _enum_text(values) -> str:
    return "one of: " + ", ".join(str(v) for v in values)


def expected_texts(p: Param) -> list:
    """The "expected" text of each violation of p, indexed like VIOLATIONS."""
    c = p.constraints
    kind = p.kind
    out = [""] * len(VIOLATIONS)
    describe = {"int": "an integer", "bool": "true or false"}.get(kind, "a string")
    if c and c.enum:
        describe = _enum_text(c.enum)
    out[1] = describe
    out[2] = {"int": "an integer", "bool": "true or false"}.get(kind, "valid percent-encoding")
    out[3] = "at most one value"
    if c:
        if c.min is not None:
            out[4] = f">= {c.min}"
        if c.max is not None:
            out[5] = f"<= {c.max}"
        if c.enum:
            out[6] = _enum_text(c.enum)
        if c.min_length is not None:
            out[7] = f"at least {c.min_length} bytes"
        if c.max_length is not None:
            out[8] = f"at most {c.max_length} bytes"
        if c.pattern is not None:
            out[9] = f"matches {c.pattern}"
    return out


@dataclass
class ParamCheck:
    """What checks.c.j2 needs for one parameter."""

    param: Param
    fn: str  # name of its take_/check_ function
    pattern_id: int | None = None  # rs_pattern_N in patterns.c
    text_offset: int | None = None  # where its decoded text is kept for the reply, if it is
    utf8: bool = False  # a JSON reply writes its text: it must be valid UTF-8
    no_nul: bool = False  # a statement argument: Postgres text holds no NUL (libpq would cut it there)

    @property
    def slot(self) -> int:
        return self.param.slot

    @property
    def int_conditions(self) -> list:
        """[(C condition on v that refuses, RS_V_ name)] for an int."""
        c = self.param.constraints
        out = []
        if c is None:
            return out
        if c.min is not None:
            out.append((f"v < {expr.c_int_literal(c.min)}", "RS_V_MIN"))
        if c.max is not None:
            out.append((f"v > {expr.c_int_literal(c.max)}", "RS_V_MAX"))
        if c.enum:
            out.append(("!(" + " || ".join(f"v == {expr.c_int_literal(v)}" for v in c.enum) + ")", "RS_V_ENUM"))
        return out

    @property
    def c(self):
        return self.param.constraints


def check_name(route_c_name: str, p: Param) -> str:
    return f"take_{route_c_name}_{p.name}"


def patterns(routes, body_fields=()) -> list:
    """[(id, Ragel expression, pattern text, ParamCheck or BodyField)] for the string
    parameters and JSON body fields with a pattern, numbering them (pattern_id)."""
    out = []
    for view in routes:
        for check in view.checks:
            c = check.param.constraints
            if c is not None and c.ragel is not None:
                check.pattern_id = len(out)
                out.append((len(out), c.ragel, c.pattern, check))
    for f in body_fields:
        f.pattern_id = len(out)
        out.append((len(out), f.c.ragel, f.c.pattern, f))
    return out


def run_ragel(source: str) -> str:
    """Compiles the rendered patterns.rl with ragel -G2 and returns the C."""
    tool = shutil.which("ragel")
    if tool is None:
        raise RuntimeError("ragel not found: it compiles `pattern` constraints (apt-get install ragel)")
    with tempfile.TemporaryDirectory() as tmp:
        rl, c = Path(tmp) / "patterns.rl", Path(tmp) / "patterns.c"
        rl.write_text(source, encoding="utf-8")
        result = subprocess.run([tool, "-G2", "-L", "-o", str(c), str(rl)], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"ragel failed on generated patterns.rl: {result.stderr.strip()}")
        return c.read_text(encoding="utf-8")


def json_key(text: str) -> str:
    """The JSON of a key followed by ':', for a C string literal."""
    return json.dumps(text, ensure_ascii=False) + ":"


def context(spec: Spec, routes, c_string) -> dict:
    """Template variables for checks.c.j2 and invalid.c.j2."""
    v = spec.violations
    head = f"HTTP/1.1 {v.status} {STATUS_REASONS[v.status]}\r\nContent-Type: application/json\r\n"
    return {
        "checked_routes": [r for r in routes if r.checks],
        "any_text": any(r.text_size for r in routes),
        "patterns": patterns(routes, body_emit.body_fields_with_patterns(routes, spec.body_shapes)),
        "violation_names": VIOLATIONS,
        "violation_keys": [json_key(name) for _, name in v.fields],
        "violations_head": c_string(head),
        "violations_open": c_string("{" + json_key(v.message_key) + json.dumps(v.message, ensure_ascii=False)
                                    + "," + json_key(v.list_key) + "["),
    }
