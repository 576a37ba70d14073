"""JSON beyond the arena shape (tests/conformance/specs/escape.toml): string escaping
with quotes, backslashes, control characters and non-ASCII; every field type; and
start-up errors for broken data files (the message names file, item and field)."""

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import build_spec_server, free_port, get, start_server, stop_server

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "escape"
NOTES = json.loads((DATA / "notes.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def escape_binary(tmp_path_factory):
    """The escape spec built like RS_SERVER (with --sanitize when that is the ASan build)."""
    return build_spec_server(HERE / "specs" / "escape.toml", tmp_path_factory.mktemp("escape-build"))


@pytest.fixture(scope="module")
def escape_server(escape_binary, tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("escape"), name="escape", extra_args=("--data-root", str(DATA)),
                       binary=escape_binary)
    yield srv
    stop_server(srv)


def test_every_string_round_trips(escape_server):
    with escape_server.conn() as c:
        resp = c.request(get("/notes"))
    assert resp.status == 200
    assert resp.header("content-type") == "application/json"
    doc = json.loads(resp.body.decode("utf-8"))
    assert doc == {"all": NOTES, "first": NOTES[0], "n": len(NOTES)}


def test_escapes_are_json_and_utf8_passes_through(escape_server):
    with escape_server.conn() as c:
        body = c.request(get("/notes")).body
    assert not any(b < 0x20 for b in body)  # every control character escaped
    assert b'say \\"hi\\" \\\\ back\\\\slash' in body
    assert b"ctl \\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\x7f end" in body
    assert "café 日本語 😀 \u2028 ünï".encode() in body  # raw UTF-8, not \u escapes


def test_with_several_fields_and_nested_arrays(escape_server):
    with escape_server.conn() as c:
        for k, step in [(0, 2), (2, 5), (4, -3), (9, 1)]:
            resp = c.request(get(f"/notes/{k}?step={step}", b"Accept-Encoding: gzip\r\n"))
            assert resp.header("content-encoding") == "gzip"
            doc = json.loads(gzip.decompress(resp.body))
            n = max(0, min(k, len(NOTES)))
            want = [dict(note, twice=note["id"] * step, neg=-note["id"]) for note in NOTES[:n]]
            assert doc == {"items": want, "k": k}
            if n:  # declared order, then the added fields
                assert list(doc["items"][0]) == ["id", "text", "ok", "words", "grid", "twice", "neg"]


# --------------------------------------------------------------------------
# start-up errors


def start_with(escape_binary, root):
    return subprocess.run([str(escape_binary), "--port", str(free_port()), "--workers", "1", "--data-root", str(root)],
                          capture_output=True, text=True, timeout=20)


def broken(tmp_path, notes=None, first=None):
    root = tmp_path / "root"
    shutil.copytree(DATA, root)
    if notes is not None:
        (root / "notes.json").write_text(notes)
    if first is not None:
        (root / "first.json").write_text(first)
    return root


def mutate(index, change):
    notes = json.loads(json.dumps(NOTES))
    change(notes[index])
    return json.dumps(notes)


@pytest.mark.parametrize("case,expect", [
    ("missing_file", "notes.json: cannot load data \"notes\""),
    ("wrong_type", 'notes.json: item 2: field "id": expected an integer, got a string'),
    ("missing_field", 'notes.json: item 1: field "ok": missing'),
    ("nested", 'notes.json: item 3: field "words[0]": expected a string, got an integer'),
    ("nested_array", 'notes.json: item 0: field "grid[1][0]": expected an integer, got a real'),
    ("not_array", "notes.json: expected an array, got an object"),
    ("bad_json", "notes.json: cannot load data \"notes\""),
    ("object_field", 'first.json: field "text": expected a string, got true'),
])
def test_broken_dataset_stops_startup(escape_binary, tmp_path, case, expect):
    if case == "missing_file":
        root = broken(tmp_path)
        (root / "notes.json").unlink()
    elif case == "wrong_type":
        root = broken(tmp_path, notes=mutate(2, lambda n: n.update(id="7")))
    elif case == "missing_field":
        root = broken(tmp_path, notes=mutate(1, lambda n: n.pop("ok")))
    elif case == "nested":
        root = broken(tmp_path, notes=mutate(3, lambda n: n.update(words=[5])))
    elif case == "nested_array":
        root = broken(tmp_path, notes=mutate(0, lambda n: n.update(grid=[[1], [2.5]])))
    elif case == "not_array":
        root = broken(tmp_path, notes="{}")
    elif case == "bad_json":
        root = broken(tmp_path, notes="[{")
    else:
        root = broken(tmp_path, first=json.dumps(dict(NOTES[0], text=True)))
    result = start_with(escape_binary, root)
    assert result.returncode == 1, result.stderr
    assert expect in result.stderr, result.stderr
    assert str(root) in result.stderr  # the resolved path, so the operator sees which file
    assert "AddressSanitizer" not in result.stderr and "runtime error" not in result.stderr
