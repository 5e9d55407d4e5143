"""Scale-out: the whole pipeline with tagging on a Dask cluster (prefect-dask) publishes the same
marts as the default thread pool."""

from __future__ import annotations

import pytest

from tests.http_server import serve
from tests.pipeline_harness import BASE_DAYS, cli_env, hf_api, mart_contents, run_cli, summaries


def test_a_dask_address_alone_means_tagging_on_that_cluster():
    from flows.pipeline import RunRequest

    assert RunRequest().task_runner == "threads"
    assert RunRequest(dask_address="tcp://10.0.0.5:8786").task_runner == "dask"


@pytest.mark.slow
def test_pipeline_on_a_dask_cluster_publishes_the_same_marts_as_threads(
    published_home, shared_data, prefect_server, model_dir, tmp_path
):
    from distributed import Client, LocalCluster

    home = tmp_path / "home"
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
        serve(hf_api(shared_data / "hf-daily-papers")) as api,
    ):
        env = cli_env(home, prefect_server.api_url, model_dir,
                      PAPERTRENDS_INGEST__HF_API_URL=f"{api.url}/api/daily_papers")
        done = run_cli(
            ["backfill", "--since", BASE_DAYS[0], "--until", BASE_DAYS[-1],
             "--task-runner", "dask", "--dask-address", cluster.scheduler_address],
            env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        # the tagging tasks ran on the cluster
        keys = client.run_on_scheduler(
            lambda dask_scheduler: sorted({str(t[0]) for t in dask_scheduler.transition_log})
        )
        assert any("tag" in key for key in keys), keys

    (run,) = summaries(home).values()
    assert run["status"] == "published" and run["tagged"] > 0
    dask_marts = mart_contents(home / "warehouse.duckdb")
    thread_marts = mart_contents(published_home / "warehouse.duckdb")
    for mart, rows in thread_marts.items():
        assert dask_marts[mart] == rows, f"{mart} differs between dask and threads"
    # not a comparison of empty tables (two days are too few for keyword trends, which need
    # 15 papers a keyphrase): the tagged papers, their keyphrases and topics are there
    assert thread_marts["fct_paper_keywords"] and thread_marts["fct_paper_topics"]
