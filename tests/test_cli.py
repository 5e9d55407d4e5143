"""The read-side commands an operator uses: status, runs, report (on a real published home)."""

from __future__ import annotations

import json

import duckdb
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def invoke(home, *args):
    return runner.invoke(app, list(args), env={"PAPERTRENDS_HOME": str(home)})


def test_status_reports_what_the_published_warehouse_holds(home_copy):
    result = invoke(home_copy, "status", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    con = duckdb.connect(str(home_copy / "warehouse.duckdb"), read_only=True)
    try:
        papers = con.execute("select count(*) from dim_papers").fetchone()[0]
        last = con.execute(
            "select run_id from run_audit where published order by finished_at desc limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    assert info["warehouse"]["rows"]["dim_papers"] == papers
    assert info["warehouse"]["last_published_run"]["run_id"] == last
    assert info["active_run"] is None


def test_runs_lists_and_report_prints_a_run(home_copy):
    summaries = sorted((home_copy / "reports").glob("*/summary.json"))
    run_id = summaries[-1].parent.name
    listed = invoke(home_copy, "runs")
    short = run_id.rsplit("-", 1)[1]  # the short id the 80-column table shows
    assert listed.exit_code == 0 and short in listed.output
    assert run_id in invoke(home_copy, "runs", "--wide").output
    shown = invoke(home_copy, "report", short)
    assert shown.exit_code == 0 and run_id in shown.output
    unknown = invoke(home_copy, "report", "no-such-run")
    assert unknown.exit_code == 2 and "no-such-run" in unknown.output
