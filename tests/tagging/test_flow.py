"""The tagging flow gives the same tags on a Dask cluster as in one process, and leaves no model
behind in the run's process (it goes on to build and validate)."""

from __future__ import annotations

import shutil

from flows.lib.lake import open_lake
from flows.stages.tagging import embedder
from flows.stages.tagging.candidates import lexicon
from flows.stages.tagging.flow import tag_flow
from flows.stages.tagging.tagger import tag_papers
from tests.tagging.conftest import put_papers, read_hf_daily


def _tags(path) -> list[tuple]:
    with open_lake(path, read_only=True) as con:
        return con.execute(
            "select paper_id, keyphrase, surface_form, score, rank from paper_keywords order by all"
        ).fetchall()


def test_flow_on_a_local_dask_cluster_matches_the_default_runner(
    shared_data, tag_settings, prefect_harness, tmp_path
):
    from distributed import LocalCluster

    tag_settings.tagging = tag_settings.tagging.model_copy(update={"batch_size": 8})
    with open_lake(tag_settings.lake_path) as con:
        put_papers(con, read_hf_daily(shared_data, 24, skip=60))
    pristine = tmp_path / "pristine.duckdb"
    shutil.copy(tag_settings.lake_path, pristine)

    with open_lake(tag_settings.lake_path) as con:
        reference = tag_papers(tag_settings, con, run_id="plain", progress=False)
    expected = _tags(tag_settings.lake_path)
    assert reference.tagged == 24 and len(expected) > 24 * 5

    shutil.copy(pristine, tag_settings.lake_path)
    threads = tag_flow("threads-run", task_runner="threads", settings=tag_settings)
    assert (threads.tagged, threads.docs_embedded) == (24, 24)
    assert _tags(tag_settings.lake_path) == expected
    # the thread pool tagged in this process: its model and memo caches are gone after the flow
    assert not embedder._MODELS
    assert lexicon.cache_info().currsize == 0

    shutil.copy(pristine, tag_settings.lake_path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        counts = tag_flow(
            "dask-run",
            task_runner="dask",
            dask_address=cluster.scheduler_address,
            settings=tag_settings,
        )
    assert (counts.considered, counts.tagged, counts.docs_embedded) == (24, 24, 24)
    assert _tags(tag_settings.lake_path) == expected
