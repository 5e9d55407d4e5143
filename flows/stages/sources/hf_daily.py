"""Hugging Face Daily Papers: ``/api/daily_papers?date=YYYY-MM-DD``, live or saved responses.

A saved response is a file named ``YYYY-MM-DD.json``; the file date is the feed date and
becomes ``first_seen_at``. Every shape the API has had is read:

* a JSON list of entries ``{"paper": {...}, "numComments": ..., ...}`` (2024 entries are
  smaller: no ``ai_keywords``);
* entries stored as Python-repr strings (``{'paper': {...}, 'x': False}``), read with
  :func:`ast.literal_eval` (never ``eval``);
* the wrapped form ``{"status", "date", "count", "data": [...]}``;
* any of these gzip-compressed, with a byte-order mark or CRLF line ends
  (``flows.stages.sources.files``).

An entry whose bytes are not UTF-8 is quarantined on its own (``undecodable_bytes``); raw control
characters inside strings are read (``clean_text`` then drops or rejects them).

Kept: arXiv id (``paper.id``), title, summary, author names, ``paper.publishedAt``,
``paper.upvotes``, ``numComments`` and ``paper.ai_keywords`` (as ``source_keywords``).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from flows.lib.records import (
    REASON_HTTP_ERROR,
    REASON_INVALID_RECORD,
    REASON_UNDECODABLE,
    REASON_UNPARSABLE_FILE,
    RawRecord,
    Rejected,
    day_start,
    parse_file_date,
    to_payload,
    undecodable,
)
from flows.settings import IngestSettings
from flows.stages.sources import files, http

SOURCE = "hf-daily"


def _entries(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        data = document.get("data")
        if isinstance(data, list):
            return data
        if "paper" in document:  # a single entry
            return [document]
    return None


def _entry_record(entry: Any, feed_day: date | None, ref: str) -> RawRecord | Rejected:
    payload = entry
    if isinstance(entry, str):
        try:
            entry = ast.literal_eval(entry)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            return Rejected(SOURCE, ref, REASON_INVALID_RECORD, payload)
    if not isinstance(entry, dict):
        return Rejected(SOURCE, ref, REASON_INVALID_RECORD, payload)
    paper = entry.get("paper")
    if not isinstance(paper, dict):
        paper = {}
    authors = paper.get("authors")
    if isinstance(authors, list):  # [{"name": ...}]; anything else is left for wrong_type
        authors = [a.get("name") if isinstance(a, dict) else a for a in authors]
    return RawRecord(
        source=SOURCE,
        source_ref=ref,
        payload=payload,
        arxiv_id=paper.get("id"),
        title=paper.get("title", entry.get("title")),
        abstract=paper.get("summary", entry.get("summary")),
        authors=authors,
        published_at=paper.get("publishedAt") or entry.get("publishedAt"),  # parsed by normalise
        first_seen_at=day_start(feed_day) if feed_day else None,
        upvotes=paper.get("upvotes"),
        num_comments=entry.get("numComments"),
        source_keywords=paper.get("ai_keywords"),
    )


def parse_response(
    data: bytes | str, feed_day: date | None, ref: str, *, positions: bool = True
) -> Iterator[RawRecord | Rejected]:
    """Records of one API response (a saved file or a live body); ``ref`` names where it came from.

    Each entry's ``source_ref`` is ``ref#index`` (``positions``), or just ``ref`` for a live URL:
    the ranking of a day changes during the day, and a paper fetched again from the same URL
    must count as the same source (its newer upvotes then win the tie, see ``flows.stages.ingest``).
    A body that is not JSON (truncated, nested too deeply, a number too long to read) yields one
    :class:`Rejected` for the whole response; an entry holding bytes that are not UTF-8 is
    rejected on its own.
    """
    if isinstance(data, bytes):
        data = files.decode(data)
    try:
        document = json.loads(data, strict=False)  # strict=False: raw control chars in strings
    except (ValueError, RecursionError):  # JSONDecodeError, or an int over 4300 digits
        yield Rejected(SOURCE, ref, REASON_UNPARSABLE_FILE, data)
        return
    entries = _entries(document)
    if entries is None:
        yield Rejected(SOURCE, ref, REASON_UNPARSABLE_FILE, data)
        return
    check_bytes = undecodable(data)
    for index, entry in enumerate(entries):
        entry_ref = f"{ref}#{index}" if positions else ref
        if check_bytes and undecodable(to_payload(entry)):
            yield Rejected(SOURCE, entry_ref, REASON_UNDECODABLE, entry)
            continue
        yield _entry_record(entry, feed_day, entry_ref)


def list_files(path: Path) -> list[Path]:
    """The saved responses under ``path`` (a folder of ``*.json``/``*.json.gz`` or one file),
    sorted by name."""
    return files.list_inputs(path, (".json",))


def read_file(
    path: Path, settings: IngestSettings | None = None
) -> Iterator[RawRecord | Rejected]:
    """Records of one saved response; its file name gives the feed date."""
    limit = (settings or IngestSettings()).max_file_bytes
    try:
        data = files.read_input(path, limit)
    except files.InputProblem as problem:
        yield Rejected(SOURCE, str(path), problem.reason, problem.payload)
        return
    yield from parse_response(data, parse_file_date(files.date_stem(path)), str(path))


def days(since: date, until: date) -> list[date]:
    if until < since:
        raise ValueError(f"until ({until}) is before since ({since})")
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def fetch_day(
    client: httpx.Client, settings: IngestSettings, day: date
) -> Iterator[RawRecord | Rejected]:
    """Records of the live feed for one day (retries via :func:`flows.stages.sources.http.get`)."""
    response = http.get(client, settings.hf_api_url, settings, params={"date": day.isoformat()})
    ref = str(response.request.url)
    if response.status_code >= 400:
        yield Rejected(
            SOURCE, ref, REASON_HTTP_ERROR, f"HTTP {response.status_code}: {response.text}"
        )
        return
    yield from parse_response(response.content, day, ref, positions=False)
