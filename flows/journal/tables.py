"""Terminal tables of runs for ``papertrends runs`` and ``papertrends status``.

The default table fits an 80-column terminal: short run ids (the random suffix of
``20261203T092814Z-db0f42`` is ``db0f42``; ``papertrends report db0f42`` accepts it), compact
start times, the counts that matter. ``wide`` shows every field; :func:`run_json` is the
machine-readable form (``--json``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from flows.journal.record import STAGES, RunRecord

_GENERATED_ID = re.compile(r"^\d{8}T\d{6}Z-([0-9a-f]{6})$")


def short_id(run_id: str) -> str:
    """``db0f42`` for a generated id ``20261203T092814Z-db0f42``; other ids unchanged."""
    match = _GENERATED_ID.match(run_id)
    return match.group(1) if match else run_id


def _num(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _secs(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}s"


def papers_added(record: RunRecord) -> int | None:
    """Papers a published run added to the warehouse (dim_papers after minus before); None for
    a run that did not publish (the warehouse did not change)."""
    rows = record.mart_rows.get("dim_papers") or {}
    if not record.published or rows.get("after") is None:
        return None
    return rows["after"] - (rows.get("before") or 0)


def runs_table(records: list[RunRecord], *, wide: bool = False, title: str | None = None) -> Table:
    """Runs, newest first; narrow (80 columns) unless ``wide``."""
    table = Table(title=title, box=None, pad_edge=False, title_justify="left",
                  header_style="bold underline")
    if wide:
        for name in ("run_id", "status", "published", "started UTC", "finished UTC",
                     "duration", "source", "read", "loaded", "unchanged", "quarantined",
                     "tagged", "papers", "added", "dbt failed", "exp. failed"):
            table.add_column(name, no_wrap=True,
                             justify="right" if name in _RIGHT_WIDE else "left")
        for r in records:
            table.add_row(
                r.run_id, r.status, "yes" if r.published else "no",
                f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                f"{r.finished_at:%Y-%m-%d %H:%M:%S}" if r.finished_at else "–",
                _secs(r.duration_s), r.source or "–", _num(r.read), _num(r.loaded),
                _num(r.unchanged), _num(r.quarantined), _num(r.tagged), _num(r.papers),
                _num(papers_added(r)), _num(r.dbt_tests_failed), _num(r.expectations_failed),
            )
        return table
    for name in ("run", "status", "published", "started UTC", "read", "loaded",
                 "quarantined", "failed"):
        table.add_column(name, no_wrap=True, justify="right" if name in _RIGHT else "left")
    for r in records:
        table.add_row(
            short_id(r.run_id), r.status, "yes" if r.published else "no",
            f"{r.started_at:%b %d %H:%M}", _num(r.read), _num(r.loaded), _num(r.quarantined),
            _num(len(r.failed_checks)),
        )
    return table


_RIGHT = {"read", "loaded", "quarantined", "failed"}
_RIGHT_WIDE = {"duration", "read", "loaded", "unchanged", "quarantined", "tagged", "papers",
               "added", "dbt failed", "exp. failed"}


def run_json(record: RunRecord, report: str | None) -> dict[str, Any]:
    """A run for scripts: the whole record plus short id, duration, papers added, report."""
    return {
        **record.to_dict(),
        "short_id": short_id(record.run_id),
        "duration_s": record.duration_s,
        "papers_added": papers_added(record),
        "report": report,
    }


def print_table(console: Console, table: Table) -> None:
    """Print ``table`` whole: wider than the terminal, the lines wrap instead of truncating."""
    needed = Measurement.get(console, console.options.update_width(10_000), table).maximum
    if needed <= console.width:
        console.print(table)
    else:
        Console(width=needed, force_terminal=console.is_terminal, no_color=console.no_color,
                file=console.file).print(table)


def run_history(records: list[RunRecord], reports_dir: Path) -> list[dict[str, Any]]:
    """One row per run (oldest first) for the dashboard's run history: stage seconds, papers
    added, failed checks, published or not, and the run's report.html when there is one."""
    rows = []
    for r in sorted(records, key=lambda r: (r.started_at, r.run_id)):
        report = reports_dir / r.run_id / "report.html"
        rows.append({
            "run_id": r.run_id,
            "run": short_id(r.run_id),
            "started_at": r.started_at,
            "status": r.status,
            "published": r.published,
            "duration_s": r.duration_s,
            **{f"{stage}_s": r.stage_seconds.get(stage) for stage in STAGES},
            "read": r.read,
            "loaded": r.loaded,
            "quarantined": r.quarantined,
            "papers_added": papers_added(r),
            "papers": r.papers,
            "dbt_tests_failed": r.dbt_tests_failed,
            "expectations_failed": r.expectations_failed,
            "report": report if report.is_file() else None,
        })
    return rows
