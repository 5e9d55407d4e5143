"""``reports/<run_id>/summary.json``: the run's own file, and the only place it is read.

Keys: ``run`` (the :class:`~flows.journal.record.RunRecord`), ``validation`` (the
:class:`~flows.stages.validate.ValidationOutcome`, or null when validation did not run),
``dbt_failures``, ``data_docs`` (path of the Data Docs index, relative to the folder) and
``config`` (the settings the configuration hash covers). Plain files, written atomically, so
``papertrends runs``/``status`` and the dashboard read them while a run holds the lake.

:func:`load_summary` is the one function that reads the file; everything else (the run list, the
reports, the dashboard's run status) goes through it.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from flows.journal.record import RunRecord
from flows.settings import Settings

log = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"


def summary_path(settings: Settings, run_id: str) -> Path:
    return settings.reports_dir / run_id / SUMMARY_FILE


def summary_paths(reports_dir: Path) -> list[Path]:
    """Every ``<run_id>/summary.json`` under ``reports_dir`` (none when it does not exist)."""
    return sorted(reports_dir.glob(f"*/{SUMMARY_FILE}")) if reports_dir.is_dir() else []


def load_summary(path: Path) -> dict[str, Any]:
    """The summary.json at ``path``; OSError / ValueError when it is missing or unreadable."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


def read_summary(settings: Settings, run_id: str) -> dict[str, Any]:
    """The summary.json of ``run_id``, or ``{}`` when the run has none yet."""
    path = summary_path(settings, run_id)
    return load_summary(path) if path.is_file() else {}


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so a reader sees the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_summary(settings: Settings, record: RunRecord, **sections: Any) -> None:
    """Write the record (key ``run``) and ``sections`` into the run's summary.json, keeping the
    keys already there."""
    summary = read_summary(settings, record.run_id)
    summary.update(sections)
    summary["run"] = record.to_dict()
    write_json_atomic(summary_path(settings, record.run_id), summary)


def list_runs(settings: Settings) -> list[RunRecord]:
    """Every run with a reports/<run_id>/summary.json, newest first (never opens the lake)."""
    runs: list[RunRecord] = []
    for path in summary_paths(settings.reports_dir):
        try:
            runs.append(RunRecord.from_dict(load_summary(path)["run"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("skipping unreadable run summary %s: %s", path, exc)
    runs.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
    return runs
