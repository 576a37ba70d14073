"""A server started on a port something already listens on exits 1 with `port N is already
in use`, instead of joining the other listener's SO_REUSEPORT group (same user) and silently
taking part of its connections; the first server keeps every connection. The other listener
may be a ringspec server, an IPv4-only or an IPv6-only socket in the group."""

import socket
import subprocess

import pytest

from conftest import DATA_ROOT, WORKERS, assert_ok, baseline, get, server_binary, start_server, stop_server

START_BOUND = 15  # seconds a refused server may take to say so (ASan start-up included)


def second_server(port):
    return subprocess.run([str(server_binary()), "--port", str(port), "--workers", str(WORKERS),
                           "--data-root", str(DATA_ROOT)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=START_BOUND)


def test_second_server_on_the_same_port_exits_and_the_first_keeps_serving(tmp_path):
    first = start_server(tmp_path, name="first")
    try:
        refused = second_server(first.port)
        assert refused.returncode == 1, refused.stderr
        assert f"port {first.port} is already in use" in refused.stderr
        # every new connection still reaches the first server (none was queued on the
        # second's listeners, which are gone): 40 in a row, each answered
        for i in range(40):
            with first.conn() as c:
                assert_ok(c.request(get(baseline(i, 1))), i + 1)
        assert first.alive()
    finally:
        stop_server(first)


@pytest.mark.parametrize("family,address", [(socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")],
                         ids=["ipv4-wildcard", "ipv6-only"])
def test_a_reuseport_listener_of_another_program_is_detected(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            other.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        other.bind((address, 0))
        other.listen(8)
        port = other.getsockname()[1]
        refused = second_server(port)
        assert refused.returncode == 1, refused.stderr
        assert f"port {port} is already in use" in refused.stderr


def test_every_listener_is_checked(server):
    """The second listener (spec/arena.toml's h2c one) on a taken port refuses the start too."""
    if "h2c" not in server.listener_ports:
        pytest.skip("the server under test has one listener")
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("::", 0))
        other.listen(8)
        taken = other.getsockname()[1]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            free = s.getsockname()[1]
        refused = subprocess.run([str(server_binary()), "--port", str(free), "--listen", f"h2c={taken}",
                                  "--workers", str(WORKERS), "--data-root", str(DATA_ROOT)],
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=START_BOUND)
        assert refused.returncode == 1, refused.stderr
        assert f"port {taken} is already in use" in refused.stderr
