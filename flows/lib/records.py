"""The normalised paper record: its polars schema, text cleaning, ids, hashes and validation.

Every source parser yields :class:`RawRecord` values (the fields as the feed gives them, plus
where they came from) and :class:`Rejected` values (input that cannot even be read as a record,
e.g. a file that does not parse). :func:`build_batch` turns them into a :class:`Batch`: a polars
frame of normalised papers (columns of ``flows.lib.lake.PAPER_COLUMNS`` plus ``record_hash``) and a
polars frame of quarantined records with the reason each one was rejected.

Normalisation:

* title and abstract: HTML entities unescaped, simple inline tags (``<i>``, ``<sup>`` ...)
  stripped, whitespace and line breaks collapsed to single spaces;
* ``arxiv_id`` without the version suffix (``2401.00001v2`` -> ``2401.00001``,
  ``quant-ph/0201082v1`` -> ``quant-ph/0201082``);
* ``paper_id`` is the arXiv id, else ``"title:" + sha1(title_key)[:16]``;
* ``title_key`` is the title case-folded, accents removed, punctuation dropped;
* ``content_hash`` is the sha256 of the normalised title and abstract.

Row rules (:func:`normalise`; each judges one record, before anything reaches the lake's
``papers``; a failing record goes to ``quarantine`` with its reason): a title and an abstract
present, at least ``min_*_chars`` and at most ``max_*_chars`` long, without control characters,
undecodable bytes or markup left after cleaning (page markup, list/heading tags, entities); dates
the source gives (``published_at``, and ``first_seen_at``, which is the file name's date for dated
files) must parse and lie in [``earliest_date``, the run's time + ``future_tolerance_hours``].
Other rejection reasons: a record that is not an object, a field of the wrong type, an id that is
not an arXiv id, a file that does not parse, is empty, too large or XML with a DTD or entity
declarations, an API error entry and a conflicting duplicate (see ``flows.stages.ingest``). The
thresholds are ``settings.ingest``. The quarantine keeps the raw record (truncated to
``PAYLOAD_MAX_CHARS``) and the hash of all of it.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import polars as pl

from flows.settings import IngestSettings

REASON_MISSING_TITLE = "missing_title"
REASON_MISSING_ABSTRACT = "missing_abstract"
REASON_UNDECODABLE = "undecodable_bytes"
REASON_CONTROL_CHARS = "control_characters"
REASON_HTML = "html_markup"
REASON_ABSTRACT_TOO_LONG = "abstract_too_long"
REASON_TITLE_TOO_LONG = "title_too_long"
REASON_INVALID_RECORD = "invalid_record"
REASON_UNPARSABLE_FILE = "unparsable_file"
REASON_API_ERROR = "api_error"
REASON_HTTP_ERROR = "http_error"
REASON_CONFLICT = "conflicting_record"
REASON_WRONG_TYPE = "wrong_type"  # a field of the wrong JSON type (a list as title, "x" upvotes)
REASON_INVALID_ID = "invalid_id"  # an id given, but not an arXiv id ("../../etc/passwd")
REASON_EMPTY_FILE = "empty_file"
REASON_FILE_TOO_LARGE = "file_too_large"  # over settings.ingest.max_file_bytes (gzip: unpacked)
REASON_UNSAFE_XML = "unsafe_xml"  # DTD/entity declarations: never expanded nor fetched
REASON_TITLE_TOO_SHORT = "title_too_short"
REASON_ABSTRACT_TOO_SHORT = "abstract_too_short"
REASON_UNPARSABLE_DATE = "unparsable_date"
REASON_DATE_OUT_OF_RANGE = "date_out_of_range"

PAYLOAD_MAX_CHARS = 20_000

PAPER_SCHEMA: dict[str, pl.DataType] = {
    "paper_id": pl.String(),
    "arxiv_id": pl.String(),
    "title": pl.String(),
    "abstract": pl.String(),
    "authors": pl.List(pl.String()),
    "published_at": pl.Datetime("us", "UTC"),
    "first_seen_at": pl.Datetime("us", "UTC"),
    "source": pl.String(),
    "source_ref": pl.String(),
    "upvotes": pl.Int32(),
    "num_comments": pl.Int32(),
    "categories": pl.List(pl.String()),
    "source_keywords": pl.List(pl.String()),
    "title_key": pl.String(),
    "content_hash": pl.String(),
}
PAPER_FIELDS: tuple[str, ...] = tuple(PAPER_SCHEMA)
# record_hash identifies one record version (all fields, source_ref included): raw_papers key
RECORD_SCHEMA: dict[str, pl.DataType] = {**PAPER_SCHEMA, "record_hash": pl.String()}

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "source_ref": pl.String(),
    "reason": pl.String(),
    "payload": pl.String(),
    "payload_hash": pl.String(),
}


def _arrow_type(dtype: pl.DataType):
    import pyarrow as pa

    if isinstance(dtype, pl.List):
        return pa.list_(_arrow_type(dtype.inner))
    if isinstance(dtype, pl.Datetime):
        return pa.timestamp(dtype.time_unit, tz=dtype.time_zone)
    return {pl.String: pa.string(), pl.Int32: pa.int32()}[type(dtype)]


def frame_from_rows(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A polars frame of ``rows`` (dicts) with ``schema``, built through Arrow (fast for lists)."""
    import pyarrow as pa

    table = pa.table(
        {
            name: pa.array([row[name] for row in rows], type=_arrow_type(dtype))
            for name, dtype in schema.items()
        }
    )
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(schema)  # type: ignore[arg-type]


