"""pyflakes finds nothing in the Python of codegen/ and tests/ (unused names and imports,
f-strings without placeholders). Skipped where python3-pyflakes is not installed: it is a
developer check (apt-get install python3-pyflakes), not a dependency of the build."""

import subprocess
import sys

import pytest

from conftest import REPO


def test_pyflakes_is_clean():
    pytest.importorskip("pyflakes")
    result = subprocess.run([sys.executable, "-m", "pyflakes", "codegen", "tests"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.stdout == "", result.stdout
