"""Dispatch and respond as compiled C: generated routes.c + runtime/app/http_util.c + harness.c.

Every request goes through rs_route_dispatch and, when that succeeds, rs_route_respond,
exactly as the runtime calls them (harness.c), under ASan and UBSan.
"""

import pytest

from conftest import SPECS

TEXT_PLAIN_200 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
INT64_MAX = "9223372036854775807"
INT64_MIN = "-9223372036854775808"
RS_BODY_DISCARD, RS_BODY_INT = 0, 1


# -- spec/arena.toml --------------------------------------------------------------------


def test_baseline_get_sums_the_query(arena):
    r = arena.request("GET", "/baseline11", "a=13&b=42")
    assert (r.route, r.dispatch_status, r.status, r.body) == (0, 0, 200, "55")
    assert r.head == TEXT_PLAIN_200
    assert (r.body_kind, r.body_param, r.body_limit) == (RS_BODY_INT, 2, 1048576)


def test_websocket_route_hands_over_to_the_runtime(arena):
    r = arena.request("GET", "/ws")
    assert (r.dispatch_status, r.websocket) == (0, "echo max_message=16777216")
    assert arena.request("POST", "/ws").dispatch_status == 405
    assert arena.request("GET", "/baseline11", "a=1&b=2").websocket is None


@pytest.mark.parametrize("body", ["20", " 20\r\n", "020"])
def test_baseline_post_adds_the_body(arena, body):
    r = arena.request("POST", "/baseline11", "a=13&b=42", body)
    assert (r.status, r.body) == (200, "75")


@pytest.mark.parametrize("query, expected", [
    ("a=010&b=5", "15"),  # leading zeros are decimal, not octal
    ("a=-5&b=3", "-2"),
    ("c=9&a=1&b=2", "3"),  # unknown keys are ignored
    ("&&a=1&&b=2&", "3"),  # empty pairs are skipped
    ("b=2&a=1", "3"),
    (f"a={INT64_MAX}&b=0", INT64_MAX),
    (f"a={INT64_MIN}&b=0", INT64_MIN),
])
def test_baseline_values(arena, query, expected):
    r = arena.request("GET", "/baseline11", query)
    assert (r.status, r.body) == (200, expected)


@pytest.mark.parametrize("query, body", [
    (f"a={INT64_MAX}&b=1", None),
    (f"a={INT64_MIN}&b=-1", None),
    (f"a={INT64_MAX}&b=0", "1"),  # the body term overflows
])
def test_baseline_overflow_is_500_never_a_wrong_number(arena, query, body):
    r = arena.request("POST", "/baseline11", query, body)
    assert (r.dispatch_status, r.status, r.body) == (0, 500, None)


@pytest.mark.parametrize("query", [
    "a=1",  # b missing
    None,  # no query at all
    "",  # "?" with nothing after it
    "a=x&b=1",
    "a=&b=1",
    "a&b=1",  # a key without '=' has an empty value
    "a=+1&b=1",
    "a=%31&b=1",  # the query is not percent-decoded
    "a= 1&b=1",
    "a=1&a=2&b=1",  # repeated key
    "a=9223372036854775808&b=1",  # does not fit int64
])
def test_baseline_bad_query_is_400(arena, query):
    r = arena.request("GET", "/baseline11", query)
    assert (r.route, r.status, r.body_kind, r.body_limit) == (0, 400, RS_BODY_DISCARD, 1048576)


@pytest.mark.parametrize("path", ["/nope", "/baseline12", "/Baseline11", "/baseline1", "/baseline11/", "/"])
def test_unknown_path_is_404(arena, path):
    r = arena.request("GET", path, "a=1&b=2")
    assert (r.route, r.status, r.body_kind, r.body_limit, r.allow) == (-1, 404, RS_BODY_DISCARD, 1048576, None)


@pytest.mark.parametrize("method", ["DELETE", "PUT", "OPTIONS", "BREW"])
def test_wrong_method_is_405_with_allow(arena, method):
    r = arena.request(method, "/baseline11", "a=1&b=2")
    assert (r.route, r.status, r.allow, r.body_kind) == (0, 405, "GET, HEAD, POST", RS_BODY_DISCARD)


def test_get_implies_head(arena):
    assert arena.request("HEAD", "/baseline11", "a=1&b=2").status == 200
    assert arena.request("HEAD", "/pipeline").body == "ok"  # the runtime drops it for HEAD


def test_pipeline(arena):
    r = arena.request("GET", "/pipeline")
    assert (r.route, r.status, r.head, r.body, r.body_kind) == (1, 200, TEXT_PLAIN_200, "ok", RS_BODY_DISCARD)
    assert arena.request("GET", "/pipeline", "x=1&x=2").body == "ok"  # no query params: ignored
    r = arena.request("POST", "/pipeline")
    assert (r.status, r.allow) == (405, "GET, HEAD")


# -- tests/codegen/specs/params.toml ----------------------------------------------------


@pytest.mark.parametrize("path, body", [
    ("/items/42", '{"id":42}'),
    ("/items/-5", '{"id":-5}'),
    ("/items/007", '{"id":7}'),
    ("/items/7", "seven"),  # the literal route wins
    (f"/items/{INT64_MIN}", f'{{"id":{INT64_MIN}}}'),
])
def test_path_parameter(params_spec, path, body):
    r = params_spec.request("GET", path)
    assert (r.status, r.body) == (200, body)


