"""The shared HTTP helper: Retry-After forms and the cap on waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from flows.stages.sources import http
from tests.http_server import Reply, serve


def _response(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(429, headers=headers, request=httpx.Request("GET", "http://x"))


def test_retry_after_seconds_and_http_date():
    assert http.retry_after_seconds(_response("12")) == 12.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 80 <= http.retry_after_seconds(_response(later)) <= 90
    past = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert http.retry_after_seconds(_response(past)) == 0.0
    assert http.retry_after_seconds(_response("soon")) is None
    assert http.retry_after_seconds(_response(None)) is None


def test_waits_are_capped(settings, monkeypatch):
    settings.ingest.http_max_wait_s = 5.0
    settings.ingest.http_retries = 2
    sleeps: list[float] = []
    monkeypatch.setattr("flows.stages.sources.http.pause", sleeps.append)

    def respond(path, query, attempt):
        if attempt == 1:
            return Reply(429, headers={"Retry-After": "3600"})
        return Reply(200, b"[]")

    with serve(respond) as server, http.make_client(settings.ingest) as client:
        response = http.get(client, f"{server.url}/api", settings.ingest)
    assert response.status_code == 200
    assert sleeps == [5.0]
