"""The syntax of data queries (codegen/lang/query.py): tokens with their offsets, the tree of
conditions and values, and a recursive-descent parser over

    condition  = conjunction { "or" conjunction }
    conjunction = negation { "and" negation }
    negation   = "not" negation | comparison
    comparison = additive [ ("==" | "!=" | "<" | "<=" | ">" | ">=") additive | "is" ("absent" | "present") ]
    additive   = term { ("+" | "-") term };  term = unary { ("*" | "/" | "%") unary }
    unary      = "-" unary | primary
    primary    = INT | STRING | true | false | NAME[.NAME] | FUNCTION "(" args ")" | "(" condition ")"

Every node keeps its offset and length in the expression, so a diagnostic's caret can
point at the part that is wrong. Types are checked in query.py, not here.
"""


from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import expr

KEYWORDS = ("where", "order", "by", "asc", "desc", "and", "or", "not", "is", "absent", "present",
            "true", "false", "with")
STRING_TESTS = ("contains", "icontains", "starts_with", "iequals")  # (string, string) -> bool

_TOKEN = re.compile(r'\s*(?:(?P<int>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)'
                    r'|(?P<str>"(?:[^"\\]|\\.)*"|\'[^\']*\')|(?P<op>==|!=|<=|>=|[-+*/%<>()\[\]:,{}=]))')


class QueryError(ValueError):
    """A problem at offset..offset+length of the expression; code is the diagnostic id."""

    def __init__(self, message: str, offset: int = 0, length: int = 1, code: str = "RS041",
                 hint: str | None = None):
        super().__init__(message)
        self.hint = hint
        self.offset = offset
        self.length = max(1, length)
        self.code = code


@dataclass(frozen=True)
class Tok:
    kind: str  # int name str op end
    text: str
    pos: int


def tokenize(source: str) -> list:
    out, pos = [], 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        m = _TOKEN.match(source, pos)
        if not m or m.end() == pos:
            bad = pos + len(source[pos:]) - len(source[pos:].lstrip())
            raise QueryError(f'unexpected "{source[bad]}"', bad)
        kind = m.lastgroup
        start = m.start(kind)
        out.append(Tok(kind, m.group(kind), start))
        pos = m.end()
    out.append(Tok("end", "", len(source)))
    return out


# -- syntax tree: conditions and values ---------------------------------------------------


@dataclass
class Node:
    pos: int
    length: int
    type: str = ""  # int / string / bool, set by the checker


@dataclass
class Lit(Node):
    value: object = None


@dataclass
class Ref(Node):
    name: str = ""
    qualifier: str | None = None
    field: bool = False  # resolved: an item field (else a parameter)


@dataclass
class Unary(Node):
    op: str = ""  # "-" or "not"
    operand: Node | None = None


@dataclass
class Bin(Node):
    op: str = ""
    left: Node | None = None
    right: Node | None = None


@dataclass
class Call(Node):
    fn: str = ""
    args: list = field(default_factory=list)


@dataclass
class Presence(Node):
    name: str = ""
    absent: bool = True


COMPARE = ("==", "!=", "<", "<=", ">", ">=")


