"""Which spec names may become C identifiers of the generated code (parameters, fields,
shapes, data sources). Generated locals never take a spec name (expr.c_name prefixes
them), so what is left to refuse is what cannot be a struct member or a typedef: C
keywords, ringspec's own names and the macros of the C headers.
"""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Names a parameter or field may not take because they name members of generated structs
# (handlers.h, shapes.h), where C keywords and the macros of <stdbool.h> and <stdint.h>
# cannot stand. Generated locals never take a spec name (expr.c_name prefixes them), so
# library functions (qsort, strlen, memcpy) are fine. Names starting with "_" or "rs_" or
# ending in "_t" are refused by rule (implementation, ringspec and POSIX type names).
_C_RESERVED = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if "
    "inline int long register restrict return short signed sizeof static struct switch typedef "
    "union unsigned void volatile while alignas alignof bool true false static_assert "
    "thread_local NULL INT64_MIN INT64_MAX".split()
)

# Object-like macros of the standard headers generated code and handlers include: errno,
# and by convention names without a lower-case letter (EOF, BUFSIZ, SIZE_MAX) and the
# <inttypes.h> format macros. As a struct member, such a name would be rewritten.
_C_MACRO = re.compile(r"errno|[A-Z0-9_]{2,}|(?:PRI|SCN)[A-Za-z0-9]*")


def name_problem(name: str) -> str | None:
    if not _IDENTIFIER.fullmatch(name):
        return f'"{name}" is not a C identifier (letters, digits and "_", not starting with a digit)'
    if name in _C_RESERVED or name.startswith("_") or name.lower().startswith("rs_") or name.endswith("_t"):
        return f'"{name}" is reserved in the generated C; choose another name'
    if _C_MACRO.fullmatch(name):
        return (f'"{name}" may be a macro of the C headers (like errno, EOF, SIZE_MAX, PRId64), which would '
                f'rewrite the generated struct member; choose another name')
    return None


def key_problem(name: str) -> str | None:
    """Output keys and lets of a JSON reply: identifiers, but never C struct members, so
    an upper-case key (URL) is fine."""
    problem = name_problem(name)
    return None if problem and _C_MACRO.fullmatch(name) else problem
