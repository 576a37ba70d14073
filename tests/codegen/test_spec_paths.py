"""What the templates print from the spec is escaped (issue 21): a spec in a directory
named `dir*` puts "*/" into its own path, which the generated files quote in comments
(patterns.c names the spec it was generated from)."""

import subprocess

from conftest import REPO, ringspec

SPEC = '''[[route]]
path = "/code/{code:int}"
query = { sku = { type = "string", max_length = 12, pattern = "[A-Z]{3}-[0-9]{4}" } }
headers = { x-tag = { type = "string", max_length = 8, required = false, pattern = "[a-z]+" } }
reply.text = "{code} {sku} {x_tag}"
'''


def test_a_spec_under_a_directory_named_dir_star_builds(tmp_path):
    folder = tmp_path / "dir*"
    folder.mkdir()
    spec = folder / "patterns.toml"
    spec.write_text(SPEC)
    gen = tmp_path / "gen"
    result = ringspec("generate", spec, "-o", gen)
    assert result.returncode == 0, result.stderr
    assert (gen / "patterns.c").is_file()  # the pattern constraints went through Ragel
    built = subprocess.run(["make", "-s", "-C", str(REPO), "server", f"GEN_DIR={gen}", f"OUT={tmp_path}"],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-4000:]
    for source in sorted(gen.glob("*.[ch]")):  # the path is in the comments, its "*/" defused
        text = source.read_text()
        if str(folder) in text.replace("*\\/", "*/"):
            assert f"{folder}/" not in text, source.name
