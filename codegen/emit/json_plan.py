"""JSON replies planned into C: the statements of a respond function for a checked
`[route.reply.json]` (the table, its forms and its checks are in spec/json_reply.py)."""

from __future__ import annotations

import json

from ..lang import expr
from ..lang.query_emit import QueryEmitter
from ..spec.json_reply import JFirst, JInt, JLen, JQuery, JSource, JsonReply, JText
from ..spec.shapes import DataSource


class JsonPlan:
    """The C statements of a JSON respond function: checked arithmetic and queries first
    (so a failure answers 500, and an empty first() its status, before anything is
    written), then the writes, with runs of literal bytes merged into one rs_json_raw.

    The lets, then the fields, are computed in their order: a `first(...) else STATUS`
    answers its status before a later field's arithmetic runs (that arithmetic may be
    what the guard rules out), as a failed check in an earlier field answers 500 first."""

    def __init__(self, reply: JsonReply, c_string, shapes: dict, route_c_name: str = "route"):
        self.c_string = c_string
        self.shapes = shapes
        self.used: set[str] = set()
        self.texts: set[str] = set()  # string parameters written as text (rs_s_NAME)
        self.lines: list[str] = []
        self._raw = ""
        self.statements: list[str] = []
        bounds: dict[str, str] = {}
        values: dict[str, str] = {}
        self.views: dict[str, str] = {}
        top = expr.CEmitter("rs_t")
        qe = self.queries = QueryEmitter(route_c_name, c_string)
        planned = [q for _, q in reply.lets] + [v.query for _, v in reply.fields if isinstance(v, (JQuery, JFirst))]
        if planned:
            qe.setup(planned)
        for name, q in reply.lets:
            self.views[name] = f"rs_q{qe.query(q, name)}"
            bounds[name] = f"{self.views[name]}_c"
        self._take(top, qe)
        for number, (key, v) in enumerate(reply.fields):
            if isinstance(v, JSource) and v.data.type.kind == "array":
                size = f"rs_data_{v.data.name}.n"
                bound = f"rs_n{number}"
                if v.limit is None:
                    setup = f"size_t {bound} = {size};"
                else:
                    self.used.update(expr.names_in(v.limit))
                    limit = top.emit(v.limit)
                    setup = (f"size_t {bound} = {limit} <= 0 ? 0 : (uint64_t){limit} > {size} ? "
                             f"{size} : (size_t){limit};")
                bounds[key] = bound
                top.statements.append(setup)
            elif isinstance(v, JInt):
                self.used.update(expr.names_in(v.tree))
                values[key] = top.emit(v.tree)
            elif isinstance(v, (JQuery, JFirst)):
                self.views[key] = f"rs_q{qe.query(v.query)}"
                bounds[key] = f"{self.views[key]}_c"
                qe.iterated.add(self.views[key])
                if isinstance(v, JFirst) and v.error is not None:
                    qe.statements.append(self.named_error(v, f"{self.views[key]}_c == 0"))
                elif isinstance(v, JFirst) and v.missing is not None:
                    qe.statements.append(f"if ({self.views[key]}_c == 0) {{ /* nothing matched */\n"
                                         f"    rs_reply_error(rs_r, {v.missing});\n    return;\n}}")
            self._take(top, qe)
        self.statements = qe.without_unread_views(self.statements)
        self.temporaries = top.temporaries + qe.slices.temporaries
        self.used |= qe.used

        whole = reply.fields[0][0] is None
        if not whole:
            self.raw("{")
        for number, (key, v) in enumerate(reply.fields):
            if not whole:
                self.raw(("," if number else "") + json.dumps(key) + ":")
            if isinstance(v, JInt):
                self.code(f"rs_json_int(rs_w, {values[key]});")
            elif isinstance(v, JLen):
                self.code(f"rs_json_int(rs_w, (int64_t){bounds[v.of]});")
            elif isinstance(v, JText):
                self.texts.add(v.name)
                self.code(f"rs_json_string(rs_w, rs_s_{v.name}.ptr, rs_s_{v.name}.len);")
            elif isinstance(v, JFirst):
                self.first(v, self.views[key])
            elif isinstance(v, JQuery):
                view = self.views[key]
                self.loop(v.query.data, v.query.extra, f"{view}_c", number, f"{view}_v[rs_i]")
            elif v.data.type.kind != "array":
                self.code(v.data.type.ser_call(f"rs_data_{v.data.name}"))
            else:
                self.loop(v.data, v.extra, bounds[key], number)
        if not whole:
            self.raw("}")
        self.flush()

    def _take(self, *emitters) -> None:
        """Moves what the emitters have written since the last call into the statements
        (at most one of them writes per field, so this keeps the fields' order)."""
        for emitter in emitters:
            self.statements += emitter.statements
            emitter.statements.clear()

    def named_error(self, v: JFirst, condition: str) -> str:
        """`else NAME`: the [error.NAME] body, written by the same generator as the
        rs_error_NAME a typed handler returns (responses_emit.py), without a detail."""
        from ..spec.model import STATUS_REASONS
        from ..spec.responses import ErrorBody
        from .responses_emit import error_body_lines
        e = v.error
        head = self.c_string(f"HTTP/1.1 {e.status} {STATUS_REASONS[e.status]}\r\nContent-Type: application/json\r\n")
        lines = [f"if ({condition}) {{ /* nothing matched: [error.{e.name}] */",
                 f"    static const char rs_error_head[] = {head};",
                 "    const char *detail = NULL; /* no detail: the spec's message says it */",
                 "    (void)detail;",
                 "    rs_json *rs_w = rs_reply_json_begin(rs_r);"]
        lines += ["    " + line for line in error_body_lines(e, v.error_body or ErrorBody(), self.c_string)]
        lines += ["    rs_reply_json_end(rs_r, rs_error_head, sizeof rs_error_head - 1, NULL);", "    return;", "}"]
        return "\n".join(lines)

    def first(self, v: JFirst, view: str) -> None:
        element = v.query.data.type.of
        self.code(f"if ({view}_c)")
        self.lines.append("    " + element.ser_call(f"rs_data_{v.query.data.name}.v[{view}_v[0]]"))
        self.lines.append("else")
        self.lines.append('    rs_json_raw(rs_w, "null", 4);')

    def raw(self, text: str) -> None:
        self._raw += text

    def flush(self) -> None:
        if self._raw:
            self.lines.append(f"rs_json_raw(rs_w, {self.c_string(self._raw)}, {len(self._raw.encode())});")
            self._raw = ""

    def code(self, line: str) -> None:
        self.flush()
        self.lines.append(line)

    def loop(self, data: DataSource, extra: list, bound: str, number: int, at: str = "rs_i") -> None:
        element = data.type.of
        self.raw("[")
        self.code(f"for (size_t rs_i = 0; rs_i < {bound}; rs_i++) {{")
        self.lines.append(f"const {element.c_type} *rs_e = &rs_data_{data.name}.v[{at}];")
        inner = expr.CEmitter(f"rs_u{number}_")
        operands = []
        for _, _, tree in extra:
            operands.append(inner.emit(tree))
        shape_ints = set()
        if extra:
            for name, _, tree in extra:
                shape_ints.update(expr.names_in(tree))
        params_used = set()
        shape_fields = {n for n, _ in self.shapes[element.shape].fields} if extra else set()
        for name in sorted(shape_ints):
            if name in shape_fields:
                self.lines.append(f"int64_t {expr.c_name(name)} = rs_e->{name};")
            else:
                params_used.add(name)
        self.used.update(params_used)
        if inner.temporaries:
            self.lines.append(f"int64_t {', '.join(inner.temporaries)};")
        self.lines.extend(inner.statements)
        self.lines.append("if (rs_i)")
        self.lines.append("    rs_json_raw(rs_w, \",\", 1);")
        if not extra:
            self.lines.append(element.ser_call("*rs_e"))
        else:
            self.lines.append(f"rs_ser_{element.shape}_open(rs_w, rs_e);")
            for (name, _, _), operand in zip(extra, operands):
                self.raw("," + json.dumps(name) + ":")
                self.code(f"rs_json_int(rs_w, {operand});")
            self.raw("}")
            self.flush()
        self.lines.append("}")
        self.raw("]")
