"""arXiv query API (Atom): live client with paging and saved responses of both feed generations.

Saved responses: ``*.json`` files recorded as ``{"url", "status_code", "body": <Atom XML>}``
(2026 feed) and raw ``*.xml`` files (2016 feed: bare ``opensearch`` elements with their own
namespace declarations, ``-04:00`` offsets), plain or gzip-compressed. Both are parsed with
:mod:`defusedxml.ElementTree`: a document that declares entities or a DTD (an entity bomb, an
external entity pointing at a file or URL) is quarantined (``unsafe_xml``), never expanded nor
fetched. Atom has no DTD, so real feeds never have one.

Ids lose their version suffix (``2104.12255v1`` -> ``2104.12255``, ``quant-ph/0201082v1`` ->
``quant-ph/0201082``). arXiv reports errors as an entry whose id is under ``/api/errors``: those
become quarantine rows (``api_error``). The Atom feed has no listing date, so ``first_seen_at`` is
left empty; ``published_at`` is the entry's ``<published>``.

The live client pages with ``start``/``max_results`` (``arxiv_page_size``) up to
``arxiv_max_results`` or the feed's ``totalResults``, and waits ``arxiv_delay_s`` between
requests (arXiv asks for 3 s; tests set it to 0).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

from flows.lib.records import (
    REASON_API_ERROR,
    REASON_HTTP_ERROR,
    REASON_INVALID_RECORD,
    REASON_UNDECODABLE,
    REASON_UNPARSABLE_FILE,
    REASON_UNSAFE_XML,
    RawRecord,
    Rejected,
)
from flows.settings import IngestSettings
from flows.stages.sources import files, http

SOURCE = "arxiv-atom"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


class Feed:
    """One parsed Atom response: its records and the total number of results it reports."""

    def __init__(self, items: list[RawRecord | Rejected], total: int | None) -> None:
        self.items = items
        self.total = total


def _text(element: ET.Element | None) -> str | None:
    return element.text if element is not None else None


def _entry(entry: ET.Element, ref: str) -> RawRecord | Rejected:
    try:
        payload = ET.tostring(entry, encoding="unicode")
    except RecursionError:  # elements nested thousands deep: no Atom entry looks like that
        return Rejected(SOURCE, ref, REASON_INVALID_RECORD, _text(entry.find(f"{ATOM}id")) or "")
    raw_id = (_text(entry.find(f"{ATOM}id")) or "").strip()
    if "/api/errors" in raw_id:
        return Rejected(SOURCE, ref, REASON_API_ERROR, payload)
    categories = [c.get("term") for c in entry.findall(f"{ATOM}category") if c.get("term")]
    return RawRecord(
        source=SOURCE,
        source_ref=ref,
        payload=payload,
        arxiv_id=raw_id,
        title=_text(entry.find(f"{ATOM}title")),
        abstract=_text(entry.find(f"{ATOM}summary")),
        authors=[_text(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")],
        published_at=_text(entry.find(f"{ATOM}published")),  # parsed by normalise
        categories=categories,
    )


def parse_feed(body: bytes | str, ref: str) -> Feed:
    """Records of one Atom document; entry ``source_ref`` is ``ref#index``."""
    text = body.decode("utf-8", "backslashreplace") if isinstance(body, bytes) else body
    if isinstance(body, bytes):
        try:
            files.decode(body).encode("utf-8")  # BOM-aware; lone surrogates: not UTF-8
        except UnicodeEncodeError:
            return Feed([Rejected(SOURCE, ref, REASON_UNDECODABLE, text)], None)
    try:
        root = safe_fromstring(body, forbid_dtd=True)  # Atom has no DTD
    except DefusedXmlException:
        return Feed([Rejected(SOURCE, ref, REASON_UNSAFE_XML, text)], None)
    except (ET.ParseError, ValueError, RecursionError):
        return Feed([Rejected(SOURCE, ref, REASON_UNPARSABLE_FILE, text)], None)
    if root.tag != f"{ATOM}feed":
        return Feed([Rejected(SOURCE, ref, REASON_UNPARSABLE_FILE, text)], None)
    total_text = _text(root.find(f"{OPENSEARCH}totalResults"))
    total = int(total_text) if total_text and total_text.strip().isdigit() else None
    items = [_entry(e, f"{ref}#{i}") for i, e in enumerate(root.findall(f"{ATOM}entry"))]
    return Feed(items, total)


def list_files(path: Path) -> list[Path]:
    return files.list_inputs(path, (".json", ".xml"), recursive=True)


def read_file(
    path: Path, settings: IngestSettings | None = None
) -> Iterator[RawRecord | Rejected]:
    """Records of one saved response: a recorded ``{"url","status_code","body"}`` or raw XML."""
    ref = str(path)
    try:
        data = files.read_input(path, (settings or IngestSettings()).max_file_bytes)
    except files.InputProblem as problem:
        yield Rejected(SOURCE, ref, problem.reason, problem.payload)
        return
    if files.plain_suffix(path) == ".json":
        try:
            recorded = json.loads(data)
            body = recorded["body"]
            if not isinstance(body, str):
                raise TypeError("body is not text")
        except (ValueError, RecursionError, KeyError, TypeError):  # UnicodeDecodeError too
            yield Rejected(
                SOURCE, ref, REASON_UNPARSABLE_FILE, data.decode("utf-8", "backslashreplace")
            )
            return
        yield from parse_feed(body.encode("utf-8", "surrogatepass"), ref).items
        return
    yield from parse_feed(data, ref).items


def build_query(query: str, since: date | None, until: date | None) -> str:
    """The search query, restricted to a submission-date range when one is given."""
    if since is None and until is None:
        return query
    start = (since or date(1991, 1, 1)).strftime("%Y%m%d") + "0000"
    end = (until or date.today()).strftime("%Y%m%d") + "2359"
    return f"({query}) AND submittedDate:[{start} TO {end}]"


def fetch(
    client: httpx.Client,
    settings: IngestSettings,
    query: str,
    since: date | None = None,
    until: date | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[RawRecord | Rejected]:
    """Records of a live query, page by page (``start``/``max_results``), politely spaced."""
    sleep = sleep or (lambda seconds: http.pause(seconds))
    search = build_query(query, since, until)
    start = 0
    while start < settings.arxiv_max_results:
        if start > 0 and settings.arxiv_delay_s > 0:
            sleep(settings.arxiv_delay_s)
        size = min(settings.arxiv_page_size, settings.arxiv_max_results - start)
        params = {
            "search_query": search,
            "start": start,
            "max_results": size,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
        }
        response = http.get(client, settings.arxiv_api_url, settings, params=params, sleep=sleep)
        ref = str(response.request.url)
        feed = parse_feed(response.content, ref)
        if response.status_code >= 400 and not feed.items:
            yield Rejected(
                SOURCE, ref, REASON_HTTP_ERROR, f"HTTP {response.status_code}: {response.text}"
            )
            return
        yield from feed.items
        entries = sum(1 for item in feed.items if isinstance(item, RawRecord))
        if response.status_code >= 400 or entries == 0:
            return
        start += entries
        if feed.total is not None and start >= feed.total:
            return
