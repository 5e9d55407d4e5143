"""arXiv metadata as JSON lines: the OAI snapshot format and the daily listing format.

* OAI snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``): ``id, title, abstract, authors,
  authors_parsed, categories`` (space separated), ``versions`` (``published_at`` is the
  ``created`` date of the first version); no listing date, so ``first_seen_at`` stays empty.
* Daily listing (``YYYY-MM-DD.jsonl``): ``id, title, summary, authors`` (list), ``categories``
  (list); the file name is the listing date and becomes ``first_seen_at``.

The format is recognised per line (``abstract`` vs ``summary``). Each line is one record with
``source_ref`` ``file:line``; a line that is not UTF-8 or not a JSON object is quarantined on
its own, the rest of the file still loads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flows.records import (
    REASON_INVALID_RECORD,
    REASON_UNDECODABLE,
    REASON_UNPARSABLE_FILE,
    RawRecord,
    Rejected,
    day_start,
    parse_file_date,
)

SOURCE = "arxiv-jsonl"


def _authors_oai(record: dict[str, Any]) -> list[str]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list) and parts:
                last, first = str(parts[0]), str(parts[1]) if len(parts) > 1 else ""
                suffix = str(parts[2]) if len(parts) > 2 else ""
                names.append(" ".join(p for p in (first, last, suffix) if p))
        return names
    authors = record.get("authors")
    if isinstance(authors, str):
        return [a.strip() for a in authors.replace(" and ", ", ").split(",") if a.strip()]
    return []


def _categories(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _published_oai(record: dict[str, Any]) -> Any:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        return versions[0].get("created")  # parsed by normalise
    return None


def parse_line(record: Any, payload: str, ref: str, listing_day: Any) -> RawRecord | Rejected:
    if not isinstance(record, dict):
        return Rejected(SOURCE, ref, REASON_INVALID_RECORD, payload)
    arxiv_id = record.get("id") if isinstance(record.get("id"), str) else None
    if "abstract" in record or "versions" in record:  # OAI snapshot
        return RawRecord(
            source=SOURCE,
            source_ref=ref,
            payload=payload,
            arxiv_id=arxiv_id,
            title=record.get("title"),
            abstract=record.get("abstract"),
            authors=_authors_oai(record),
            published_at=_published_oai(record),
            categories=_categories(record.get("categories")),
        )
    authors = record.get("authors")
    return RawRecord(  # daily listing
        source=SOURCE,
        source_ref=ref,
        payload=payload,
        arxiv_id=arxiv_id,
        title=record.get("title"),
        abstract=record.get("summary"),
        authors=authors if isinstance(authors, list) else [],
        first_seen_at=day_start(listing_day) if listing_day else None,
        categories=_categories(record.get("categories")),
    )


def list_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.suffix in (".jsonl", ".json", ".ndjson") and p.is_file()
    )


def read_file(path: Path) -> Iterator[RawRecord | Rejected]:
    """One record per non-blank line of a JSON-lines file.

    A file where not a single line is JSON (not JSON lines at all) is one ``unparsable_file``
    quarantine row instead of one row per line.
    """
    listing_day = parse_file_date(path.stem)
    data = path.read_bytes()
    items: list[RawRecord | Rejected] = []
    parsed_any = False
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        ref = f"{path}:{number}"
        try:
            line = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            items.append(
                Rejected(SOURCE, ref, REASON_UNDECODABLE, raw.decode("utf-8", "backslashreplace"))
            )
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            items.append(Rejected(SOURCE, ref, REASON_INVALID_RECORD, line))
            continue
        parsed_any = True
        items.append(parse_line(record, line, ref, listing_day))
    if items and not parsed_any:
        text = data.decode("utf-8", "backslashreplace")
        yield Rejected(SOURCE, str(path), REASON_UNPARSABLE_FILE, text)
        return
    yield from items
