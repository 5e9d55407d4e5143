"""The Prefect flows ``ingest`` and ``pipeline``: ingest -> tag -> transform -> validate -> publish.

Every task is a thin wrapper over a plain function of the module that owns the stage; this
module only sequences them and applies the publish gate: the candidate warehouse replaces the
published one only when ``dbt build`` and the GX checkpoint both pass.

Stage modules are imported inside the tasks, so a worker only loads what its stage needs.
"""

import os
import secrets
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, model_validator

from flows.runlock import RunLock
from flows.settings import Settings, get_settings

if TYPE_CHECKING:
    from flows.audit import RunRecord
    from flows.transform import DbtOutcome
    from flows.validate import ValidationOutcome


class RunRequest(BaseModel):
    """What a run reads and how it runs (the CLI options of `run`, `ingest` and `backfill`)."""

    source: str = "hf-daily"
    input: Path | None = None
    since: date | None = None
    until: date | None = None
    task_runner: str = "threads"
    dask_address: str | None = None
    # build and publish even when nothing that feeds the warehouse changed (flows.fingerprint)
    full_refresh: bool = False

    @model_validator(mode="before")
    @classmethod
    def _address_means_dask(cls, data: Any) -> Any:
        """``--dask-address`` alone means tagging on that cluster (task-runner plumbing)."""
        if isinstance(data, dict) and data.get("dask_address"):
            data = {**data, "task_runner": "dask"}
        return data


@dataclass
class RunResult:
    run_id: str
    published: bool
    status: str
    counts: dict[str, Any] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    report_dir: Path | None = None
    recovered_lock_of: str | None = None
    offending_papers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        published = "yes" if self.published else "no"
        lines = [f"run {self.run_id}: {self.status} (published: {published})"]
        if self.recovered_lock_of:
            lines.append(f"  recovered the stale lock of killed run {self.recovered_lock_of}")
        if self.status == "skipped":
            lines.append("  nothing that feeds the warehouse changed since the published run:"
                         " nothing built or published (--full-refresh builds anyway)")
        lines += [f"  {k}: {v}" for k, v in self.counts.items()]
        if self.failed_checks:
            lines.append("  failed checks:")
            lines += [f"    - {c}" for c in self.failed_checks]
        if self.offending_papers:
            from flows.setaside import command_for

            lines.append(f"  offending papers ({len(self.offending_papers)}); to set them aside:")
            lines.append("    " + command_for(self.offending_papers))
        if self.report_dir:
            lines.append(f"  report: {self.report_dir}")
        return "\n".join(lines)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


# ----------------------------------------------------------------------------- tasks
# Stages have side effects on the lake and the warehouse: never served from a cache.


def _network_failure(task, task_run, state) -> bool:
    """Retry a feed that still fails after the HTTP client's own retries; never bad input."""
    from flows.sources.http import FetchError

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
def ingest_task(settings: Settings, request: RunRequest, run_id: str):
    from flows.ingest import ingest
    from flows.lake import open_lake

    with open_lake(settings.lake_path) as con:
        return ingest(
            settings,
            con,
            source=request.source,
            input=request.input,
            since=request.since,
            until=request.until,
            run_id=run_id,
        )


@task(name="build-candidate", cache_policy=NO_CACHE)
def build_candidate_task(settings: Settings, run_id: str) -> Path:
    from flows.housekeeping import prune_runs
    from flows.transform import build_candidate

    prune_runs(settings, current_run_id=run_id)  # settings.keep_failed_runs
    return build_candidate(settings, run_id)


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build_task(settings: Settings, candidate: Path, run_id: str):
    from flows.transform import run_dbt_build

    return run_dbt_build(settings, candidate, run_id=run_id)


# Every raw record no published run has published (this run's, and those of runs that failed or
# were killed), without the papers set aside: the raw batch the gate judges.
UNPUBLISHED_RAW = """
select * from raw_papers
where not list_contains(?::varchar[], run_id)
    and paper_id not in (select paper_id from set_aside)
"""


