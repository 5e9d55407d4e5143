"""HTTP for the live feeds: one httpx client, retries with exponential backoff (tenacity).

Retried: HTTP 429 and 5xx (honouring ``Retry-After``, in seconds or as an HTTP date, capped at
``settings.ingest.http_max_wait_s``), timeouts and connection errors. Not retried: other 4xx,
which the caller turns into a quarantine row. After ``http_retries`` attempts a
:class:`FetchError` is raised: the feed is down, the run fails (its input was not bad).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from flows.lib.errors import UserError
from flows.settings import IngestSettings

USER_AGENT = "papertrends/0.1 (+https://github.com/; research-trends pipeline)"


class FetchError(UserError):
    """A live feed did not answer usefully after all retries."""


class RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url}")
        self.response = response


def pause(seconds: float) -> None:
    """Sleep between attempts/requests (tests replace it to record the waits)."""
    time.sleep(seconds)


def make_client(settings: IngestSettings) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(settings.http_timeout_s),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or None when absent/invalid."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _wait(settings: IngestSettings) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        backoff = settings.http_backoff_s * 2 ** (state.attempt_number - 1)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableStatus):
            after = retry_after_seconds(exc.response)
            if after is not None:
                backoff = after
        return min(backoff, settings.http_max_wait_s)

    return wait


def get(
    client: httpx.Client,
    url: str,
    settings: IngestSettings,
    params: Mapping[str, Any] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> httpx.Response:
    """GET with retries; returns the final response (2xx, or a 4xx other than 429).

    Waits go through ``sleep`` (default :func:`pause`).
    """
    retrying = Retrying(
        stop=stop_after_attempt(max(1, settings.http_retries)),
        wait=_wait(settings),
        retry=retry_if_exception_type((RetryableStatus, httpx.TransportError)),
        sleep=sleep or (lambda seconds: pause(seconds)),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                response = client.get(url, params=params)
                if response.status_code == 429 or response.status_code >= 500:
                    raise RetryableStatus(response)
                return response
    except RetryableStatus as exc:
        raise FetchError(f"{exc} after {settings.http_retries} attempts; try again later") from exc
    except httpx.TransportError as exc:
        raise FetchError(
            f"{type(exc).__name__} fetching {url} after {settings.http_retries} attempts: {exc}"
        ) from exc
    raise AssertionError("unreachable")  # pragma: no cover
