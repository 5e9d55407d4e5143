"""The Prefect flows ``ingest`` and ``pipeline``: ingest -> tag -> transform -> validate -> publish.

Every task is a thin wrapper over a plain function of the module that owns the stage; this
module only sequences them and applies the publish gate: the candidate warehouse replaces the
published one only when ``dbt build`` and the GX checkpoint both pass. Everything the run records
about itself (stages, counts, outcome, reports, ``run_audit``) goes through the run journal
(:class:`flows.journal.journal.RunJournal`).

Stage modules are imported inside the tasks, so a worker only loads what its stage needs. The
dbt build and the gate run in the run's stage worker (:mod:`flows.stages.stage_worker`), a
process that imports dbt, BERTopic and GX while this one ingests and tags.
"""

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, model_validator

from flows.journal.journal import RunJournal, RunResult, fault_point
from flows.journal.record import new_run_id
from flows.journal.runlock import RunLock
from flows.settings import Settings, get_settings
from flows.stages.stage_worker import stage_worker

if TYPE_CHECKING:
    from flows.stages.ingest import Feed, IngestCounts
    from flows.stages.stage_worker import StageWorker
    from flows.stages.tagging.tagger import TagCounts
    from flows.stages.transform import DbtOutcome
    from flows.stages.validate import ValidationOutcome

__all__ = ["RunRequest", "RunResult", "pipeline_flow", "run_ingest", "run_pipeline"]


class RunRequest(BaseModel):
    """What a run reads and how it runs (the CLI options of `run`, `ingest` and `backfill`)."""

    source: str = "hf-daily"
    input: Path | None = None
    since: date | None = None
    until: date | None = None
    task_runner: str = "threads"
    dask_address: str | None = None
    # build and publish even when nothing that feeds the warehouse changed
    # (flows.stages.fingerprint)
    full_refresh: bool = False

    @model_validator(mode="before")
    @classmethod
    def _address_means_dask(cls, data: Any) -> Any:
        """``--dask-address`` alone means tagging on that cluster (task-runner plumbing)."""
        if isinstance(data, dict) and data.get("dask_address"):
            data = {**data, "task_runner": "dask"}
        return data

    @property
    def feed(self) -> "Feed":
        from flows.stages.ingest import Feed

        return Feed(self.source, self.input, self.since, self.until)


# ----------------------------------------------------------------------------- tasks
# Stages have side effects on the lake and the warehouse: never served from a cache.


def _network_failure(task, task_run, state) -> bool:
    """Retry a feed that still fails after the HTTP client's own retries; never bad input."""
    from flows.stages.sources.http import FetchError

    try:
        state.result()
    except FetchError:
        return True
    except Exception:
        return False
    return False


@task(
    name="ingest",
    retries=2,
    retry_delay_seconds=[30, 120],
    retry_condition_fn=_network_failure,
    cache_policy=NO_CACHE,
)
def ingest_task(settings: Settings, request: RunRequest, run_id: str) -> "IngestCounts":
    from flows.lib.lake import open_lake
    from flows.stages.ingest import ingest

    with open_lake(settings.lake_path) as con:
        return ingest(settings, con, request.feed, run_id=run_id)


@task(name="build-candidate", cache_policy=NO_CACHE)
def build_candidate_task(
    settings: Settings, run_id: str, fingerprint: str | None, full_refresh: bool
) -> Path:
    """The candidate, stamped with what it is built from (``fingerprint``, when known) and the
    gate's rules and how it is built; ``full_refresh``: nothing reused from earlier runs (the
    candidate starts empty, without the cached claims and word counts)."""
    from flows.journal.housekeeping import prune_runs
    from flows.stages.fingerprint import build_config, stamp
    from flows.stages.transform import build_candidate
    from flows.stages.validate import rules_version

    prune_runs(settings, current_run_id=run_id)  # settings.keep_failed_runs
    candidate = build_candidate(settings, run_id, full_refresh=full_refresh)
    stamp(candidate, fingerprint, run_id, rules_version(settings), build_config(settings))
    return candidate


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build_task(
    settings: Settings, candidate: Path, run_id: str, worker: "StageWorker"
) -> "DbtOutcome":
    from flows.stages.transform import run_dbt_build

    return worker.call(run_dbt_build, settings, candidate, run_id=run_id)


@task(name="validate", cache_policy=NO_CACHE)
def validate_task(
    settings: Settings, candidate: Path, run_id: str, every_row: bool, worker: "StageWorker"
) -> "ValidationOutcome":
    from flows.stages.transform import candidate_base
    from flows.stages.validate import validate_run

    if candidate_base(settings, full_refresh=every_row) is None:
        # after a build from nothing the gate runs in a new worker, without what the build's
        # Python models left in the old one
        worker.restart()
    return worker.call(validate_run, settings, candidate, run_id=run_id, every_row=every_row)


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(settings: Settings, candidate: Path, run_id: str) -> Path:
    """The atomic replace (the journal writes the lake's derived state back after it)."""
    from flows.stages.publish import publish

    fault_point("before-replace")
    target = publish(settings, candidate, run_id=run_id)
    fault_point("after-replace")
    return target


def _tag(settings: Settings, request: RunRequest, run_id: str) -> "TagCounts":
    from flows.stages.tagging.flow import tag_flow

    where = request.dask_address or "a local Dask cluster"
    get_run_logger().info(
        "run %s tagging on %s",
        run_id,
        where if request.task_runner == "dask" else f"{request.task_runner} (thread pool)",
    )
    return tag_flow(
        settings=settings,
        run_id=run_id,
        task_runner=request.task_runner,
        dask_address=request.dask_address,
    )


# ----------------------------------------------------------------------------- flows


@flow(name="ingest")
def ingest_flow(request: RunRequest, settings: Settings | None = None):
    settings = settings or get_settings()
    settings.ensure_home()
    run_id = new_run_id()
    with RunLock(settings.lock_path, run_id):
        counts = ingest_task(settings, request, run_id)
    get_run_logger().info("run %s ingest: %s", run_id, counts)
    return counts


@flow(name="pipeline")
def pipeline_flow(request: RunRequest, settings: Settings | None = None) -> RunResult:
    settings = settings or get_settings()
    settings.ensure_home()
    log = get_run_logger()
    run_id = new_run_id()
    with (
        RunLock(settings.lock_path, run_id) as lock,
        RunJournal(settings, run_id, feed=request.feed, lock=lock, log=log) as journal,
        # imports dbt, BERTopic and GX while this process ingests and tags
        stage_worker() as worker,
    ):
        with journal.stage("ingest"):
            journal.ingested(ingest_task(settings, request, run_id))
        with journal.stage("tag"):
            journal.tagged(_tag(settings, request, run_id))
        if journal.unchanged(full_refresh=request.full_refresh):
            return journal.result()
        with journal.stage("transform"):
            candidate = build_candidate_task(
                settings, run_id, journal.fingerprint, request.full_refresh
            )
            journal.built(dbt_build_task(settings, candidate, run_id, worker))
        if journal.dbt_passed:
            with journal.stage("validate"):
                journal.validated(
                    validate_task(settings, candidate, run_id, request.full_refresh, worker)
                )
        worker.release()  # it ends while this process publishes
        if not journal.passed:
            journal.reject(candidate)
        else:
            with journal.stage("publish"):
                journal.sign(candidate)
                publish_task(settings, candidate, run_id)
                journal.write_back()
    return journal.result()


def run_pipeline(settings: Settings, request: RunRequest) -> RunResult:
    return pipeline_flow(request, settings)


def run_ingest(settings: Settings, request: RunRequest):
    return ingest_flow(request, settings)
