"""REST routing of issue 17 against a running server (tests/conformance/specs/rest/):
routes keyed by path and method, string path parameters, 204/304, response headers and
redirects."""

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import build_spec_server, get, start_server, stop_server

HERE = Path(__file__).resolve().parent
CATALOGUE_DATA = HERE.parents[1] / "spec" / "examples" / "catalogue" / "data"


@pytest.fixture(scope="module")
def rest_binary(tmp_path_factory):
    return build_spec_server(HERE / "specs" / "rest" / "rest.toml", tmp_path_factory.mktemp("rest-build"))


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """The catalogue's categories and a small site with index files (for /site/)."""
    root = tmp_path_factory.mktemp("rest-data")
    shutil.copy(CATALOGUE_DATA / "categories.json", root / "categories.json")
    (root / "site" / "docs").mkdir(parents=True)
    (root / "site" / "index.html").write_text("<h1>home</h1>\n")
    (root / "site" / "docs" / "index.html").write_text("<h1>docs</h1>\n")
    (root / "site" / "docs" / "a.txt").write_text("a\n")
    (root / "site" / "empty").mkdir()
    return root


@pytest.fixture(scope="module")
def rest_server(tmp_path_factory, rest_binary, data_root):
    srv = start_server(tmp_path_factory.mktemp("rest"), name="rest", binary=rest_binary,
                       extra_args=("--data-root", str(data_root)))
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
    ("/books/7", "GET, HEAD, PUT, DELETE, PATCH"),
])
def test_other_methods_get_405_with_every_method_of_the_path(rest_server, target, allow):
    r = ask(rest_server, "OPTIONS", target)
    assert r.status == 405
    assert r.header("allow") == allow


def test_path_parameters_reach_every_method_route(rest_server):
    assert ask(rest_server, "GET", "/books/7").body == b"book 7"
    r = ask(rest_server, "PUT", "/books/7", b"9")
    assert (r.status, r.body) == (200, b"changed 7 to 9")
    r = ask(rest_server, "PATCH", "/books/8")
    assert (r.status, r.body) == (200, b"changed 8 to 0")


# -- string path parameters -------------------------------------------------------------

def violations(resp):
    assert resp.status == 400, resp
    return [(v["where"], v["name"], v["what"]) for v in json.loads(resp.body)["violations"]]


@pytest.mark.parametrize("target", ["/categories/books", "/categories/bo%6Fks", "/categories/%62ooks"])
def test_string_segment_is_percent_decoded_and_found(rest_server, target):
    r = ask(rest_server, "GET", target)
    assert r.status == 200, r
    assert json.loads(r.body) == {"slug": "books", "title": "Books"}


def test_unknown_slug_is_404(rest_server):
    assert ask(rest_server, "GET", "/categories/boats").status == 404


def test_plus_in_a_path_segment_is_not_a_space(rest_server):
    # "+" is allowed by the pattern and names no category: 404. Decoded as a space (query
    # rules) it would break the pattern: 400.
    assert ask(rest_server, "GET", "/categories/a+b").status == 404
    assert violations(ask(rest_server, "GET", "/categories/a%20b")) == [("path", "name", "pattern")]


@pytest.mark.parametrize("target, what", [
    ("/categories/BOOKS", "pattern"),
    ("/categories/" + "a" * 17, "max_length"),
    ("/categories/bad%zz", "type"),
])
def test_string_segment_constraints(rest_server, target, what):
    assert violations(ask(rest_server, "GET", target)) == [("path", "name", what)]


def test_empty_string_segment_matches_nothing(rest_server):
    assert ask(rest_server, "GET", "/categories/").status == 404


def test_string_enum_segment_beside_an_int_segment(rest_server):
    assert ask(rest_server, "GET", "/shelves/bottom/2").status == 200
    assert violations(ask(rest_server, "GET", "/shelves/middle/0")) == [("path", "shelf", "enum"), ("path", "n", "min")]


# -- bodiless statuses, response headers, redirects ---------------------------------------

def test_delete_answers_204_without_body_or_content_length(rest_server):
    with rest_server.conn() as c:
        r = c.request(get("/books/7", method=b"DELETE"), method="DELETE")
        assert r.status == 204
        assert r.header("content-length") is None and r.header("content-type") is None
        # Nothing followed the head: the next response on the connection is whole.
        r = c.request(get("/books/7"))
        assert (r.status, r.body) == (200, b"book 7")


def test_304_reply_has_no_body(rest_server):
    with rest_server.conn() as c:
        r = c.request(get("/unchanged"))
        assert r.status == 304 and r.header("content-length") is None
        assert c.request(get("/books/1")).body == b"book 1"


def test_other_methods_of_a_path_with_delete(rest_server):
    r = ask(rest_server, "POST", "/books/7")
    assert r.status == 405 and r.header("allow") == "GET, HEAD, PUT, DELETE, PATCH"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_redirect_has_location_from_the_path(rest_server, method):
    r = ask(rest_server, method, "/old-books/12")
    assert r.status == 301
    assert r.header("location") == "/books/12"
    assert r.header("content-length") == "0" and r.body == b""


