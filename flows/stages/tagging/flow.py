"""The tagging stage as a Prefect flow: batches of papers go to Prefect tasks on a thread pool
or a Dask cluster (prefect-dask); the parent alone touches the lake.

    tag_flow(run_id, task_runner="threads" | "dask" | "sequential", dask_address=None,
             settings=None) -> TagCounts

``dask_address`` names a running scheduler (``tcp://host:8786``); without it ``"dask"`` starts a
local cluster of two worker processes. Workers get texts, candidates and cached vectors, return
keyphrases and new vectors; each worker process loads the embedding model once. The model folder
(``ensure_model``) must be readable by the workers: with the model2vec/hybrid backends it is
``$PAPERTRENDS_HOME/models`` (or ``tagging.model_dir``), so a remote cluster needs that path
shared.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from flows.lib.lake import open_lake
from flows.settings import Settings, TaggingSettings
from flows.stages.tagging.tagger import (
    BatchInput,
    BatchOutput,
    TagCounts,
    batches,
    count,
    plan_tagging,
    prepare_batch,
    record_text_hashes,
    tag_batch,
    unchanged_plan,
    write_batch,
    write_outcomes,
)

TASK_RUNNERS = ("threads", "dask", "sequential")


def _task_runner(kind: str, dask_address: str | None, workers: int) -> Any:
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "sequential":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=1)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
        )
    raise ValueError(f"unknown task runner {kind!r}; use one of {TASK_RUNNERS}")


def _build_flow(runner: Any) -> Any:
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    @task(name="tag-batch", cache_policy=NO_CACHE, retries=1)
    def tag_batch_task(batch: BatchInput) -> BatchOutput:
        return tag_batch(batch)

    @flow(name="tag-papers", task_runner=runner, validate_parameters=False)
    def tag_papers_flow(
        run_id: str, home: str | None = None, tagging: dict | None = None
    ) -> TagCounts:
        from flows.stages.tagging.embedder import ensure_model

        overrides: dict[str, Any] = {}
        if home:
            overrides["home"] = home
        if tagging:
            overrides["tagging"] = TaggingSettings(**tagging)
        settings = Settings(**overrides)
        in_flight_max = max(2, 2 * settings.tagging.workers)
        with open_lake(settings.lake_path) as con:
            plan = plan_tagging(settings, con)
            write_outcomes(con, settings, plan.settled, run_id)
            outcomes = []
            n_docs = n_phrases = 0
            if plan.jobs:
                model_path = str(ensure_model(settings))
                in_flight: deque = deque()

                def drain_one() -> None:
                    nonlocal n_docs, n_phrases, outcomes
                    jobs, future = in_flight.popleft()
                    output = future.result()
                    outcomes += write_batch(con, settings, jobs, output, run_id)
                    n_docs += len(output.new_doc_vectors)
                    n_phrases += len(output.new_phrase_vectors)

                for jobs in batches(plan.jobs, settings.tagging.batch_size):
                    batch = prepare_batch(con, settings, jobs, model_path)
                    in_flight.append((jobs, tag_batch_task.submit(batch)))
                    if len(in_flight) >= in_flight_max:
                        drain_one()
                while in_flight:
                    drain_one()
            return count(plan, outcomes, n_docs, n_phrases)

    return tag_papers_flow


def tag_flow(
    run_id: str,
    task_runner: str = "threads",
    dask_address: str | None = None,
    settings: Settings | None = None,
) -> TagCounts:
    """Run the tagging stage as a Prefect flow (a subflow when called inside one).

    Only ``home`` and the tagging settings travel as flow parameters (no secrets). When every
    paper has its tags, no subflow runs (and no Dask cluster starts)."""
    settings = settings or Settings()
    with open_lake(settings.lake_path) as con:
        record_text_hashes(con)
        done = unchanged_plan(settings, con)
    if done is not None:
        return count(done, [], 0, 0)
    runner = _task_runner(task_runner, dask_address, settings.tagging.workers)
    flow_fn = _build_flow(runner)
    return flow_fn(
        run_id=run_id, home=str(settings.home), tagging=settings.tagging.model_dump(mode="json")
    )
