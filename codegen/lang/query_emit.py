"""C for data queries (codegen/lang/query.py): filter loops, stable sorts, slices.

Each query that needs one gets a stretch of the reactor's index array
(rs_reply_index_scratch): the filter loop writes the indexes of matching items, qsort
orders them with a generated comparator (ties broken by the index itself, so the sort is
stable: equal keys keep data order), and the slice is a clamped window on it. The result
of query K is the view rs_qK_v[0 .. rs_qK_c). Nothing is cached between requests.

Names in conditions: item fields are rs_e->name; int and bool parameters are the int64_t
locals the respond function already binds; a string parameter is the rs_str rs_s_NAME
(request-scoped text, or its enum value's text); `NAME is absent` reads rs_has_NAME.
"""

from __future__ import annotations

from . import expr
from .query import Query
from .query_syntax import Bin, Call, Lit, Presence, Ref, Unary

_TEXT_TESTS = {"contains": "rs_text_contains", "icontains": "rs_text_icontains",
               "starts_with": "rs_text_starts_with", "iequals": "rs_text_iequal"}


class QueryEmitter:
    """Emits the statements of every query of one respond function, in order."""

    def __init__(self, route_c_name: str, c_string):
        self.route = route_c_name
        self.c_string = c_string
        self.statements: list[str] = []
        self.helpers: list[str] = []  # file-scope C: comparators
        self.slices = expr.CEmitter("rs_s")  # slice bounds: checked int64 arithmetic
        self.used: set[str] = set()  # int/bool parameters read
        self.strings: set[str] = set()  # parameters read as text
        self.presence: set[str] = set()  # parameters tested with is absent / is present
        self.views: dict[str, str] = {}  # let name -> query number
        self._count = 0
        self._next = "rs_ix"  # where the next query's stretch of the index array starts
        self.iterated: set[str] = set()  # rs_qK whose items are read (not only counted)
        self._flags = 0  # bool locals of the current condition's short-circuits

    # -- per query ----------------------------------------------------------------------

    def setup(self, queries: list) -> None:
        """One index array for all queries: each may hold every item of its data."""
        sizes = " + ".join(f"rs_data_{q.data.name}.n" for q in queries)
        self.statements.append(f"uint32_t *rs_ix = rs_reply_index_scratch(rs_r, {sizes});")
        self.statements.append(f"if (rs_ix == NULL) /* out of memory: 500 like a failed check */\n    {expr.FAIL}")

    def query(self, q: Query, let_name: str | None = None) -> str:
        """Statements computing q; returns its number K (view rs_qK_v, count rs_qK_c)."""
        k = str(self._count)
        self._count += 1
        offset, self._next = self._next, f"rs_q{k} + rs_data_{q.data.name}.n"
        element = f"rs_shape_{q.shape.name}"
        s = self.statements
        s.append(f"/* {self.comment(q.source)} */")
        s.append(f"uint32_t *rs_q{k} = {offset};")
        s.append(f"size_t rs_q{k}_n = 0;")
        if q.base in self.views:
            base = self.views[q.base]
            self.iterated.add(f"rs_q{base}")
            count, at = f"rs_q{base}_c", f"rs_q{base}_v[rs_i]"
        else:
            count, at = f"rs_data_{q.data.name}.n", "(uint32_t)rs_i"
        s.append(f"for (size_t rs_i = 0; rs_i < {count}; rs_i++) {{")
        s.append(f"    uint32_t rs_at = {at};")
        if q.where is None:
            s.append(f"    rs_q{k}[rs_q{k}_n++] = rs_at;")
        else:
            s.append(f"    const {element} *rs_e = &rs_data_{q.data.name}.v[rs_at];")
            inner = expr.CEmitter(f"rs_w{k}_")
            self._flags = 0
            condition = self.condition(q.where, inner)
            if inner.temporaries:
                s.append(f"    int64_t {', '.join(inner.temporaries)};")
            s.extend("    " + line.replace("\n", "\n    ") for line in inner.statements)
            s.append(f"    if ({condition})")
            s.append(f"        rs_q{k}[rs_q{k}_n++] = rs_at;")
        s.append("}")
        self.order(q, k)
        self.window(q, k)
        if let_name is not None:
            self.views[let_name] = k
        return k

    def order(self, q: Query, k: str) -> None:
        if q.order:
            name = self.comparator(q, q.order)
            self.statements.append(f"qsort(rs_q{k}, rs_q{k}_n, sizeof *rs_q{k}, {name});")
        elif q.order_param:
            self.used.add(q.order_param)
            self.statements.append(f"switch ({expr.c_name(q.order_param)}) {{ /* the order the request chose */")
            for index, keys in enumerate(q.order_choices):
                name = self.comparator(q, keys)
                self.statements.append(f"case {index}:\n    qsort(rs_q{k}, rs_q{k}_n, sizeof *rs_q{k}, {name});\n"
                                       f"    break;")
            self.statements.append("}")

    def window(self, q: Query, k: str) -> None:
        """[start:end] clamped to [0, n]; an end before the start gives nothing."""
        s = self.statements
        start = self.bound(q.start, f"rs_q{k}_n", "0")
        end = self.bound(q.end, f"rs_q{k}_n", f"rs_q{k}_n")
        s.append(f"size_t rs_q{k}_from = {start};")
        s.append(f"size_t rs_q{k}_to = {end};")
        s.append(f"const uint32_t *rs_q{k}_v = rs_q{k} + rs_q{k}_from;")
        s.append(f"size_t rs_q{k}_c = rs_q{k}_to > rs_q{k}_from ? rs_q{k}_to - rs_q{k}_from : 0;")

    def without_unread_views(self, statements: list) -> list:
        """A query only counted (len(...)) has no reader of its item view."""
        return [line for line in statements
                if not (line.startswith("const uint32_t *rs_q")
                        and line.split(" = ")[0][len("const uint32_t *"):-2] not in self.iterated)]

    def bound(self, tree, size: str, absent: str) -> str:
        if tree is None:
            return absent
        if isinstance(tree, expr.Num):  # a constant: clamp what can be known now
            return "0" if tree.value <= 0 else f"{tree.value}u > {size} ? {size} : (size_t){tree.value}u"
        self.used.update(expr.names_in(tree))
        before = len(self.slices.statements)
        value = self.slices.emit(tree)
        self.statements.extend(self.slices.statements[before:])
        return f"{value} <= 0 ? 0 : (uint64_t){value} > {size} ? {size} : (size_t){value}"

    def comparator(self, q: Query, keys: list) -> str:
        name = f"rs_order_{self.route}_{len(self.helpers)}"
        element = f"rs_shape_{q.shape.name}"
        data = f"rs_data_{q.data.name}"
        described = ", ".join(f"{k.field}{' desc' if k.descending else ''}" for k in keys)
        lines = [f"/* Orders indexes of {data} by {self.comment(described)}; ties keep data order. */",
                 f"static int {name}(const void *rs_a, const void *rs_b)", "{",
                 "    uint32_t rs_ia = *(const uint32_t *)rs_a, rs_ib = *(const uint32_t *)rs_b;",
                 f"    const {element} *rs_x = &{data}.v[rs_ia], *rs_y = &{data}.v[rs_ib];",
                 "    int rs_c;"]
        for key in keys:
            a, b = f"rs_x->{key.field}", f"rs_y->{key.field}"
            if key.kind == "string":
                compare = f"rs_text_cmp({a}.ptr, {a}.len, {b}.ptr, {b}.len)"
            else:
                compare = f"({a} > {b}) - ({a} < {b})"
            lines.append(f"    if ((rs_c = {compare}) != 0)")
            lines.append(f"        return {'-rs_c' if key.descending else 'rs_c'};")
        lines += ["    return (rs_ia > rs_ib) - (rs_ia < rs_ib);", "}"]
        self.helpers.append("\n".join(lines))
        return name

    # -- conditions ---------------------------------------------------------------------

    def condition(self, node, inner: expr.CEmitter) -> str:
        if isinstance(node, Presence):
            self.presence.add(node.name)
            return f"!rs_has_{node.name}" if node.absent else f"rs_has_{node.name}"
        if isinstance(node, Unary) and node.op == "not":
            return f"!({self.condition(node.operand, inner)})"
        if isinstance(node, Call):
            a, b = (self.text(arg) for arg in node.args)
            return f"{_TEXT_TESTS[node.fn]}({a}.ptr, {a}.len, {b}.ptr, {b}.len)"
        if isinstance(node, Bin) and node.op in ("and", "or"):
            return self.short_circuit(node, inner)
        if isinstance(node, Bin):  # a comparison (the checker allows nothing else here)
            kind = node.left.type
            if kind == "string":
                a, b = self.text(node.left), self.text(node.right)
                return f"(rs_text_cmp({a}.ptr, {a}.len, {b}.ptr, {b}.len) {node.op} 0)"
            if kind == "bool":
                return f"({self.truth(node.left)} {node.op} {self.truth(node.right)})"
            return f"({self.number(node.left, inner)} {node.op} {self.number(node.right, inner)})"
        return self.truth(node)  # a bool field, parameter or literal on its own

    def short_circuit(self, node: Bin, inner: expr.CEmitter) -> str:
        """`a and b` / `a or b` evaluated in order: b's checked arithmetic runs only when a
        does not decide, so a guard (`d is absent or price / d > 1`, `qty == 0 or ...`)
        keeps a division it rules out from answering 500. Without arithmetic in b, C's own
        && / || do it; otherwise a flag holds a and b's statements run under it."""
        left = self.condition(node.left, inner)
        branch = inner.branch()
        right = self.condition(node.right, branch)
        joiner = " && " if node.op == "and" else " || "
        if not branch.statements:
            return f"({left}{joiner}{right})"
        self._flags += 1
        flag = f"{inner.prefix}b{self._flags}"
        body = "\n".join("    " + line.replace("\n", "\n    ") for line in branch.statements)
        inner.statements.append(f"bool {flag} = {left};")
        inner.statements.append(f"if ({'' if node.op == 'and' else '!'}{flag}) {{\n{body}\n    {flag} = {right};\n}}")
        return flag

    def truth(self, node) -> str:
        if isinstance(node, Lit):
            return "true" if node.value else "false"
        if isinstance(node, Ref) and node.field:
            return f"rs_e->{node.name}"
        self.used.add(node.name)
        return f"({expr.c_name(node.name)} != 0)"

    def text(self, node) -> str:
        if isinstance(node, Lit):
            data = node.value.encode()
            return f"((rs_str){{{self.c_string(node.value)}, {len(data)}}})"
        if node.field:
            return f"rs_e->{node.name}"
        self.strings.add(node.name)
        return f"rs_s_{node.name}"

    def number(self, node, inner: expr.CEmitter) -> str:
        return inner.emit(expr.fold(self.to_expr(node), "condition"))

    def to_expr(self, node) -> expr.Node:
        if isinstance(node, Lit):
            return expr.Num(node.value)
        if isinstance(node, Ref):
            if node.field:
                return expr.Name(f"rs_e->{node.name}")
            self.used.add(node.name)
            return expr.Name(node.name)
        if isinstance(node, Unary):
            return expr.Neg(self.to_expr(node.operand))
        return expr.BinOp(node.op, self.to_expr(node.left), self.to_expr(node.right))

    @staticmethod
    def comment(text: str) -> str:
        return " ".join(text.split()).replace("*/", "* /").replace("/*", "/ *")