@task(name="validate", cache_policy=NO_CACHE)
def validate_task(settings: Settings, candidate: Path, run_id: str):
    from flows.lake import open_lake
    from flows.publish import published_run_ids
    from flows.validate import validate_candidate

    published = published_run_ids(settings)
    with open_lake(settings.lake_path, read_only=True) as con:
        raw_batch = con.execute(UNPUBLISHED_RAW, [published]).df()
    return validate_candidate(settings, candidate, run_id=run_id, raw_batch=raw_batch)


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(settings: Settings, candidate: Path, run_id: str) -> Path:
    """The atomic replace, then (only then) the lake's derived state from the warehouse."""
    from flows.publish import publish, write_back

    fault_point("before-replace")
    target = publish(settings, candidate, run_id=run_id)
    fault_point("after-replace")
    write_back(settings, current_run_id=run_id)
    return target


FAULT_POINTS = (
    "after-ingest", "after-tag", "after-transform", "after-validate",
    "before-replace", "after-replace",
)


def fault_point(name: str) -> None:
    """Test hook (tests/test_fault_matrix.py): ``PAPERTRENDS_FAULT_KILL_AT=<name>`` SIGKILLs
    this process here, so a kill lands deterministically between two steps. Unset: nothing."""
    if os.environ.get("PAPERTRENDS_FAULT_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _tag(settings: Settings, request: RunRequest, run_id: str):
    from flows.tagging.flow import tag_flow

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


def _artifact(run_id: str, markdown: str) -> None:
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        key="papertrends-run-report",
        markdown=markdown,
        description=f"papertrends run {run_id}",
    )


@dataclass
class _Stages:
    """The five stages of one pipeline run, in order. Each marks its stage in the run record,
    records and logs its result and passes its fault point. ``dbt`` and ``outcome`` are what the
    publish gate judges (None until their stage ran)."""

    settings: Settings
    request: RunRequest
    record: "RunRecord"
    log: Any
    dbt: "DbtOutcome | None" = None
    outcome: "ValidationOutcome | None" = None
    fingerprint: str | None = None  # what this run's candidate is built from

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def built(self) -> bool:
        """``dbt build`` passed: the candidate goes to validation."""
        return self.dbt is not None and self.dbt.success

    @property
    def passed(self) -> bool:
        """``dbt build`` and the GX checkpoint both passed: the candidate may be published."""
        return self.built and self.outcome is not None and self.outcome.success

    def dbt_failures(self) -> list[str]:
        return self.dbt.failures if self.dbt else []

    def ingest(self) -> None:
        with self._stage("ingest"):
            counts = ingest_task(self.settings, self.request, self.run_id)
            self.record.set_ingest(counts)
            self.log.info("run %s ingest: %s", self.run_id, counts)

    def tag(self) -> None:
        with self._stage("tag"):
            tags = _tag(self.settings, self.request, self.run_id)
            self.record.set_tags(tags)
            self.log.info("run %s tagging: %s", self.run_id, tags)

    def unchanged(self) -> bool:
        """Nothing that feeds the warehouse changed since the published run was built (and no
        full refresh was asked for): the run is recorded as skipped, nothing is built."""
        from flows.audit import record_run
        from flows.fingerprint import inputs_fingerprint, published_stamp

        self.fingerprint = inputs_fingerprint(self.settings)
        published = published_stamp(self.settings)
        if self.request.full_refresh or published is None or published[0] != self.fingerprint:
            return False
        self.record.finish(status="skipped", published=False)
        record_run(self.settings, None, self.record)
        self.log.info("run %s: nothing changed since run %s built the published warehouse; "
                      "nothing built or published", self.run_id, published[1])
        return True

    def transform(self) -> Path:
        """Build the candidate and run ``dbt build`` on it; returns the candidate's path."""
        from flows.fingerprint import stamp

        with self._stage("transform"):
            candidate = build_candidate_task(self.settings, self.run_id)
            if self.fingerprint:
                stamp(candidate, self.fingerprint, self.run_id)
            dbt = self.dbt = dbt_build_task(self.settings, candidate, self.run_id)
            self.record.set_dbt(dbt)
            self.log.info(
                "run %s dbt build: success=%s models=%s tests passed=%s failed=%s (%.1f s)",
                self.run_id,
                dbt.success,
                dbt.models_ok,
                dbt.tests_passed,
                dbt.tests_failed,
                dbt.seconds,
            )
        return candidate

    def validate(self, candidate: Path) -> None:
        with self._stage("validate"):
            outcome = self.outcome = validate_task(self.settings, candidate, self.run_id)
            self.record.set_validation(outcome)
            self.log.info("run %s validation: %s passed, %s failed",
                          self.run_id, outcome.passed, outcome.failed)

    def publish(self, candidate: Path) -> None:
        """Publish the candidate when the gate passed; otherwise the run has failed."""
        from flows.audit import record_run

        if not self.passed:
            self.record.finish(status="failed", published=False)
            record_run(self.settings, candidate, self.record)
            return
        self._enter("publish")
        self.record.finish(status="published", published=True)
        # the warehouse carries its own row; the lake learns it from the warehouse
        record_run(self.settings, candidate, self.record, to_lake=False)
        publish_task(self.settings, candidate, self.run_id)

    @contextmanager
    def _stage(self, stage: str) -> Iterator[None]:
        """The stage in the run record; its fault point ``after-<stage>`` once it is done."""
        self._enter(stage)
        yield
        fault_point(f"after-{stage}")

    def _enter(self, stage: str) -> None:
        from flows.audit import mark_stage

        mark_stage(self.settings, self.record, stage)


