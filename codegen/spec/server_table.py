"""Checks the [server] table and its sub-tables ([server.limits], [server.timeouts],
[server.buffers], `protocols`) into model.Server.

Keys, defaults and bounds come from the key registry (spec_keys.py), so what is accepted
here is what docs/spec-reference.md lists. Problems go to the validator's error(),
like every other part of validate.py; [server.violations] is checked in params.py.
"""

from __future__ import annotations

import ipaddress
import math
import re

from . import spec_keys
from .model import Limits, Listener, Server, Timeouts
from .websocket_route import PROTOCOLS, check_protocols

# key -> (default, lowest, highest)
_SERVER_INTS = spec_keys.defaults_and_bounds(spec_keys.SERVER)
_LIMITS = spec_keys.defaults_and_bounds(spec_keys.LIMITS)
_TIMEOUTS = {k: key.default for k, key in spec_keys.TIMEOUTS.keys.items()}  # seconds
_BUFFERS = spec_keys.defaults_and_bounds(spec_keys.BUFFERS)
_MAX_WORKERS = 1024


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check(checker, raw: dict, describe) -> Server:
    """The model of [server]; checker is validate._Checker (error, table, only_keys,
    integer); describe names a value in messages (diagnostics.describe_value)."""
    path = ("server",)
    checker.only_keys(raw, path, spec_keys.SERVER.names)
    port, max_conn = (checker.integer(raw, k, path, *bounds) for k, bounds in _SERVER_INTS.items())
    workers = _workers(checker, raw.get("workers", "auto"), path + ("workers",), describe)

    limits_raw = checker.table(raw, "limits", path + ("limits",))
    checker.only_keys(limits_raw, path + ("limits",), spec_keys.LIMITS.names)
    limits = Limits(**{k: checker.integer(limits_raw, k, path + ("limits",), *bounds)
                       for k, bounds in _LIMITS.items()})
    if limits.target > limits.head:  # reported on the key the spec sets
        if "target" in limits_raw:
            checker.error(path + ("limits", "target"),
                          f"{limits.target} exceeds limits.head ({limits.head}), which includes the target", code="RS014")
        else:
            checker.error(path + ("limits", "head"),
                          f"{limits.head} is less than limits.target ({limits.target}), which it includes", code="RS014")

    timeouts_raw = checker.table(raw, "timeouts", path + ("timeouts",))
    checker.only_keys(timeouts_raw, path + ("timeouts",), spec_keys.TIMEOUTS.names)
    timeouts = Timeouts(**{k: _timeout(checker, timeouts_raw, k, path + ("timeouts",), d, describe)
                           for k, d in _TIMEOUTS.items()})

    buffers_raw = checker.table(raw, "buffers", path + ("buffers",))
    checker.only_keys(buffers_raw, path + ("buffers",), spec_keys.BUFFERS.names)
    recv_count, recv_size = (checker.integer(buffers_raw, k, path + ("buffers",), *bounds)
                             for k, bounds in _BUFFERS.items())
    if recv_count & (recv_count - 1):
        checker.error(path + ("buffers", "recv_count"), f"{recv_count} is not a power of two", code="RS014")
    listeners = _listeners(checker, raw, port, describe)
    protocols = tuple(p for p in PROTOCOLS if any(p in lst.protocols for lst in listeners))
    host = _host(checker, raw, path, describe)
    access_log, access_log_json = _log(checker, raw, describe)
    request_id = raw.get("request_id", "off")
    if request_id not in ("off", "pass", "generate"):
        checker.error(path + ("request_id",), f'expected "pass", "generate" or "off", got {describe(request_id)}',
                      code="RS047")
        request_id = "off"
    echo = raw.get("request_id_echo", True)
    if not isinstance(echo, bool):
        checker.error(path + ("request_id_echo",), f"expected true or false, got {describe(echo)}", code="RS012")
        echo = True
    return Server(workers, max_conn, recv_count, recv_size, limits, timeouts, protocols, listeners, host,
                  access_log, access_log_json, request_id, echo)


def _log(checker, raw: dict, describe) -> tuple:
    """[server.log] -> (path, json)."""
    if "log" not in raw:
        return "", False
    path = ("server", "log")
    table = checker.table(raw, "log", path)
    checker.only_keys(table, path, spec_keys.LOG.names)
    where = table.get("path")
    if not isinstance(where, str) or not where or "\0" in where:
        shown = "missing" if where is None else f"got {describe(where)}"
        checker.error(path + ("path",) if where is not None else path,
                      f'the access log needs a path: a file or "-" for stdout, {shown}', code="RS047")
        where = ""
    fmt = table.get("format", "common")
    if fmt not in ("common", "json"):
        checker.error(path + ("format",), f'expected "common" or "json", got {describe(fmt)}', code="RS047")
    return where, fmt == "json"


