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

import sys
from collections import deque
from typing import Any

from flows.lib.lake import open_lake
from flows.lib.memory import trim_heap
from flows.settings import Settings, TaggingSettings
from flows.stages.tagging.tagger import (
    BatchInput,
    BatchOutput,
    TagCounts,
    Tally,
    batches,
    plan_tagging,
    prepare_batch,
    prepare_jobs,
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
            tally = Tally()
            model_path = None
            in_flight: deque = deque()

            def drain_one() -> None:
                jobs, future = in_flight.popleft()
                output = future.result()
                tally.add(write_batch(con, settings, jobs, output, run_id), output)

            for rows in batches(plan.rows, settings.tagging.batch_size):
                jobs, settled = prepare_jobs(rows, settings.tagging)
                write_outcomes(con, settings, settled, run_id)
                tally.add(settled)
                if not jobs:
                    continue
                model_path = model_path or str(ensure_model(settings))
                batch = prepare_batch(con, settings, jobs, model_path)
                in_flight.append((jobs, tag_batch_task.submit(batch)))
                if len(in_flight) >= in_flight_max:
                    drain_one()
            while in_flight:
                drain_one()
            return tally.counts(plan)

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
        return Tally().counts(done)
    runner = _task_runner(task_runner, dask_address, settings.tagging.workers)
    flow_fn = _build_flow(runner)
    try:
        return flow_fn(
            run_id=run_id, home=str(settings.home),
            tagging=settings.tagging.model_dump(mode="json"),
        )
    finally:
        release_memory()


def release_memory() -> None:
    """Drop what tagging keeps in this process and give the freed memory back to the system.

    The run's process goes on to build and validate in the stage worker after tagging; it kept
    the embedding models, the tagger's memo caches (``functools.lru_cache`` of the tagging
    modules) and, in glibc's heap, the memory of every freed candidate: 2.7 GB through the rest
    of a cold 100k-paper build, 0.99 GB since. A later tagging run loads the model again."""
    from flows.stages.tagging import embedder

    embedder.drop_models()
    for name, module in list(sys.modules.items()):
        if name.startswith("flows.stages.tagging.") and module is not None:
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    # no gc.collect(): 0.3 s of a daily run's critical path; what is freed here is freed by
    # reference counting
    trim_heap()
