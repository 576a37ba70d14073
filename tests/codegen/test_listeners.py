"""[[server.listen]]: several listeners, each with its port and protocols; the v1 [server]
port/protocols as the one-listener shorthand; what the generated rs_spec says of them."""

from __future__ import annotations

from conftest import ringspec

ROUTE = '[[route]]\npath = "/a"\nreply = { text = "x" }\n'


def _check(tmp_path, text: str):
    spec = tmp_path / "s.toml"
    spec.write_text(text)
    return ringspec("check", spec)


def test_listeners_reach_the_generated_config(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[[server.listen]]\nname = "web"\nport = 9080\nprotocols = ["http1", "h2c"]\n'
                    '[[server.listen]]\nport = 9082\nprotocols = ["h2c"]\n' + ROUTE)
    assert ringspec("generate", spec, "-o", tmp_path / "gen").returncode == 0
    config = (tmp_path / "gen" / "routes.c").read_text()
    assert '{.name = "web", .port = 9080, .protocols = RS_LISTEN_HTTP1 | RS_LISTEN_H2C}' in config
    assert '{.name = "listen1", .port = 9082, .protocols = RS_LISTEN_H2C}' in config
    assert ".listener_count = 2," in config and ".port = 9080," in config


def test_shorthand_is_one_listener(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[server]\nport = 9090\nprotocols = ["http1", "websocket"]\n' + ROUTE)
    assert ringspec("generate", spec, "-o", tmp_path / "gen").returncode == 0
    config = (tmp_path / "gen" / "routes.c").read_text()
    assert '{.name = "listen0", .port = 9090, .protocols = RS_LISTEN_HTTP1 | RS_LISTEN_WEBSOCKET}' in config


def test_routes_lists_the_listeners(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[[server.listen]]\nport = 9080\n[[server.listen]]\nname = "h2"\nport = 9082\n'
                    'protocols = ["h2c"]\n' + ROUTE)
    out = ringspec("routes", spec).stdout
    assert out.split("\n\n")[1].splitlines() == ["listener listen0: port 9080 (http1)",
                                                  "listener h2: port 9082 (h2c)"]


def test_listener_mistakes_are_reported(tmp_path):
    result = _check(tmp_path, '[server]\nport = 9000\n'
                    '[[server.listen]]\nport = 9080\nprotocols = ["websocket", "h2c"]\n'
                    '[[server.listen]]\nport = 9080\nname = "bad name"\n'
                    '[[server.listen]]\nprotocols = ["http1"]\n' + ROUTE)
    assert result.returncode == 1
    err = result.stderr
    assert "[server] port is the one-listener shorthand" in err
    assert '"websocket" needs "http1"' in err
    assert "port 9080 is already a listener's" in err
    assert '"bad name" is not a listener name' in err
    assert 'missing "port"' in err


def test_h2c_alone_is_a_listener_but_nothing_is_not(tmp_path):
    assert _check(tmp_path, '[server]\nprotocols = ["h2c"]\n' + ROUTE).returncode == 0
    result = _check(tmp_path, '[server]\nprotocols = ["websocket"]\n' + ROUTE)
    assert result.returncode == 1 and 'a listener speaks "http1", "h2c", "h2" or a combination' in result.stderr


def test_tls_listener_reaches_the_generated_config(tmp_path):
    """tls = { cert, key } and the order of "h2" and "http1" (the ALPN preference)."""
    spec = tmp_path / "s.toml"
    spec.write_text('[[server.listen]]\nport = 9443\nprotocols = ["h2", "http1"]\n'
                    'tls = { cert = "/c/s.crt", key = "/c/s.key" }\n'
                    '[[server.listen]]\nport = 9444\nprotocols = ["http1", "h2"]\n'
                    'tls = { cert = "/c/s.crt", key = "/c/s.key" }\n' + ROUTE)
    assert ringspec("generate", spec, "-o", tmp_path / "gen").returncode == 0
    config = " ".join((tmp_path / "gen" / "routes.c").read_text().split())
    assert ('.port = 9443, .protocols = RS_LISTEN_HTTP1 | RS_LISTEN_H2, .tls_cert = "/c/s.crt", '
            '.tls_key = "/c/s.key", .h2_first = true}') in config
    assert '.port = 9444, .protocols = RS_LISTEN_HTTP1 | RS_LISTEN_H2, .tls_cert = "/c/s.crt", ' in config
    assert '.h2_first = false}' in config


def test_tls_mistakes_are_reported(tmp_path):
    result = _check(tmp_path, '[[server.listen]]\nport = 9080\nprotocols = ["h2"]\n'
                    '[[server.listen]]\nport = 9081\nprotocols = ["h2c"]\ntls = { cert = "/c", key = "/k" }\n'
                    '[[server.listen]]\nport = 9082\ntls = { cert = "/c" }\n'
                    '[[server.listen]]\nport = 9083\ntls = "/c"\n' + ROUTE)
    assert result.returncode == 1
    err = result.stderr
    assert '"h2" is HTTP/2 chosen through TLS ALPN: add tls = { cert, key }' in err
    assert '"h2c" is cleartext HTTP/2: a TLS listener speaks "h2"' in err
    assert 'missing "key"' in err
    assert "expected { cert = FILE, key = FILE }" in err
