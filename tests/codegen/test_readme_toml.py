"""Every ```toml block of README.md and docs/*.md is TOML 1.0 (what tomllib and the spec loader accept):
readers copy them into specs, so a snippet the loader rejects is a broken example."""

import re
import tomllib

import pytest

from conftest import REPO

GUIDES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# A fenced block tagged toml, also indented inside a list item; group 2 is its text.
TOML_BLOCK = re.compile(r"^([ \t]*)```toml[ \t]*\n(.*?)^\1```[ \t]*$", re.M | re.S)


def toml_blocks() -> list:
    blocks = []
    for guide in GUIDES:
        text = guide.read_text(encoding="utf-8")
        for m in TOML_BLOCK.finditer(text):
            indent = len(m.group(1))
            body = "".join(line[indent:] for line in m.group(2).splitlines(keepends=True))
            where = f"{guide.relative_to(REPO)}:{text.count(chr(10), 0, m.start()) + 1}"
            blocks.append(pytest.param(body, id=where))
    return blocks


def test_readme_has_toml_blocks():
    assert len(toml_blocks()) >= 5  # the extraction itself works: the guides have many examples
    assert any(p.id.startswith("README.md:") for p in toml_blocks())  # the README's first service


@pytest.mark.parametrize("block", toml_blocks())
def test_toml_block_parses(block):
    tomllib.loads(block)
