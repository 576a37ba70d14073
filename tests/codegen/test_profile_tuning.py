"""[profile.NAME] tuning keys (codegen/profile_tuning.py)."""

from conftest import REPO, SPECS, generate, ringspec

ARENA = REPO / "spec" / "arena.toml"


def test_tuning_errors_are_all_reported():
    result = ringspec("check", "tuning.toml", cwd=SPECS / "errors")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "tuning.toml:11: profile.bad.workers: expected \"auto\" or an integer 1..1024, got 0",
        "tuning.toml:12: profile.bad.recv_count: 1000 is not a power of two",
        "tuning.toml:13: profile.bad.recv_size: expected an integer 256..1048576, got 1",
        "tuning.toml:14: profile.bad.output_queue: expected an integer 1024..1073741824, got 'big'",
        "tuning.toml:15: profile.bad.compress.br: no route of this profile offers br (set it in the route's compress)",
        "tuning.toml:19: profile.levels.compress.gzip: expected a level 1..9, got 12",
        "tuning.toml:19: profile.levels.compress.zstd: unknown coding (expected one of: gzip, br)",
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
    assert "{RS_CODING_BR, 2}," in plain and "{RS_CODING_GZIP, 1}," in plain
    assert "{RS_CODING_BR, 7}," in tuned and "{RS_CODING_GZIP, 1}," in tuned  # gzip as the route says


def test_profile_without_json_routes_loads_no_data(tmp_path):
    """A baseline-only server must start without /data/dataset.json."""
    generate(ARENA, tmp_path / "b", "baseline")
    generate(ARENA, tmp_path / "j", "json")
    assert "dataset.json" not in (tmp_path / "b" / "shapes.c").read_text()
    assert "dataset.json" in (tmp_path / "j" / "shapes.c").read_text()
