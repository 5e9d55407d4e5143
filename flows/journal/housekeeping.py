"""Housekeeping of ``$PAPERTRENDS_HOME/runs/``: failed candidates do not pile up.

A run that does not publish keeps ``runs/<run_id>/candidate.duckdb`` for inspection (a full
warehouse, hundreds of MB on the real archive); a published run's folder keeps only its dbt
logs. Before a run builds its candidate, :func:`prune_runs` deletes the folders of older runs:
it keeps the newest ``settings.keep_failed_runs`` folders holding a candidate (failed or killed
runs) and as many of the others. It only ever deletes folders named like a run id
(``flows.journal.record.new_run_id``) directly under ``runs/``, never the running run's folder,
never a symlink, and never anything outside ``runs/`` (the published ``warehouse.duckdb`` lives
beside it, in ``$PAPERTRENDS_HOME``). It runs under the run lock, so no other run is using them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flows.settings import Settings

RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
CANDIDATE = "candidate.duckdb"


def _run_folders(runs_dir: Path, current_run_id: str) -> list[Path]:
    if not runs_dir.is_dir():
        return []
    return sorted(  # run ids start with their UTC start time: name order is age order
        p
        for p in runs_dir.iterdir()
        if RUN_ID.fullmatch(p.name)
        and p.name != current_run_id
        and p.is_dir()
        and not p.is_symlink()
    )


def prune_runs(settings: Settings, current_run_id: str) -> list[Path]:
    """Delete the folders of old runs (see the module docstring); returns what was deleted."""
    keep = max(settings.keep_failed_runs, 0)
    folders = _run_folders(settings.runs_dir, current_run_id)
    failed = [p for p in folders if (p / CANDIDATE).exists()]
    others = [p for p in folders if not (p / CANDIDATE).exists()]
    doomed = failed[: max(len(failed) - keep, 0)] + others[: max(len(others) - keep, 0)]
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return doomed
