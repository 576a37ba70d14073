"""Reply templates and their integer expressions: parse, check, fold, emit C.

A template is literal text with `{expr}` holes (`{{` and `}}` are literal braces).
Expressions are int64: literals, parameter names, + - * / %, unary minus, parentheses.
C semantics throughout: division truncates toward zero, % takes the dividend's sign.

Constant sub-expressions are folded here, so `{2 * 3}` becomes the text "6" and an
expression that can only fail (`{a / 0}`, `{9223372036854775807 + 1}`) is a spec error.
Everything else is emitted as one C statement per operation, each checked: overflow via
__builtin_*_overflow, division by zero and INT64_MIN / -1 by comparison. A failed check
jumps to the route's arithmetic_error label, which replies 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class ExprError(ValueError):
    """A template or expression problem; the message is shown to the spec author."""


# -- template -------------------------------------------------------------------------

INT64_DIGITS = 20  # rs_format_i64 writes at most 20 bytes ("-9223372036854775808")
# A template with holes is formatted into a buffer on the worker's stack, sized for its
# longest body: literal bytes + INT64_DIGITS per hole. check refuses more than this.
TEMPLATE_BODY_MAX = 64 * 1024


def body_bound(parts: list) -> int:
    """The longest body a checked template (Text and Hole parts) can format."""
    return sum(len(p.text.encode("utf-8")) if isinstance(p, Text) else INT64_DIGITS for p in parts)


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Hole:
    """A checked and folded expression (validate.py builds these from split_template)."""

    source: str  # the expression as written, for messages
    expr: "Node"


_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{[^}]*\}|\{|\}|[^{}]+")


def split_template(template: str) -> list:
    """Splits a template into Text parts and hole sources (str), adjacent text merged.
    Holes are parsed separately so that every bad hole can be reported. One pass over the
    text (templates may be large)."""
    parts: list = []
    text: list = []
    for m in _TEMPLATE_TOKEN.finditer(template):
        token, i = m.group(), m.start()
        if token in ("{{", "}}"):
            text.append(token[0])
        elif token == "{":
            raise ExprError(f'unclosed "{{" at offset {i} (write "{{{{" for a literal brace)')
        elif token == "}":
            raise ExprError(f'single "}}" at offset {i} (write "}}}}" for a literal brace)')
        elif token[0] == "{":
            if text:
                parts.append(Text("".join(text)))
                text = []
            parts.append(token[1:-1])
        else:
            text.append(token)
    if text:
        parts.append(Text("".join(text)))
    return parts


# -- expression syntax tree -----------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: int


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Neg:
    operand: "Node"


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / %
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Call:
    """clamp(x, low, high) or within(x, low, high, otherwise): the functions of FUNCTIONS."""

    fn: str
    args: tuple


# name -> (argument count, C function in ringspec.h, meaning for messages)
FUNCTIONS = {
    "clamp": (3, "rs_clamp", "clamp(x, low, high): x held within low..high"),
    "within": (4, "rs_within", "within(x, low, high, otherwise): x when low <= x <= high, else otherwise"),
}

Node = Num | Name | Neg | BinOp | Call

# A name may be dotted: body.qty is a field of a route's JSON body (body_shapes.py).
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(.))")


def parse_expr(source: str) -> Node:
    """Recursive descent over: expr = term {(+|-) term}; term = unary {(*|/|%) unary};
    unary = - unary | primary; primary = INT | NAME | FN ( expr {, expr} ) | ( expr )."""
    tokens = []
    for m in _TOKEN.finditer(source):
        if m.group(1):
            tokens.append(("int", m.group(1)))
        elif m.group(2):
            tokens.append(("name", m.group(2)))
        elif m.group(3) and not m.group(3).isspace():
            tokens.append(("op", m.group(3)))
    if not tokens:
        raise ExprError(f"empty expression {{{source}}}")
    return _Parser(source, tokens).parse()


class _Parser:
    def __init__(self, source: str, tokens: list):
        self.source = source
        self.tokens = tokens
        self.i = 0

    def parse(self) -> Node:
        node = self.expr()
        if self.i < len(self.tokens):
            self.fail(f'unexpected "{self.tokens[self.i][1]}"')
        return node

    def fail(self, what: str):
        raise ExprError(f"bad expression {{{self.source}}}: {what}")

    def peek_op(self, ops: str) -> str | None:
        if self.i < len(self.tokens):
            kind, text = self.tokens[self.i]
            if kind == "op" and text in ops:
                self.i += 1
                return text
        return None

    def expr(self) -> Node:
        node = self.term()
        while op := self.peek_op("+-"):
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while op := self.peek_op("*/%"):
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek_op("-"):
            operand = self.unary()
            # Fold here so that -9223372036854775808 (INT64_MIN) can be written.
            if isinstance(operand, Num):
                return Num(-operand.value)
            return Neg(operand)
        return self.primary()

    def primary(self) -> Node:
        if self.i >= len(self.tokens):
            self.fail("expected a number, a name or '(' at the end")
        kind, text = self.tokens[self.i]
        self.i += 1
        if kind == "int":
            value = int(text)
            if value > INT64_MAX + 1:  # INT64_MAX + 1 is allowed only under unary minus
                self.fail(f"integer {text} does not fit int64")
            return Num(value)
        if kind == "name":
            if self.i < len(self.tokens) and self.tokens[self.i] == ("op", "("):
                return self.call(text)
            return Name(text)
        if text == "(":
            node = self.expr()
            if not self.peek_op(")"):
                self.fail("missing ')'")
            return node
        self.fail(f'expected a number, a name or "(" but found "{text}"')


    def call(self, fn: str) -> Node:
        if fn not in FUNCTIONS:
            self.fail(f'unknown function "{fn}" (known: {", ".join(v[2] for v in FUNCTIONS.values())})')
        self.i += 1  # the "("
        args = [self.expr()]
        while self.peek_op(","):
            args.append(self.expr())
        if not self.peek_op(")"):
            self.fail(f"missing ')' after the arguments of {fn}()")
        if len(args) != FUNCTIONS[fn][0]:
            self.fail(f"{fn}() takes {FUNCTIONS[fn][0]} arguments, got {len(args)}: {FUNCTIONS[fn][2]}")
        return Call(fn, tuple(args))


def _call_value(fn: str, values: list) -> int:
    x, low, high = values[0], values[1], values[2]
    if fn == "clamp":
        return low if x < low else high if x > high else x
    return x if low <= x <= high else values[3]


# -- checking and folding -------------------------------------------------------------


def names_in(node: Node) -> list:
    """Parameter names the expression uses, in order of first use."""
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Neg):
        return names_in(node.operand)
    if isinstance(node, BinOp):
        return list(dict.fromkeys(names_in(node.left) + names_in(node.right)))
    if isinstance(node, Call):
        return list(dict.fromkeys(n for a in node.args for n in names_in(a)))
    return []


def fold(node: Node, source: str) -> Node:
    """Evaluates constant sub-expressions; an operation that always fails is an error."""
    if isinstance(node, Num):
        if node.value > INT64_MAX:
            raise ExprError(f"integer {node.value} does not fit int64 in {{{source}}}")
        return node
    if isinstance(node, Name):
        return node
    if isinstance(node, Neg):
        operand = fold(node.operand, source)
        if isinstance(operand, Num):
            return Num(_checked(-operand.value, source))
        return Neg(operand)
    if isinstance(node, Call):
        args = tuple(fold(a, source) for a in node.args)
        if isinstance(args[1], Num) and isinstance(args[2], Num) and args[1].value > args[2].value:
            raise ExprError(f"{node.fn}() in {{{source}}} needs low <= high: {FUNCTIONS[node.fn][2]}")
        if all(isinstance(a, Num) for a in args):
            return Num(_call_value(node.fn, [a.value for a in args]))
        return Call(node.fn, args)
    left, right = fold(node.left, source), fold(node.right, source)
    if node.op in "/%" and isinstance(right, Num) and right.value == 0:
        raise ExprError(f"{{{source}}} always divides by zero")
    if isinstance(left, Num) and isinstance(right, Num):
        return Num(_checked(_c_arith(node.op, left.value, right.value), source))
    return BinOp(node.op, left, right)


def _checked(value: int, source: str) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise ExprError(f"{{{source}}} always overflows int64")
    return value


def _c_arith(op: str, a: int, b: int) -> int:
    """a op b with C's truncating division (Python's // floors)."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    return quotient if op == "/" else a - b * quotient


