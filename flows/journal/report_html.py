"""The per-run HTML report: ``reports/<run_id>/report.html``, one self-contained page.

:func:`build_report` gathers what a person needs to judge a run into a :class:`RunReport`:
the outcome and why, stage timings, ingest counts (quarantine reasons included), every failed
dbt test and GX expectation with a sample of the offending rows (and the ``papertrends
quarantine`` command that sets those papers aside), the row counts of each public mart before
and after the run, versions and the configuration hash, and links to the GX Data Docs pages.
:func:`render_report` turns it into HTML (``templates/report.html``: inline CSS, no scripts, no
remote resources), :func:`write_report_html` writes it next to ``summary.json``.

Samples of rows failing a dbt test come from running the test's compiled SQL
(``runs/<run_id>/dbt/target/run_results.json``) on the kept candidate, read-only; those of an
expectation from the validation outcome (``CheckResult.examples``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from flows.journal.data_docs import ValidationPage, validation_pages
from flows.journal.record import RunRecord
from flows.journal.summary import read_summary
from flows.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_FILE = "report.html"
_PAPER_KEY = re.compile(r"(?:^|,\s*)paper_id=([^,]+)")


@dataclass
class FailedCheck:
    """A failed dbt test / model or GX expectation, with a sample of the rows it rejects."""

    kind: str  # "dbt" | "expectation"
    name: str
    details: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    paper_ids: list[str] = field(default_factory=list)
    docs_href: str | None = None  # the suite's Data Docs page, relative to the report folder

    @property
    def quarantine_command(self) -> str | None:
        """The command that sets the sample's papers aside (``papertrends quarantine``)."""
        if not self.paper_ids:
            return None
        ids = " ".join(shlex.quote(p) for p in self.paper_ids)
        return f"papertrends quarantine {ids} --reason {shlex.quote('failed ' + self.name)}"


@dataclass
class StageTiming:
    name: str
    seconds: float
    share: float  # of the timed stages, 0..1


