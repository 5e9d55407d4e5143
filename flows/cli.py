"""The ``papertrends`` command line (Typer).

Heavy libraries (Prefect, dbt, GX, torch) are imported inside the commands that use them, so
``papertrends --help`` and ``papertrends status`` start fast.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.lib.quiet import quiet_defaults
from flows.settings import get_settings

quiet_defaults()  # before any command imports Prefect or GX

app = typer.Typer(
    help="papertrends: research-paper abstracts -> a validated trend-analytics warehouse.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)


class Source(StrEnum):
    hf_daily = "hf-daily"
    arxiv_atom = "arxiv-atom"
    arxiv_jsonl = "arxiv-jsonl"
    hf_page = "hf-page"


class TaskRunnerName(StrEnum):
    threads = "threads"
    dask = "dask"


class Window(StrEnum):
    day = "day"
    week = "week"
    month = "month"


DateOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")]
SourceOpt = Annotated[Source, typer.Option("--source", help="Which feed to read.")]
InputOpt = Annotated[
    Path | None,
    typer.Option("--input", help="A saved file or folder; without it, the live API."),
]
RunnerOpt = Annotated[
    TaskRunnerName,
    typer.Option("--task-runner", help="threads (default) or a Dask cluster via prefect-dask."),
]
DaskOpt = Annotated[
    str | None,
    typer.Option("--dask-address", help="Scheduler address; omitted: a local Dask cluster."),
]
FullRefreshOpt = Annotated[
    bool,
    typer.Option(
        "--full-refresh",
        help="Build and publish even when nothing that feeds the warehouse changed; build every"
        " mart from nothing (no incremental model, no cached claims or word counts) and check"
        " every row (not only the rows that changed).",
    ),
]


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@app.command()
def run(
    source: SourceOpt = Source.hf_daily,
    input: InputOpt = None,
    since: DateOpt = None,
    until: DateOpt = None,
    task_runner: RunnerOpt = TaskRunnerName.threads,
    dask_address: DaskOpt = None,
    full_refresh: FullRefreshOpt = False,
) -> None:
    """Run the whole pipeline: ingest -> tag -> dbt build -> validate -> publish.

    Exits 0 when the run published, or was skipped because nothing that feeds the warehouse
    changed since the published run; a run that fails its checks leaves the published warehouse
    as it was and exits 1, naming the failed checks.
    """
    _refuse_if_active()
    skipped = None if full_refresh else _skipped_before_prefect(source, input, since, until)
    if skipped is not None:
        console.print(skipped.summary())
        console.print("  the feed's files are those the last run read: not read again, no Prefect"
                      " flow run")
        return
    from flows.pipeline import RunRequest, run_pipeline

    request = RunRequest(
        source=source.value,
        input=input,
        since=_day(since),
        until=_day(until),
        task_runner=task_runner.value,
        dask_address=dask_address,
        full_refresh=full_refresh,
    )
    result = _guarded(lambda: run_pipeline(get_settings(), request))
    console.print(result.summary())
    if not (result.published or result.status == "skipped"):
        raise typer.Exit(1)


@app.command()
def ingest(
    source: SourceOpt = Source.hf_daily,
    input: InputOpt = None,
    since: DateOpt = None,
    until: DateOpt = None,
) -> None:
    """Ingest one feed into the lake (no tagging, no publishing)."""
    _refuse_if_active()
    from flows.pipeline import RunRequest, run_ingest

    request = RunRequest(source=source.value, input=input, since=_day(since), until=_day(until))
    counts = _guarded(lambda: run_ingest(get_settings(), request))
    console.print(
        f"read {counts.read}  new {counts.new}  updated {counts.updated}  "
        f"unchanged {counts.unchanged}  quarantined {counts.quarantined}"
    )


@app.command()
def backfill(
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day")],
    until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day")],
    input: InputOpt = None,
    source: SourceOpt = Source.hf_daily,
    task_runner: RunnerOpt = TaskRunnerName.threads,
    dask_address: DaskOpt = None,
) -> None:
    """Run the pipeline over a date range (the live API, or a folder of saved responses)."""
    if since > until:
        _fail("--since is after --until")
    run(source, input, since, until, task_runner, dask_address)


WideOpt = Annotated[bool, typer.Option("--wide", help="Every field, full run ids and times")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON")]


@app.command()
def quarantine(
    paper_ids: Annotated[
        list[str] | None, typer.Argument(help="Papers to set aside (ids from dim_papers)")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the quarantine)")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the papers set aside")] = False,
    release: Annotated[
        list[str] | None, typer.Option(help="Release a paper set aside (repeatable)")
    ] = None,
) -> None:
    """Set papers aside: they move to the quarantine and leave every later warehouse (the next
    run publishes without them) until released with --release."""
    from flows.lib.setaside import list_set_aside, set_aside
    from flows.lib.setaside import release as release_papers

    settings = get_settings()
    if list_:
        for item in _guarded(lambda: list_set_aside(settings)):
            console.print(
                f"{item.paper_id}\t{item.set_aside_at:%Y-%m-%d %H:%M}\t{item.reason}\t"
                f"{item.title or ''}",
                markup=False, highlight=False, soft_wrap=True,
            )
        return
    if release:
        done = _guarded(lambda: release_papers(settings, release))
        console.print(f"released {len(done)}: {' '.join(done)} (back on the next run)")
        return
    if not paper_ids:
        _fail("give PAPER_ID... --reason TEXT, --list, or --release PAPER_ID", code=2)
    if not reason:
        _fail("give a --reason for setting the papers aside", code=2)
    new = _guarded(lambda: set_aside(settings, paper_ids, reason))
    console.print(
        f"set aside {len(new)}: {' '.join(new)} (out of the warehouse from the next run)",
        markup=False, highlight=False,
    )


@app.command()
def status(
    last: Annotated[int, typer.Option(help="How many recent runs to show")] = 5,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """What the published warehouse holds, the active run, and the last runs."""
    from flows.journal.status import collect_status, status_lines

    settings = get_settings()
    info = collect_status(settings, last=last)
    if as_json:
        console.print_json(json.dumps(info, default=str))
        return
    from flows.journal.summary import list_runs
    from flows.journal.tables import print_table, runs_table

    for line in status_lines(info):
        console.print(line, markup=False, highlight=False, overflow="fold")
    records = list_runs(settings)[:last]
    if records:
        console.print()
        print_table(console, runs_table(records, wide=wide, title="Last runs"))


@app.command()
def runs(
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 20,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List past runs (published or not); `papertrends report ID` shows one."""
    from flows.journal.reports import report_html_path
    from flows.journal.summary import list_runs
    from flows.journal.tables import print_table, run_json, runs_table

    settings = get_settings()
    records = list_runs(settings)[:limit]
    if as_json:
        rows = [run_json(r, report_html_path(settings, r.run_id)) for r in records]
        console.print_json(json.dumps(rows, default=str))
        return
    print_table(console, runs_table(records, wide=wide))


