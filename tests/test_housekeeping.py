"""runs/ keeps the last few failed candidates (settings.keep_failed_runs), and nothing else is
ever deleted: not the running run, not the published warehouse, not folders we did not name."""

from __future__ import annotations

from pathlib import Path

from flows.journal.housekeeping import prune_runs
from flows.settings import Settings

FAILED = [f"20261201T00000{n}Z-aaaaaa" for n in range(1, 7)]
PUBLISHED = [f"20261202T00000{n}Z-bbbbbb" for n in range(1, 6)]
CURRENT = "20261203T000000Z-cccccc"


def _home(settings: Settings, tmp_path: Path) -> Path:
    for name in FAILED:
        (settings.runs_dir / name).mkdir()
        (settings.runs_dir / name / "candidate.duckdb").write_bytes(b"candidate")
    for name in PUBLISHED:
        (settings.runs_dir / name / "dbt").mkdir(parents=True)
    (settings.runs_dir / CURRENT).mkdir()
    (settings.runs_dir / CURRENT / "candidate.duckdb").write_bytes(b"being built")
    (settings.runs_dir / "notes").mkdir()  # not a run folder
    outside = tmp_path / "elsewhere"
    (outside / "candidate.duckdb").parent.mkdir()
    (outside / "candidate.duckdb").write_bytes(b"not ours")
    (settings.runs_dir / "20261130T000000Z-dddddd").symlink_to(outside)
    settings.warehouse_path.write_bytes(b"published")
    return outside


def test_keeps_the_newest_failed_runs_and_nothing_else_is_touched(settings, tmp_path):
    outside = _home(settings, tmp_path)
    settings.keep_failed_runs = 2

    deleted = prune_runs(settings, current_run_id=CURRENT)

    left = {p.name for p in settings.runs_dir.iterdir()}
    assert left == {*FAILED[-2:], *PUBLISHED[-2:], CURRENT, "notes", "20261130T000000Z-dddddd"}
    assert {p.name for p in deleted} == {*FAILED[:-2], *PUBLISHED[:-2]}
    assert (settings.runs_dir / CURRENT / "candidate.duckdb").read_bytes() == b"being built"
    assert settings.warehouse_path.read_bytes() == b"published"
    assert (outside / "candidate.duckdb").read_bytes() == b"not ours"


def test_fewer_runs_than_the_setting_are_all_kept(settings, tmp_path):
    _home(settings, tmp_path)
    settings.keep_failed_runs = 10
    assert prune_runs(settings, current_run_id=CURRENT) == []
    assert len(list(settings.runs_dir.iterdir())) == len(FAILED) + len(PUBLISHED) + 3

