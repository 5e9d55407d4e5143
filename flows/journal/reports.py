"""Per-run reports: ``reports/<run_id>/`` holds ``summary.json`` (:mod:`flows.journal.summary`),
``report.html`` (one self-contained page, :mod:`flows.journal.report_html`) and the GX Data Docs
(made to work offline by :mod:`flows.journal.data_docs`).

:func:`report_markdown` renders the same summary for the Prefect artifact and
``papertrends report RUN_ID``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.journal.record import RunRecord, run_config, settings_hash
from flows.journal.summary import (
    SUMMARY_FILE,
    read_summary,
    save_summary,
    summary_paths,
)
from flows.lib.errors import UserError
from flows.settings import Settings

if TYPE_CHECKING:
    from flows.stages.validate import ValidationOutcome

log = logging.getLogger(__name__)

DATA_DOCS_DIR = "data_docs"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def report_dir(settings: Settings, run_id: str) -> Path:
    return settings.reports_dir / run_id


def report_html_path(settings: Settings, run_id: str) -> str | None:
    """Path of the run's ``report.html`` as text, or None when there is none."""
    page = report_dir(settings, run_id) / "report.html"
    return str(page) if page.is_file() else None


def data_docs_index(settings: Settings, run_id: str) -> Path | None:
    """The run's Data Docs index.html, or None when validation did not run."""
    index = report_dir(settings, run_id) / DATA_DOCS_DIR / "index.html"
    return index if index.is_file() else None


def write_report(
    settings: Settings,
    record: RunRecord,
    outcome: ValidationOutcome | None,
    dbt_failures: list[str],
) -> Path:
    """Write ``reports/<run_id>/summary.json`` and ``report.html``, and make the Data Docs
    (built there by validation) work offline. Closes the run's last stage timing.

    Returns the report folder ``reports/<run_id>``.
    """
    from flows.journal.data_docs import make_offline

    record.close_stage()
    folder = report_dir(settings, record.run_id)
    try:
        make_offline(folder / DATA_DOCS_DIR, record.run_id,
                     outcome.results if outcome is not None else None)
    except OSError:
        log.exception("run %s: Data Docs left as GX wrote them", record.run_id)
    docs = data_docs_index(settings, record.run_id)
    record.config_hash = record.config_hash or settings_hash(settings)
    save_summary(
        settings,
        record,
        validation=outcome.to_dict() if outcome is not None else None,
        dbt_failures=[str(f) for f in dbt_failures],
        data_docs=str(docs.relative_to(folder)) if docs else None,
        config=run_config(settings),
    )
    html_report(settings, record.run_id)
    return folder


def html_report(settings: Settings, run_id: str) -> Path | None:
    """Write ``reports/<run_id>/report.html``; a rendering error is logged, never raised (the
    run's outcome does not depend on its report)."""
    from flows.journal.report_html import write_report_html

    try:
        return write_report_html(settings, run_id)
    except Exception:  # noqa: BLE001 - summary.json and the Markdown report still say it all
        log.exception("run %s: report.html not written", run_id)
        return None


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def report_markdown(
    record: RunRecord,
    outcome: ValidationOutcome | None = None,
    dbt_failures: list[str] | None = None,
    *,
    data_docs: Path | None = None,
) -> str:
    """The run summary as Markdown (Prefect artifact, ``papertrends report``)."""
    lines = _overview_lines(record, outcome) + _check_lines(record, outcome, dbt_failures)
    if record.versions:
        lines += ["", "## Versions", "", "| | |", "|---|---|"]
        lines += [f"| {k} | {_cell(v)} |" for k, v in sorted(record.versions.items())]
    docs = data_docs or (outcome.data_docs_index if outcome is not None else None)
    if docs:
        lines += ["", f"Data Docs: `{docs}`"]
    return "\n".join(lines) + "\n"


