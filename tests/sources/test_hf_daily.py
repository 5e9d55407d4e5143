"""Hugging Face Daily Papers: every saved shape, and the live client against a local server."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.lib.records import (
    REASON_HTTP_ERROR,
    REASON_UNPARSABLE_FILE,
    RawRecord,
    Rejected,
    build_batch,
)
from flows.settings import Settings
from flows.stages.sources import hf_daily
from flows.stages.sources.http import FetchError, make_client
from tests.http_server import Reply, serve


def _batch(path: Path, settings: Settings):
    return build_batch(hf_daily.read_file(path), settings.ingest)


def _raw_entries(path: Path) -> list:
    document = json.loads(path.read_text())
    return document["data"] if isinstance(document, dict) else document


def test_list_of_objects_keeps_keywords_upvotes_comments_authors(shared_data, settings):
    path = shared_data / "hf-daily-papers" / "2026-01-21.json"
    entries = _raw_entries(path)
    batch = _batch(path, settings)
    assert batch.quarantine.height == 0
    assert batch.papers.height == len(entries)
    row = batch.papers.row(0, named=True)
    first = entries[0]
    assert row["paper_id"] == row["arxiv_id"] == first["paper"]["id"]
    assert row["source_keywords"] == first["paper"]["ai_keywords"]
    assert row["upvotes"] == first["paper"]["upvotes"]
    assert row["num_comments"] == first["numComments"]
    assert row["authors"] == [a["name"] for a in first["paper"]["authors"]]
    assert row["first_seen_at"] == datetime(2026, 1, 21, tzinfo=UTC)
    assert row["published_at"] == datetime.fromisoformat(first["paper"]["publishedAt"])
    assert row["source"] == "hf-daily"
    assert row["source_ref"] == f"{path}#0"


def test_2024_entries_without_keywords_and_title_line_breaks(shared_data, settings):
    path = shared_data / "hf-daily-papers" / "2024-07-17.json"
    entries = _raw_entries(path)
    batch = _batch(path, settings)
    assert batch.papers.height == len(entries) and batch.quarantine.height == 0
    assert batch.papers["source_keywords"].list.len().sum() == 0
    raw_title = entries[0]["paper"]["title"]
    assert "\n" in raw_title
    title = batch.papers["title"][0]
    assert "\n" not in title and "  " not in title
    assert title == " ".join(raw_title.split())
    assert not batch.papers["abstract"].str.contains("\n").any()


def test_python_repr_string_entries(shared_data, settings):
    path = shared_data / "hf-daily-papers" / "2024-12-11.json"
    entries = _raw_entries(path)
    assert all(isinstance(e, str) for e in entries)
    batch = _batch(path, settings)
    assert batch.quarantine.height == 0
    assert batch.papers.height == len(entries)
    assert batch.papers["arxiv_id"][0] == "2412.07730"
    assert batch.papers["authors"][0].to_list()[3] == "Jiasen Lu"


def test_repr_strings_are_not_evaluated(tmp_path, settings):
    marker = tmp_path / "pwned"
    evil = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    path = tmp_path / "2025-01-01.json"
    path.write_text(json.dumps([evil]))
    batch = build_batch(hf_daily.read_file(path), settings.ingest)
    assert not marker.exists()
    assert batch.quarantine["reason"].to_list() == ["invalid_record"]


def test_wrapped_status_date_count_data(shared_data, settings):
    path = shared_data / "hf-daily-papers" / "2025-01-10.json"
    document = json.loads(path.read_text())
    batch = _batch(path, settings)
    assert batch.papers.height == document["count"] == len(document["data"])
    assert batch.quarantine.height == 0
    assert set(batch.papers["first_seen_at"].to_list()) == {datetime(2025, 1, 10, tzinfo=UTC)}


def test_every_saved_day_parses_without_rejects(shared_data, settings):
    files = hf_daily.list_files(shared_data / "hf-daily-papers")
    assert len(files) == 580
    items = [item for f in files for item in hf_daily.read_file(f)]
    assert not [i for i in items if isinstance(i, Rejected)]
    assert len(items) == 9881


# --- live client -----------------------------------------------------------------------------


def _day_file(shared_data: Path, day: str) -> bytes:
    return (shared_data / "hf-daily-papers" / f"{day}.json").read_bytes()


def _fetch(settings: Settings, url: str, day: date):
    settings.ingest.hf_api_url = f"{url}/api/daily_papers"
    with make_client(settings.ingest) as client:
        return list(hf_daily.fetch_day(client, settings.ingest, day))


def test_live_day_request_and_records(shared_data, fast_settings):
    body = _day_file(shared_data, "2026-01-21")
    with serve(lambda path, query, attempt: Reply(200, body)) as server:
        items = _fetch(fast_settings, server.url, date(2026, 1, 21))
    assert server.requests == [("/api/daily_papers", {"date": "2026-01-21"})]
    assert len(items) == len(json.loads(body))
    assert all(isinstance(i, RawRecord) for i in items)
    assert items[0].first_seen_at == datetime(2026, 1, 21, tzinfo=UTC)
    assert items[0].source_ref.startswith(server.url)


def test_429_honours_retry_after(shared_data, fast_settings, monkeypatch):
    body = _day_file(shared_data, "2026-01-21")
    sleeps: list[float] = []
    monkeypatch.setattr("flows.stages.sources.http.pause", sleeps.append)

    def respond(path, query, attempt):
        if attempt == 1:
            return Reply(429, b"slow down", headers={"Retry-After": "7"})
        return Reply(200, body)

    with serve(respond) as server:
        items = _fetch(fast_settings, server.url, date(2026, 1, 21))
    assert len(server.requests) == 2
    assert sleeps == [7.0]
    assert len(items) == len(json.loads(body))


def test_500_then_success_backs_off(shared_data, fast_settings, monkeypatch):
    body = _day_file(shared_data, "2024-07-17")
    sleeps: list[float] = []
    monkeypatch.setattr("flows.stages.sources.http.pause", sleeps.append)

    def respond(path, query, attempt):
        return Reply(500, b"oops") if attempt <= 2 else Reply(200, body)

    with serve(respond) as server:
        items = _fetch(fast_settings, server.url, date(2024, 7, 17))
    assert len(server.requests) == 3
    backoff = fast_settings.ingest.http_backoff_s
    assert sleeps == [backoff, backoff * 2]  # exponential
    assert len(items) == len(json.loads(body))


def test_persistent_5xx_raises_fetch_error(fast_settings, monkeypatch):
    monkeypatch.setattr("flows.stages.sources.http.pause", lambda s: None)
    with (
        serve(lambda path, query, attempt: Reply(503, b"down")) as server,
        pytest.raises(FetchError, match="503"),
    ):
        _fetch(fast_settings, server.url, date(2026, 1, 21))
    assert len(server.requests) == fast_settings.ingest.http_retries


def test_slow_response_times_out_then_retries(shared_data, fast_settings, monkeypatch):
    body = _day_file(shared_data, "2026-01-21")
    fast_settings.ingest.http_timeout_s = 0.2
    monkeypatch.setattr("flows.stages.sources.http.pause", lambda s: None)

    def respond(path, query, attempt):
        return Reply(200, body, delay_s=1.0) if attempt == 1 else Reply(200, body)

    with serve(respond) as server:
        items = _fetch(fast_settings, server.url, date(2026, 1, 21))
    assert len(server.requests) == 2
    assert len(items) == len(json.loads(body))


def test_always_slow_raises_fetch_error(fast_settings, monkeypatch):
    fast_settings.ingest.http_timeout_s = 0.1
    fast_settings.ingest.http_retries = 2
    monkeypatch.setattr("flows.stages.sources.http.pause", lambda s: None)
    with (
        serve(lambda p, q, a: Reply(200, b"[]", delay_s=0.5)) as server,
        pytest.raises(FetchError, match="Timeout"),
    ):
        _fetch(fast_settings, server.url, date(2026, 1, 21))


def test_malformed_json_is_rejected_not_raised(fast_settings):
    with serve(lambda p, q, a: Reply(200, b'[{"paper": {"id": "2601.0')) as server:
        items = _fetch(fast_settings, server.url, date(2026, 1, 21))
    assert len(items) == 1 and isinstance(items[0], Rejected)
    assert items[0].reason == REASON_UNPARSABLE_FILE


def test_client_error_is_rejected(fast_settings):
    with serve(lambda p, q, a: Reply(400, b'{"error": "bad date"}')) as server:
        items = _fetch(fast_settings, server.url, date(2026, 1, 21))
    assert [i.reason for i in items] == [REASON_HTTP_ERROR]
    assert len(server.requests) == 1  # a 4xx is not retried


def test_days_in_range():
    assert hf_daily.days(date(2024, 12, 30), date(2025, 1, 2)) == [
        date(2024, 12, 30),
        date(2024, 12, 31),
        date(2025, 1, 1),
        date(2025, 1, 2),
    ]
    with pytest.raises(ValueError):
        hf_daily.days(date(2025, 1, 2), date(2025, 1, 1))


def test_utf8_bom_is_tolerated(shared_data, tmp_path, settings):
    source = shared_data / "hf-daily-papers" / "2025-01-10.json"
    path = tmp_path / source.name
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    assert _batch(path, settings).papers.height == _batch(source, settings).papers.height > 0