@dataclass
class RawRecord:
    """One record as a source gives it; :func:`normalise` cleans and validates it."""

    source: str
    source_ref: str
    payload: Any  # the raw record (text or parsed JSON), kept for the quarantine
    title: Any = None
    abstract: Any = None
    arxiv_id: Any = None  # as the feed gives it; not a string or not an arXiv id: invalid_id
    authors: Any = None  # a list of names; anything else is wrong_type
    # a datetime, or the text the source gives (parsed by normalise; unparsable: quarantined)
    published_at: datetime | str | None = None
    first_seen_at: datetime | str | None = None
    upvotes: Any = None
    num_comments: Any = None
    categories: Any = None
    source_keywords: Any = None


@dataclass
class Rejected:
    """Input rejected before it became a record (a file that does not parse, an API error)."""

    source: str
    source_ref: str
    reason: str
    payload: Any


@dataclass
class Batch:
    """Normalised papers (in input order) and quarantined records of one parse."""

    papers: pl.DataFrame
    quarantine: pl.DataFrame

    @property
    def read(self) -> int:
        return self.papers.height + self.quarantine.height


@dataclass
class _Collector:
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)


# --- text ------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")
# Inline tags that carry no content of their own (MathML/markup that feeds sometimes leak).
_SIMPLE_TAG = re.compile(
    r"</?(?:i|b|em|strong|sup|sub|br|p|span|a|tt|code|small|big|font|abbr|strike|"
    r"math|mi|mo|mn|msub|msup|mrow|mtext)(?:\s[^<>]{0,200})?/?>",
    re.IGNORECASE,
)
# Markup that means the text is a page or a fragment of one, not an abstract: beyond repair.
_BAD_HTML = re.compile(
    r"<\s*/?\s*(?:script|style|html|head|body|div|table|tr|td|iframe|frame|frameset|form|input"
    r"|button|textarea|select|img|svg|object|embed|applet|base|meta|link|template|noscript)\b"
    r"|<!doctype|<\?xml|<!--|<!\[cdata\["
    r"|<[a-z][a-z0-9]*\s[^<>]*\bon[a-z]+\s*=[^<>]*>"  # an event handler: <svg onload=...>
    r"|(?:href|src|action)\s*=\s*[\"']?\s*(?:javascript|vbscript|data):"
    r"|\]\(\s*(?:javascript|vbscript|data):",  # a Markdown link to a script
    re.IGNORECASE,
)
# Markup a title or abstract must not keep after cleaning: tags of the usual HTML elements, and
# entities (a feed escaped three times or more).
MARKUP_LEFT = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|em|strong|sup|sub|ul|ol|li|h[1-6]|img|table|tr|td|th|code"
    r"|pre|font|html|body|head|script|style|blockquote|hr)(?:\s[^<>]*)?/?>"
    r"|&(?:amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-f]+);",
    re.IGNORECASE,
)
# Control characters (Unicode category Cc) that are not whitespace.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Lone surrogates: bytes that were not UTF-8 (flows.stages.sources.files.decode) or "\\ud800"
# escapes.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?$")
_ARXIV_OLD = re.compile(r"([a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?$")
_ARXIV_PREFIX = re.compile(r"^(?:https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/|arxiv:)", re.I)


