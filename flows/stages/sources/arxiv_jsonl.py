"""arXiv metadata as JSON lines: the OAI snapshot format and the daily listing format.

* OAI snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``): ``id, title, abstract, authors,
  authors_parsed, categories`` (space separated), ``versions`` (``published_at`` is the
  ``created`` date of the first version); no listing date, so ``first_seen_at`` stays empty.
* Daily listing (``YYYY-MM-DD.jsonl``): ``id, title, summary, authors`` (list), ``categories``
  (list); the file name is the listing date and becomes ``first_seen_at``.

The format is recognised per line (``abstract`` vs ``summary``). Each line is one record with
``source_ref`` ``file:line``; a line that is not UTF-8 or not a JSON object is quarantined on
its own, the rest of the file still loads. Files may be gzip-compressed (``*.jsonl.gz``) and use
CRLF line ends; raw control characters inside strings are read (``clean_text`` judges them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flows.lib import records
from flows.lib.records import RawRecord, Rejected
from flows.settings import IngestSettings
from flows.stages.sources import files

SOURCE = "arxiv-jsonl"
# the line ends bytes.splitlines knows (not U+2028 and friends, which JSON strings may hold)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
        return Rejected(SOURCE, ref, records.REASON_INVALID_RECORD, payload)
    common = {
        "source": SOURCE,
        "source_ref": ref,
        "payload": payload,
        "arxiv_id": record.get("id"),
        "title": record.get("title"),
        "categories": _categories(record.get("categories")),
    }
    if "abstract" in record or "versions" in record:  # OAI snapshot
        return RawRecord(
            **common,
            abstract=record.get("abstract"),
            authors=_authors_oai(record),
            published_at=_published_oai(record),
        )
    return RawRecord(  # daily listing
        **common,
        abstract=record.get("summary"),
        authors=record.get("authors"),
        first_seen_at=records.day_start(listing_day) if listing_day else None,
    )


def list_files(path: Path) -> list[Path]:
    return files.list_inputs(path, (".jsonl", ".json", ".ndjson"), recursive=True)


def read_file(
    path: Path, settings: IngestSettings | None = None
) -> Iterator[RawRecord | Rejected]:
    """One record per non-blank line of a JSON-lines file.

    A file where not a single line is JSON (not JSON lines at all) is one ``unparsable_file``
    quarantine row instead of one row per line.
    """
    listing_day = records.parse_file_date(files.date_stem(path))
    try:
        data = files.read_input(path, (settings or IngestSettings()).max_file_bytes)
    except files.InputProblem as problem:
        yield Rejected(SOURCE, str(path), problem.reason, problem.payload)
        return
    items: list[RawRecord | Rejected] = []
    parsed_any = False
    text = files.decode(data)
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        ref = f"{path}:{number}"
        if records.undecodable(line):
            items.append(Rejected(SOURCE, ref, records.REASON_UNDECODABLE, line))
            continue
        try:
            record = json.loads(line, strict=False)
        except (ValueError, RecursionError):  # JSONDecodeError, or an int over 4300 digits
            items.append(Rejected(SOURCE, ref, records.REASON_INVALID_RECORD, line))
            continue
        parsed_any = True
        items.append(parse_line(record, line, ref, listing_day))
    if items and not parsed_any:
        yield Rejected(SOURCE, str(path), records.REASON_UNPARSABLE_FILE, text)
        return
    yield from items
