"""docs/spec-reference.md is what `make readme` writes from the key registry, and the
reference covers every key of codegen/spec/spec_keys.py and every id of codegen/spec/diagnostics.py."""

from __future__ import annotations

from conftest import REPO, ringspec
from codegen.spec import diagnostics, spec_keys
from codegen.export import reference

REFERENCE = REPO / "docs" / "spec-reference.md"


def test_readme_reference_is_current():
    text = REFERENCE.read_text(encoding="utf-8")
    assert reference.rewrite(text) == text, "docs/spec-reference.md is out of date: run make readme"


def test_check_flag_says_stale_and_make_readme_fixes_it(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{reference.BEGIN}\nold text\n{reference.END}\n\nafter\n")
    stale = ringspec("reference", "--readme", readme, "--check")
    assert stale.returncode == 1 and "run make readme" in stale.stdout
    assert "old text" in readme.read_text()  # --check writes nothing
    assert ringspec("reference", "--readme", readme).returncode == 0
    text = readme.read_text()
    assert "old text" not in text and text.startswith("# x\n") and text.endswith(f"{reference.END}\n\nafter\n")
    assert ringspec("reference", "--readme", readme, "--check").returncode == 0


def test_missing_markers_are_an_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    result = ringspec("reference", "--readme", readme)
    assert result.returncode == 2 and "spec-reference:begin" in result.stdout


def test_every_key_and_diagnostic_is_in_the_reference():
    section = reference.render()
    for table in spec_keys.TABLES:
        heading = table.title if table.title == "top level" else f"`{table.title}`"
        assert f"#### {heading}\n" in section
        body = section.split(f"#### {heading}\n", 1)[1].split("####", 1)[0]
        for name, key in table.keys.items():
            shown = f"*{name.strip('<>')}*" if name.startswith("<") else f"`{name}`"
            row = next((line for line in body.splitlines() if line.startswith(f"| {shown} |")), None)
            assert row is not None, (table.title, name)
            assert key.type in row and key.meaning.split(";")[0].replace("|", "\\|") in row
            if isinstance(key.default, int) and not isinstance(key.default, bool):
                assert f"`{key.default}`" in row
    for code, (title, _) in diagnostics.CODES.items():
        assert f"- `{code}` {title}" in section
    assert "- `RS090` unused parameter (warning)" in section
