"""The spec-language reference, docs/spec-reference.md, generated from the validator's own tables.

Every table of codegen/spec/spec_keys.py becomes a Markdown table (key, type, default, meaning)
and every diagnostic id of codegen/spec/diagnostics.py a line, between the markers

    <!-- spec-reference:begin -->
    <!-- spec-reference:end -->

`make readme` (./ringspec reference --readme docs/spec-reference.md) rewrites that section; a
codegen test fails when the file differs from what this module writes, so the reference cannot
drift from what the validator accepts.
"""

from __future__ import annotations

from pathlib import Path

from ..spec import diagnostics, spec_keys

BEGIN = "<!-- spec-reference:begin -->"
END = "<!-- spec-reference:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(value) -> str:
    """Display text of a default: values as TOML writes them, text as it is."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"`{value}`"
    if isinstance(value, str) and value.startswith(('"', "[")):
        return f"`{value}`"  # a TOML literal such as "auto" or ["http1"]
    return str(value)


def _table(table: spec_keys.Table) -> list:
    lines = [f"#### {table.title if table.title == 'top level' else '`' + table.title + '`'}", "",
             table.about[0].upper() + table.about[1:] + ".", "",
             "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, key in table.keys.items():
        shown = f"`{name}`" if not name.startswith("<") else f"*{name.strip('<>')}*"
        meaning = key.meaning
        if key.bounds is not None:
            low, high = key.bounds
            meaning += f" (range {low}..{high})"
        lines.append(f"| {shown} | {_cell(key.type)} | {_cell(_default(key.default))} | {_cell(meaning)} |")
    return lines + [""]


def _diagnostic(code: str, title: str, text: str) -> str:
    severity = " (warning)" if text.strip().startswith("Warning:") else ""
    return f"- `{code}` {title}{severity}"


def render() -> str:
    """The Markdown between the markers (without them), ending in a newline."""
    lines = ["", "<!-- generated from codegen/spec/spec_keys.py and codegen/spec/diagnostics.py; "
             "edit those, then run `make readme` -->", "",
             "Every key the validator accepts, by table. *Italic* names stand for names you choose.",
             ""]
    for table in spec_keys.TABLES:
        lines += _table(table)
    lines += ["#### Diagnostics", "",
              "`ringspec explain RSxxx` prints the long explanation of each id.", ""]
    lines += [_diagnostic(code, title, text) for code, (title, text) in diagnostics.CODES.items()]
    return "\n".join(lines) + "\n\n"


def rewrite(readme_text: str) -> str:
    """readme_text with the section between the markers replaced by render()."""
    start, end = readme_text.find(BEGIN), readme_text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no {BEGIN} ... {END} section")
    return readme_text[:start + len(BEGIN)] + "\n" + render() + readme_text[end:]


def update_readme(path: Path, check: bool) -> int:
    """Rewrites the section in place (0), or with check only says whether it is current
    (0) or stale (1)."""
    text = path.read_text(encoding="utf-8")
    try:
        new = rewrite(text)
    except ValueError as exc:
        print(f"ringspec: {path}: {exc}")
        return 2
    if new == text:
        return 0
    if check:
        print(f"{path}: the spec reference is out of date: run make readme")
        return 1
    path.write_text(new, encoding="utf-8")
    print(f"rewrote the spec reference in {path}")
    return 0