class TextProblem(ValueError):
    """Text that cannot be repaired; ``reason`` is one of the ``REASON_*`` values."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_text(value: Any) -> str:
    """Normalise a title or abstract, or raise :class:`TextProblem` when it is beyond repair.

    Entities are unescaped (twice at most, for double-escaped feeds), simple inline tags are
    removed, whitespace (line breaks, tabs) collapses to single spaces. A few stray control
    characters are dropped; a NUL, many of them, or U+FFFD (bytes that did not decode) reject it;
    so does page markup (``<div>``, ``<script>`` ...).
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TextProblem(REASON_UNDECODABLE) from exc
    text = str(value)
    if _SURROGATE.search(text):
        raise TextProblem(REASON_UNDECODABLE)
    if "&" not in text and "<" not in text and "\ufffd" not in text and not _CONTROL.search(text):
        return " ".join(text.split())  # the common case: nothing to repair
    if "\ufffd" in text:
        raise TextProblem(REASON_UNDECODABLE)
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    if _BAD_HTML.search(text):
        raise TextProblem(REASON_HTML)
    text = _SIMPLE_TAG.sub("", text)
    controls = _CONTROL.findall(text)
    if controls:
        if "\x00" in controls or len(controls) > max(2, len(text) // 100):
            raise TextProblem(REASON_CONTROL_CHARS)
        text = _CONTROL.sub("", text)
    return _WS.sub(" ", text).strip()


def title_key(title: str) -> str:
    """The title reduced for matching: accents removed, case-folded, only letters and digits."""
    decomposed = unicodedata.normalize("NFKD", title)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W_]+", stripped))


def title_paper_id(key: str) -> str:
    return "title:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def content_hash(title: str, abstract: str) -> str:
    return hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest()


