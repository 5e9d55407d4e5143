"""The run journal: everything a pipeline run records about itself, in one object.

:class:`RunJournal` is entered once per run (holding the run lock) and owns the bookkeeping the
stages used to do by hand:

- before the run: the records of a run that died holding the lock are closed, and the lake's
  derived state is repaired from the published warehouse (:func:`~flows.journal.audit.write_back`);
- ``with journal.stage(name)``: the stage the run is in (``papertrends status`` shows it; a
  killed run is recorded as killed *in* that stage), its seconds, and the stage's fault point;
- :meth:`ingested`, :meth:`tagged`, :meth:`built`, :meth:`validated`: the typed results of the
  stages go into the :class:`~flows.journal.record.RunRecord` (and the run's log);
- the outcome: :meth:`reject` (the gate failed) or :meth:`sign` + :meth:`write_back` (published),
  or an error (leaving the ``with`` on an exception);
- when the run ends: ``summary.json``, ``report.html``, the ``run_audit`` rows and the Prefect
  artifact; :meth:`result` is what the CLI prints.

:func:`skip_if_nothing_to_do` is the same journal before Prefect starts: a run that cannot change
anything is recorded as skipped without a Prefect flow run (no temporary server).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from flows.journal.audit import record_run, recover_killed_run, write_back
from flows.journal.record import RunRecord
from flows.journal.reports import report_dir, report_markdown, write_report
from flows.journal.summary import save_summary
from flows.settings import Settings

if TYPE_CHECKING:
    from flows.journal.runlock import RunLock
    from flows.stages.ingest import Feed, IngestCounts
    from flows.stages.tagging.tagger import TagCounts
    from flows.stages.transform import DbtOutcome
    from flows.stages.validate import ValidationOutcome

FAULT_POINTS = (
    "after-ingest", "after-tag", "after-transform", "after-validate",
    "before-replace", "after-replace",
)


def fault_point(name: str) -> None:
    """Test hook (tests/test_fault_matrix.py): ``PAPERTRENDS_FAULT_KILL_AT=<name>`` SIGKILLs
    this process here, so a kill lands deterministically between two steps. Unset: nothing."""
    if os.environ.get("PAPERTRENDS_FAULT_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


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
            from flows.lib.setaside import command_for

            lines.append(f"  offending papers ({len(self.offending_papers)}); to set them aside:")
            lines.append("    " + command_for(self.offending_papers))
        if self.report_dir:
            lines.append(f"  report: {self.report_dir}")
        return "\n".join(lines)


class RunJournal:
    """The record of one pipeline run, kept up to date as the run goes (see the module doc).

    ``dbt`` and ``outcome`` are what the publish gate judges (None until their stage ran).
    """

    def __init__(self, settings: Settings, run_id: str, *, feed: Feed, lock: RunLock, log: Any,
                 in_prefect: bool = True) -> None:
        from flows.stages.tagging.embedder import tag_model_name

        self.settings = settings
        self.feed = feed
        self.lock = lock
        self.log = log
        self.in_prefect = in_prefect  # a Prefect flow run: its artifact is the run's report
        self.record = RunRecord.start(run_id=run_id, source=feed.source,
                                      model_name=tag_model_name(settings))
        self.fingerprint: str | None = None  # what this run's candidate is built from
        self.dbt: DbtOutcome | None = None
        self.outcome: ValidationOutcome | None = None

    @property
    def run_id(self) -> str:
        return self.record.run_id

    # --- the run's frame ---
    def __enter__(self) -> RunJournal:
        self._recover()
        record_run(self.settings, None, self.record)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self._write_report()
            if self.in_prefect:
                self._artifact()
        elif isinstance(exc, Exception):
            self.record.finish(status="error", published=False,
                               error=f"{type(exc).__name__}: {exc}")
            record_run(self.settings, None, self.record)
            self._write_report()

    def _recover(self) -> None:
        """Close the records of a run that died holding the lock, and repair the lake's derived
        state of a run killed after its replace."""
        recovered = self.lock.recovered
        if recovered:
            self.log.warning("recovered the lock of run %s (pid %s), which did not finish",
                             recovered.run_id, recovered.pid)
            recover_killed_run(self.settings, recovered.run_id)
        write_back(self.settings, current_run_id=self.run_id)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """The run is in stage ``name`` (summary.json says so; the previous stage's seconds are
        kept); its fault point ``after-<name>`` once it is done."""
        self.record.enter_stage(name)
        save_summary(self.settings, self.record)
        yield
        fault_point(f"after-{name}")

    # --- the stages' results ---
    def ingested(self, counts: IngestCounts) -> None:
        self.record.set_ingest(counts)
        self.log.info("run %s ingest: %s", self.run_id, counts)

    def tagged(self, tags: TagCounts) -> None:
        self.record.set_tags(tags)
        self.log.info("run %s tagging: %s", self.run_id, tags)

    def built(self, dbt: DbtOutcome) -> None:
        self.dbt = dbt
        self.record.set_dbt(dbt)
        self.log.info(
            "run %s dbt build: success=%s models=%s tests passed=%s failed=%s (%.1f s)",
            self.run_id, dbt.success, dbt.models_ok, dbt.tests_passed, dbt.tests_failed,
            dbt.seconds,
        )

    def validated(self, outcome: ValidationOutcome) -> None:
        self.outcome = outcome
        self.record.set_validation(outcome)
        self.log.info("run %s validation: %s passed, %s failed",
                      self.run_id, outcome.passed, outcome.failed)

    def unchanged(self, *, full_refresh: bool) -> bool:
        """Nothing that feeds the warehouse changed since the published run was built (and no
        full refresh was asked for): the run is recorded as skipped, nothing is built. Otherwise
        :attr:`fingerprint` is what this run's candidate is built from."""
        from flows.stages.fingerprint import (
            inputs_fingerprint,
            published_stamp,
            remember_quiet_feed,
        )

        self.fingerprint = inputs_fingerprint(self.settings)
        published = published_stamp(self.settings)
        if full_refresh or published is None or published[0] != self.fingerprint:
            return False
        self.record.finish(status="skipped", published=False)
        record_run(self.settings, None, self.record)
        remember_quiet_feed(self.settings, self.feed, self.fingerprint)
        self.log.info("run %s: nothing changed since run %s built the published warehouse; "
                      "nothing built or published", self.run_id, published[1])
        return True

    @property
    def dbt_passed(self) -> bool:
        """``dbt build`` passed: the candidate goes to validation."""
        return self.dbt is not None and self.dbt.success

    @property
    def passed(self) -> bool:
        """``dbt build`` and the GX checkpoint both passed: the candidate may be published."""
        return self.dbt_passed and self.outcome is not None and self.outcome.success

    # --- the outcome ---
    def reject(self, candidate: Path) -> None:
        """The gate failed: the run has failed; its candidate (kept) carries its audit row."""
        self.record.finish(status="failed", published=False)
        record_run(self.settings, candidate, self.record)

    def sign(self, candidate: Path) -> None:
        """The candidate carries this run's ``published`` row before it replaces the warehouse;
        the lake learns it from the warehouse after the replace (:meth:`write_back`)."""
        self.record.finish(status="published", published=True)
        record_run(self.settings, candidate, self.record, to_lake=False)

    def write_back(self) -> None:
        """After the replace: the lake's derived state from the published warehouse."""
        from flows.stages.fingerprint import remember_quiet_feed

        write_back(self.settings, current_run_id=self.run_id)
        remember_quiet_feed(self.settings, self.feed, self.fingerprint)

    # --- what the run leaves ---
    def _dbt_failures(self) -> list[str]:
        return self.dbt.failures if self.dbt else []

    def _write_report(self) -> Path:
        return write_report(self.settings, self.record, self.outcome, self._dbt_failures())

    def _artifact(self) -> None:
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            key="papertrends-run-report",
            markdown=report_markdown(self.record, self.outcome),
            description=f"papertrends run {self.run_id}",
        )

    def result(self) -> RunResult:
        record = self.record
        return RunResult(
            run_id=record.run_id,
            published=record.published,
            status=record.status,
            counts=record.counts(),
            failed_checks=list(record.failed_checks),
            report_dir=report_dir(self.settings, self.run_id),
            recovered_lock_of=self.lock.recovered.run_id if self.lock.recovered else None,
            offending_papers=list(record.offending_papers),
        )


def skip_if_nothing_to_do(settings: Settings, feed: Feed, run_id: str,
                          log: Any) -> RunResult | None:
    """Before Prefect starts: when re-reading ``feed`` cannot change the published warehouse
    (:func:`flows.stages.fingerprint.nothing_to_do`), the run takes the lock, is recorded as
    skipped as the flow records one (run_audit, summary, report) and is returned; else None.
    The lock is taken only then, so a stale lock is recovered by the run that holds it."""
    from flows.journal.runlock import RunLock
    from flows.lib.errors import UserError
    from flows.stages.fingerprint import nothing_to_do

    if not nothing_to_do(settings, feed):
        return None
    with (
        RunLock(settings.lock_path, run_id) as lock,
        RunJournal(settings, run_id, feed=feed, lock=lock, log=log, in_prefect=False) as journal,
    ):
        if not journal.unchanged(full_refresh=False):  # another run got in first
            raise UserError("another run changed the lake as this one started: run it again")
    return journal.result()