@dataclass
class MartChange:
    name: str
    before: int | None
    after: int | None

    @property
    def delta(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class RunReport:
    run_id: str
    status: str
    published: bool
    headline: str
    why: str
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    source: str | None
    stages: list[StageTiming]
    counts: list[tuple[str, int | None]]
    quarantine_reasons: dict[str, int]
    failed_checks: list[FailedCheck]
    skipped_dbt_tests: list[str]  # not run because something upstream failed
    checks: dict[str, int]  # dbt tests / expectations passed and failed
    mart_changes: list[MartChange]
    versions: dict[str, str]
    config_hash: str | None
    config: dict[str, Any]
    data_docs_index: str | None  # relative to the report folder
    data_docs_pages: list[ValidationPage]
    skipped_suites: list[str]
    changed_only: str | None  # which suites checked only changed rows, and how many
    error: str | None
    generated_at: datetime


# ----------------------------------------------------------------------------- building


def _cell(value: Any, limit: int = 120) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _paper_ids(rows: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for row in rows:
        found = [str(row["paper_id"])] if row.get("paper_id") is not None else []
        found += _PAPER_KEY.findall(str(row.get("row_key", "")))
        ids += [p.strip() for p in found if p.strip() and p.strip() not in ids]
    return ids


def _table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    return columns, [[_cell(row.get(c)) for c in columns] for row in rows]


def _dbt_samples(settings: Settings, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """Test name -> a sample of its failing rows, from the test's compiled SQL on the kept
    candidate (empty when the candidate or dbt's artifacts are gone)."""
    run_dir = settings.runs_dir / run_id
    target = run_dir / "dbt" / "target"
    candidate = run_dir / "candidate.duckdb"
    results_path = target / "run_results.json"
    if not (candidate.is_file() and results_path.is_file()):
        return {}
    failing = [
        r for r in json.loads(results_path.read_text()).get("results", [])
        if r.get("unique_id", "").startswith("test.") and r.get("status") in ("fail", "error")
        and r.get("compiled_code")
    ]
    if not failing:
        return {}
    columns = _test_columns(target / "manifest.json")
    samples: dict[str, list[dict[str, Any]]] = {}
    limit = settings.validation.max_examples
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        for result in failing:
            sql = result["compiled_code"].strip().rstrip(";")
            try:
                cur = con.execute(f"select * from ({sql}) limit {int(limit)}")  # noqa: S608
            except duckdb.Error:
                continue
            names = [d[0] for d in cur.description]
            column = columns.get(result["unique_id"])
            if column == "paper_id" and "unique_field" in names:  # dbt's unique test
                names[names.index("unique_field")] = "paper_id"
            rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
            samples[result["unique_id"].split(".")[2]] = rows
    finally:
        con.close()
    return samples


def _test_columns(manifest: Path) -> dict[str, str]:
    """Test unique_id -> the column it tests (dbt's manifest)."""
    if not manifest.is_file():
        return {}
    nodes = json.loads(manifest.read_text()).get("nodes", {})
    return {k: v["column_name"] for k, v in nodes.items()
            if k.startswith("test.") and v.get("column_name")}


def _failed_checks(
    settings: Settings, run_id: str, summary: dict[str, Any], pages: list[ValidationPage]
) -> list[FailedCheck]:
    from flows.stages.validate import ValidationOutcome

    record = summary["run"]
    dbt_failures = summary.get("dbt_failures") or [
        c.removeprefix("dbt: ") for c in record.get("failed_checks", []) if c.startswith("dbt: ")
    ]
    samples = _dbt_samples(settings, run_id) if dbt_failures else {}
    checks = []
    for failure in dbt_failures:
        name, _, message = str(failure).partition(": ")
        if message.startswith("skipped"):  # not run: an upstream model or test failed
            continue
        rows = samples.get(name, [])
        columns, cells = _table(rows)
        checks.append(FailedCheck("dbt", name, message, columns, cells, _paper_ids(rows)))
    validation = summary.get("validation")
    outcome = ValidationOutcome.from_dict(validation) if validation else None
    page_of = {p.suite: f"data_docs/{p.href}" for p in pages}
    for result in outcome.failed_checks() if outcome else []:
        columns, cells = _table(result.examples)
        checks.append(FailedCheck(
            "expectation", result.label(), result.details, columns, cells,
            _paper_ids(result.examples), page_of.get(result.suite),
        ))
    shown = {f"dbt: {f}" for f in dbt_failures} | {
        str(r) for r in (outcome.failed_checks() if outcome else [])
    }
    checks += [FailedCheck("check", c) for c in record.get("failed_checks", []) if c not in shown]
    return checks


def _skipped_dbt(summary: dict[str, Any]) -> list[str]:
    """dbt tests that did not run because something upstream failed."""
    return [name for name, _, message in (str(f).partition(": ")
                                          for f in summary.get("dbt_failures") or [])
            if message.startswith("skipped")]


def _outcome(record: RunRecord, failed: list[FailedCheck], candidate: Path) -> tuple[str, str]:
    """Headline and why, in a sentence each."""
    if record.status == "published":
        return "Published", (
            f"dbt build passed ({record.dbt_tests_passed} tests) and all "
            f"{record.expectations_passed} expectations passed, so this run's candidate "
            "replaced warehouse.duckdb."
        )
    if record.status == "running":
        return "Running", f"The run is in stage {record.stage or 'start'}."
    if record.status == "skipped":
        return "Skipped: nothing changed", (
            "Nothing that feeds the warehouse (the lake's papers, tags and quarantine, the "
            "configuration, the dbt project and code, the package versions) changed since the "
            "published run was built, so nothing was built and the published warehouse was left "
            "as it was (`papertrends run --full-refresh` builds anyway)."
        )
    kept = f" The candidate is kept at {candidate}." if candidate.is_file() else ""
    if record.status == "failed":
        n_dbt = sum(1 for c in failed if c.kind == "dbt")
        n_gx = sum(1 for c in failed if c.kind == "expectation")
        return "Not published", (
            f"{len(failed)} check{'s' if len(failed) != 1 else ''} failed "
            f"({n_dbt} dbt, {n_gx} expectations); the published warehouse was left as it was."
            f"{kept}"
        )
    return "Not published", (
        f"The run stopped ({record.status}) in stage {record.stage or 'start'}: "
        f"{record.error or 'no error recorded'}. The published warehouse was left as it was."
        f"{kept}"
    )


def build_report(settings: Settings, run_id: str) -> RunReport:
    """The report of ``run_id`` from its summary.json (and the kept candidate, Data Docs)."""
    from flows.stages.validate import ValidationOutcome

    summary = read_summary(settings, run_id)
    record = RunRecord.from_dict(summary["run"])
    validation = summary.get("validation")
    outcome = ValidationOutcome.from_dict(validation) if validation else None
    folder = settings.reports_dir / run_id
    docs = folder / "data_docs"
    pages = validation_pages(docs, outcome.results if outcome else None)
    failed = _failed_checks(settings, run_id, summary, pages)
    headline, why = _outcome(record, failed, settings.runs_dir / run_id / "candidate.duckdb")
    papers = "papers in the warehouse" if record.published else "papers in the candidate"
    total = sum(record.stage_seconds.values()) or 1.0
    return RunReport(
        run_id=record.run_id,
        status=record.status,
        published=record.published,
        headline=headline,
        why=why,
        started_at=record.started_at,
        finished_at=record.finished_at,
        duration_s=record.duration_s,
        source=record.source,
        stages=[StageTiming(n, s, s / total) for n, s in record.stage_seconds.items()],
        counts=[("read", record.read), ("loaded (new or updated)", record.loaded),
                ("unchanged", record.unchanged), ("quarantined", record.quarantined),
                ("tagged", record.tagged), (papers, record.papers)],
        quarantine_reasons=dict(record.quarantine_reasons),
        failed_checks=failed,
        skipped_dbt_tests=_skipped_dbt(summary),
        checks={"dbt tests passed": record.dbt_tests_passed,
                "dbt tests failed": record.dbt_tests_failed,
                "dbt tests skipped": len(_skipped_dbt(summary)),
                "expectations passed": record.expectations_passed,
                "expectations failed": record.expectations_failed},
        mart_changes=[MartChange(m, c.get("before"), c.get("after"))
                      for m, c in record.mart_rows.items()],
        versions=dict(sorted(record.versions.items())),
        config_hash=record.config_hash,
        config=summary.get("config") or {},
        data_docs_index="data_docs/index.html" if (docs / "index.html").is_file() else None,
        data_docs_pages=pages,
        skipped_suites=list(outcome.skipped_suites) if outcome else [],
        changed_only=outcome.changed_only_note() if outcome and outcome.changed_only else None,
        error=record.error,
        generated_at=datetime.now(UTC),
    )


# ----------------------------------------------------------------------------- rendering


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = lambda v: f"{v:%Y-%m-%d %H:%M:%S} UTC" if v else "–"
    env.filters["secs"] = lambda v: "–" if v is None else f"{v:,.1f} s"
    env.filters["num"] = lambda v: "–" if v is None else f"{v:,}"
    env.filters["signed"] = lambda v: "–" if v is None else f"{v:+,}"
    return env


def render_report(report: RunReport) -> str:
    """The report as one self-contained HTML page (inline CSS, no scripts, no remote URLs)."""
    return _environment().get_template("report.html").render(r=report)


def write_report_html(settings: Settings, run_id: str) -> Path:
    """Build and write ``reports/<run_id>/report.html`` (atomically); returns its path."""
    path = settings.reports_dir / run_id / REPORT_FILE
    html = render_report(build_report(settings, run_id))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
