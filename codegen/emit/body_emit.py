"""C for JSON request bodies: the typed structs (shapes.h) and the readers that fill them
from a libjansson document, checking every constraint (templates/body_read.c.j2).

A reader visits every declared field of an object, so one request lists every broken
field; arrays are read up to max_items into inline storage, so the struct has a size
known here and nothing is allocated per request besides jansson's (budgeted) tree.
"""

from __future__ import annotations

import json

from ..lang import expr
from ..spec.body_shapes import BodyField, BodyShape, ordered

_SCALAR_C = {"int": "int64_t", "string": "rs_str", "bool": "bool"}


def _c_type(f: BodyField) -> str:
    e = f.element
    return _SCALAR_C.get(e.kind) or f"rs_body_{e.shape}"


def _describe(f: BodyField) -> str:
    """What a value of the field is, for "missing" and "type" violations."""
    e = f.element
    if e.kind == "shape":
        one = f"an object ({e.shape})"
    elif e.kind == "bool":
        one = "true or false"
    elif f.c is not None and f.c.enum:
        one = "one of: " + ", ".join(json.dumps(v) if isinstance(v, str) else str(v) for v in f.c.enum)
    else:
        one = "an integer" if e.kind == "int" else "a string"
    return f"an array of {one}" if f.type.kind == "array" else one


def struct_lines(shape: BodyShape) -> list:
    """The members of rs_body_<shape>."""
    lines = []
    for f in shape.fields:
        note = f"{f.type}{'' if f.required else ', optional'}"
        if f.optional:
            lines.append(f"bool rs_has_{f.name}; /* {f.name} was given */")
        if f.type.kind == "array":
            lines.append(f"struct {{ size_t n; {_c_type(f)} v[{f.max_items}]; }} {f.name}; /* {note} */")
        else:
            lines.append(f"{_c_type(f)} {f.name}; /* {note} */")
    return lines


