"""Test helpers over a published warehouse: a newer published run, a run's summary.json."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from flows.journal.record import RunRecord
from flows.journal.summary import write_json_atomic


def copy_with_run_id(source: Path, target: Path, run_id: str) -> Path:
    """A copy of ``source`` whose run_audit names ``run_id`` as the last published run."""
    shutil.copyfile(source, target)
    con = duckdb.connect(str(target))
    try:  # works on any run_audit with run_id, published, finished_at (a real one too)
        con.execute(
            "create temp table newest as select * from run_audit where published "
            "order by finished_at desc limit 1"
        )
        con.execute("update newest set run_id = ?, finished_at = now()", [run_id])
        con.execute("insert into run_audit select * from newest")
        con.execute("checkpoint")
    finally:
        con.close()
    return target


def write_summary(reports_dir: Path, run_id: str, *, status: str, published: bool,
                  finished_at: datetime, failed_checks: list[str] | None = None) -> Path:
    """A reports/<run_id>/summary.json like the validation step writes, with a Data Docs page."""
    folder = reports_dir / run_id
    docs = folder / "data_docs" / "index.html"
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(f"<html><body>Data Docs of {run_id}</body></html>", encoding="utf-8")
    failed = failed_checks or []
    record = RunRecord(
        run_id=run_id,
        started_at=finished_at - timedelta(minutes=5),
        finished_at=finished_at,
        status=status,
        published=published,
        failed_checks=failed,
        expectations_passed=120 - len(failed),
        expectations_failed=len(failed),
    )
    summary = {"run": record.to_dict(), "data_docs": "data_docs/index.html"}
    path = folder / "summary.json"
    write_json_atomic(path, summary)
    return path
