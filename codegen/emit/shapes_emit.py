"""C for shapes: serializer and loader bodies (shapes.c.j2 lays them out).

Kept apart from emit.py because it is about JSON types, not routes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..spec.responses import response_types
from ..spec.shapes import Type, ordered_types


@dataclass
class Function:
    stem: str  # type's c_stem
    c_type: str
    lines: list
    open: bool = False  # the "_open" variant of a shape serializer


def context(spec, c_string) -> dict:
    """Template variables for shapes.h.j2 and shapes.c.j2."""
    types = ordered_types(spec.shapes, spec.data, response_types(spec.routes))
    # Loaders are static: only those a data source reaches (a shape used only in replies or
    # request bodies would be an unused function).
    loaded = ordered_types({name: spec.shapes[name] for name in _data_shapes(spec)}, spec.data)
    serializers, loaders = [], []
    for t in types:
        if t.kind == "array":
            serializers.append(Function(t.c_stem, t.c_type, _array_serializer(t)))
        else:
            shape = spec.shapes[t.shape]
            serializers.append(Function(t.c_stem, t.c_type, _shape_open(shape, c_string), open=True))
            serializers.append(Function(t.c_stem, t.c_type,
                                        [f"rs_ser_{t.c_stem}_open(rs_w, v);", 'rs_json_raw(rs_w, "}", 1);']))
        if t in loaded:
            loader = _array_loader(t) if t.kind == "array" else _shape_loader(spec.shapes[t.shape], c_string)
            loaders.append(Function(t.c_stem, t.c_type, loader))
    return {"types": types, "shapes": spec.shapes, "data": list(spec.data.values()),
            "serializers": serializers, "loaders": loaders}


def _data_shapes(spec) -> list:
    """Names of the shapes data sources contain, directly or through other shapes."""
    found: list = []
    pending = [source.type for source in spec.data.values()]
    while pending:
        t = pending.pop()
        while t.kind == "array":
            t = t.of
        if t.kind == "shape" and t.shape not in found:
            found.append(t.shape)
            pending += [ft for _, ft in spec.shapes[t.shape].fields]
    return found


def _shape_open(shape, c_string) -> list:
    lines = []
    for i, (name, t) in enumerate(shape.fields):
        text = ("{" if i == 0 else ",") + json.dumps(name) + ":"
        lines.append(f"rs_json_raw(rs_w, {c_string(text)}, {len(text)});")
        lines.append(t.ser_call(f"v->{name}"))
    return lines


def _array_serializer(t: Type) -> list:
    return [
        'rs_json_raw(rs_w, "[", 1);',
        "for (size_t i = 0; i < v->n; i++) {",
        "    if (i)",
        '        rs_json_raw(rs_w, ",", 1);',
        "    " + t.of.ser_call("v->v[i]"),
        "}",
        'rs_json_raw(rs_w, "]", 1);',
    ]


def _shape_loader(shape, c_string) -> list:
    lines = [
        "if (!json_is_object(j))",
        '    return expect_fail(c, "an object", j);',
        "json_t *f;",
        "size_t mark;",
    ]
    for name, t in shape.fields:
        key = c_string(name)
        lines += [
            f"mark = path_push(c, {key});",
            f"if (!(f = json_object_get(j, {key})))",
            '    return load_fail(c, "missing");',
            f"if (load_{t.c_stem}(f, &out->{name}, c) < 0)",
            "    return -1;",
            "path_pop(c, mark);",
        ]
    return lines + ["return 0;"]


def _array_loader(t: Type) -> list:
    return [
        "if (!json_is_array(j))",
        '    return expect_fail(c, "an array", j);',
        "size_t n = json_array_size(j);",
        f"{t.of.c_type} *v = calloc(n ? n : 1, sizeof *v);",
        "if (!v)",
        '    return load_fail(c, "out of memory");',
        "out->v = v; /* reachable from the start, also when a later item fails */",
        "out->n = n;",
        "/* The data file's own array numbers items; nested arrays extend the field path. */",
        "bool top = c->item < 0 && !c->field[0];",
        "for (size_t i = 0; i < n; i++) {",
        "    size_t mark = 0;",
        "    if (top)",
        "        c->item = (long)i;",
        "    else",
        "        mark = path_index(c, i);",
        f"    if (load_{t.of.c_stem}(json_array_get(j, i), &v[i], c) < 0)",
        "        return -1;",
        "    if (!top)",
        "        path_pop(c, mark);",
        "}",
        "if (top)",
        "    c->item = -1;",
        "return 0;",
    ]
