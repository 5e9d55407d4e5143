"""The lake moves forward only with a publish: a fault matrix of real `papertrends run` processes.

For each point of a run (after ingest, after tagging, after dbt, after validation, just before
the atomic replace, and between the replace and the lake's write-back of the published state)
a run is SIGKILLed there (``PAPERTRENDS_FAULT_KILL_AT``, the pipeline's test hook): the five
points before the replace one after the other in one home (each run the next run of the kill
before it), the one after it in a home of its own; then the operator runs the same command
again. The published warehouse is untouched until the replace; the clean run recovers the last
killed run's stale lock (and says so), every killed run is recorded as ``killed`` with the stage
it died in (a run killed after its replace has published: the clean run after it finds nothing
changed and is skipped). What that clean run publishes must equal what the same
command publishes in a history where the killed run never happened: every public mart, row count
and content hash (``tests.pipeline_harness.mart_digest``; ``dim_topics.is_new`` and
``dim_themes.is_new`` are left out: they say which run founded a topic or theme, and in the
history where the killed run published, it did).
"""

from __future__ import annotations

import shutil
import signal

import pytest

from flows.journal.journal import FAULT_POINTS
from tests.pipeline_harness import (
    BASE_DAYS,
    NEW_DAY,
    cli_env,
    copy_days,
    lake_rows,
    mart_digest,
    published_runs,
    run_cli,
    summaries,
)

# a loaded machine (shared, load 10+) needs more than the suite's default 900 s per test
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def matrix(published_home, shared_data, prefect_server, model_dir, tmp_path_factory):
    """The input (the published days and a new one) and the marts of the history without a
    killed run: a copy of the published home where only the clean run happened."""
    root = tmp_path_factory.mktemp("matrix")
    folder = copy_days(shared_data / "hf-daily-papers", (*BASE_DAYS, NEW_DAY), root / "input")
    home = shutil.copytree(published_home, root / "reference")
    env = cli_env(home, prefect_server.api_url, model_dir)
    done = run_cli(["run", "--input", str(folder)], env)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder, mart_digest(home / "warehouse.duckdb"), root


# Runs killed before the replace leave the published warehouse as it was, so they are killed one
# after the other in one home (each is the "next run" of the kill before it and must get as far
# as its own point), then one clean run; a run killed after the replace has published, so it has
# a home of its own.
BEFORE_REPLACE = tuple(p for p in FAULT_POINTS if p != "after-replace")
CHAINS = {"before-replace": BEFORE_REPLACE, "after-replace": ("after-replace",)}


def _kill_at(point: str, home, env: dict, folder, known: set) -> str:
    """A run of the same command SIGKILLed at ``point``; returns its run id."""
    killed = run_cli(["run", "--input", str(folder)], {**env, "PAPERTRENDS_FAULT_KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    (killed_id,) = set(summaries(home)) - known
    replaced = point == "after-replace"
    assert (killed_id in published_runs(home / "warehouse.duckdb")) == replaced, point
    return killed_id


@pytest.mark.parametrize("chain", list(CHAINS))
def test_runs_killed_anywhere_leave_the_lake_so_the_next_run_publishes_the_same(
    matrix, chain, published_home, prefect_server, model_dir
):
    folder, expected, root = matrix
    home = shutil.copytree(published_home, root / f"home-{chain}")
    env = cli_env(home, prefect_server.api_url, model_dir)
    before = published_runs(home / "warehouse.duckdb")
    killed = {}  # run id -> the point it was killed at
    for point in CHAINS[chain]:
        killed[_kill_at(point, home, env, folder, set(summaries(published_home)) | set(killed))
               ] = point
    killed_id = list(killed)[-1]
    replaced = chain == "after-replace"

    clean = run_cli(["run", "--input", str(folder)], env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # the clean run takes over the last killed run's stale lock and tells the operator so
    assert f"recovered the stale lock of killed run {killed_id}" in " ".join(
        (clean.stdout + clean.stderr).split())

    assert mart_digest(home / "warehouse.duckdb") == expected
    # the runs' log tells the truth: a killed run published only if it replaced, and then the
    # clean run finds nothing changed since (skipped: it builds and publishes nothing)
    (clean_id,) = set(summaries(home)) - set(summaries(published_home)) - set(killed)
    assert summaries(home)[clean_id]["status"] == ("skipped" if replaced else "published")
    last_publish = killed_id if replaced else clean_id
    published = published_runs(home / "warehouse.duckdb")
    assert published - before == {last_publish}
    status = "published" if replaced else "killed"
    for run_id, point in killed.items():
        assert (run_id in published) == replaced, point
        assert lake_rows(home, "select status, published from run_audit where run_id = ?",
                         [run_id]) == [(status, replaced)], point
        assert summaries(home)[run_id]["status"] == status, point
        if not replaced:
            assert summaries(home)[run_id]["error"].startswith("process died during stage ")
    # and the lake's topic state is that of the last publish
    (marker,) = lake_rows(home, "select value from lake_meta where key = 'written_back_run_id'")
    assert marker[0] == last_publish


def test_a_dbt_build_killed_in_the_stage_worker_fails_the_run_and_the_next_publishes(
    matrix, published_home, prefect_server, model_dir
):
    """The process the dbt build runs in is killed mid-build (as the out-of-memory killer
    would): the run fails and says so, publishes nothing, leaves no lock; the same command again
    publishes what the history without the failure publishes."""
    folder, expected, root = matrix
    home = shutil.copytree(published_home, root / "home-worker-killed")
    env = cli_env(home, prefect_server.api_url, model_dir)
    before = mart_digest(home / "warehouse.duckdb")

    failed = run_cli(["run", "--input", str(folder)],
                     {**env, "PAPERTRENDS_FAULT_KILL_AT": "worker:run_dbt_build"})
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "stage worker" in " ".join((failed.stdout + failed.stderr).split())
    assert mart_digest(home / "warehouse.duckdb") == before
    (failed_id,) = set(summaries(home)) - set(summaries(published_home))
    assert summaries(home)[failed_id]["status"] == "error"
    assert "stage worker" in summaries(home)[failed_id]["error"]
    assert failed_id not in published_runs(home / "warehouse.duckdb")

    again = run_cli(["run", "--input", str(folder)], env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert mart_digest(home / "warehouse.duckdb") == expected
