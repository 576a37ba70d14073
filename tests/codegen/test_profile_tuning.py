"""[profile.NAME] tuning keys (codegen/spec/profile_tuning.py) and `ringspec arena` entries."""

import json
import os

from conftest import REPO, SPECS, generate, ringspec

ARENA = REPO / "spec" / "arena.toml"


def test_tuning_errors_are_all_reported():
    result = ringspec("check", "tuning.toml", cwd=SPECS / "errors")
    assert result.returncode == 1
    headlines = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert headlines == [
        'tuning.toml:11:11: error[RS013]: profile.bad.workers: expected "auto" or an integer 1..1024, got 0',
        "tuning.toml:12:14: error[RS014]: profile.bad.recv_count: 1000 is not a power of two",
        "tuning.toml:13:13: error[RS013]: profile.bad.recv_size: expected an integer 256..1048576, got 1",
        "tuning.toml:14:16: error[RS012]: profile.bad.output_queue: expected an integer 1024..1073741824, "
        "got 'big'",
        "tuning.toml:15:19: error[RS060]: profile.bad.compress.br: no route of this profile offers br "
        "(set it in the route's compress)",
        "tuning.toml:19:21: error[RS013]: profile.levels.compress.gzip: expected a level 1..9, got 12",
        "tuning.toml:19:32: error[RS010]: profile.levels.compress.zstd: unknown coding (expected one of: gzip, br)",
    ]


def _config(tmp_path, spec, profile):
    generate(spec, tmp_path, profile)
    return (tmp_path / "routes.c").read_text()


def test_tuning_reaches_the_generated_config(tmp_path):
    """arena.toml plus a tuned profile of its JSON route: [server] keys and compress levels."""
    spec = tmp_path / "arena.toml"
    spec.write_text(ARENA.read_text() + '\n[profile.tuned]\nroutes = ["/json/{count:int}"]\nworkers = 3\n'
                    'recv_count = 64\nrecv_size = 4096\noutput_queue = 4096\ncompress = { br = 7 }\n')
    plain = _config(tmp_path / "plain", spec, "json")
    tuned = _config(tmp_path / "tuned", spec, "tuned")
    assert ".workers = 0," in plain and ".workers = 3," in tuned
    assert ".recv_buffers = 64," in tuned and ".recv_buffer_size = 4096," in tuned
    assert ".limits.output_queue = 4096," in tuned
    assert "{RS_CODING_BR, 0}," in plain and "{RS_CODING_GZIP, 1}," in plain
    assert "{RS_CODING_BR, 7}," in tuned and "{RS_CODING_GZIP, 1}," in tuned  # gzip as the route says


def test_profile_without_json_routes_loads_no_data(tmp_path):
    """A baseline-only server must start without /data/dataset.json."""
    generate(ARENA, tmp_path / "b", "baseline")
    generate(ARENA, tmp_path / "j", "json")
    assert "dataset.json" not in (tmp_path / "b" / "shapes.c").read_text()
    assert "dataset.json" in (tmp_path / "j" / "shapes.c").read_text()


def test_arena_entry_folder(tmp_path):
    out = tmp_path / "ringspec-pipelined"
    result = ringspec("arena", ARENA, "--profile", "pipelined", "-o", out)
    assert result.returncode == 0, result.stderr
    meta = json.loads((out / "meta.json").read_text())
    assert (meta["language"], meta["type"], meta["engine"], meta["tests"]) == ("C", "engine", "io_uring",
                                                                                ["pipelined"])
    assert os.access(out / "build.sh", os.X_OK)
    assert "--profile pipelined" in (out / "build.sh").read_text()
    dockerfile = (out / "Dockerfile").read_text()
    assert "FROM debian:12-slim AS build" in dockerfile and "./build.sh binary" in dockerfile
    assert 'CMD ["/usr/local/bin/ringspec-server", "--data-root", "/data"]' in dockerfile
    for name in ("codegen/cli.py", "runtime/server/server_main.c", "Makefile", "ringspec", "spec/arena.toml"):
        assert (out / "src" / name).is_file(), name
    assert "--security-opt seccomp=unconfined" in (out / "README.md").read_text()  # io_uring in Docker


def test_arena_default_profile_is_all(tmp_path):
    result = ringspec("arena", ARENA, "-o", tmp_path / "ringspec")
    assert result.returncode == 0, result.stderr
    tests = json.loads((tmp_path / "ringspec" / "meta.json").read_text())["tests"]
    assert tests == ["baseline", "pipelined", "limited-conn", "json", "json-comp", "json-tls", "upload", "static",
                     "async-db", "crud", "api-4", "api-16", "baseline-h2", "static-h2", "baseline-h2c", "json-h2c",
                     "unary-grpc", "unary-grpc-tls", "stream-grpc", "stream-grpc-tls", "echo-ws"]


def test_top_level_dockerfile_matches_the_entry(tmp_path):
    """The repo's Dockerfile and the entry template install the same packages and run the
    server the same way (their RUN apt-get and CMD lines are kept in step)."""
    out = tmp_path / "ringspec"
    assert ringspec("arena", ARENA, "-o", out).returncode == 0

    def lines(text):
        return [line.strip() for line in text.splitlines()
                if line.strip().startswith(("gcc ", "libjansson", "liburing2", "CMD ", "FROM "))]

    assert lines((REPO / "Dockerfile").read_text()) == lines((out / "Dockerfile").read_text())