# -- C emission -----------------------------------------------------------------------

_OVERFLOW_BUILTIN = {"+": "__builtin_add_overflow", "-": "__builtin_sub_overflow",
                     "*": "__builtin_mul_overflow"}

FAIL = "goto arithmetic_error;"

# Generated C never declares a local under a spec author's name: a parameter `qsort` or
# `strlen` would shadow the function the code calls, a query parameter `body` the typed
# JSON body. Spec names may not start with rs_, so these prefixes cannot meet a name
# ringspec generates itself.
VALUE_PREFIX = "rs_v_"  # a route parameter's int64_t value (or an item's field inside with {...})
BODY_LOCAL = "rs_body"  # the typed JSON body; `body.qty` in an expression reads rs_body.qty


def c_name(name: str) -> str:
    """The C operand an expression name reads: generated operands (rs_..., rs_e->field)
    as they are, body.FIELD... from the typed body, any other name from its value local."""
    if name.startswith("rs_"):
        return name
    if name.startswith("body."):
        return BODY_LOCAL + name[len("body"):]
    return VALUE_PREFIX + name


class CEmitter:
    """Turns folded expressions into checked C statements with rs_tN temporaries.

    One emitter serves a whole respond function so temporaries are numbered uniquely and
    a check already made (`d == 0` before `n / d`, again before `n % d`) is not repeated:
    operands are parameters and single-assignment temporaries, so it still holds.
    """

    def __init__(self, prefix: str = "rs_t"):
        self.prefix = prefix  # distinct per scope, so nested scopes never shadow
        self.statements: list[str] = []
        self.temporaries: list[str] = []
        self._checked: set[str] = set()

    def branch(self) -> "CEmitter":
        """An emitter for statements that run only sometimes (the right side of a
        short-circuit `and` / `or`): it numbers temporaries with this one (they are
        declared together), sees the checks already made before the branch, and keeps its
        own checks to itself, since code after the branch cannot rely on them."""
        inner = CEmitter(self.prefix)
        inner.temporaries = self.temporaries
        inner._checked = set(self._checked)
        return inner

    def emit(self, node: Node) -> str:
        """Appends the statements computing node; returns the C operand holding it."""
        if isinstance(node, Num):
            return c_int_literal(node.value)
        if isinstance(node, Name):
            return c_name(node.name)
        if isinstance(node, Neg):
            operand = self.emit(node.operand)
            result = self._temporary()
            self._check(f"__builtin_sub_overflow(0, {operand}, &{result})")
            return result
        if isinstance(node, Call):
            operands = [self.emit(a) for a in node.args]
            result = self._temporary()
            self.statements.append(f"{result} = {FUNCTIONS[node.fn][1]}({', '.join(operands)});")
            return result
        left = self.emit(node.left)
        right = self.emit(node.right)
        result = self._temporary()
        if node.op in _OVERFLOW_BUILTIN:
            self._check(f"{_OVERFLOW_BUILTIN[node.op]}({left}, {right}, &{result})")
        else:
            failing = [c for c in self._division_failures(node.left, left, node.right, right)
                       if c not in self._checked]
            if failing:
                self._checked.update(failing)
                self._check(" || ".join(failing))
            self.statements.append(f"{result} = {left} {node.op} {right};")
        return result

    def _division_failures(self, left_node: Node, left: str, right_node: Node, right: str) -> list:
        """The conditions under which left / right (or %) is undefined in C."""
        conditions = []
        if not isinstance(right_node, Num):  # a constant divisor is never 0 (fold checked)
            conditions.append(f"{right} == 0")
        # INT64_MIN / -1 overflows; write only the parts not already known from constants.
        left_min = None if not isinstance(left_node, Num) else left_node.value == INT64_MIN
        right_minus_one = None if not isinstance(right_node, Num) else right_node.value == -1
        if left_min is False or right_minus_one is False:
            return conditions
        if left_min is None and right_minus_one is None:
            conditions.append(f"({left} == INT64_MIN && {right} == -1)")
        elif left_min is None:
            conditions.append(f"{left} == INT64_MIN")
        elif right_minus_one is None:
            conditions.append(f"{right} == -1")
        return conditions

    def _temporary(self) -> str:
        name = f"{self.prefix}{len(self.temporaries) + 1}"
        self.temporaries.append(name)
        return name

    def _check(self, condition: str) -> None:
        self.statements.append(f"if ({condition})\n    {FAIL}")


def c_int_literal(value: int) -> str:
    # -9223372036854775808 in C is unary minus applied to an out-of-range constant.
    return "INT64_MIN" if value == INT64_MIN else str(value)