@app.command()
def report(
    run_id: Annotated[str, typer.Argument(help="A run id (or short id) from `papertrends runs`")],
    open_report: Annotated[
        bool, typer.Option("--open", help="Open report.html in a browser")
    ] = False,
) -> None:
    """Print one run's validation report; --open opens its HTML report (report.html)."""
    from flows.journal.reports import find_report, html_report, load_report_markdown

    settings = get_settings()
    folder = _guarded(lambda: find_report(settings, run_id))
    console.print(load_report_markdown(settings, folder.name), markup=False, highlight=False)
    page = folder / "report.html"
    if not page.is_file():  # a run recorded before report.html existed
        page = html_report(settings, folder.name) or page
    if page.is_file():
        console.print(f"Report: {page}", markup=False, highlight=False, soft_wrap=True)
        if open_report:
            import webbrowser

            webbrowser.open(page.as_uri())


@app.command()
def serve(
    cron: Annotated[str | None, typer.Option(help="Cron schedule (default from settings)")] = None,
    input: InputOpt = None,
    task_runner: RunnerOpt = TaskRunnerName.threads,
    dask_address: DaskOpt = None,
) -> None:
    """Serve the daily pipeline as a Prefect deployment on a cron schedule (needs a Prefect
    server: `prefect server start` and PREFECT_API_URL)."""
    from flows.schedule import serve_pipeline

    _guarded(
        lambda: serve_pipeline(
            get_settings(),
            cron=cron,
            input=input,
            task_runner=task_runner.value,
            dask_address=dask_address,
        )
    )


@app.command()
def dashboard(port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1")] = None) -> None:
    """Start the Streamlit dashboard over the published warehouse."""
    from flows.read.dashboard import run_dashboard

    raise typer.Exit(run_dashboard(get_settings(), port))


@app.command()
def digest(
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Day (default: latest published)"),
    ] = None,
    window: Annotated[Window, typer.Option(help="Trend window")] = Window.week,
    send: Annotated[bool, typer.Option(help="Email it with the SMTP settings")] = False,
) -> None:
    """Render the trend digest as HTML and Markdown (and optionally email it)."""
    from flows.read.digest import render_digest, send_digest

    settings = get_settings()
    result = _guarded(lambda: render_digest(settings, date=_day(day), window=window.value))
    console.print(f"digest: {result.html_path}\n        {result.markdown_path}")
    if send:
        _guarded(lambda: send_digest(settings, result))
        console.print("sent")


def _refuse_if_active() -> None:
    """Refuse at once (exit 2, naming the active run) before Prefect and its temporary server
    start; the flow still takes the lock itself (this check only saves the wait)."""
    from flows.journal.runlock import RunLockedError, active_holder

    settings = get_settings()
    holder = active_holder(settings.lock_path)
    if holder is not None:
        _fail(str(RunLockedError(holder, settings.lock_path)), code=2)


def _skipped_before_prefect(source: Source, input: Path | None, since, until):
    """The run, recorded as skipped, when re-reading a file feed cannot change the published
    warehouse (flows.journal.journal.skip_if_nothing_to_do); None: the flow runs. Decided before
    Prefect is imported, so such a run starts no temporary server."""
    import logging

    from flows.journal.journal import skip_if_nothing_to_do
    from flows.journal.record import new_run_id
    from flows.stages.ingest import Feed

    settings = get_settings()
    feed = Feed(source.value, input, _day(since), _day(until))
    log = logging.getLogger("papertrends")
    return _guarded(lambda: skip_if_nothing_to_do(settings, feed, new_run_id(), log))


def _guarded(fn):
    """Turn the errors a user can fix into a clear message and exit code 2."""
    from flows.lib.errors import UserError

    try:
        return fn()
    except UserError as exc:
        _fail(str(exc), code=2)
    except KeyboardInterrupt:
        _fail("interrupted", code=130)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
