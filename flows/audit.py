"""The run audit: one :class:`RunRecord` per run, kept in three places.

- ``reports/<run_id>/summary.json`` (key ``run``): what ``papertrends runs`` lists; plain files, so
  listing works while a run holds the lake open for writing;
- the lake's ``run_audit`` table (survives failed runs; the next candidate copies it);
- the candidate's ``main.run_audit`` table, written just before publishing, so the published
  warehouse carries the row of the run that published it.

The pipeline calls :func:`record_run` when a run starts (status ``running``) and when it ends.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from flows.contract import mart_names
from flows.lake import RUN_AUDIT_COLUMNS, open_lake
from flows.settings import Settings

if TYPE_CHECKING:
    from flows.validate import ValidationOutcome

log = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"
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


def tagging_model_name(settings: Settings) -> str | None:
    """The keyphrase model of these settings, as the tagger names it in paper_keywords."""
    try:
        from flows.tagging.embedder import model_name
    except ImportError:  # pragma: no cover - the tagging package is part of the project
        return None
    try:
        return str(model_name(settings.tagging))
    except (AttributeError, ValueError):
        return None


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    """First present attribute / key of ``names`` (stage results are objects or dicts)."""
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if not isinstance(obj, dict) and hasattr(obj, name):
            return getattr(obj, name)
    return default


def _now() -> datetime:
    return datetime.now(UTC)


_TIMES = ("started_at", "finished_at", "stage_started_at")


def settings_hash(settings: Settings) -> str:
    """Short hash of the settings that shape a run's output (ingest, tagging, dbt, the gate)."""
    sections = settings.model_dump(
        mode="json", include={"ingest", "tagging", "transform", "validation"}
    )
    text = json.dumps(sections, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class RunRecord:
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"  # running | published | failed | error | skipped
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

    def set_ingest(self, counts: Any) -> None:
        self.read = int(_get(counts, "read", "n_read", default=self.read) or 0)
        self.loaded = int(_get(counts, "loaded", "n_loaded", default=self.loaded) or 0)
        self.quarantined = int(
            _get(counts, "quarantined", "n_quarantined", default=self.quarantined) or 0
        )
        self.unchanged = int(_get(counts, "unchanged", default=self.unchanged) or 0)

    def set_tags(self, tags: Any) -> None:
        self.tagged = int(_get(tags, "tagged", "n_tagged", default=self.tagged) or 0)
        model = _get(tags, "model_name", "model")
        if model:
            self.versions["model"] = str(model)

    def set_dbt(self, dbt: Any) -> None:
        failures = [str(f) for f in (_get(dbt, "failures", default=[]) or [])]
        # tests dbt skipped because something upstream failed did not fail themselves
        skipped = [f for f in failures if f.partition(": ")[2].startswith("skipped")]
        failures = [f for f in failures if f not in skipped]
        self.dbt_tests_passed = int(_get(dbt, "tests_passed", "passed", default=0) or 0)
        failed = int(_get(dbt, "tests_failed", "failed", default=len(failures)) or 0)
        self.dbt_tests_failed = max(failed - len(skipped), 0)
        labels = [f"dbt: {f}" for f in failures]
        self.failed_checks += [label for label in labels if label not in self.failed_checks]

    def set_validation(self, outcome: ValidationOutcome) -> None:
        self.expectations_passed = outcome.passed
        self.expectations_failed = outcome.failed
        labels = [str(c) for c in outcome.failed_checks()]
        self.failed_checks += [label for label in labels if label not in self.failed_checks]
        self.offending_papers = outcome.offending_papers()

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


# ----------------------------------------------------------------------------- storage


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so a reader sees the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_summary(settings: Settings, run_id: str) -> dict[str, Any]:
    path = settings.reports_dir / run_id / SUMMARY_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def upsert_audit_row(con: duckdb.DuckDBPyConnection, record: RunRecord, table: str) -> None:
    """Replace the run's row in ``table`` (created when missing); only columns the table has."""
    con.execute(f"create table if not exists {table} ({RUN_AUDIT_COLUMNS})")
    schema, _, name = table.rpartition(".")
    present = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database()"
            " and schema_name = ? and table_name = ?",
            [schema or "main", name],
        ).fetchall()
    }
    row = {k: v for k, v in record.audit_row().items() if k in present}
    cols = list(row)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table} where run_id = ?", [record.run_id])
        con.execute(
            f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def record_run(
    settings: Settings,
    candidate_or_none: Path | None,
    record: RunRecord,
    *,
    lake: duckdb.DuckDBPyConnection | None = None,
    to_lake: bool = True,
) -> None:
    """Keep the run's audit up to date: summary.json, the candidate (when given) and the lake.

    ``lake``: an open read-write lake connection to use instead of opening the lake here.
    ``to_lake=False``: not the lake (a publishing run: the lake learns it published from the
    warehouse, after the replace; see ``flows.publish.write_back``).
    A lake that cannot be opened (held by another process) is logged, not raised: summary.json
    is already written and the next record_run brings the lake up to date. With a candidate,
    ``record.papers`` is set to the number of papers in its ``dim_papers``.
    """
    if record.model_name is None:
        model = tagging_model_name(settings)
        if model:
            record.versions["model"] = model
    record.config_hash = record.config_hash or settings_hash(settings)
    summary_path = settings.reports_dir / record.run_id / SUMMARY_FILE
    summary = read_summary(settings, record.run_id)
    summary["run"] = record.to_dict()
    write_json_atomic(summary_path, summary)

    if candidate_or_none is not None:
        con = duckdb.connect(str(candidate_or_none))
        try:
            has_papers = con.execute(
                "select count(*) from duckdb_tables() where database_name = current_database()"
                " and schema_name = 'main' and table_name = 'dim_papers'"
            ).fetchone()[0]
            if has_papers:
                record.papers = con.execute("select count(*) from main.dim_papers").fetchone()[0]
            record.mart_rows = mart_changes(con, settings.warehouse_path)
            record.quarantine_reasons = _quarantine_reasons(con, record.run_id)
            summary["run"] = record.to_dict()
            write_json_atomic(summary_path, summary)
            upsert_audit_row(con, record, "main.run_audit")
            con.execute("checkpoint")
        finally:
            con.close()

    if not to_lake:
        return
    if lake is not None:
        upsert_audit_row(lake, record, "run_audit")
        return
    try:
        with open_lake(settings.lake_path) as con:
            upsert_audit_row(con, record, "run_audit")
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        log.warning("run %s: lake busy, run_audit not updated there: %s", record.run_id, exc)


def _row_counts(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    """Rows of each public mart present in ``database`` (attached to ``con``)."""
    present = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ?"
            " and schema_name = 'main'",
            [database],
        ).fetchall()
    }
    return {
        mart: con.execute(f'select count(*) from "{database}".main.{mart}').fetchone()[0]
        for mart in mart_names()
        if mart in present
    }


