"""A route's path: literal parts and typed parameter segments ("/books/{slug:string}").

split() checks the path as written (RS020) and returns its segments (Literal, or the name
of a parameter) and the parameters it declares, as validate.py collects declarations.
"""

from __future__ import annotations

import json
import re

from ..spec import spec_keys
from ..spec.model import Literal
from ..spec.params import Constraints

# RFC 3986 unreserved and sub-delims: what a literal path segment may contain.
_PATH_CHAR = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=]")


def split(error, url: str, key: tuple) -> tuple[list, list]:
    """Splits a path into Literal parts and parameter names (str); also returns the
    declared path parameters as (name, default, source, key, ok, Constraints)."""
    if not url.startswith("/"):
        error(key, f'must start with "/", got {json.dumps(url)}', code="RS020")
        return [], []
    segments, declared, literal = [], [], ""
    parts = url[1:].split("/")
    for i, part in enumerate(parts):
        literal += "/"
        if "{" in part or "}" in part:
            name, ok, constraints = parameter(error, part, key)
            if name is not None:
                declared.append((name, None, "path", key, ok, constraints))
            segments += [Literal(literal), name]
            literal = ""
        elif part == "" and i != len(parts) - 1:
            error(key, f'empty segment ("//") in {json.dumps(url)}', code="RS020")
        else:
            bad = sorted({c for c in part if not _PATH_CHAR.fullmatch(c)})
            if bad:
                shown = ", ".join(json.dumps(c) for c in bad)
                error(key, f"{shown} not allowed in a path literal (use unreserved and "
                      f"sub-delim characters of RFC 3986)", code="RS020")
            literal += part
    if literal:
        segments.append(Literal(literal))
    return segments, declared


def parameter(error, part: str, key: tuple) -> tuple:
    """'{id:int}' -> ('id', True, Constraints()); '{slug:string}' -> a string of at most
    256 bytes (path_params may constrain it); a declared name with a bad type -> (name, False, ...)."""
    m = re.fullmatch(r"\{([^{}:]*)(?::([^{}]*))?\}", part)
    if not m:
        error(key, f'path parameters must be whole segments like "{{id:int}}", got "{part}"', code="RS020")
        return None, False, Constraints()
    name, type_name = m.groups()
    if type_name is None:
        error(key, f'parameter "{part}" needs a type: "{{{name}:int}}" or "{{{name}:string}}"', code="RS020")
        return name, False, Constraints()
    if type_name == "string":
        return name, True, Constraints(kind="string", max_length=spec_keys.PARAM.keys["max_length"].default)
    if type_name != "int":
        error(key, f'unknown parameter type "{type_name}" in "{part}" (expected "int" or "string")', code="RS020")
        return name, False, Constraints()
    return name, True, Constraints()
