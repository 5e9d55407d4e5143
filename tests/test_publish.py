"""Write-audit-publish on real DuckDB files: atomic replace, held-open readers, failed runs."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.journal.audit import record_run
from flows.journal.record import RunRecord
from flows.journal.reports import write_report
from flows.settings import Settings
from flows.stages.publish import PublishError, publish
from flows.stages.tagging.embedder import model_name
from flows.stages.validate import validate_candidate
from tests.test_validate import build_warehouse, execute, load_real_papers


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count_papers(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from main.dim_papers").fetchone()[0]


@pytest.fixture(scope="module")
def papers(shared_data: Path) -> pd.DataFrame:
    return load_real_papers(shared_data, limit=80)


def candidate_of(settings: Settings, run_id: str, papers: pd.DataFrame) -> Path:
    return build_warehouse(settings.runs_dir / run_id / "candidate.duckdb", papers, run_id=run_id)


# A reader in its own process (as the dashboard is): opens the warehouse read-only once, then
# answers "count" with the number of papers it sees through that same connection.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    print(con.execute("select count(*) from main.dim_papers").fetchone()[0], flush=True)
"""


def test_publish_is_atomic_and_a_held_reader_keeps_the_old_data(
    settings: Settings, papers: pd.DataFrame
) -> None:
    first = candidate_of(settings, "run-a", papers.head(30))
    assert publish(settings, first, run_id="run-a") == settings.warehouse_path
    assert not first.exists()  # moved, not copied

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.warehouse_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )

    def reader_count() -> int:
        reader.stdin.write("count\n")
        reader.stdin.flush()
        return int(reader.stdout.readline())

    try:
        assert reader_count() == 30
        second = candidate_of(settings, "run-b", papers)
        publish(settings, second, run_id="run-b")
        # the reader that had the old file open keeps working on the old data ...
        assert reader_count() == 30
        # ... and a new connection sees the new warehouse
        fresh = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            assert count_papers(fresh) == len(papers)
        finally:
            fresh.close()
        assert reader_count() == 30
    finally:
        reader.kill()
        reader.wait()
    leftovers = sorted(p.name for p in settings.home.iterdir() if p.name.startswith("warehouse"))
    assert leftovers == ["warehouse.duckdb"]
    assert not list(settings.home.glob("*.wal"))


def test_in_process_reader_keeps_old_data_and_short_lived_connections_see_new(
    settings: Settings, papers: pd.DataFrame
) -> None:
    """In one process DuckDB shares one database instance per path among open connections: a
    connection held across publish keeps the old data (and so would any connection opened while
    it is still open); once it is closed, the next connection opens the published file."""
    publish(settings, candidate_of(settings, "run-a", papers.head(30)), run_id="run-a")
    held = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        assert count_papers(held) == 30
        publish(settings, candidate_of(settings, "run-b", papers), run_id="run-b")
        assert count_papers(held) == 30
        assert held.execute("select count(*) from main.fct_paper_keywords").fetchone()[0] > 0
    finally:
        held.close()
    fresh = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        assert count_papers(fresh) == len(papers)
    finally:
        fresh.close()


def test_failed_validation_leaves_the_published_file_byte_identical(
    settings: Settings, papers: pd.DataFrame
) -> None:
    """The pipeline's gate: a run whose checks fail does not publish, keeps its candidate and
    says which checks failed; the published warehouse is untouched."""
    publish(settings, candidate_of(settings, "good", papers), run_id="good")
    before = digest(settings.warehouse_path)

    candidate = candidate_of(settings, "bad", papers)
    execute(candidate, "update main.dim_papers set n_keyphrases = -1 where rowid = 0")
    record = RunRecord.start(run_id="bad", source="hf-daily")
    outcome = validate_candidate(settings, candidate, run_id="bad")
    record.set_validation(outcome)
    if outcome.success:  # the gate (flows/pipeline.py)
        publish(settings, candidate, run_id="bad")
    record.finish(status="failed", published=False)
    record_run(settings, candidate, record)
    folder = write_report(settings, record, outcome, [])

    assert not outcome.success
    assert digest(settings.warehouse_path) == before
    assert candidate.is_file()  # kept for inspection, with its audit row
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        row = con.execute(
            "select status, published, failed_checks from main.run_audit where run_id = 'bad'"
        ).fetchone()
    finally:
        con.close()
    assert row[0] == "failed" and row[1] is False
    check = "marts.dim_papers: expect_column_values_to_be_between(n_keyphrases)"
    assert any(check in c for c in row[2])
    assert check.split(": ")[1] in (folder / "summary.json").read_text()
    # the lake (raw data) is untouched apart from the audit row
    lake = duckdb.connect(str(settings.lake_path), read_only=True)
    try:
        assert lake.execute("select count(*) from raw_papers").fetchone()[0] == 0
        assert lake.execute("select status from run_audit").fetchall() == [("failed",)]
    finally:
        lake.close()


def test_published_warehouse_carries_the_run_audit_row(
    settings: Settings, papers: pd.DataFrame
) -> None:
    candidate = candidate_of(settings, "run-c", papers.head(20))
    model = model_name(settings.tagging)
    record = RunRecord.start(run_id="run-c", source="hf-daily", model_name=model)
    record.finish(status="published", published=True)
    record_run(settings, candidate, record)
    publish(settings, candidate, run_id="run-c")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("select run_id, status, published, versions from run_audit").fetchall()
    finally:
        con.close()
    assert [(r[0], r[1], r[2]) for r in rows] == [("run-c", "published", True)]
    assert record.papers == 20
    versions = json.loads(rows[0][3])
    assert {"python", "duckdb", "dbt-core", "great-expectations", "prefect"} <= set(versions)
    assert versions["model"] == model


def test_publish_refuses_a_missing_candidate_and_keeps_the_published_file(
    settings: Settings, papers: pd.DataFrame
) -> None:
    publish(settings, candidate_of(settings, "ok", papers.head(10)), run_id="ok")
    before = digest(settings.warehouse_path)
    with pytest.raises(PublishError, match="not found"):
        publish(settings, settings.runs_dir / "nope" / "candidate.duckdb", run_id="nope")
    with pytest.raises(PublishError, match="is the published warehouse"):
        publish(settings, settings.warehouse_path, run_id="self")
    assert digest(settings.warehouse_path) == before
