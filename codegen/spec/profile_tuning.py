"""Tuning keys of [profile.NAME], and what selecting a profile does to the model.

    [profile.json-comp]
    routes = ["/json/{count:int}"]
    compress = { br = 4, gzip = 1 }   # levels for the codings its routes already offer
    workers = "auto"                  # or an integer: overrides [server] workers
    recv_count = 2048                 # [server.buffers] recv_count (power of two)
    recv_size = 4096                  # [server.buffers] recv_size
    output_queue = 131072             # [server.limits] output_queue

Kept apart from validate.py (which only lets these keys through) so that a profile is one
small concern: check the keys once for every profile, then `select` builds the model one
build of the spec sees: its routes, its tuned [server], and only the data sources those
routes read (a baseline-only server must start without /data/dataset.json).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from . import spec_keys
from .json_reply import JSource
from .model import Spec
from .diagnostics import SpecError, SpecErrors
from .spec_loader import SpecSource, format_key

# The bounds are those of [server] (spec_keys.py), so a profile cannot reach a setting the
# server table could not.
_MAX_WORKERS = 1024
_INTS = {name: key.bounds for name, key in spec_keys.PROFILE.keys.items() if key.bounds}
_LEVELS = {name: key.bounds for name, key in spec_keys.COMPRESS.keys.items()}


@dataclass(frozen=True)
class Tuning:
    workers: int | None = None  # 0 = "auto" (affinity mask); None = as [server] says
    recv_count: int | None = None
    recv_size: int | None = None
    output_queue: int | None = None
    compress: tuple = ()  # (coding, level) overrides


def check(source: SpecSource, spec: Spec) -> dict:
    """{profile name: Tuning} for every profile; raises SpecErrors listing every problem."""
    errors: list[SpecError] = []

    def error(path: tuple, message: str, code: str) -> None:
        """Caret under the value of path, as validate.py places it (diagnostics.py ids)."""
        place = source.locator.exact(path) or source.locator.place(path)
        span = (place.value or place.key) if place else None
        errors.append(SpecError(span, format_key(path), message, code))

    raw_profiles = source.data.get("profile", {})
    out = {}
    for name in spec.profiles:
        raw = raw_profiles[name]
        key = ("profile", name)
        values = {}
        if "workers" in raw:
            w = raw["workers"]
            if w == "auto":
                values["workers"] = 0
            elif _is_int(w) and 1 <= w <= _MAX_WORKERS:
                values["workers"] = w
            else:
                error(key + ("workers",), f'expected "auto" or an integer 1..{_MAX_WORKERS}, got {w!r}', "RS013")
        for k, (low, high) in _INTS.items():
            if k not in raw:
                continue
            v = raw[k]
            if not _is_int(v) or not low <= v <= high:
                error(key + (k,), f"expected an integer {low}..{high}, got {v!r}", "RS013" if _is_int(v) else "RS012")
            elif k == "recv_count" and v & (v - 1):
                error(key + (k,), f"{v} is not a power of two", "RS014")
            else:
                values[k] = v
        if "compress" in raw:
            values["compress"] = _compress(raw["compress"], spec.select(name), key + ("compress",), error)
        out[name] = Tuning(**values)
    if errors:
        raise SpecErrors(errors, source.locator.lines)
    return out


def _compress(raw, routes: list, key: tuple, error) -> tuple:
    if not isinstance(raw, dict) or not raw:
        error(key, "expected a table of coding = level, e.g. { br = 4, gzip = 1 }", "RS012")
        return ()
    offered = {coding for r in routes for coding, _ in r.compress}
    out = []
    for coding, level in raw.items():
        if coding not in _LEVELS:
            error(key + (coding,), f'unknown coding (expected one of: {", ".join(_LEVELS)})', "RS010")
            continue
        low, high = _LEVELS[coding]
        if not _is_int(level) or not low <= level <= high:
            error(key + (coding,), f"expected a level {low}..{high}, got {level!r}", "RS013")
        elif coding not in offered:
            # A level for a coding no route sends would silently do nothing.
            error(key + (coding,), f"no route of this profile offers {coding} (set it in the route's compress)",
                  "RS060")
        else:
            out.append((coding, level))
    return tuple(out)


def select(spec: Spec, profile: str | None, tunings: dict) -> Spec:
    """The spec one build sees: the profile's routes, its tuning applied to [server] and to
    the routes' compression levels, and only the data sources those routes read."""
    if profile is None:
        return spec
    t: Tuning = tunings.get(profile, Tuning())
    levels = dict(t.compress)
    routes = [dataclasses.replace(r, compress=[(c, levels.get(c, lvl)) for c, lvl in r.compress])
              for r in spec.select(profile)]
    server = spec.server
    if t.workers is not None:
        server = dataclasses.replace(server, workers=t.workers)
    if t.recv_count is not None:
        server = dataclasses.replace(server, recv_count=t.recv_count)
    if t.recv_size is not None:
        server = dataclasses.replace(server, recv_size=t.recv_size)
    if t.output_queue is not None:
        server = dataclasses.replace(server, limits=dataclasses.replace(server.limits,
                                                                        output_queue=t.output_queue))
    used = {v.data.name for r in routes if r.json is not None for _, v in r.json.fields
            if isinstance(v, JSource)}
    data = {n: d for n, d in spec.data.items() if n in used}
    # All routes kept in the result: Spec.select(profile) must still find them by path.
    # Keyed by index: two routes share a path when they answer different methods.
    kept = {r.index: r for r in routes}
    return dataclasses.replace(spec, server=server, data=data,
                               routes=[kept.get(r.index, r) for r in spec.routes])


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
