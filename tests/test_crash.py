"""Crash safety of real `papertrends run` processes.

A run SIGKILLed in any stage (ingest, tag, transform, validate, publish) leaves the published
warehouse intact and queryable; the next run recovers the killed run's lock, marks it killed and
completes with every input paper exactly once. A second run while one is active is refused at
once, naming the active run.
"""

from __future__ import annotations

import pytest

from tests.pipeline_harness import (
    BASE_DAYS,
    NEW_DAY,
    cli_env,
    copy_days,
    input_paper_ids,
    kill_group,
    paper_ids,
    published_runs,
    query,
    run_cli,
    start_cli,
    summaries,
    wait_for_stage,
)

pytestmark = pytest.mark.slow

STAGES = ("ingest", "tag", "transform", "validate", "publish")


def test_runs_killed_in_each_stage_leave_the_warehouse_intact_and_the_next_run_completes(
    home_copy, shared_data, prefect_server, model_dir, tmp_path
):
    days = shared_data / "hf-daily-papers"
    folder = copy_days(days, (*BASE_DAYS, NEW_DAY), tmp_path / "input")
    env = cli_env(home_copy, prefect_server.api_url, model_dir)
    warehouse = home_copy / "warehouse.duckdb"
    before = paper_ids(warehouse)
    assert before == sorted(input_paper_ids(days / f"{d}.json" for d in BASE_DAYS))
    expected = sorted(input_paper_ids(folder.glob("*.json")))
    assert len(expected) > len(before)

    killed: dict[str, str] = {}  # run id -> stage it was killed in
    for stage in STAGES:
        known = set(summaries(home_copy))
        proc = start_cli(["run", "--input", str(folder)], env, tmp_path / f"killed-{stage}.log")
        try:
            run_id = wait_for_stage(proc, home_copy, stage, known)
        finally:
            kill_group(proc)
        killed[run_id] = stage
        # the published warehouse is intact and queryable: the old answers, or the new ones
        # when the killed run got as far as the atomic replace
        ids = paper_ids(warehouse)
        if run_id in published_runs(warehouse):
            assert stage == "publish" and ids == expected
        else:
            assert ids == before, f"warehouse changed by a run killed in {stage}"
        assert query(warehouse, "select count(*) from main.fct_paper_topics")[0][0] > 0

    # the next run: refuses a concurrent run naming itself, recovers the last lock, completes
    final_log = tmp_path / "final.log"
    final = start_cli(["run", "--input", str(folder)], env, final_log)
    try:
        final_id = wait_for_stage(final, home_copy, "tag", set(summaries(home_copy)))
        second = run_cli(["run", "--input", str(folder)], env)
        assert second.returncode == 2, second.stdout + second.stderr
        assert f"another papertrends run is active: run {final_id}" in " ".join(
            second.stderr.split()
        )
        assert final.wait(timeout=300) == 0, final_log.read_text()
    finally:
        kill_group(final)
    last_killed = list(killed)[-1]
    assert f"recovered the stale lock of killed run {last_killed}" in final_log.read_text()

    runs = summaries(home_copy)
    for run_id, stage in killed.items():
        status = runs[run_id]["status"]
        if stage == "publish" and run_id in published_runs(warehouse):
            continue  # killed after its atomic replace: it did publish
        assert status == "killed", (run_id, stage, runs[run_id])
        assert runs[run_id]["error"] == f"process died during stage {stage}"
    assert runs[final_id]["status"] == "published"

    # no duplicate and no missing paper
    assert paper_ids(warehouse) == expected
    (n, n_distinct), = query(warehouse, "select count(*), count(distinct paper_id) from dim_papers")
    assert n == n_distinct == len(expected)
    lake_ids = query(home_copy / "lake.duckdb", "select paper_id from papers order by 1")
    assert [r[0] for r in lake_ids] == expected
    orphans = query(
        warehouse,
        "select count(*) from fct_paper_keywords k anti join dim_papers p using (paper_id)",
    )
    assert orphans == [(0,)]
