"""`papertrends status`: what the published warehouse holds, the active run, the last runs.

Reads only the published warehouse (read-only, short-lived) and the run reports, so it works
while a run is active.
"""

from __future__ import annotations

import textwrap
from typing import Any

import duckdb

from flows.journal.runlock import active_holder
from flows.lib.contract import mart_names
from flows.settings import Settings


def warehouse_summary(settings: Settings) -> dict[str, Any]:
    path = settings.warehouse_path
    if not path.exists():
        return {"path": str(path), "published": False}
    con = duckdb.connect(str(path), read_only=True)
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        }
        rows = {
            name: con.execute(f"select count(*) from main.{name}").fetchone()[0]  # noqa: S608
            for name in mart_names()
            if name in present
        }
        info: dict[str, Any] = {"path": str(path), "published": True, "rows": rows}
        if "dim_papers" in present:
            first, last = con.execute(
                "select min(activity_date), max(activity_date) from dim_papers"
            ).fetchone()
            info["papers_from"], info["papers_to"] = first, last
        if "run_audit" in present:
            last_run = con.execute(
                "select run_id, finished_at from run_audit where published "
                "order by finished_at desc limit 1"
            ).fetchone()
            if last_run:
                info["last_published_run"] = {"run_id": last_run[0], "finished_at": last_run[1]}
        return info
    finally:
        con.close()


def collect_status(settings: Settings, last: int = 5) -> dict[str, Any]:
    from flows.journal.summary import list_runs

    holder = active_holder(settings.lock_path)
    return {
        "home": str(settings.home),
        "warehouse": warehouse_summary(settings),
        "active_run": holder.__dict__ if holder else None,
        "last_runs": [
            {"run_id": r.run_id, "status": r.status, "published": r.published,
             "started_at": r.started_at, "stage": r.stage}
            for r in list_runs(settings)[:last]
        ],
    }


def status_lines(info: dict[str, Any]) -> list[str]:
    """:func:`collect_status` as short lines for a terminal (the runs table follows them)."""
    wh = info["warehouse"]
    lines = [f"home       {info['home']}"]
    if not wh.get("published"):
        lines.append(f"warehouse  none published yet ({wh['path']}); run `papertrends run`")
    else:
        last = wh.get("last_published_run") or {}
        by = f"run {last['run_id']}, {_when(last.get('finished_at'))}" if last else "unknown run"
        lines.append(f"warehouse  {wh['path']}")
        lines.append(f"published  by {by}")
        papers = wh.get("rows", {}).get("dim_papers")
        if papers is not None:
            span = f" ({wh.get('papers_from')} .. {wh.get('papers_to')})"
            lines.append(f"papers     {papers:,}{span if wh.get('papers_from') else ''}")
        marts = ", ".join(f"{n} {c:,}" for n, c in wh.get("rows", {}).items() if n != "dim_papers")
        if marts:
            lines.append(textwrap.fill(marts, width=80, initial_indent="marts      ",
                                       subsequent_indent=" " * 11, break_on_hyphens=False))
    active = info.get("active_run")
    if active:
        lines.append(f"active run {active['run_id']} (pid {active['pid']}, started "
                     f"{active['started_at']}){_stage_of(info, active['run_id'])}")
    else:
        lines.append("active run none")
    return lines


def _when(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M %Z}".strip() if hasattr(moment, "strftime") else str(moment)


def _stage_of(info: dict[str, Any], run_id: str) -> str:
    stage = next((r.get("stage") for r in info["last_runs"] if r["run_id"] == run_id), None)
    return f", stage {stage}" if stage else ""
