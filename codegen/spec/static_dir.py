"""Checks the `static` table of a prefix route (ARENA.md §2.4, §3.8).

    [[route]]
    path = "/static/"
    static = { dir = "/data/static", precompressed = ["br", "gz"], cache = "memory" }
    # optional: static.mime = { avif = "image/avif" } (added to / overriding the defaults)
"""

from __future__ import annotations

import re

from ..lang import expr
from .model import Literal, Route, StaticDir
from ..reply_head.check import Header
from .spec_keys import STATIC

_CODINGS = {"br": "br", "gz": "gzip", "gzip": "gzip"}
_CACHE = ("memory", "none")
_INDEX = re.compile(r"[A-Za-z0-9._-]+")  # one file name inside the directory
_EXT = re.compile(r"[a-z0-9][a-z0-9+_-]{0,15}")

# Media types by extension: the sensible defaults the issue lists.
DEFAULT_MIME = {
    "css": "text/css",
    "js": "application/javascript",
    "mjs": "application/javascript",
    "html": "text/html",
    "htm": "text/html",
    "json": "application/json",
    "svg": "image/svg+xml",
    "woff2": "font/woff2",
    "woff": "font/woff",
    "webp": "image/webp",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "ico": "image/x-icon",
    "wasm": "application/wasm",
    "txt": "text/plain",
    "xml": "application/xml",
    "pdf": "application/pdf",
}
DEFAULT_TYPE = "application/octet-stream"

# Text-like types, for which precompressed siblings are served; binary formats are
# already compressed and never get Content-Encoding.
_COMPRESSIBLE = re.compile(r"text/.*|application/(javascript|json|xml|wasm|manifest\+json)|image/svg\+xml"
                           r"|image/x-icon|.*\+(json|xml)")


def compressible(media_type: str) -> bool:
    return bool(_COMPRESSIBLE.fullmatch(media_type.split(";")[0].strip()))


def check_static(checker, raw, key: tuple, media_type_re) -> StaticDir | None:
    """The StaticDir of a route's `static` value; problems go to checker.error."""
    if not isinstance(raw, dict):
        checker.error(key, "expected a table such as { dir = \"/data/static\" }")
        return None
    checker.only_keys(raw, key, STATIC.names)
    directory = raw.get("dir")
    if not isinstance(directory, str) or not directory.startswith("/"):
        checker.error(key + ("dir",), 'expected an absolute directory such as "/data/static"')
    codings = []
    pre = raw.get("precompressed", [])
    if not isinstance(pre, list):
        checker.error(key + ("precompressed",), 'expected an array such as ["br", "gz"]')
        pre = []
    for i, name in enumerate(pre):
        coding = _CODINGS.get(name) if isinstance(name, str) else None
        if coding is None:
            checker.error(key + ("precompressed", i), f'unknown coding {name!r} (expected "br" or "gz")')
        elif coding in codings:
            checker.error(key + ("precompressed", i), f'"{name}" is listed twice')
        else:
            codings.append(coding)
    cache = raw.get("cache", "memory")
    if cache not in _CACHE:
        checker.error(key + ("cache",), f'expected "memory" or "none", got {cache!r}')
    mime = dict(DEFAULT_MIME)
    extra = raw.get("mime", {})
    if not isinstance(extra, dict):
        checker.error(key + ("mime",), 'expected a table such as { avif = "image/avif" }')
        extra = {}
    for ext, media in extra.items():
        if not _EXT.fullmatch(ext):
            checker.error(key + ("mime", ext), "extensions are lower case letters and digits, without the dot")
        elif not isinstance(media, str) or not media_type_re.fullmatch(media):
            checker.error(key + ("mime", ext), f"not a media type: {media!r}")
        else:
            mime[ext] = media
    if len(mime) > 250:
        checker.error(key + ("mime",), "at most 250 extensions")
    entries = tuple((ext, media, compressible(media)) for ext, media in mime.items())
    index = raw.get("index", "")
    if not isinstance(index, str) or (index and not _INDEX.fullmatch(index)) or index in (".", ".."):
        checker.error(key + ("index",), f'expected a file name such as "index.html" (no "/"), got {index!r}')
        index = ""
    return StaticDir(directory if isinstance(directory, str) else "", tuple(codings), cache, entries, index)


def slash_redirects(routes: list) -> list:
    """GET /static -> 301 Location: /static/ for each static prefix route whose path without
    the slash no route of the build answers: routes of the generated C, not of the spec."""
    taken = {r.path for r in routes}
    out = []
    for r in routes:
        bare = r.path.rstrip("/")
        if r.static is None or not bare or bare in taken:
            continue
        location = Header("Location", (expr.Text(r.path),))
        out.append(Route(-1, bare, [Literal(bare)], ("GET", "HEAD"), [], None, r.body_limit, 301, "", [], "",
                         f"{r.c_name}_without_slash", headers=[location]))
    return out
