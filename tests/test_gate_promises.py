"""What the quality gate promises a user, through the real CLI (`papertrends run`, real dbt, GX,
Prefect, model):

- a record the gate rejects never reaches the warehouse, across any number of runs;
- a source without dates (the HF papers page) publishes, alone in a fresh home, under later daily
  runs and on top of the archive;
- a small first batch publishes;
- a batch-level check that fails on data already in the lake names the papers and the command
  that sets them aside; once set aside they leave the warehouse, once released they come back;
- a second run is refused at once, before Prefect starts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flows.settings import ValidationSettings
from tests.pipeline_harness import (
    NEW_DAY,
    cli_env,
    copy_days,
    input_paper_ids,
    lake_rows,
    paper_ids,
    query,
    run_cli,
)

# a loaded machine (shared, load 10+) needs more than the suite's default 900 s per test
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

PAGE = Path("hf-papers-page") / "papers-search-results.txt"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_cli(["run", *args], env, timeout_s=900)


def _published(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_record_the_gate_rejects_never_reaches_the_warehouse(
    home_copy, shared_data, prefect_server, model_dir, tmp_path
):
    days = shared_data / "hf-daily-papers"
    folder = copy_days(days, (NEW_DAY,), tmp_path / "input")
    later = json.loads((days / "2026-08-20.json").read_text())
    future, from_the_future, fine = later[0], later[1], later[2]
    future["paper"]["publishedAt"] = "2099-01-01T00:00:00.000Z"  # a date in a feed's record
    (folder / "2026-08-20.json").write_text(json.dumps([future, fine]))
    (folder / "2099-01-01.json").write_text(json.dumps([from_the_future]))  # the file's date
    rejected = {future["paper"]["id"], from_the_future["paper"]["id"]}
    env = cli_env(home_copy, prefect_server.api_url, model_dir)

    # the second run re-reads the same input (the old gate published it then), and rebuilds
    # although nothing changed
    for refresh in ([], ["--full-refresh"]):
        _published(_run(env, "--input", str(folder), *refresh))
        published = set(paper_ids(home_copy / "warehouse.duckdb"))
        assert not rejected & published
        assert fine["paper"]["id"] in published
        assert input_paper_ids([days / f"{NEW_DAY}.json"]) <= published
    assert not lake_rows(home_copy, "select 1 from papers where list_contains(?, paper_id)",
                         [sorted(rejected)])
    reasons = lake_rows(home_copy, "select distinct source_ref, reason from quarantine")
    assert {(r, q) for r, q in reasons if "2099" in r or "2026-08-20.json" in r} == {
        (str(folder / "2026-08-20.json") + "#0", "date_out_of_range"),
        (str(folder / "2099-01-01.json") + "#0", "date_out_of_range"),
    }


def test_the_undated_page_publishes_alone_under_daily_runs_and_on_top_of_the_archive(
    home_copy, shared_data, prefect_server, model_dir, tmp_path
):
    page = shared_data / PAGE
    fresh = tmp_path / "fresh"
    env = cli_env(fresh, prefect_server.api_url, model_dir)
    _published(_run(env, "--source", "hf-page", "--input", str(page)))
    warehouse = fresh / "warehouse.duckdb"
    today = query(warehouse, "select current_date")[0][0]
    assert query(warehouse, "select count(*), min(activity_date), max(activity_date)"
                 " from dim_papers") == [(245, today, today)]

    # the daily run after it publishes too (the page's papers no longer block it)
    day = copy_days(shared_data / "hf-daily-papers", (NEW_DAY,), tmp_path / "day")
    _published(_run(env, "--input", str(day)))
    assert query(warehouse, "select count(*) from dim_papers where activity_date is null") == [
        (0,)
    ]
    assert len(paper_ids(warehouse)) >= 245

    # the page on top of the archive (a home that published HF days)
    archive = cli_env(home_copy, prefect_server.api_url, model_dir)
    before = set(paper_ids(home_copy / "warehouse.duckdb"))
    _published(_run(archive, "--source", "hf-page", "--input", str(page)))
    after = set(paper_ids(home_copy / "warehouse.duckdb"))
    assert before < after and len(after - before) <= 245


def test_a_small_first_batch_publishes(shared_data, prefect_server, model_dir, tmp_path):
    """13 papers in a fresh home: few enough that a paper can end up nearest to a topic it does
    not resemble (a negative cosine weight, which is a valid weight)."""
    entries = json.loads((shared_data / "hf-daily-papers" / f"{NEW_DAY}.json").read_text())[:13]
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / f"{NEW_DAY}.json").write_text(json.dumps(entries))
    home = tmp_path / "home"
    _published(_run(cli_env(home, prefect_server.api_url, model_dir), "--input", str(folder)))
    assert len(paper_ids(home / "warehouse.duckdb")) == 13
    (low, high), = query(home / "warehouse.duckdb", "select min(weight), max(weight)"
                         " from fct_paper_topics")
    assert -1 - 1e-4 <= low <= high <= 1 + 1e-4


# A paper of the published days with a claim in milliseconds (flows/lib/claims extracts unit 'ms').
MS_PAPER = "2608.15037"


def test_a_failing_batch_check_names_the_papers_to_set_aside_and_quarantine_is_the_way_out(
    home_copy, shared_data, prefect_server, model_dir, tmp_path
):
    """The gate is told not to know the unit 'ms' (as if a paper used a unit it has never
    seen): the claims check then fails on a paper already published, whatever the run reads."""
    assert MS_PAPER in paper_ids(home_copy / "warehouse.duckdb")
    units = [u for u in ValidationSettings().claim_units if u != "ms"]
    env = cli_env(home_copy, prefect_server.api_url, model_dir)
    strict = {**env, "PAPERTRENDS_VALIDATION__CLAIM_UNITS": json.dumps(units)}
    folder = copy_days(shared_data / "hf-daily-papers", (NEW_DAY,), tmp_path / "input")

    failed = _run(strict, "--input", str(folder))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = " ".join(failed.stdout.split())
    assert "marts.fct_claims" in out
    command = f"papertrends quarantine {MS_PAPER} --reason REASON"
    assert command in out, out
    report_id = re.search(r"run (\S+): failed", out).group(1)
    assert command in run_cli(["report", report_id], env).stdout

    done = run_cli(["quarantine", MS_PAPER, "--reason", "unit ms unknown to the gate"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = run_cli(["quarantine", "--list"], env)
    assert MS_PAPER in listed.stdout and "unit ms unknown to the gate" in listed.stdout
    _published(_run(strict, "--input", str(folder)))
    warehouse = home_copy / "warehouse.duckdb"
    assert MS_PAPER not in paper_ids(warehouse)
    assert query(warehouse, f"select count(*) from fct_claims where paper_id = '{MS_PAPER}'"
                 ) == [(0,)]
    assert input_paper_ids([shared_data / "hf-daily-papers" / f"{NEW_DAY}.json"]) <= set(
        paper_ids(warehouse)
    )
    assert query(warehouse, "select count(*) from dim_topics where n_papers_any = 0") == [(0,)]

    released = run_cli(["quarantine", "--release", MS_PAPER], env)
    assert released.returncode == 0, released.stdout + released.stderr
    assert MS_PAPER not in run_cli(["quarantine", "--list"], env).stdout
    _published(_run(env, "--input", str(folder)))
    assert MS_PAPER in paper_ids(warehouse)


def test_a_second_run_is_refused_before_prefect_starts(tmp_path):
    """The lock is checked before the flow (and a temporary Prefect server) starts: with no
    Prefect server reachable at all, the refusal still comes at once, naming the active run."""
    home = tmp_path / "home"
    home.mkdir()
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from flows.journal.runlock import RunLock
        RunLock(Path({str(home / "run.lock")!r}), "the-active-run").acquire()
        print("locked", flush=True)
        time.sleep(120)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=env)
    try:
        assert holder.stdout.readline().strip() == "locked"
        cli = cli_env(home, "http://127.0.0.1:9/api", tmp_path)  # nothing listens there
        started = time.monotonic()
        refused = run_cli(["run", "--input", str(tmp_path)], cli, timeout_s=60)
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = " ".join(refused.stderr.split())
    assert "another papertrends run is active: run the-active-run" in message, (elapsed, message)