def test_reply_type_and_status(params_spec):
    assert params_spec.request("GET", "/items/1").head == \
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    r = params_spec.request("POST", "/calc", "x=1", "2")
    assert r.head == "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\n"


@pytest.mark.parametrize("path", ["/items/abc", "/items/", "/items", "/items/1/", "/items/1x",
                                  "/items/99999999999999999999", "/items/1/scaledx", "/items/+1",
                                  "/div/1", "/div/1/2/3", "/div//2", "//", "/half/"])
def test_path_that_does_not_match_is_404(params_spec, path):
    r = params_spec.request("GET", path)
    assert (r.route, r.status, r.body_limit) == (-1, 404, 4096)


@pytest.mark.parametrize("query, status, body", [
    (None, 200, "30"),  # default by = 10
    ("by=4", 200, "12"),
    ("by=-1", 200, "-3"),
    ("by=x", 400, None),
    ("by=1&by=2", 400, None),
])
def test_path_and_query_parameters(params_spec, query, status, body):
    r = params_spec.request("GET", "/items/3/scaled", query)
    assert (r.status, r.body) == (status, body)


def test_multiplication_overflow_is_500(params_spec):
    assert params_spec.request("GET", "/items/4611686018427387904/scaled").status == 500
    assert params_spec.request("GET", "/items/4611686018427387904/scaled", "by=-2").body == INT64_MIN


@pytest.mark.parametrize("path, status, body", [
    ("/div/7/2", 200, "3 r 1"),  # C semantics: truncation toward zero
    ("/div/-7/2", 200, "-3 r -1"),
    ("/div/7/-2", 200, "-3 r 1"),
    ("/div/7/0", 500, None),
    (f"/div/{INT64_MIN}/-1", 500, None),
    (f"/div/{INT64_MIN}/1", 200, f"{INT64_MIN} r 0"),
    ("/half/6", 200, "-6 0 16"),
    ("/half/-7", 200, "7 -1 -14"),
    ("/half/0", 500, None),  # 100 / n
    (f"/half/{INT64_MIN}", 500, None),  # n / -1
])
def test_division(params_spec, path, status, body):
    r = params_spec.request("GET", path)
    assert (r.status, r.body) == (status, body)


def test_methods_listed_plus_head(params_spec):
    assert params_spec.request("PUT", "/div/1/1").body == "1 r 0"
    r = params_spec.request("POST", "/div/1/1")
    assert (r.route, r.status, r.allow) == (3, 405, "GET, HEAD, PUT")
    r = params_spec.request("GET", "/calc", "x=1")
    assert (r.status, r.allow) == (405, "POST")  # POST only: no HEAD either


def test_body_int_with_defaults_negation_and_constants(params_spec):
    r = params_spec.request("POST", "/calc", "x=5", "7")
    assert (r.route, r.body_kind, r.body_param, r.body_limit) == (4, RS_BODY_INT, 2, 64)
    assert r.body == f"x=5 y=-3 body=7 neg=-5 const=14 min={INT64_MIN}\n"
    assert params_spec.request("POST", "/calc", "y=2&x=-1", "0").body == \
        f"x=-1 y=2 body=0 neg=1 const=14 min={INT64_MIN}\n"


def test_required_body_missing_is_400(params_spec):
    r = params_spec.request("POST", "/calc", "x=5")
    assert (r.dispatch_status, r.status) == (0, 400)


def test_negating_int64_min_is_500(params_spec):
    assert params_spec.request("POST", "/calc", f"x={INT64_MIN}", "1").status == 500


def test_missing_required_query_is_400(params_spec):
    assert params_spec.request("POST", "/calc", "y=1", "1").status == 400


def test_root_and_escaped_braces(params_spec):
    r = params_spec.request("GET", "/")
    assert (r.route, r.body) == (5, "root {ok}")


# -- profiles ----------------------------------------------------------------------------


def test_profile_selects_and_renumbers_routes(harness):
    items = harness(SPECS / "params.toml", "items")
    r = items.request("GET", "/items/3")
    assert (r.route, r.body) == (0, '{"id":3}')
    r = items.request("GET", "/items/7")
    assert (r.route, r.body) == (1, "seven")
    assert items.request("GET", "/div/1/1").status == 404
    assert items.request("GET", "/items/3/scaled").status == 404


def test_rs_spec_from_server_table(harness, params_spec, arena):
    def config(h):
        return dict(line.split(" ", 1) for line in h.run("config").splitlines())

    assert config(arena) == {
        "spec_name": "arena", "port": "8080", "workers": "0", "max_connections": "16384",
        "recv_buffers": "1024", "recv_buffer_size": "2048", "max_target": "8192", "max_head": "16384",
        "max_headers": "64", "max_body": "1048576", "output_queue": "65536",
        "header": "10000", "body": "10000", "idle": "60000", "write": "10000",
    }
    params = config(params_spec)
    assert (params["spec_name"], params["port"], params["workers"], params["max_connections"]) == \
        ("params", "9090", "2", "100")
    assert (params["max_body"], params["header"], params["idle"], params["write"]) == ("4096", "2500", "250", "10000")
    assert config(harness(SPECS / "params.toml", "items"))["spec_name"] == "params-items"
