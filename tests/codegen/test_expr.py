"""codegen/lang/expr.py (templates, parsing, folding, C emission) and the line locator."""

import pytest

from codegen.lang import expr
from codegen.spec.locator import Locator
from codegen.spec.spec_loader import format_key


def parse(source):
    return expr.fold(expr.parse_expr(source), source)


@pytest.mark.parametrize("source, value", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 - 4 - 3", 3), ("-7 / 2", -3), ("7 / -2", -3),
    ("-7 % 2", -1), ("7 % -2", 1), ("--5", 5), ("-(2 * 3)", -6), ("-9223372036854775808", -(2**63)),
    ("100 / 7 / 2", 7), ("0 - 9223372036854775807 - 1", -(2**63)),
])
def test_constant_folding_follows_c(source, value):
    assert parse(source) == expr.Num(value)


@pytest.mark.parametrize("source, message", [
    ("1 / 0", "{1 / 0} always divides by zero"),
    ("a % (2 - 2)", "{a % (2 - 2)} always divides by zero"),
    ("9223372036854775807 + 1", "{9223372036854775807 + 1} always overflows int64"),
    ("-9223372036854775808 / -1", "{-9223372036854775808 / -1} always overflows int64"),
    ("9223372036854775808", "integer 9223372036854775808 does not fit int64 in {9223372036854775808}"),
    ("", "empty expression {}"),
    ("a +", "bad expression {a +}: expected a number, a name or '(' at the end"),
    ("(a", "bad expression {(a}: missing ')'"),
    ("a b", 'bad expression {a b}: unexpected "b"'),
    ("a ^ 2", 'bad expression {a ^ 2}: unexpected "^"'),
    ("99999999999999999999", "bad expression {99999999999999999999}: integer 99999999999999999999 does not fit int64"),
])
def test_expression_errors(source, message):
    with pytest.raises(expr.ExprError) as exc:
        parse(source)
    assert str(exc.value) == message


def test_partial_folding_and_names():
    tree = parse("a * (2 + 3) - b / c")
    assert tree == expr.BinOp("-", expr.BinOp("*", expr.Name("a"), expr.Num(5)),
                              expr.BinOp("/", expr.Name("b"), expr.Name("c")))
    assert expr.names_in(tree) == ["a", "b", "c"]


def emit(source):
    emitter = expr.CEmitter()
    operand = emitter.emit(parse(source))
    return operand, emitter.statements, emitter.temporaries


def test_emit_checks_every_operation():
    assert emit("a + b * c") == ("rs_t2", [
        "if (__builtin_mul_overflow(rs_v_b, rs_v_c, &rs_t1))\n    goto arithmetic_error;",
        "if (__builtin_add_overflow(rs_v_a, rs_t1, &rs_t2))\n    goto arithmetic_error;",
    ], ["rs_t1", "rs_t2"])
    assert emit("-a")[1] == ["if (__builtin_sub_overflow(0, rs_v_a, &rs_t1))\n    goto arithmetic_error;"]


@pytest.mark.parametrize("source, statements", [
    ("a / 2", ["rs_t1 = rs_v_a / 2;"]),
    ("a % -1", ["if (rs_v_a == INT64_MIN)\n    goto arithmetic_error;", "rs_t1 = rs_v_a % -1;"]),
    ("7 / a", ["if (rs_v_a == 0)\n    goto arithmetic_error;", "rs_t1 = 7 / rs_v_a;"]),
    ("-9223372036854775808 / a",
     ["if (rs_v_a == 0 || rs_v_a == -1)\n    goto arithmetic_error;", "rs_t1 = INT64_MIN / rs_v_a;"]),
    ("a / b + a % b", ["if (rs_v_b == 0 || (rs_v_a == INT64_MIN && rs_v_b == -1))\n    goto arithmetic_error;",
                       "rs_t1 = rs_v_a / rs_v_b;", "rs_t2 = rs_v_a % rs_v_b;",
                       "if (__builtin_add_overflow(rs_t1, rs_t2, &rs_t3))\n    goto arithmetic_error;"]),
])
def test_emit_division_checks(source, statements):
    assert emit(source)[1] == statements


@pytest.mark.parametrize("template, parts", [
    ("plain", [expr.Text("plain")]),
    ("", []),
    ("{{a}} = {a}!", [expr.Text("{a} = "), "a", expr.Text("!")]),
    ("{a}{b}", ["a", "b"]),
    ("}}{{", [expr.Text("}{")]),
])
def test_split_template(template, parts):
    assert expr.split_template(template) == parts


def test_locator_lines():
    text = "\n".join([
        "# comment [not.a.table]",                 # 1
        "[server]",                                # 2
        "port = 1  # trailing [x]",                # 3
        'limits.head = 5',                         # 4
        "[[route]]",                               # 5
        'path = "/a" # q',                         # 6
        'query = { a = "int", b = "int" }',        # 7
        '[route.reply]',                           # 8
        'text = """',                              # 9
        'x = "not a key"',                         # 10
        '[not.a.table]"""',                        # 11
        "[[route]]",                               # 12
        'methods = [ "GET", # one',                # 13
        '  "POST" ]',                              # 14
        "'quoted key' = 1",                        # 15
        '[profile."limited-conn"]',                # 16
        "routes = ['/a']",                         # 17
    ])
    loc = Locator(text)
    assert loc.line_of(("server",)) == 2
    assert loc.line_of(("server", "port")) == 3
    assert loc.line_of(("server", "limits", "head")) == 4
    assert loc.line_of(("route", 0)) == 5
    assert loc.line_of(("route", 0, "query", "b")) == 7  # inside an inline table
    assert loc.line_of(("route", 0, "reply", "text")) == 9
    assert loc.line_of(("route", 0, "reply", "x")) == 8  # text in a string is not a key
    assert loc.line_of(("not",)) is None
    assert loc.line_of(("route", 1)) == 12
    assert loc.line_of(("route", 1, "methods", 0)) == 13
    assert loc.line_of(("route", 1, "methods", 1)) == 14
    assert loc.line_of(("route", 1, "quoted key")) == 15
    assert loc.line_of(("profile", "limited-conn", "routes", 0)) == 17


def test_format_key():
    assert format_key(("route", 1, "query", "a")) == "route[1].query.a"
    assert format_key(("profile", "bad name", "routes", 0)) == 'profile."bad name".routes[0]'