_MAX_LISTENERS = 16
_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _listeners(checker, raw: dict, port: int, describe) -> tuple:
    """[[server.listen]], or the v1 shorthand: one listener from [server] port and protocols."""
    path = ("server", "listen")
    if "listen" not in raw:
        protocols = check_protocols(checker, raw.get("protocols", ["http1"]), ("server", "protocols"))
        return (Listener("listen0", port, protocols),)
    for key in ("port", "protocols"):
        if key in raw:
            checker.error(("server", key), f"[server] {key} is the one-listener shorthand: with "
                          "[[server.listen]], give each listener its own", code="RS015", at="key")
    tables = raw["listen"]
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        checker.error(path, f"expected one or more [[server.listen]] tables, got {describe(tables)}", code="RS012")
        return (Listener("listen0", port, ("http1",)),)
    if len(tables) > _MAX_LISTENERS:
        checker.error(path, f"{len(tables)} listeners; at most {_MAX_LISTENERS}", code="RS013")
    out, names, ports = [], set(), set()
    lowest, highest = spec_keys.LISTEN.keys["port"].bounds
    for i, table in enumerate(tables[:_MAX_LISTENERS]):
        at = path + (i,)
        checker.only_keys(table, at, spec_keys.LISTEN.names)
        if "port" not in table:
            checker.error(at, 'missing "port"', "RS011", at="key")
        lport = checker.integer(table, "port", at, 8080 + i, lowest, highest)
        protocols = check_protocols(checker, table.get("protocols", ["http1"]), at + ("protocols",))
        name = checker.string(table, "name", at, f"listen{i}") or f"listen{i}"
        if not _NAME.fullmatch(name):
            checker.error(at + ("name",), f'"{name}" is not a listener name (letters, digits, - _; at most 32)')
        if name in names:
            checker.error(at + ("name",), f'listener name "{name}" is used twice', "RS015")
        if "port" in table and lport in ports:
            checker.error(at + ("port",), f"port {lport} is already a listener's", "RS015")
        names.add(name)
        ports.add(lport)
        cert, key = _tls(checker, table, at, protocols, describe)
        raw_protocols = table.get("protocols", [])
        h2_first = ("h2" in protocols and "http1" in protocols
                    and raw_protocols.index("h2") < raw_protocols.index("http1"))
        out.append(Listener(name, lport, protocols, cert, key, h2_first))
    return tuple(out)


def _host(checker, raw: dict, path: tuple, describe) -> str:
    """[server] host: an IP address literal (no name lookup at start-up: "localhost" could
    resolve to another address than the operator meant)."""
    value = raw.get("host", "")
    if not isinstance(value, str):
        checker.error(path + ("host",), f"expected a string, got {describe(value)}", code="RS012")
        return ""
    if value == "":
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        hint = 'for the loopback interface write "127.0.0.1" or "::1"' if value == "localhost" else None
        checker.error(path + ("host",), f'not an IP address: "{value}" (e.g. "127.0.0.1", "::1", "0.0.0.0")',
                      code="RS014", hint=hint)
        return ""
    return value

def _tls(checker, table: dict, at: tuple, protocols: tuple, describe) -> tuple:
    """A listener's tls = { cert, key } (None, None without one); "h2" needs it, "h2c" refuses it."""
    if "tls" not in table:
        if "h2" in protocols:
            checker.error(at + ("protocols",), '"h2" is HTTP/2 chosen through TLS ALPN: add tls = { cert, key } '
                          '(or speak "h2c", HTTP/2 with prior knowledge, in cleartext)')
        return None, None
    raw = table["tls"]
    path = at + ("tls",)
    if not isinstance(raw, dict):
        checker.error(path, f"expected {{ cert = FILE, key = FILE }}, got {describe(raw)}", code="RS012")
        return None, None
    checker.only_keys(raw, path, spec_keys.LISTEN_TLS.names)
    files = []
    for k in ("cert", "key"):
        if k not in raw:
            checker.error(path, f'missing "{k}"', "RS011", at="key")
        value = checker.string(raw, k, path, "") or ""
        if k in raw and not value:
            checker.error(path + (k,), "expected a file path")
        files.append(value or None)
    if "h2c" in protocols:
        checker.error(at + ("protocols",), '"h2c" is cleartext HTTP/2: a TLS listener speaks "h2" (ALPN)')
    return tuple(files)


def _workers(checker, value, path: tuple, describe) -> int:
    if value == "auto":
        return 0
    if _is_int(value) and 1 <= value <= _MAX_WORKERS:
        return value
    checker.error(path, f'expected "auto" or an integer 1..{_MAX_WORKERS}, got {describe(value)}', code="RS012")
    return 0


def _timeout(checker, table: dict, key: str, path: tuple, default: int, describe) -> int:
    """Seconds (int or float) in the spec, milliseconds in the model."""
    value = table.get(key, default)
    if not (_is_int(value) or isinstance(value, float)) or not math.isfinite(value):
        checker.error(path + (key,), f"expected seconds (a number), got {describe(value)}", code="RS012")
        return default * 1000
    ms = round(value * 1000)
    if not 1 <= ms <= spec_keys.MAX_TIMEOUT_S * 1000:
        checker.error(path + (key,), f"{value} s is out of range (expected 0.001..{spec_keys.MAX_TIMEOUT_S})",
                      code="RS013")
        return default * 1000
    return ms
