"""runtime/app/http_util.c: rs_parse_i64, rs_query_next, rs_format_i64 (through harness.c)."""

import pytest

from conftest import REPO

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


@pytest.fixture
def util(harness):
    return harness(REPO / "spec" / "arena.toml")


ACCEPTED = {
    "0": 0, "-0": 0, "7": 7, "010": 10, "-010": -10, "0000000000000000000000000042": 42,
    str(INT64_MAX): INT64_MAX, str(INT64_MIN): INT64_MIN, "0" * 40 + str(INT64_MAX): INT64_MAX,
    str(INT64_MAX - 1): INT64_MAX - 1, "-1": -1, "18446744073709551615"[:-1]: 1844674407370955161,
}
REJECTED = ["", "-", "+", "+1", " 1", "1 ", "1a", "a1", "--1", "1-", "0x10", "1.0", "1e3", "1:", ":", "/1", "1/",
            str(INT64_MAX + 1), str(INT64_MIN - 1), "18446744073709551616", "99999999999999999999",
            "-99999999999999999999", "1" * 40, "١"]  # the last is an Arabic-Indic digit


def test_parse_i64_accepts(util):
    out = util.run("parse-i64", *ACCEPTED).splitlines()
    assert out == [f"ok {v}" for v in ACCEPTED.values()]


def test_parse_i64_rejects_without_writing_output(util):
    out = util.run("parse-i64", *REJECTED).splitlines()
    assert out == ["fail"] * len(REJECTED)


@pytest.mark.parametrize("query, pairs", [
    ("a=1&b=2", [("a", "1"), ("b", "2")]),
    ("a", [("a", "")]),  # no '=': empty value
    ("a=", [("a", "")]),
    ("=v", [("", "v")]),
    ("&&a=1&&&b=2&&", [("a", "1"), ("b", "2")]),  # empty pairs skipped
    ("a=1=2", [("a", "1=2")]),  # only the first '=' splits
    ("&", []),
    ("", []),
    ("-", []),  # harness: NULL query, as for a request without '?'
    ("k=%20+x", [("k", "%20+x")]),  # no decoding
])
def test_query_next(util, query, pairs):
    out = util.run("query", query).splitlines()
    assert out == [f"[{k}] [{v}]" for k, v in pairs] + ["end"]


def test_format_i64_examples(util):
    values = [0, 1, -1, 9, 10, 99, 100, -100, 12345, INT64_MAX, INT64_MIN, INT64_MIN + 1, 10**18, -(10**18)]
    out = util.run("format-i64", *map(str, values)).splitlines()
    assert out == [str(v) for v in values]  # and no byte written past the 20th


def test_format_i64_matches_snprintf(util):
    assert util.run("format-check") == "ok 200000\n"
