"""Checks the [server] table and its sub-tables ([server.limits], [server.timeouts],
[server.buffers], `protocols`) into model.Server.

Keys, defaults and bounds come from the key registry (spec_keys.py), so what is accepted
here is what docs/spec-reference.md lists. Problems go to the validator's error(),
like every other part of validate.py; [server.violations] is checked in params.py.
"""

from __future__ import annotations

import math

from . import spec_keys
from .model import Limits, Server, Timeouts
from .websocket_route import check_protocols

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
    protocols = check_protocols(checker, raw.get("protocols", ["http1"]), path + ("protocols",))
    return Server(port, workers, max_conn, recv_count, recv_size, limits, timeouts, protocols)


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
