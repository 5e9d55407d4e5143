"""The gate checks what a run changed (the ``published`` and ``full_refresh`` runs of
``run_history``).

The promise: a run on top of a published warehouse that passed the same rules checks the rows
it changed, not the whole history, and says so in its report; ``--full-refresh`` checks every
row. (That the same faults fail either way: tests/test_validate.py.)
"""

from __future__ import annotations

import pytest

from tests.pipeline_harness import query

pytestmark = pytest.mark.slow


def test_a_run_checks_the_rows_it_changed_and_a_full_refresh_checks_every_row(run_history):
    summary = run_history.summary("published")
    checked = summary["validation"]["changed_only"]
    # the new day's papers were tagged: their tags are checked, the first run's are not again
    new_papers, all_papers = checked["tags.raw_tagged_papers"]
    assert new_papers == all_papers - run_history.summary("first")["run"]["loaded"] > 0
    assert "Checked only the rows changed since the published warehouse" in (
        run_history.report("published").read_text())
    # whole-table checks ran as always
    suites = {r["suite"] for r in summary["validation"]["results"]}
    assert {"marts.contract", "run_over_run.row_counts", "run_over_run.schema"} <= suites

    full = run_history.summary("full_refresh")["validation"]
    assert full["success"] and full["changed_only"] == {}
    # the published warehouse records the rules it passed, for the next run
    [(rules,)] = query(run_history.home / "warehouse.duckdb",
                       "select gate_rules from raw.build_inputs")
    assert rules
