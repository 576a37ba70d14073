"""REST routing of issue 17 against a running server (tests/conformance/specs/rest.toml):
routes keyed by path and method."""

from pathlib import Path

import pytest

from conftest import build_spec_server, get, start_server, stop_server

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def rest_server(tmp_path_factory):
    binary = build_spec_server(HERE / "specs" / "rest.toml", tmp_path_factory.mktemp("rest-build"))
    srv = start_server(tmp_path_factory.mktemp("rest"), name="rest", binary=binary)
    yield srv
    stop_server(srv)


def ask(srv, method, target, body=None, extra=b""):
    if body is not None:
        extra += b"Content-Length: %d\r\n" % len(body)
    data = get(target, extra=extra, method=method.encode()) + (body or b"")
    with srv.conn() as c:
        return c.request(data, method=method)


# -- per-method routes ------------------------------------------------------------------

def test_get_and_post_on_one_path_answer_differently(rest_server):
    r = ask(rest_server, "GET", "/books?limit=3")
    assert (r.status, r.body) == (200, b"list 3")
    r = ask(rest_server, "POST", "/books", b"42")
    assert (r.status, r.body) == (201, b"created 42")


def test_each_method_has_its_own_parameters(rest_server):
    # The GET route's query does not apply to POST, and the POST route's body is not
    # required of GET.
    r = ask(rest_server, "GET", "/books")
    assert (r.status, r.body) == (200, b"list 10")
    r = ask(rest_server, "POST", "/books")  # no body: the POST route requires one
    assert r.status == 400


def test_head_follows_the_get_route(rest_server):
    r = ask(rest_server, "HEAD", "/books")
    assert r.status == 200 and r.header("content-length") == str(len(b"list 10"))


@pytest.mark.parametrize("target, allow", [
    ("/books", "GET, HEAD, POST"),
    ("/books/7", "GET, HEAD, PUT, PATCH"),
])
def test_other_methods_get_405_with_every_method_of_the_path(rest_server, target, allow):
    r = ask(rest_server, "DELETE", target)
    assert r.status == 405
    assert r.header("allow") == allow


def test_path_parameters_reach_every_method_route(rest_server):
    assert ask(rest_server, "GET", "/books/7").body == b"book 7"
    r = ask(rest_server, "PUT", "/books/7", b"9")
    assert (r.status, r.body) == (200, b"changed 7 to 9")
    r = ask(rest_server, "PATCH", "/books/8")
    assert (r.status, r.body) == (200, b"changed 8 to 0")
