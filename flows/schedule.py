"""Scheduled operation: the ``daily`` flow and ``papertrends serve``.

The daily flow ingests the previous day (UTC) from the HF Daily Papers API (or a folder of saved
responses), runs the whole pipeline, and emails the digest after a successful publish when SMTP
is configured (never after a failed run).

Schedules fire only on a long-lived Prefect server (``prefect server start`` and
``PREFECT_API_URL``); Prefect's temporary per-process server never runs them, so ``serve``
refuses to start without ``PREFECT_API_URL``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prefect import flow, get_run_logger

from flows.errors import UserError
from flows.pipeline import RunRequest, RunResult, pipeline_flow
from flows.settings import Settings, get_settings

DEPLOYMENT_NAME = "papertrends-daily"


def previous_day(now: datetime | None = None) -> date:
    return ((now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=1)).date()


@flow(name="daily")
def daily_flow(
    day: date | None = None,
    input: Path | None = None,
    settings: Settings | None = None,
) -> RunResult:
    """Ingest one day (default: yesterday, UTC), run the pipeline, then send the digest."""
    settings = settings or get_settings()
    day = day or previous_day()
    result = pipeline_flow(
        RunRequest(source="hf-daily", input=input, since=day, until=day), settings
    )
    log = get_run_logger()
    if result.published and settings.digest.smtp_host:
        from flows.digest import render_digest, send_digest

        digest = render_digest(settings)
        send_digest(settings, digest)
        log.info("run %s: digest sent to %s", result.run_id, ", ".join(settings.digest.mail_to))
    elif not result.published:
        log.warning("run %s did not publish: no digest sent", result.run_id)
    return result


def serve_pipeline(settings: Settings, cron: str | None = None, input: Path | None = None) -> None:
    """Serve the daily flow as a deployment on a cron schedule (blocks until interrupted)."""
    from prefect.schedules import Cron

    if not os.environ.get("PREFECT_API_URL"):
        raise UserError(
            "schedules need a long-lived Prefect server: run `prefect server start` "
            "(PREFECT_UI_ENABLED=false is fine offline) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    daily_flow.serve(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(cron or settings.schedule.cron, timezone=settings.schedule.timezone)],
        parameters={"input": str(input) if input else None},
        description="papertrends: ingest yesterday's HF Daily Papers, build, validate, publish",
        tags=["papertrends"],
    )
