"""The run audit and per-run reports: summary.json, lake/candidate run_audit, listing, markdown."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.journal.audit import record_run
from flows.journal.journal import RunJournal
from flows.journal.record import RunRecord
from flows.journal.reports import (
    data_docs_index,
    find_report,
    load_report_markdown,
    report_markdown,
    write_report,
)
from flows.journal.runlock import RunLock
from flows.journal.summary import list_runs
from flows.lib.errors import UserError
from flows.lib.lake import open_lake
from flows.settings import Settings
from flows.stages.ingest import Feed, IngestCounts
from flows.stages.tagging.tagger import TagCounts
from flows.stages.transform import DbtOutcome
from flows.stages.validate import CheckResult, ValidationOutcome


def a_record(run_id: str) -> RunRecord:
    record = RunRecord.start(run_id=run_id, source="hf-daily",
                             model_name="sentence-transformers/all-MiniLM-L6-v2")
    record.set_ingest(IngestCounts(read=10, new=8, quarantined=2))
    record.set_tags(TagCounts(considered=8, tagged=8, unchanged=0, empty=0, docs_embedded=8,
                              phrases_embedded=0))
    return record


def lake_rows(settings: Settings) -> list[tuple]:
    con = duckdb.connect(str(settings.lake_path), read_only=True)
    try:
        return con.execute(
            "select run_id, status, n_read, n_loaded, n_quarantined, n_tagged, published,"
            " failed_checks, model_name from run_audit order by started_at"
        ).fetchall()
    finally:
        con.close()


def test_record_run_keeps_summary_lake_and_candidate_up_to_date(settings: Settings) -> None:
    candidate = settings.runs_dir / "r1" / "candidate.duckdb"
    candidate.parent.mkdir(parents=True)
    duckdb.connect(str(candidate)).close()

    record = a_record("r1")
    record_run(settings, None, record)  # at start: running
    assert lake_rows(settings)[0][:2] == ("r1", "running")
    assert list_runs(settings)[0].status == "running"

    record.set_dbt(DbtOutcome(success=False, models_ok=12, tests_passed=40, tests_failed=1,
                              failures=["unique_dim_papers_paper_id: fail: Got 1 result"]))
    record.finish(status="failed", published=False)
    record_run(settings, candidate, record)

    [row] = lake_rows(settings)  # replaced, not appended
    assert row == ("r1", "failed", 10, 8, 2, 8, False,
                   ["dbt: unique_dim_papers_paper_id: fail: Got 1 result"],
                   "sentence-transformers/all-MiniLM-L6-v2")
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        cand = con.execute(
            "select run_id, dbt_tests_passed, dbt_tests_failed, versions from main.run_audit"
        ).fetchall()
    finally:
        con.close()
    assert [c[:3] for c in cand] == [("r1", 40, 1)]
    versions = json.loads(cand[0][3])
    expected = {"python", "duckdb", "dbt-core", "great-expectations", "prefect", "model"}
    assert expected <= set(versions)

    summary = json.loads((settings.reports_dir / "r1" / "summary.json").read_text())
    assert summary["run"]["status"] == "failed" and summary["run"]["dbt_tests_failed"] == 1
    # the artifact markdown of a run stopped by dbt (no validation) names the dbt test
    assert "unique_dim_papers_paper_id" in report_markdown(record, None)


def test_list_runs_works_while_a_run_holds_the_lake_open_for_writing(settings: Settings) -> None:
    first = a_record("20260101T000000Z-aaaaaa")
    first.finish(status="published", published=True)
    record_run(settings, None, first)

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
         " print('open', flush=True); time.sleep(60)", str(settings.lake_path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(duckdb.IOException):  # the lake really is locked by the other process
            duckdb.connect(str(settings.lake_path), read_only=True)
        time.sleep(0.01)
        second = a_record("20260102T000000Z-bbbbbb")
        record_run(settings, None, second)  # lake busy: logged, summary.json still written
        runs = list_runs(settings)
        assert [r.run_id for r in runs] == ["20260102T000000Z-bbbbbb", "20260101T000000Z-aaaaaa"]
        assert runs[0].status == "running" and runs[1].published
        assert runs[1].read == 10 and runs[1].quarantined == 2
    finally:
        holder.kill()
        holder.wait()
    record_run(settings, None, second)  # brings the lake up to date once it is free
    assert [r[0] for r in lake_rows(settings)] == [
        "20260101T000000Z-aaaaaa", "20260102T000000Z-bbbbbb"
    ]


def test_report_names_failed_checks_and_reads_back(settings: Settings) -> None:
    failed = CheckResult("marts.dim_topics", "expect_column_values_to_not_be_null", "label",
                         False, "1 of 5 rows unexpected (20.0%); e.g. topic_id=3: None")
    outcome = ValidationOutcome(
        success=False, passed=41, failed=1,
        results=[CheckResult("marts.dim_papers", "expect_column_values_to_be_unique",
                             "paper_id", True, ""), failed],
        data_docs_index=None,
    )
    record = a_record("r2")
    record.set_validation(outcome)
    record.finish(status="failed", published=False)
    record_run(settings, None, record)
    folder = write_report(settings, record, outcome, ["not_null_dim_topics_label: fail"])

    assert folder == settings.reports_dir / "r2" == find_report(settings, "r2")
    md = report_markdown(record, outcome, ["not_null_dim_topics_label: fail"])
    for text in ("r2", "failed", "| read | 10 |", "| quarantined | 2 |",
                 "marts.dim_topics: expect_column_values_to_not_be_null(label)", "topic_id=3",
                 "not_null_dim_topics_label", "| published | no |", "great-expectations"):
        assert text in md, text
    assert load_report_markdown(settings, "r2") == md
    assert data_docs_index(settings, "r2") is None
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["validation"]["failed"] == 1 and summary["dbt_failures"]


def test_find_report_rejects_unknown_ids_clearly(settings: Settings) -> None:
    with pytest.raises(UserError, match="no runs recorded yet"):
        find_report(settings, "20990101T000000Z-ffffff")
    record_run(settings, None, a_record("known"))
    with pytest.raises(UserError, match="recent runs: known"):
        find_report(settings, "unknown")
    with pytest.raises(UserError):
        find_report(settings, "../known")


def test_list_runs_skips_a_broken_summary(settings: Settings) -> None:
    record_run(settings, None, a_record("ok"))
    broken = settings.reports_dir / "broken" / "summary.json"
    broken.parent.mkdir()
    broken.write_text("{not json")
    assert [r.run_id for r in list_runs(settings)] == ["ok"]
    with open_lake(settings.lake_path, read_only=True) as con:
        assert con.execute("select count(*) from run_audit").fetchone()[0] == 1


def test_run_record_roundtrips(settings: Settings) -> None:
    record = a_record("rt")
    record.finish(status="error", published=False, error="ValueError: boom")
    again = RunRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    assert again.duration_s is not None and again.duration_s >= 0
    assert "ValueError: boom" in report_markdown(again)
    assert Path(settings.reports_dir).is_dir()


def test_stage_timings_are_kept_in_order_and_closed_by_the_report(settings: Settings) -> None:
    run_id = "20260103T000000Z-cccccc"
    journal = RunJournal(settings, run_id, feed=Feed("hf-daily"),
                         lock=RunLock(settings.lock_path, run_id), log=logging.getLogger(__name__))
    record = journal.record
    record_run(settings, None, record)
    for stage in ("ingest", "tag", "transform"):
        with journal.stage(stage):
            time.sleep(0.02)
    on_disk = list_runs(settings)[0]
    assert list(on_disk.stage_seconds) == ["ingest", "tag"] and on_disk.stage == "transform"
    record.finish(status="failed", published=False)
    write_report(settings, record, None, [])
    timed = list_runs(settings)[0].stage_seconds
    assert list(timed) == ["ingest", "tag", "transform"]
    assert all(s >= 0.02 for s in timed.values())
    assert sum(timed.values()) <= record.duration_s + 0.1
    assert (settings.reports_dir / record.run_id / "report.html").is_file()


def test_mart_changes_compare_the_candidate_with_the_published_warehouse(
    settings: Settings,
) -> None:
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create table dim_papers as select range::varchar as paper_id from range(3)")
    con.execute("create table dim_topics as select range as topic_id from range(4)")
    con.close()
    candidate = settings.runs_dir / "r9" / "candidate.duckdb"
    candidate.parent.mkdir(parents=True)
    con = duckdb.connect(str(candidate))
    con.execute("create table dim_papers as select range::varchar as paper_id from range(5)")
    con.execute("create table fct_claims as select range as claim_id from range(2)")
    con.execute("create schema raw")
    con.execute("create table raw.quarantine as select * from (values"
                " ('r9', 'empty abstract'), ('r9', 'empty abstract'), ('r8', 'bad date'),"
                " ('r9', 'bad date')) t(run_id, reason)")
    con.close()

    record = a_record("r9")
    record.finish(status="failed", published=False)
    record_run(settings, candidate, record)

    rows = dict(record.mart_rows)
    assert rows.pop("dim_papers") == {"before": 3, "after": 5}
    assert rows.pop("dim_topics") == {"before": 4, "after": None}
    assert rows.pop("fct_claims") == {"before": None, "after": 2}
    assert rows == {}  # marts in neither file are not listed
    assert record.quarantine_reasons == {"empty abstract": 2, "bad date": 1}
    assert list_runs(settings)[0].mart_rows == record.mart_rows
    assert record.papers == 5 and record.config_hash


def test_report_accepts_the_short_run_id(settings: Settings) -> None:
    for run_id in ("20260104T000000Z-a1b2c3", "20260105T000000Z-a1ffff"):
        record_run(settings, None, a_record(run_id))
    assert find_report(settings, "a1b2c3").name == "20260104T000000Z-a1b2c3"
    assert find_report(settings, "20260105T").name == "20260105T000000Z-a1ffff"
    with pytest.raises(UserError, match="ambiguous"):
        find_report(settings, "2026010")
    assert "20260104T000000Z-a1b2c3" in load_report_markdown(settings, "a1b2c3")


def test_tests_dbt_skipped_are_not_counted_as_failed() -> None:
    record = a_record("r10")
    record.set_dbt(DbtOutcome(
        success=False, models_ok=20, tests_passed=64, tests_failed=3,
        failures=["unique_dim_papers_paper_id: fail: Got 1 result",
                  "not_null_fct_claims_claim_id: skipped: None",
                  "unique_fct_claims_claim_id: skipped: None"],
    ))
    assert record.dbt_tests_failed == 1
    assert record.failed_checks == ["dbt: unique_dim_papers_paper_id: fail: Got 1 result"]
