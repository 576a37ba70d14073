"""WebSocket in the spec: the listener's `protocols` and routes with `websocket = "..."`.

A websocket route says only its path, GET, and a behaviour; the runtime runs the protocol
(runtime/ws/ws_conn.c) and hands each message to the behaviour's function (WS_BEHAVIOURS).
Problems go to the checker's error(), like every other part of validate.py.
"""

from __future__ import annotations

import json

from .model import WS_BEHAVIOURS, Route
from .spec_keys import WEBSOCKET_ROUTE_KEYS as _WS_ROUTE_KEYS

PROTOCOLS = ("http1", "websocket", "h2c", "h2")


def check_protocols(checker, raw, key: tuple) -> tuple:
    """A listener's protocols: HTTP/1.1 and/or HTTP/2 with prior knowledge ("h2c"); WebSocket
    upgrades from HTTP/1.1, so it needs "http1"."""
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        checker.error(key, 'expected an array such as ["http1", "websocket"]', "RS012")
        return ("http1",)
    for i, name in enumerate(raw):
        if name not in PROTOCOLS:
            checker.error(key + (i,), f'unknown protocol "{name}" (expected one of: {", ".join(PROTOCOLS)})')
        elif name in raw[:i]:
            checker.error(key + (i,), f'"{name}" is listed twice', "RS015")
    if "http1" not in raw and "h2c" not in raw and "h2" not in raw:
        checker.error(key, 'a listener speaks "http1", "h2c", "h2" or a combination')
    elif "websocket" in raw and "http1" not in raw:
        checker.error(key, '"websocket" needs "http1": a WebSocket starts as an HTTP/1.1 request')
    return tuple(p for p in PROTOCOLS if p in raw)


def check_websocket_route(checker, index: int, raw: dict, shapes: list, c_name) -> Route | None:
    """A route that upgrades to WebSocket: GET only, a literal path, a known behaviour; the
    listener must list "websocket". Appends its path shape for the overlap check; c_name is
    validate.py's naming rule for routes."""
    path = ("route", index)
    errors_before = len(checker.errors)
    for key in raw:
        if key not in _WS_ROUTE_KEYS:
            checker.error(path + (key,), f'not allowed on a websocket route (allowed: {", ".join(_WS_ROUTE_KEYS)})',
                          "RS010", at="key")
    url = checker.string(raw, "path", path, None)
    segments = []
    if url is None:
        checker.error(path, 'missing "path"', "RS011", at="key")
    else:
        errors_before_path = len(checker.errors)
        segments, declared = checker.url_path(url, path + ("path",))
        if declared:
            checker.error(path + ("path",), "a websocket route has no path parameters", "RS020")
        elif len(checker.errors) == errors_before_path:
            shapes.append((index, url, tuple(s.text for s in segments), ("GET", "HEAD")))
    if raw.get("methods", ["GET"]) != ["GET"]:
        checker.error(path + ("methods",), 'a websocket route takes ["GET"] (the opening handshake)')
    behaviour = raw["websocket"]
    if behaviour not in WS_BEHAVIOURS:
        shown = json.dumps(behaviour) if isinstance(behaviour, str) else "a non-string value"
        checker.error(path + ("websocket",), f'unknown behaviour {shown} (expected one of: '
                      f'{", ".join(WS_BEHAVIOURS)})')
    if "websocket" not in checker.protocols_listed:
        checker.error(path + ("websocket",), 'the listener does not speak WebSocket: add "websocket" to '
                      "[server] protocols")
    if len(checker.errors) != errors_before:
        return None
    return Route(index, url, segments, ("GET", "HEAD"), [], None, 0, 101, "", [], f"websocket {behaviour}",
                 c_name(url), websocket=behaviour)
