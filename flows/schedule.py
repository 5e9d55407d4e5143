"""Scheduled operation: the ``daily`` flow and ``papertrends serve``.

The daily flow ingests the previous day (UTC) from the HF Daily Papers API (or a folder of saved
responses), runs the whole pipeline, and emails the digest after a successful publish when SMTP
is configured (never after a failed run).

Schedules fire only on a long-lived Prefect server (``prefect server start`` and
``PREFECT_API_URL``, from the environment or the Prefect profile); Prefect's temporary
per-process server never runs them, so ``serve`` refuses to start without one. A scheduled run
that does not publish ends as a *failed* flow run, so Prefect shows it (and can alert on it).
prefect.yaml describes the same deployment for a work pool and workers.
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prefect import flow, get_run_logger

from flows.lib.errors import UserError
from flows.pipeline import RunRequest, RunResult, pipeline_flow
from flows.settings import Settings, get_settings

DEPLOYMENT_NAME = "papertrends-daily"


class RunNotPublishedError(RuntimeError):
    """The daily run finished without publishing (failed checks): no digest was sent."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        super().__init__(f"no digest sent: {result.summary()}")


def api_url() -> str | None:
    """The Prefect API this process talks to (env or Prefect profile), None when temporary."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def previous_day(now: datetime | None = None) -> date:
    return ((now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=1)).date()


@flow(name="daily")
def daily_flow(
    day: date | None = None,
    input: Path | None = None,
    settings: Settings | None = None,
    task_runner: str = "threads",
    dask_address: str | None = None,
) -> RunResult:
    """Ingest one day (default: yesterday, UTC), run the pipeline, then send the digest.

    ``task_runner``/``dask_address``: where tagging runs (see ``papertrends run --help``)."""
    settings = settings or get_settings()
    day = day or previous_day()
    request = RunRequest(
        source="hf-daily", input=input, since=day, until=day,
        task_runner=task_runner, dask_address=dask_address,
    )
    result = pipeline_flow(request, settings)
    log = get_run_logger()
    log.info("daily run for %s: run %s %s, %s", day, result.run_id, result.status, result.counts)
    if result.status == "skipped":  # the day brought nothing new: nothing to send either
        return result
    if not result.published:
        # a scheduled run that did not publish is a failed flow run (Prefect shows/alerts it)
        raise RunNotPublishedError(result)
    if settings.digest.smtp_host:
        from flows.read.digest import render_digest, send_digest

        digest = render_digest(settings)
        send_digest(settings, digest)
        log.info("run %s: digest sent to %s", result.run_id, ", ".join(settings.digest.mail_to))
    return result


def serve_pipeline(
    settings: Settings,
    cron: str | None = None,
    input: Path | None = None,
    task_runner: str = "threads",
    dask_address: str | None = None,
) -> None:
    """Serve the daily flow as a deployment on a cron schedule (blocks until interrupted)."""
    from prefect.schedules import Cron

    if not api_url():
        raise UserError(
            "schedules need a long-lived Prefect server: run `prefect server start` "
            "(PREFECT_UI_ENABLED=false is fine offline) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    daily_flow.serve(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(cron or settings.schedule.cron, timezone=settings.schedule.timezone)],
        parameters={
            "input": str(input) if input else None,
            "task_runner": task_runner,
            "dask_address": dask_address,
        },
        description="papertrends: ingest yesterday's HF Daily Papers, build, validate, publish",
        tags=["papertrends"],
        limit=1,  # one run at a time in this process (the run lock guards across processes)
    )