def mart_changes(
    con: duckdb.DuckDBPyConnection, published: Path
) -> dict[str, dict[str, int | None]]:
    """Rows of each public mart: ``before`` (the published warehouse, None when it has not the
    mart) and ``after`` (this candidate, the connection's database; None when not built)."""
    current = con.execute("select current_database()").fetchone()[0]
    after = _row_counts(con, current)
    before: dict[str, int] = {}
    if published.is_file():
        try:
            con.execute("attach ? as before_run (read_only)", [str(published)])
        except duckdb.Error as exc:  # unreadable: the gate fails on it; the counts say unknown
            log.warning("published warehouse %s not readable for mart counts: %s", published, exc)
        else:
            try:
                before = _row_counts(con, "before_run")
            finally:
                con.execute("detach before_run")
    return {
        mart: {"before": before.get(mart), "after": after.get(mart)}
        for mart in sorted(set(before) | set(after), key=_mart_order)
    }


def _mart_order(mart: str) -> int:
    return mart_names().index(mart)


def _quarantine_reasons(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """This run's quarantined records by reason (the candidate's copy of the lake quarantine)."""
    try:
        rows = con.execute(
            "select reason, count(*) from raw.quarantine where run_id = ?"
            " group by reason order by 2 desc, 1",
            [run_id],
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {reason: n for reason, n in rows}


def mark_stage(settings: Settings, record: RunRecord, stage: str) -> None:
    """Note in summary.json which stage the run entered (``papertrends status`` shows it); the
    previous stage's duration goes to ``record.stage_seconds``."""
    record.enter_stage(stage)
    _save_record(settings, record)


def _save_record(settings: Settings, record: RunRecord) -> None:
    summary = read_summary(settings, record.run_id)
    summary["run"] = record.to_dict()
    write_json_atomic(settings.reports_dir / record.run_id / SUMMARY_FILE, summary)


def published_run_id(settings: Settings) -> str | None:
    """The run that built the published warehouse (its newest published run_audit row)."""
    from flows.publish import published_run_ids

    ids = published_run_ids(settings)
    return ids[0] if ids else None


def recover_killed_run(settings: Settings, run_id: str) -> RunRecord | None:
    """Mark a run whose process died (its lock was found stale) as ``killed`` in its summary.

    A run killed between writing its ``published`` row and the atomic replace did not publish:
    what counts is whether the published warehouse carries it.
    """
    data = read_summary(settings, run_id).get("run")
    if not data:
        return None
    record = RunRecord.from_dict(data)
    if record.status == "published" and published_run_id(settings) == run_id:
        return None
    if record.status not in ("running", "published"):
        return None
    stage = record.stage or "start"
    record.finish(status="killed", published=False, error=f"process died during stage {stage}")
    record.stage, record.stage_started_at = stage, None  # when it died is unknown
    _save_record(settings, record)
    return record


def reconcile_run_audit(
    settings: Settings, published: set[str], *, current_run_id: str | None = None
) -> list[str]:
    """Make the lake's ``run_audit`` agree with the published warehouse; returns the runs it
    marked killed.

    ``published``: the run ids the warehouse lists as published; their rows are copied from
    it. Any other run (but ``current_run_id``) whose row still says running or published died
    before its replace: it becomes ``killed`` (summary.json too), with the stage it died in.
    """
    killed: list[str] = []
    with open_lake(settings.lake_path) as con:
        rows = con.execute("select run_id, status, published from run_audit").fetchall()
        behind = [r[0] for r in rows if r[0] in published and not (r[2] and r[1] == "published")]
        behind += sorted(published - {r[0] for r in rows})
        if behind and settings.warehouse_path.is_file():
            _copy_published_rows(con, settings.warehouse_path, behind)
        for run_id, status, was_published in rows:
            if run_id == current_run_id or run_id in published:
                continue
            if status not in ("running", "published") and not was_published:
                continue
            recover_killed_run(settings, run_id)
            stage = (read_summary(settings, run_id).get("run") or {}).get("stage") or "start"
            con.execute(
                "update run_audit set status = 'killed', published = false,"
                " finished_at = coalesce(finished_at, current_timestamp), error = ?"
                " where run_id = ?",
                [f"process died during stage {stage}", run_id],
            )
            killed.append(run_id)
    return killed


def _copy_published_rows(con: duckdb.DuckDBPyConnection, warehouse: Path, run_ids: list[str]):
    con.execute("attach ? as published_warehouse (read_only)", [str(warehouse)])
    try:
        con.execute("begin transaction")
        con.execute("delete from run_audit where list_contains(?, run_id)", [run_ids])
        con.execute(
            "insert into run_audit by name select * from published_warehouse.main.run_audit"
            " where list_contains(?, run_id) and published",
            [run_ids],
        )
        con.execute("commit")
    finally:
        con.execute("detach published_warehouse")


def list_runs(settings: Settings) -> list[RunRecord]:
    """Every run with a reports/<run_id>/summary.json, newest first (never opens the lake)."""
    runs: list[RunRecord] = []
    if not settings.reports_dir.is_dir():
        return runs
    for path in settings.reports_dir.glob(f"*/{SUMMARY_FILE}"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            runs.append(RunRecord.from_dict(data["run"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("skipping unreadable run summary %s: %s", path, exc)
    runs.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
    return runs