class _Reader:
    def __init__(self, c_string, c_comment):
        self.c_string = c_string
        self.c_comment = c_comment
        self.functions: list = []  # (comment, signature, lines)

    def refuse(self, what: str, expected: str) -> str:
        return f"rs_body_refuse(c, {self.c_string(what)}, {self.c_string(expected)});"

    def take(self, shape: BodyShape, f: BodyField) -> str:
        """A function checking one value of the field (one element of an array); returns its name."""
        name = f"take_{shape.name}_{f.name}"
        e, c = f.element, f.c
        out = f"{_c_type(f)} *out"
        lines = []
        if e.kind == "int":
            lines += ["if (!json_is_integer(j)) {", "    " + self.refuse("type", "an integer"), "    return;", "}",
                      "int64_t v = (int64_t)json_integer_value(j);"]
            checks = []
            if c.min is not None:
                checks.append((f"v < {expr.c_int_literal(c.min)}", "min", f">= {c.min}"))
            if c.max is not None:
                checks.append((f"v > {expr.c_int_literal(c.max)}", "max", f"<= {c.max}"))
            if c.enum:
                cond = "!(" + " || ".join(f"v == {expr.c_int_literal(v)}" for v in c.enum) + ")"
                checks.append((cond, "enum", _describe(f).removeprefix("an array of ")))
            for cond, what, expected in checks:
                lines += [f"if ({cond}) {{", "    " + self.refuse(what, expected), "    return;", "}"]
            lines.append("*out = v;")
        elif e.kind == "string":
            lines += ["if (!json_is_string(j)) {", "    " + self.refuse("type", "a string"), "    return;", "}",
                      "const char *s = json_string_value(j);", "size_t n = json_string_length(j);"]
            checks = []
            if c.min_length:
                checks.append((f"n < {c.min_length}", "min_length", f"at least {c.min_length} bytes"))
            if c.max_length is not None:
                checks.append((f"n > {c.max_length}", "max_length", f"at most {c.max_length} bytes"))
            if c.pattern is not None:
                checks.append((f"!rs_pattern_{f.pattern_id}(s, n)", "pattern", f"matches {c.pattern}"))
            if c.enum:
                cond = "!(" + " || ".join(f"(n == {len(v.encode())} && memcmp(s, {self.c_string(v)}, "
                                          f"{len(v.encode())}) == 0)" for v in c.enum) + ")"
                checks.append((cond, "enum", _describe(f).removeprefix("an array of ")))
            for cond, what, expected in checks:
                lines += [f"if ({cond}) {{", "    " + self.refuse(what, expected), "    return;", "}"]
            lines += ["out->ptr = s;", "out->len = n;"]
        elif e.kind == "bool":
            lines += ["if (!json_is_boolean(j)) {", "    " + self.refuse("type", "true or false"), "    return;", "}",
                      "*out = json_is_true(j);"]
        else:
            lines += ["if (!json_is_object(j)) {", "    " + self.refuse("type", f"an object ({e.shape})"),
                      "    return;", "}", f"read_{e.shape}(j, out, c, additional);"]
        uses_additional = e.kind == "shape"
        signature = (f"static void {name}(json_t *j, {out}, rs_body_check *c"
                     f"{', bool additional' if uses_additional else ''})")
        self.functions.append((f"{shape.name}.{f.name}: {f.type}", signature, lines))
        return name

    def field_lines(self, shape: BodyShape, f: BodyField) -> list:
        take = self.take(shape, f)
        extra = ", additional" if f.element.kind == "shape" else ""
        key = self.c_string(f.name)
        lines = [f"/* {self.c_comment(f.name)}: {self.c_comment(str(f.type))} */",
                 f"mark = rs_body_path_key(c, {key});", f"f = json_object_get(j, {key});"]
        if f.required:
            lines += ["if (!f) {", "    " + self.refuse("missing", _describe(f)), "} else {"]
        else:
            lines += ["if (f)", "    found++;", "if (!f || json_is_null(f)) { /* null is the same as absent */"]
            if f.optional:
                lines.append(f"    out->rs_has_{f.name} = false;")
                lines.append(f"    out->{f.name}.n = 0;" if f.type.kind == "array" else
                             f"    memset(&out->{f.name}, 0, sizeof out->{f.name});")
            elif isinstance(f.default, bool):
                lines.append(f"    out->{f.name} = {'true' if f.default else 'false'};")
            elif isinstance(f.default, int):
                lines.append(f"    out->{f.name} = {expr.c_int_literal(f.default)};")
            else:
                lines.append(f"    out->{f.name} = (rs_str){{{self.c_string(f.default)}, {len(f.default.encode())}}};")
            lines.append("} else {")
            if f.optional:
                lines.append(f"    out->rs_has_{f.name} = true;")
        if f.required:
            lines.append("    found++;")
        if f.type.kind == "array":
            low = f.min_items or 0
            lines += [
                "    if (!json_is_array(f)) {",
                "        " + self.refuse("type", _describe(f)),
                "    } else {",
                "        size_t n = json_array_size(f);",
            ]
            if low:
                lines += [f"        if (n < {low})", "            " + self.refuse("min_items", f"at least {low} items")]
            lines += [
                f"        if (n > {f.max_items}) {{",
                "            " + self.refuse("max_items", f"at most {f.max_items} items"),
                f"            n = {f.max_items}; /* the rest is not read */",
                "        }",
                f"        out->{f.name}.n = n;",
                "        for (size_t i = 0; i < n; i++) {",
                "            size_t item = rs_body_path_index(c, i);",
                f"            {take}(json_array_get(f, i), &out->{f.name}.v[i], c{extra});",
                "            rs_body_path_pop(c, item);",
                "        }",
                "    }",
            ]
        else:
            lines.append(f"    {take}(f, &out->{f.name}, c{extra});")
        return lines + ["}", "rs_body_path_pop(c, mark);"]

    def shape(self, shape: BodyShape) -> None:
        lines = ["json_t *f;", "size_t mark;", "size_t found = 0; /* declared members present */"]
        for f in shape.fields:
            lines += self.field_lines(shape, f)
        names = ", ".join(f.name for f in shape.fields)
        lines += [
            "/* Members the shape does not declare: only looked for when some are there. */",
            "if (!additional && json_object_size(j) > found) {",
            "    const char *key;",
            "    json_t *value;",
            "    json_object_foreach(j, key, value) {",
            "        (void)value;",
            "        if (" + " && ".join(f"strcmp(key, {self.c_string(f.name)}) != 0" for f in shape.fields) + ") {",
            "            mark = rs_body_path_key(c, key);",
            "            " + self.refuse("unknown", f"one of: {names}"),
            "            rs_body_path_pop(c, mark);",
            "        }",
            "    }",
            "}",
        ]
        signature = f"static void read_{shape.name}(json_t *j, rs_body_{shape.name} *out, rs_body_check *c, bool additional)"
        self.functions.append((f"an object of shape {shape.name}", signature, lines))


def context(spec, routes, c_string, c_comment) -> dict:
    """Template variables for shapes.h.j2 (body_structs) and body_read.c.j2."""
    body_routes = [r for r in routes if r.route.json_body is not None]
    shapes: list = []
    for r in body_routes:
        for s in ordered(r.route.json_body.shape, spec.body_shapes):
            if s not in shapes:
                shapes.append(s)
    reader = _Reader(c_string, c_comment)
    prototypes = [f"static void read_{s.name}(json_t *j, rs_body_{s.name} *out, rs_body_check *c, bool additional);"
                  for s in shapes]
    for s in shapes:
        reader.shape(s)
    return {
        "body_routes": body_routes,
        "body_structs": [(s.name, struct_lines(s)) for s in shapes],
        "body_top_shapes": list(dict.fromkeys(r.route.json_body.shape for r in body_routes)),
        "body_prototypes": prototypes,
        "body_functions": reader.functions,
    }


def body_fields_with_patterns(routes, body_shapes: dict) -> list:
    """BodyFields with a pattern, reachable from the body routes, each once."""
    out: list = []
    seen: list = []
    for r in routes:
        if r.route.json_body is None:
            continue
        for s in ordered(r.route.json_body.shape, body_shapes):
            if s.name in seen:
                continue
            seen.append(s.name)
            out += [f for f in s.fields if f.c is not None and f.c.ragel is not None]
    return out