def walk(root: Node):
    """Every node of a condition tree, parents first, left operands before right."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Bin):
            stack += [node.right, node.left]
        elif isinstance(node, Call):
            stack += reversed(node.args)


class Parser:
    def __init__(self, source: str):
        self.source = source
        self.toks = tokenize(source)
        self.i = 0

    # helpers
    def peek(self, offset: int = 0) -> Tok:
        return self.toks[min(self.i + offset, len(self.toks) - 1)]

    def take(self) -> Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def at(self, *texts) -> bool:
        tok = self.peek()
        return tok.kind in ("op", "name") and tok.text in texts

    def expect(self, text: str, what: str | None = None) -> Tok:
        tok = self.peek()
        if tok.text != text or tok.kind not in ("op", "name"):
            found = f'"{tok.text}"' if tok.kind != "end" else "the end"
            raise QueryError(f'expected {what or repr(text)} but found {found}', tok.pos, len(tok.text))
        return self.take()

    def fail_here(self, message: str):
        tok = self.peek()
        raise QueryError(message, tok.pos, len(tok.text))

    # condition grammar: or < and < not < comparison < + - < * / % < unary < primary
    def condition(self) -> Node:
        node = self.conjunction()
        while self.at("or"):
            self.take()
            right = self.conjunction()
            node = Bin(node.pos, right.pos + right.length - node.pos, op="or", left=node, right=right)
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.at("and"):
            self.take()
            right = self.negation()
            node = Bin(node.pos, right.pos + right.length - node.pos, op="and", left=node, right=right)
        return node

    def negation(self) -> Node:
        if self.at("not"):
            tok = self.take()
            operand = self.negation()
            return Unary(tok.pos, operand.pos + operand.length - tok.pos, op="not", operand=operand)
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if self.peek().kind == "op" and self.peek().text in COMPARE:
            op = self.take().text
            right = self.additive()
            node = Bin(node.pos, right.pos + right.length - node.pos, op=op, left=node, right=right)
            if self.peek().kind == "op" and self.peek().text in COMPARE:
                self.fail_here("comparisons do not chain; join them with \"and\"")
        elif self.at("is"):
            if not isinstance(node, Ref):
                raise QueryError('"is absent" / "is present" follow a parameter name', node.pos, node.length)
            self.take()
            word = self.take()
            if word.text not in ("absent", "present"):
                raise QueryError('expected "absent" or "present" after "is"', word.pos, len(word.text))
            node = Presence(node.pos, word.pos + len(word.text) - node.pos, name=node.name, absent=word.text == "absent")
        return node

    def additive(self) -> Node:
        node = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-" and self.peek().text:
            op = self.take().text
            right = self.term()
            node = Bin(node.pos, right.pos + right.length - node.pos, op=op, left=node, right=right)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/", "%"):
            op = self.take().text
            right = self.unary()
            node = Bin(node.pos, right.pos + right.length - node.pos, op=op, left=node, right=right)
        return node

    def unary(self) -> Node:
        if self.peek().kind == "op" and self.peek().text == "-":
            tok = self.take()
            operand = self.unary()
            if isinstance(operand, Lit) and isinstance(operand.value, int) and not isinstance(operand.value, bool):
                return Lit(tok.pos, operand.pos + operand.length - tok.pos, value=-operand.value)
            return Unary(tok.pos, operand.pos + operand.length - tok.pos, op="-", operand=operand)
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "end":
            self.fail_here("expected a value at the end")
        if tok.kind == "int":
            self.take()
            value = int(tok.text)
            if value > expr.INT64_MAX:
                raise QueryError(f"integer {tok.text} does not fit int64", tok.pos, len(tok.text))
            return Lit(tok.pos, len(tok.text), value=value)
        if tok.kind == "str":
            self.take()
            return Lit(tok.pos, len(tok.text), value=_unquote(tok.text))
        if tok.kind == "op" and tok.text == "(":
            self.take()
            node = self.condition()
            close = self.expect(")", '")"')
            node.pos, node.length = tok.pos, close.pos + 1 - tok.pos
            return node
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                self.take()
                return Lit(tok.pos, len(tok.text), value=tok.text == "true")
            if tok.text in KEYWORDS:
                self.fail_here(f'"{tok.text}" is a keyword here, not a value')
            self.take()
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(tok)
            qualifier, _, name = tok.text.rpartition(".")
            return Ref(tok.pos, len(tok.text), name=name, qualifier=qualifier or None)
        self.fail_here(f'expected a value but found "{tok.text}"')

    def call(self, name: Tok) -> Node:
        if name.text not in STRING_TESTS:
            raise QueryError(f'unknown function "{name.text}" (known: {", ".join(STRING_TESTS)})',
                             name.pos, len(name.text))
        self.expect("(")
        args = [self.additive()]
        while self.at(","):
            self.take()
            args.append(self.additive())
        close = self.expect(")", '")"')
        return Call(name.pos, close.pos + 1 - name.pos, fn=name.text, args=args)


def _unquote(text: str) -> str:
    body = text[1:-1]
    if text[0] == "'":
        return body
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
