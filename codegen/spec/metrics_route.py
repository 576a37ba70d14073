"""A metrics route: `metrics = true` on a [[route]] serves the server's counters (those
--stats prints, summed over the workers) in the Prometheus text format, version 0.0.4
(runtime/app/metrics.c). GET (and HEAD) on a literal path; nothing else to configure."""

from __future__ import annotations

from . import spec_keys
from .model import Route

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def check(checker, index: int, raw: dict, shapes: list, c_name) -> Route | None:
    path = ("route", index)
    errors_before = len(checker.errors)
    for key in raw:
        if key not in spec_keys.METRICS_ROUTE_KEYS:
            checker.error(path + (key,), "not allowed on a metrics route (allowed: "
                          f"{', '.join(spec_keys.METRICS_ROUTE_KEYS)})", code="RS010", at="key")
    if raw["metrics"] is not True:
        checker.error(path + ("metrics",), "metrics = true makes a metrics route; leave the key out otherwise",
                      code="RS012")
    url = checker.string(raw, "path", path, None)
    segments = []
    if url is None:
        checker.error(path, 'missing "path"', code="RS011", at="key")
    else:
        errors_before_path = len(checker.errors)
        segments, declared = checker.url_path(url, path + ("path",))
        if declared:
            checker.error(path + ("path",), "a metrics route has no path parameters", code="RS020")
        elif len(checker.errors) == errors_before_path:
            shapes.append((index, url, tuple(s.text for s in segments), ("GET", "HEAD")))
    if raw.get("methods", ["GET"]) != ["GET"]:
        checker.error(path + ("methods",), 'a metrics route takes ["GET"] (HEAD follows)', code="RS022")
    if len(checker.errors) != errors_before:
        return None
    return Route(index, url, segments, ("GET", "HEAD"), [], None, 0, 200, CONTENT_TYPE, [], "metrics",
                 c_name(url), metrics=True)
