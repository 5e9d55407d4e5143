"""The normalised record: text cleaning, ids, keys, hashes, dates and the rejection reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.lib.records import (
    REASON_ABSTRACT_TOO_LONG,
    REASON_ABSTRACT_TOO_SHORT,
    REASON_CONTROL_CHARS,
    REASON_DATE_OUT_OF_RANGE,
    REASON_HTML,
    REASON_MISSING_ABSTRACT,
    REASON_MISSING_TITLE,
    REASON_TITLE_TOO_SHORT,
    REASON_UNDECODABLE,
    REASON_UNPARSABLE_DATE,
    RawRecord,
    TextProblem,
    build_batch,
    clean_text,
    content_hash,
    normalise_arxiv_id,
    parse_timestamp,
    title_key,
    title_paper_id,
)


def test_clean_text_collapses_unescapes_and_strips_simple_tags():
    raw = "Deep  <i>learning</i>\n  for &amp; with\tH<sub>2</sub>O &lt;b&gt;bold&lt;/b&gt;"
    assert clean_text(raw) == "Deep learning for & with H2O bold"


def test_clean_text_keeps_comparisons_and_tokens():
    text = "p < 0.05 and x > y; the <EOS> token, <think> tags and <s> markers"
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<div class='x'>page</div>", REASON_HTML),
        ("text <script>alert(1)</script>", REASON_HTML),
        ("<!DOCTYPE html><html>", REASON_HTML),
        ("nul \x00 byte", REASON_CONTROL_CHARS),
        ("\x07\x08\x1b" * 5 + "short", REASON_CONTROL_CHARS),
        ("broken \ufffd bytes", REASON_UNDECODABLE),
        (b"\xff\xfe raw", REASON_UNDECODABLE),
    ],
)
def test_clean_text_rejects_what_cannot_be_repaired(text, reason):
    with pytest.raises(TextProblem) as info:
        clean_text(text)
    assert info.value.reason == reason


def test_a_stray_control_character_is_dropped():
    assert clean_text("An abstract with a stray \x0b\x1b bell in a long enough sentence.") == (
        "An abstract with a stray bell in a long enough sentence."
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.00001v2", "2401.00001"),
        ("2401.00001", "2401.00001"),
        ("http://arxiv.org/abs/2202.12139v1", "2202.12139"),
        ("arXiv:1111.2011", "1111.2011"),
        ("quant-ph/0201082v1", "quant-ph/0201082"),
        ("http://arxiv.org/abs/math.GT/0309136v2", "math.GT/0309136"),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_arxiv_ids_lose_prefix_and_version(raw, expected):
    assert normalise_arxiv_id(raw) == expected


def test_title_key_and_title_id():
    a = title_key("Text-To-Concept (and Back) via Cross-Model Alignment")
    b = title_key("text to concept   (AND back) via cross–model alignment!")
    assert a == b == "text to concept and back via cross model alignment"
    assert title_key("Café Ümlaut") == "cafe umlaut"
    assert title_paper_id(a) == title_paper_id(b)
    assert title_paper_id(a).startswith("title:") and len(title_paper_id(a)) == 22


def test_content_hash_depends_on_title_and_abstract():
    assert content_hash("t", "a") == content_hash("t", "a")
    assert content_hash("t", "a") != content_hash("t", "b")
    assert content_hash("t a", "") != content_hash("t", "a")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-15T18:55:03.000Z", datetime(2026, 1, 15, 18, 55, 3, tzinfo=UTC)),
        ("2016-10-09T00:00:00-04:00", datetime(2016, 10, 9, 4, tzinfo=UTC)),
        ("Mon, 2 Apr 2007 19:18:42 GMT", datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)),
        ("2024-05-27", datetime(2024, 5, 27, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
    ],
)
def test_timestamps_are_utc(value, expected):
    parsed = parse_timestamp(value)
    assert parsed == expected
    if parsed:
        assert parsed.utcoffset().total_seconds() == 0


ABSTRACT = "An abstract long enough to pass the minimum length of the row rules."


def _record(**fields) -> RawRecord:
    base = {
        "source": "hf-daily",
        "source_ref": "x.json#0",
        "payload": "{}",
        "title": "A title",
        "abstract": ABSTRACT,
        "arxiv_id": "2401.00001v3",
    }
    return RawRecord(**(base | fields))


def test_build_batch_normalises_and_rejects(settings):
    settings.ingest.max_abstract_chars = 80
    items = [
        _record(),
        _record(title="  ", source_ref="x.json#1"),
        _record(abstract=None, source_ref="x.json#2"),
        _record(abstract="word " * 20, source_ref="x.json#3"),
        _record(arxiv_id=None, title="No id here", source_ref="x.json#4"),
    ]
    batch = build_batch(items, settings.ingest)
    assert batch.read == 5
    assert batch.quarantine.select("source_ref", "reason").rows() == [
        ("x.json#1", REASON_MISSING_TITLE),
        ("x.json#2", REASON_MISSING_ABSTRACT),
        ("x.json#3", REASON_ABSTRACT_TOO_LONG),
    ]
    assert batch.papers["paper_id"].to_list() == ["2401.00001", title_paper_id("no id here")]
    assert batch.papers["arxiv_id"].to_list() == ["2401.00001", None]
    assert batch.papers["content_hash"][0] == content_hash("A title", ABSTRACT)


def test_row_rules_quarantine_each_bad_record_with_its_reason(settings):
    """Every rule that judges one record runs at ingest: the record is quarantined with the
    reason, the others of the batch load."""
    now = datetime(2026, 8, 19, 12, tzinfo=UTC)
    settings.ingest.min_title_chars = 3  # default 1: a real arXiv paper is titled "0"
    items = [
        _record(source_ref="ok#0", published_at="2026-08-20T23:00:00Z"),  # within now + 2 days
        _record(source_ref="future#1", published_at="2099-01-01T00:00:00.000Z"),
        _record(source_ref="future-file#2", first_seen_at=datetime(2026, 8, 22, tzinfo=UTC)),
        _record(source_ref="old#3", published_at="1989-12-31T00:00:00Z"),
        _record(source_ref="bad-date#4", published_at="yesterday-ish"),
        _record(source_ref="short-title#5", title="AI"),
        _record(source_ref="short-abstract#6", abstract="Too short to be an abstract."),
        _record(source_ref="markup#7", abstract="<ul><li>" + ABSTRACT + "</li></ul>"),
        _record(source_ref="entity#8", abstract=ABSTRACT + " &amp;amp;amp; more"),
        _record(source_ref="undated#9", arxiv_id="2401.00002"),
    ]
    batch = build_batch(items, settings.ingest, now)
    assert batch.quarantine.select("source_ref", "reason").rows() == [
        ("future#1", REASON_DATE_OUT_OF_RANGE),
        ("future-file#2", REASON_DATE_OUT_OF_RANGE),
        ("old#3", REASON_DATE_OUT_OF_RANGE),
        ("bad-date#4", REASON_UNPARSABLE_DATE),
        ("short-title#5", REASON_TITLE_TOO_SHORT),
        ("short-abstract#6", REASON_ABSTRACT_TOO_SHORT),
        ("markup#7", REASON_HTML),
        ("entity#8", REASON_HTML),
    ]
    assert batch.papers["source_ref"].to_list() == ["ok#0", "undated#9"]
    assert batch.papers["published_at"][0] == datetime(2026, 8, 20, 23, tzinfo=UTC)
    assert batch.read == len(items)
