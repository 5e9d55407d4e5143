"""`papertrends runs`, `status` and `report` as an operator sees them in an 80-column terminal.

The promise: in 80 columns every run shows its id (the short id `report` accepts), status,
published or not, start time and counts, nothing cut off with an ellipsis; `--wide` shows full
ids, `--json` gives scripts every field; `report ID --open` opens the run's HTML report.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from flows.journal.record import RunRecord
from flows.read.digest import render_digest
from tests.pipeline_harness import CLI, REPO_ROOT

pytestmark = pytest.mark.slow


def cli(history, *args: str, columns: int = 80, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAPERTRENDS_")}
    environ.update({"PAPERTRENDS_HOME": str(history.home), "PAPERTRENDS_CONFIG": os.devnull,
                    "COLUMNS": str(columns), "PYTHONPATH": str(REPO_ROOT), **env})
    done = subprocess.run([*CLI, *args], env=environ, capture_output=True, text=True,
                          timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def records(history) -> list[RunRecord]:
    return [RunRecord.from_dict(history.summary(role)["run"]) for role in history.runs]


def test_runs_fit_80_columns_without_truncation(run_history):
    out = cli(run_history, "runs").stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, out
    assert "…" not in out and "..." not in out
    header = lines[0].split()
    assert header[:3] == ["run", "status", "published"] and "quarantined" in header
    for record in records(run_history):
        short = record.run_id.rsplit("-", 1)[1]
        [row] = [line for line in lines if line.startswith(short + " ")]
        cells = row.split()
        assert cells[1] == record.status
        assert cells[2] == ("yes" if record.published else "no")
        assert f"{record.started_at:%b %d %H:%M}" in row
        assert cells[-4:-1] == [f"{record.read:,}", f"{record.loaded:,}",
                                f"{record.quarantined:,}"]
        assert cells[-1] == str(len(record.failed_checks))


def test_runs_wide_and_json_show_everything(run_history):
    wide = cli(run_history, "runs", "--wide").stdout
    assert "…" not in wide
    data = json.loads(cli(run_history, "runs", "--json").stdout)
    assert {r["run_id"] for r in data} == set(run_history.runs.values())
    for record in records(run_history):
        assert record.run_id in wide
        [row] = [r for r in data if r["run_id"] == record.run_id]
        assert (row["status"], row["read"], row["unchanged"]) == (
            record.status, record.read, record.unchanged)
        assert row["report"] == str(run_history.report(_role(run_history, record.run_id)))
    published = next(r for r in data if r["run_id"] == run_history.runs["published"])
    assert published["papers_added"] > 0 and set(published["stage_seconds"]) == {
        "ingest", "tag", "transform", "validate", "publish"}


def _role(history, run_id: str) -> str:
    return next(role for role, rid in history.runs.items() if rid == run_id)


def test_status_fits_80_columns(run_history):
    out = cli(run_history, "status").stdout
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert "…" not in out
    assert f"by run {run_history.runs['full_refresh']}" in out
    assert "active run none" in out
    info = json.loads(cli(run_history, "status", "--json", columns=200).stdout)
    assert info["warehouse"]["last_published_run"]["run_id"] == run_history.runs["full_refresh"]


def test_report_short_id_opens_the_html_report(run_history, tmp_path):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f"#!{sys.executable}\nimport sys\n"
                       f"open({str(opened)!r}, 'w').write(sys.argv[1])\n")
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    run_id = run_history.runs["gx_failed"]
    out = cli(run_history, "report", run_id.rsplit("-", 1)[1], "--open",
              BROWSER=str(browser)).stdout
    assert run_id in out and "not published" in out
    page = run_history.report("gx_failed")
    assert f"Report: {page}" in out
    assert opened.read_text() == page.as_uri()


def test_digest_links_to_the_published_run_report(run_history):
    result = render_digest(run_history.settings)
    page = result.html_path.read_text(encoding="utf-8")
    assert f'href="{run_history.report("full_refresh").as_uri()}"' in page
    assert run_history.report("full_refresh").as_uri() in result.markdown_path.read_text()