def test_static_and_computed_response_headers(rest_server):
    r = ask(rest_server, "GET", "/cached/21")
    assert (r.status, r.body) == (200, b"cached 21")
    assert r.header("cache-control") == "max-age=60"
    assert r.header("x-double") == "42"
    assert r.header("x-content-type-options") == "off"  # the route's replaces the server's


def test_server_headers_on_every_generated_reply(rest_server):
    for method, target in [("GET", "/books"), ("POST", "/books"), ("GET", "/categories/books")]:
        r = ask(rest_server, method, target, b"1" if method == "POST" else None)
        assert r.header("x-content-type-options") == "nosniff", (method, target)


def test_computed_header_overflow_is_500(rest_server):
    assert ask(rest_server, "GET", "/cached/4611686018427387904").status == 500


def test_typed_handler_answers_204_with_route_headers(rest_server):
    r = ask(rest_server, "PUT", "/shelf", b"3")
    assert r.status == 204 and r.header("content-length") is None
    assert r.header("cache-control") == "no-store"
    r = ask(rest_server, "PUT", "/shelf", b"0")
    assert (r.status, r.body) == (200, b"nothing")
    assert r.header("cache-control") == "no-store"


# -- output strings ----------------------------------------------------------------------

def test_string_and_enum_parameters_go_out_as_text(rest_server):
    r = ask(rest_server, "GET", "/hello/ann")
    assert (r.status, r.body) == (200, b"hello, ann! (3 bytes)")
    assert r.header("x-who") == "ann"
    r = ask(rest_server, "GET", "/hello/J%C3%B6rg?greeting=hi")
    assert (r.status, r.body) == (200, "hi, Jörg! (5 bytes)".encode())
    assert r.header("x-who") == "J%C3%B6rg"  # re-encoded: a field value is ASCII
    assert ask(rest_server, "GET", "/shelves/bottom/2").body == b"shelf bottom row 2"


def test_text_in_a_header_cannot_end_the_field(rest_server):
    r = ask(rest_server, "GET", "/hello/a%0D%0AX-Evil:%201")
    assert r.status == 200
    assert r.header("x-evil") is None
    assert r.header("x-who") == "a%0D%0AX-Evil:%201"


def test_json_fields_of_string_parameters(rest_server):
    r = ask(rest_server, "GET", "/echo?q=caf%C3%A9&sort=desc")
    assert r.status == 200
    assert json.loads(r.body) == {"q": "café", "sort": "desc", "length": 5}
    r = ask(rest_server, "GET", "/echo?q=%22x%5C")
    assert json.loads(r.body) == {"q": '"x\\', "sort": "asc", "length": 3}


def test_text_written_into_json_must_be_utf8(rest_server):
    assert violations(ask(rest_server, "GET", "/echo?q=%FF")) == [("query", "q", "type")]


# -- bind address ---------------------------------------------------------------------------

def connects(host, port) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def test_spec_host_binds_that_address_only(rest_server):
    # [server] host = "127.0.0.1": the IPv6 loopback is not listened on.
    assert connects("127.0.0.1", rest_server.port)
    assert not connects("::1", rest_server.port)


def test_host_flag_overrides_the_spec(tmp_path, rest_binary, data_root):
    srv = start_server(tmp_path, name="rest-any", binary=rest_binary,
                       extra_args=("--host", "::", "--data-root", str(data_root)))
    try:
        assert connects("::1", srv.port) and connects("127.0.0.1", srv.port)  # "::" is dual-stack
    finally:
        stop_server(srv)


def test_host_that_is_not_an_address_is_refused_at_start(rest_binary):
    r = subprocess.run([str(rest_binary), "--host", "localhost", "--port", "1", "--workers", "1"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "--host localhost: not an IP address (e.g. 127.0.0.1 or ::1)" in r.stderr


# -- static directories: the slash redirect and index files -----------------------------

@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_static_prefix_without_slash_redirects(rest_server, method):
    r = ask(rest_server, method, "/site")
    assert r.status == 301 and r.header("location") == "/site/"
    assert r.header("content-length") == "0"


@pytest.mark.parametrize("target, body", [
    ("/site/", b"<h1>home</h1>\n"),
    ("/site/docs/", b"<h1>docs</h1>\n"),
    ("/site/index.html", b"<h1>home</h1>\n"),
    ("/site/docs/a.txt", b"a\n"),
])
def test_directory_paths_serve_their_index(rest_server, target, body):
    r = ask(rest_server, "GET", target)
    assert (r.status, r.body) == (200, body)
    if target.endswith("/"):
        assert r.header("content-type").startswith("text/html")


def test_directory_without_index_is_404(rest_server):
    assert ask(rest_server, "GET", "/site/empty/").status == 404
    assert ask(rest_server, "GET", "/site/docs").status == 404  # a directory named without "/"


def test_204_over_http2_has_no_content_length(rest_server):
    from h2client import H2  # python3-h2: the header block as sent
    client = H2(rest_server.port)
    sid = client.request("/books/7", method="DELETE")
    status, headers, body = client.response(sid)
    assert status == 204 and body == b""
    assert b"content-length" not in headers and "content-length" not in headers, headers
