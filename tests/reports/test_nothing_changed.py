"""A run when nothing changed (the ``skipped``, ``skipped_early`` and ``full_refresh`` runs of
``run_history``).

The promise: when nothing that feeds the warehouse changed since the published run was built,
a run builds and publishes nothing, exits 0 and says so (status ``skipped``, in the runs' log and
its report); when its feed's files are those the last run read, it knows that before Prefect
starts and needs no Prefect server; ``--full-refresh`` builds and publishes anyway, and publishes
exactly what the incremental run published (every public mart, row count and content hash).
"""

from __future__ import annotations

import pytest

from tests.pipeline_harness import query

pytestmark = pytest.mark.slow


def test_a_run_with_nothing_new_builds_and_publishes_nothing_and_says_so(run_history):
    run = run_history.summary("skipped")["run"]
    assert (run["status"], run["published"]) == ("skipped", False)
    assert list(run["stage_seconds"]) == ["ingest", "tag"]  # no candidate, no dbt, no GX
    assert run["unchanged"] == run["read"] > 0
    assert not (run_history.home / "runs" / run_history.runs["skipped"]).exists()
    # the published warehouse was not replaced
    assert run_history.warehouse_inode["skipped"] == run_history.warehouse_inode["published"]
    assert "Skipped: nothing changed" in run_history.report("skipped").read_text()
    # the runs' log of the next published warehouse has it
    skipped = run_history.runs["skipped"]
    assert query(run_history.home / "warehouse.duckdb", "select status, published from"
                 f" main.run_audit where run_id = '{skipped}'") == [("skipped", False)]


def test_a_rerun_of_the_same_files_is_skipped_before_prefect_starts(run_history):
    """``skipped_early`` ran with PREFECT_API_URL naming no server (the fixture checks exit 0)."""
    run = run_history.summary("skipped_early")["run"]
    assert (run["status"], run["published"]) == ("skipped", False)
    assert run["stage_seconds"] == {}  # not even the feed was read again
    assert run_history.warehouse_inode["skipped_early"] == run_history.warehouse_inode["published"]
    assert "Skipped: nothing changed" in run_history.report("skipped_early").read_text()
    early = run_history.runs["skipped_early"]
    assert query(run_history.home / "warehouse.duckdb", "select status, published from"
                 f" main.run_audit where run_id = '{early}'") == [("skipped", False)]


def test_full_refresh_builds_anyway_and_publishes_the_same_marts(run_history):
    run = run_history.summary("full_refresh")["run"]
    assert (run["status"], run["published"]) == ("published", True)
    assert run_history.warehouse_inode["full_refresh"] != run_history.warehouse_inode["published"]
    assert run_history.published_digests["full_refresh"] == run_history.published_digests[
        "published"]