def _recover(settings: Settings, lock: RunLock, run_id: str, log: Any) -> None:
    """Before a run: close the records of a run that died holding the lock, and repair the
    lake's derived state of a run killed after its replace."""
    from flows.audit import recover_killed_run
    from flows.publish import write_back

    if lock.recovered:
        log.warning(
            "recovered the lock of run %s (pid %s), which did not finish",
            lock.recovered.run_id,
            lock.recovered.pid,
        )
        recover_killed_run(settings, lock.recovered.run_id)
    write_back(settings, current_run_id=run_id)  # repairs a run killed after its replace


def _run_result(record: "RunRecord", report_dir: Path, lock: RunLock) -> RunResult:
    return RunResult(
        run_id=record.run_id,
        published=record.published,
        status=record.status,
        counts=record.counts(),
        failed_checks=list(record.failed_checks),
        report_dir=report_dir,
        recovered_lock_of=lock.recovered.run_id if lock.recovered else None,
        offending_papers=list(record.offending_papers),
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
    from flows.audit import RunRecord, record_run
    from flows.reports import report_markdown, write_report

    settings = settings or get_settings()
    settings.ensure_home()
    log = get_run_logger()
    run_id = new_run_id()
    with RunLock(settings.lock_path, run_id) as lock:
        _recover(settings, lock, run_id, log)
        record = RunRecord.start(run_id=run_id, source=request.source)
        record_run(settings, None, record)
        stages = _Stages(settings, request, record, log)
        try:
            stages.ingest()
            stages.tag()
            if not stages.unchanged():
                candidate = stages.transform()
                if stages.built:
                    stages.validate(candidate)
                stages.publish(candidate)
        except Exception as exc:
            record.finish(status="error", published=False, error=f"{type(exc).__name__}: {exc}")
            record_run(settings, None, record)
            write_report(settings, record, stages.outcome, stages.dbt_failures())
            raise
        report_dir = write_report(settings, record, stages.outcome, stages.dbt_failures())
        _artifact(run_id, report_markdown(record, stages.outcome))
        return _run_result(record, report_dir, lock)


def run_pipeline(settings: Settings, request: RunRequest) -> RunResult:
    return pipeline_flow(request, settings)


def run_ingest(settings: Settings, request: RunRequest):
    return ingest_flow(request, settings)