def _overview_lines(record: RunRecord, outcome: ValidationOutcome | None) -> list[str]:
    """The report's title, verdict, table of times and counts, and the error if any."""
    verdict = "published" if record.published else "not published"
    lines = [
        f"# papertrends run `{record.run_id}`",
        "",
        f"**{record.status}** ({verdict})",
        "",
        "| | |",
        "|---|---|",
        f"| started | {_when(record.started_at)} |",
        f"| finished | {_when(record.finished_at)} |",
        f"| source | {_cell(record.source or '-')} |",
    ]
    lines += [f"| {k} | {v} |" for k, v in record.counts().items()]
    if record.papers is not None:
        lines.append(f"| papers in warehouse | {record.papers} |")
    lines.append(f"| published | {'yes' if record.published else 'no'} |")
    if outcome is not None:
        lines.append(f"| validation time | {outcome.seconds:.1f} s |")
    if record.error:
        lines += ["", "## Error", "", f"`{_cell(record.error)}`"]
    return lines


def _check_lines(
    record: RunRecord, outcome: ValidationOutcome | None, dbt_failures: list[str] | None
) -> list[str]:
    """The failed checks (dbt, GX, others) with the command that sets the offending papers
    aside, or that every expectation passed; the suites skipped."""
    # dbt failures: as given, else those the record carries ("dbt: ..." entries)
    dbt_failures = list(dbt_failures or []) or [
        c.removeprefix("dbt: ") for c in record.failed_checks if c.startswith("dbt: ")
    ]
    gx_failed = outcome.failed_checks() if outcome is not None else []
    shown = {str(c) for c in gx_failed}
    other = [
        c for c in record.failed_checks if not c.startswith("dbt: ") and c not in shown
    ]
    lines: list[str] = []
    if dbt_failures or gx_failed or other:
        lines += ["", f"## Failed checks ({len(dbt_failures) + len(gx_failed) + len(other)})", ""]
        lines += [f"- dbt: `{_cell(f)}`" for f in dbt_failures]
        for check in gx_failed:
            detail = f" -- {_cell(check.details)}" if check.details else ""
            lines.append(f"- `{_cell(check.label())}`{detail}")
        lines += [f"- `{_cell(c)}`" for c in other]
        if record.offending_papers:
            from flows.lib.setaside import command_for

            lines += ["", f"Offending papers ({len(record.offending_papers)}); to set them aside "
                      "(they leave the warehouse from the next run):", "",
                      f"    {command_for(record.offending_papers)}"]
    elif outcome is not None and outcome.success:
        lines += ["", f"All {outcome.passed} expectations passed."]
    if outcome is not None and outcome.skipped_suites:
        lines += ["", "Skipped suites: " + ", ".join(outcome.skipped_suites)]
    if outcome is not None and outcome.changed_only:
        lines += ["", outcome.changed_only_note()]
    return lines


def find_report(settings: Settings, run_id: str) -> Path:
    """The report folder of ``run_id`` (a whole run id, or the short id ``papertrends runs``
    shows: a unique prefix or ``-suffix``); a clear UserError for unknown or ambiguous ids."""
    folder = report_dir(settings, run_id)
    known = sorted(
        (p.parent.name for p in summary_paths(settings.reports_dir)), reverse=True
    )
    if _RUN_ID.match(run_id) and (folder / SUMMARY_FILE).is_file():
        return folder
    matches = [k for k in known if _RUN_ID.match(run_id)
               and (k.endswith(f"-{run_id}") or k.startswith(run_id))]
    if len(matches) == 1:
        return report_dir(settings, matches[0])
    if matches:
        raise UserError(f"run id {run_id!r} is ambiguous: {', '.join(matches[:5])}")
    hint = f"; recent runs: {', '.join(known[:5])}" if known else "; no runs recorded yet"
    raise UserError(
        f"no report for run id {run_id!r} under {settings.reports_dir}"
        f" (see `papertrends runs`){hint}"
    )


def load_report_markdown(settings: Settings, run_id: str) -> str:
    """report_markdown of a past run (whole or short id), read back from its summary.json."""
    from flows.stages.validate import ValidationOutcome

    run_id = find_report(settings, run_id).name
    summary = read_summary(settings, run_id)
    record = RunRecord.from_dict(summary["run"])
    validation = summary.get("validation")
    outcome = ValidationOutcome.from_dict(validation) if validation else None
    docs = data_docs_index(settings, run_id)
    return report_markdown(record, outcome, summary.get("dbt_failures", []), data_docs=docs)
