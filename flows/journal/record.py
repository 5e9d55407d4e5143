"""The run record: one :class:`RunRecord` per run, built as the run goes from typed stage results.

The journal (:mod:`flows.journal.journal`) keeps it in ``summary.json`` and in the ``run_audit``
tables (:mod:`flows.journal.audit`); the reports and the run tables read it back.
"""

from __future__ import annotations

import hashlib
import json
import platform
import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

from flows.settings import Settings

if TYPE_CHECKING:
    from flows.stages.ingest import IngestCounts
    from flows.stages.tagging.tagger import TagCounts
    from flows.stages.transform import DbtOutcome
    from flows.stages.validate import ValidationOutcome

PACKAGES = (
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "great-expectations",
    "prefect",
    "keybert",
    "sentence-transformers",
    "polars",
    "pandas",
)
# RunRecord attribute -> run_audit column, where they differ.
COLUMN_OF = {"read": "n_read", "loaded": "n_loaded", "quarantined": "n_quarantined",
             "tagged": "n_tagged", "papers": "n_papers"}
# the sections of the settings that shape a run's output (ingest, tagging, dbt, the gate)
CONFIG_SECTIONS = {"ingest", "tagging", "transform", "validation"}
# the stages of a pipeline run, in order
STAGES = ("ingest", "tag", "transform", "validate", "publish")
_TIMES = ("started_at", "finished_at", "stage_started_at")


def package_versions(model_name: str | None = None) -> dict[str, str]:
    """Versions of python, the stack's packages and the tagging model (no heavy imports)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    if model_name:
        versions["model"] = model_name
    return versions


def run_config(settings: Settings) -> dict[str, Any]:
    """The settings the configuration hash covers, as JSON-ready data."""
    return settings.model_dump(mode="json", include=CONFIG_SECTIONS)


def settings_hash(settings: Settings) -> str:
    """Short hash of the settings that shape a run's output (ingest, tagging, dbt, the gate)."""
    text = json.dumps(run_config(settings), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def new_run_id() -> str:
    """A run's id: its start (UTC, to the second) and 6 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunRecord:
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"  # running | published | failed | error | killed | skipped
    source: str | None = None
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    unchanged: int = 0
    tagged: int = 0
    papers: int | None = None
    dbt_tests_passed: int = 0
    dbt_tests_failed: int = 0
    expectations_passed: int = 0
    expectations_failed: int = 0
    published: bool = False
    failed_checks: list[str] = field(default_factory=list)
    error: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    stage: str | None = None  # the stage a running run is in (summary.json only)
    # papers the failed checks name, to set aside (summary.json only)
    offending_papers: list[str] = field(default_factory=list)
    # summary.json only (the report and the run history read them):
    stage_started_at: datetime | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)  # stage -> seconds, in order
    mart_rows: dict[str, dict[str, int | None]] = field(default_factory=dict)  # before / after
    quarantine_reasons: dict[str, int] = field(default_factory=dict)  # this run's, by reason
    config_hash: str | None = None

    # --- building the record as the run goes ---
    @classmethod
    def start(cls, *, run_id: str, source: str | None = None,
              model_name: str | None = None) -> RunRecord:
        return cls(run_id=run_id, started_at=_now(), source=source,
                   versions=package_versions(model_name))

    def set_ingest(self, counts: IngestCounts) -> None:
        self.read = counts.read
        self.loaded = counts.loaded
        self.quarantined = counts.quarantined
        self.unchanged = counts.unchanged

    def set_tags(self, tags: TagCounts) -> None:
        self.tagged = tags.tagged

    def set_dbt(self, dbt: DbtOutcome) -> None:
        failures = [str(f) for f in dbt.failures]
        # tests dbt skipped because something upstream failed did not fail themselves
        skipped = [f for f in failures if f.partition(": ")[2].startswith("skipped")]
        failures = [f for f in failures if f not in skipped]
        self.dbt_tests_passed = dbt.tests_passed
        self.dbt_tests_failed = max(dbt.tests_failed - len(skipped), 0)
        self._add_failed_checks(f"dbt: {f}" for f in failures)

    def set_validation(self, outcome: ValidationOutcome) -> None:
        self.expectations_passed = outcome.passed
        self.expectations_failed = outcome.failed
        self._add_failed_checks(str(c) for c in outcome.failed_checks())
        self.offending_papers = outcome.offending_papers()

    def _add_failed_checks(self, labels: Any) -> None:
        self.failed_checks += [label for label in labels if label not in self.failed_checks]

    def enter_stage(self, stage: str) -> None:
        """Close the current stage (its seconds go to ``stage_seconds``) and start ``stage``."""
        self.close_stage()
        self.stage = stage
        self.stage_started_at = _now()

    def close_stage(self) -> None:
        """Time the current stage up to now (idempotent; ``stage`` stays for the record)."""
        if self.stage and self.stage_started_at is not None:
            elapsed = (_now() - self.stage_started_at).total_seconds()
            self.stage_seconds[self.stage] = round(
                self.stage_seconds.get(self.stage, 0.0) + elapsed, 2
            )
            self.stage_started_at = None

    def finish(self, *, status: str, published: bool, error: str | None = None) -> None:
        self.status = status
        self.published = published
        self.finished_at = _now()
        if error:
            self.error = error

    # --- views ---
    @property
    def model_name(self) -> str | None:
        return self.versions.get("model")

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def counts(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "tagged": self.tagged,
            "dbt tests passed": self.dbt_tests_passed,
            "dbt tests failed": self.dbt_tests_failed,
            "expectations passed": self.expectations_passed,
            "expectations failed": self.expectations_failed,
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in _TIMES:
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in _TIMES:
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)

    def audit_row(self) -> dict[str, Any]:
        """The run_audit row (column name -> value)."""
        row = {COLUMN_OF.get(k, k): v for k, v in asdict(self).items()}
        row["versions"] = json.dumps(self.versions, sort_keys=True)
        row["model_name"] = self.model_name
        return row