def payload_hash(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_arxiv_id(raw: Any) -> str | None:
    """The arXiv id without URL prefix and version suffix, or None when it is not one."""
    if not raw or not isinstance(raw, str):
        return None
    text = _ARXIV_PREFIX.sub("", raw.strip())
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.fullmatch(text)
        if match:
            return match.group(1)
    return None


# --- dates -----------------------------------------------------------------------------------


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 or RFC-2822 timestamp as an aware UTC datetime (naive values are UTC).

    Standard library only: ``datetime.fromisoformat`` (3.11 reads ``Z`` and offsets), else
    ``email.utils.parsedate_to_datetime``. Unreadable values give None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(), tzinfo=UTC)
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)  # RFC 2822: "Mon, 2 Apr 2007 19:18:42 GMT"
            except (TypeError, ValueError, IndexError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # "9999-12-31T23:59:59-05:00" is past year 9999 in UTC
        return None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def parse_file_date(stem: str) -> date | None:
    """The date a file is named for (``2025-01-10.json`` -> 2025-01-10), or None."""
    try:
        return date.fromisoformat(stem[:10])
    except ValueError:
        return None


# --- records -> frames ----------------------------------------------------------------------


def _truncate(payload: str) -> str:
    return payload if len(payload) <= PAYLOAD_MAX_CHARS else payload[:PAYLOAD_MAX_CHARS] + "…"


def undecodable(text: str) -> bool:
    """Whether ``text`` holds lone surrogates: bytes that were not UTF-8 (kept by
    ``flows.stages.sources.files.decode``) or ``\\ud800``-style escapes."""
    return _SURROGATE.search(text) is not None


def storable(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udcff`` escapes (DuckDB takes UTF-8 only)."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def quarantine_row(source: str, source_ref: str, reason: str, payload: Any) -> dict[str, Any]:
    payload = to_payload(payload)
    return {
        "source": source,
        "source_ref": storable(source_ref),
        "reason": reason,
        "payload": storable(_truncate(payload)),
        "payload_hash": payload_hash(payload),
    }


def _string_list(values: Any) -> list[str]:
    """Names/categories/keywords: a list of strings (None items skipped); other types reject."""
    if values is None:
        return []
    if not isinstance(values, list | tuple) or not all(
        isinstance(v, str | None) for v in values
    ):
        raise TextProblem(REASON_WRONG_TYPE)
    out: list[str] = []
    for value in values:
        if value is None:
            continue
        if _SURROGATE.search(value):
            raise TextProblem(REASON_UNDECODABLE)
        try:
            text = clean_text(value)
        except TextProblem:
            continue
        if text:
            out.append(text)
    return out


def _count(value: Any) -> int | None:
    """An upvote/comment count: an integer (or integral number, or digits) within int32."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise TextProblem(REASON_WRONG_TYPE)
    return value


def _arxiv_id(value: Any) -> str | None:
    """The normalised arXiv id; a given id that is not one (a path, a number) is rejected."""
    if value is None or value == "":
        return None
    arxiv_id = normalise_arxiv_id(value) if isinstance(value, str) else None
    if arxiv_id is None:
        raise TextProblem(REASON_INVALID_ID)
    return arxiv_id


@dataclass(frozen=True)
class RowRules:
    """The bounds one record is judged against (settings.ingest at the run's time)."""

    min_title_chars: int
    max_title_chars: int
    min_abstract_chars: int
    max_abstract_chars: int
    earliest: datetime
    latest: datetime

    @classmethod
    def of(cls, settings: IngestSettings, now: datetime | None = None) -> RowRules:
        now = now or datetime.now(UTC)
        return cls(
            min_title_chars=settings.min_title_chars,
            max_title_chars=settings.max_title_chars,
            min_abstract_chars=settings.min_abstract_chars,
            max_abstract_chars=settings.max_abstract_chars,
            earliest=day_start(date.fromisoformat(settings.earliest_date)),
            latest=now + timedelta(hours=settings.future_tolerance_hours),
        )


def _text_field(value: Any, missing: str, short: str, long: str, lo: int, hi: int) -> str:
    """A title or abstract, cleaned and judged. A value of the wrong type is rejected, and so is
    one far over ``hi`` before any cleaning (a multi-megabyte abstract is never scanned)."""
    if not isinstance(value, str | bytes | None):
        raise TextProblem(REASON_WRONG_TYPE)
    if value is not None and len(value) > 4 * hi:  # cleaning shrinks text by far less
        raise TextProblem(long)
    text = clean_text(value)
    if not text:
        raise TextProblem(missing)
    if MARKUP_LEFT.search(text):
        raise TextProblem(REASON_HTML)
    if len(text) < lo:
        raise TextProblem(short)
    if len(text) > hi:
        raise TextProblem(long)
    return text


def _date_field(value: Any, rules: RowRules) -> datetime | None:
    """A date the source gave, parsed and within bounds; None when the source has none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        raise TextProblem(REASON_UNPARSABLE_DATE)
    if not rules.earliest <= parsed <= rules.latest:
        raise TextProblem(REASON_DATE_OUT_OF_RANGE)
    return parsed


def normalise(
    record: RawRecord, settings: IngestSettings, rules: RowRules | None = None
) -> dict[str, Any]:
    """The normalised row of a record; raises :class:`TextProblem` with the rejection reason
    when a row rule fails (see the module docstring; ``rules`` default: settings, now)."""
    rules = rules or RowRules.of(settings)
    if isinstance(record.payload, str) and _SURROGATE.search(record.payload):
        raise TextProblem(REASON_UNDECODABLE)
    title = _text_field(
        record.title, REASON_MISSING_TITLE, REASON_TITLE_TOO_SHORT, REASON_TITLE_TOO_LONG,
        rules.min_title_chars, rules.max_title_chars,
    )
    abstract = _text_field(
        record.abstract, REASON_MISSING_ABSTRACT, REASON_ABSTRACT_TOO_SHORT,
        REASON_ABSTRACT_TOO_LONG, rules.min_abstract_chars, rules.max_abstract_chars,
    )
    published_at = _date_field(record.published_at, rules)
    first_seen_at = _date_field(record.first_seen_at, rules)
    key = title_key(title) or title.casefold()
    arxiv_id = _arxiv_id(record.arxiv_id)
    row: dict[str, Any] = {
        "paper_id": arxiv_id or title_paper_id(key),
        "arxiv_id": arxiv_id,
        "title": title,
        "abstract": abstract,
        "authors": _string_list(record.authors),
        "published_at": published_at,
        "first_seen_at": first_seen_at,
        "source": record.source,
        "source_ref": storable(record.source_ref),
        "upvotes": _count(record.upvotes),
        "num_comments": _count(record.num_comments),
        "categories": _string_list(record.categories),
        "source_keywords": _string_list(record.source_keywords),
        "title_key": key,
        "content_hash": content_hash(title, abstract),
    }
    row["record_hash"] = hashlib.sha256(repr(tuple(row.values())).encode()).hexdigest()
    return row


def build_batch(
    items: Iterable[RawRecord | Rejected], settings: IngestSettings, now: datetime | None = None
) -> Batch:
    """Normalise and judge parsed items into a :class:`Batch` (input order is kept); ``now``:
    the run's time, for the future-date bound (default: the current time)."""
    rules = RowRules.of(settings, now)
    collected = _Collector()
    for item in items:
        if isinstance(item, Rejected):
            collected.rejects.append(
                quarantine_row(item.source, item.source_ref, item.reason, item.payload)
            )
            continue
        try:
            collected.rows.append(normalise(item, settings, rules))
        except TextProblem as problem:
            collected.rejects.append(
                quarantine_row(item.source, item.source_ref, problem.reason, item.payload)
            )
    return Batch(
        papers=frame_from_rows(collected.rows, RECORD_SCHEMA),
        quarantine=frame_from_rows(collected.rejects, QUARANTINE_SCHEMA),
    )


def to_payload(value: Any) -> str:
    """A raw value as text for the quarantine (JSON when possible)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        try:
            return repr(value)
        except RecursionError:
            return f"<a {type(value).__name__} nested too deeply to write out>"
