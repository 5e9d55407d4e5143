"""Ingest into a real DuckDB lake: counts, idempotency, merging, aliases and the quarantine."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.lib.lake import open_lake
from flows.lib.records import title_key, title_paper_id
from flows.settings import Settings
from flows.stages.ingest import SOURCES, Feed, IngestCounts, IngestError, _module, ingest
from tests.http_server import Reply, serve

TABLES = ("raw_papers", "papers", "paper_aliases", "quarantine")


def _sizes(con) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def _run(settings: Settings, run_id: str, **kwargs) -> IngestCounts:
    with open_lake(settings.lake_path) as con:
        counts = ingest(settings, con, Feed(**kwargs), run_id=run_id, progress=False)
    assert counts.read == counts.loaded + counts.unchanged + counts.quarantined
    return counts


def _query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with open_lake(settings.lake_path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _copy(shared_data: Path, folder: Path, *days: str) -> list[dict]:
    folder.mkdir(exist_ok=True)
    for day in days:
        shutil.copy(shared_data / "hf-daily-papers" / f"{day}.json", folder)
    return [json.loads((folder / f"{d}.json").read_text()) for d in days]


def _entry(shared_data: Path, **paper) -> dict:
    """A real 2026 entry with some paper fields replaced (None removes the field)."""
    entry = json.loads((shared_data / "hf-daily-papers" / "2026-01-21.json").read_text())[0]
    entry.pop("title", None)
    entry.pop("summary", None)
    for name, value in paper.items():
        if value is None:
            entry["paper"].pop(name, None)
        else:
            entry["paper"][name] = value
    return entry


def test_sources_and_counts_dataclass():
    # every feed the contract accepts in dim_papers.source has a parser
    assert SOURCES and all(_module(source).read_file for source in SOURCES)
    counts = IngestCounts(read=10, new=3, updated=2, unchanged=4, quarantined=1)
    assert counts.loaded == 5


def test_same_paper_on_two_days_merges(shared_data, tmp_path, settings):
    folder = tmp_path / "days"
    day1, day2 = _copy(shared_data, folder, "2026-04-10", "2026-04-16")
    counts = _run(settings, "r1", source="hf-daily", input=folder)
    assert counts.read == len(day1) + len(day2)
    # 2604.07429 is listed on both days: new on the first, updated on the second (upvotes 2 -> 42)
    assert (counts.new, counts.updated, counts.unchanged) == (counts.read - 1, 1, 0)
    row = _query(
        settings,
        "select first_seen_at, upvotes, sources, last_run_id from papers where paper_id = ?",
        ["2604.07429"],
    )[0]
    assert row[0] == datetime(2026, 4, 10, tzinfo=UTC)
    assert row[1] == 42
    assert row[2] == ["hf-daily"]
    assert _query(settings, "select count(*) from raw_papers where paper_id = '2604.07429'") == [
        (2,)
    ]


def test_days_read_in_any_order_give_the_same_paper(shared_data, tmp_path, settings):
    _copy(shared_data, tmp_path / "late", "2026-04-16")
    _copy(shared_data, tmp_path / "early", "2026-04-10")
    _run(settings, "r1", source="hf-daily", input=tmp_path / "late")
    counts = _run(settings, "r2", source="hf-daily", input=tmp_path / "early")
    assert counts.updated == 1  # the earlier first_seen_at is taken, the newer upvotes kept
    row = _query(
        settings,
        "select first_seen_at, upvotes, last_run_id from papers where paper_id = '2604.07429'",
    )[0]
    assert row == (datetime(2026, 4, 10, tzinfo=UTC), 42, "r2")


def test_broken_input_is_quarantined_and_rerun_changes_nothing(shared_data, tmp_path, settings):
    settings.ingest.max_abstract_chars = 20_000
    folder = tmp_path / "mixed"
    real = _copy(shared_data, folder, "2024-12-11", "2025-01-10", "2026-04-10")
    (folder / "2026-05-01.json").write_text('[{"paper": {"id": "2605.0')
    (folder / "2026-05-02.json").write_bytes(b'[{"paper": "\xff\xfe\x00 not utf-8"}]')
    injection = "'); drop table papers; --"
    entries = [
        _entry(shared_data, title=None),
        _entry(shared_data, summary=None),
        _entry(shared_data, summary="long " * 5_000),
        _entry(shared_data, summary="<html><body><div>a whole page</div></body></html>"),
        _entry(shared_data, title="A title with a NUL \x00 in it"),
        _entry(shared_data, summary="bytes that did not decode: \ufffd\ufffd"),
        42,
        _entry(shared_data, id="2605.00001", title=injection),
        _entry(shared_data, id="2605.00002", title="First title"),
        _entry(shared_data, id="2605.00002", title="Another title"),
        "{'paper': {'id': '2605.00003', ",
    ]
    bad_day = folder / "2026-05-03.json"
    bad_day.write_text(json.dumps(entries))

    counts = _run(settings, "r1", source="hf-daily", input=folder)
    n_real = len(real[0]) + len(real[1]["data"]) + len(real[2])
    assert counts.read == n_real + 2 + len(entries)
    assert counts.loaded == n_real + 2  # the injection title and "First title"
    assert counts.quarantined == 11

    quarantined = set(_query(settings, "select source_ref, reason from quarantine"))
    assert quarantined == {
        (str(folder / "2026-05-01.json"), "unparsable_file"),
        (f"{folder / '2026-05-02.json'}#0", "undecodable_bytes"),  # that entry only
        (f"{bad_day}#0", "missing_title"),
        (f"{bad_day}#1", "missing_abstract"),
        (f"{bad_day}#2", "abstract_too_long"),
        (f"{bad_day}#3", "html_markup"),
        (f"{bad_day}#4", "control_characters"),
        (f"{bad_day}#5", "undecodable_bytes"),
        (f"{bad_day}#6", "invalid_record"),
        (f"{bad_day}#9", "conflicting_record"),
        (f"{bad_day}#10", "invalid_record"),
    }
    payloads = dict(_query(settings, "select reason, payload from quarantine"))
    assert payloads["unparsable_file"] == '[{"paper": {"id": "2605.0'
    assert "Another title" in payloads["conflicting_record"]
    assert _query(settings, "select title from papers where paper_id = '2605.00001'") == [
        (injection,)
    ]
    assert _query(settings, "select title from papers where paper_id = '2605.00002'") == [
        ("First title",)
    ]

    with open_lake(settings.lake_path, read_only=True) as con:
        before = _sizes(con)
        papers_before = con.execute("select * from papers order by paper_id").fetchall()
    again = _run(settings, "r2", source="hf-daily", input=folder)
    assert again == IngestCounts(
        read=counts.read, new=0, updated=0, unchanged=counts.loaded, quarantined=11
    )
    with open_lake(settings.lake_path, read_only=True) as con:
        assert _sizes(con) == before
        assert con.execute("select * from papers order by paper_id").fetchall() == papers_before
        assert con.execute("select distinct run_id from raw_papers").fetchall() == [("r1",)]


NEWER = "A newer abstract of the paper, long enough for the row rules of ingest."


def test_hf_page_title_merges_into_arxiv_record(shared_data, tmp_path, settings):
    page = shared_data / "hf-papers-page" / "papers-search-results.txt"
    first = _run(settings, "r1", source="hf-page", input=page)
    assert (first.read, first.new) == (245, 245)
    title = "Text-To-Concept (and Back) via Cross-Model Alignment"
    title_id = title_paper_id(title_key(title))
    assert _query(settings, "select count(*) from papers where paper_id = ?", [title_id]) == [(1,)]

    listing = tmp_path / "2026-02-02.jsonl"
    listing.write_text(
        json.dumps(
            {
                "id": "2302.06755",
                "title": "Text-to-Concept (and back) via cross-model alignment",
                "summary": NEWER,
                "authors": ["A. Author"],
                "categories": ["cs.CV"],
            }
        )
    )
    second = _run(settings, "r2", source="arxiv-jsonl", input=listing)
    assert (second.new, second.updated) == (0, 1)
    assert _query(settings, "select count(*) from papers where paper_id = ?", [title_id]) == [(0,)]
    row = _query(
        settings,
        "select arxiv_id, abstract, sources, first_seen_at from papers where paper_id = ?",
        ["2302.06755"],
    )[0]
    assert row == (
        "2302.06755",
        NEWER,
        ["arxiv-jsonl", "hf-page"],
        datetime(2026, 2, 2, tzinfo=UTC),
    )
    assert _query(settings, "select alias_id, paper_id from paper_aliases") == [
        (title_id, "2302.06755")
    ]
    # the page again: its record follows the alias, nothing changes
    third = _run(settings, "r3", source="hf-page", input=page)
    assert (third.new, third.updated, third.unchanged) == (0, 0, 245)
    assert _query(settings, "select count(*) from papers") == [(245,)]


def test_sources_accumulate_across_feeds(shared_data, tmp_path, settings):
    listing = shared_data / "arxiv" / "listings" / "2026-01-19.jsonl"
    if not listing.exists():
        pytest.skip("listing file missing")
    arxiv_id = json.loads(listing.open().readline())["id"]
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "2026-01-20.json").write_text(json.dumps([_entry(shared_data, id=arxiv_id)]))
    _run(settings, "r1", source="arxiv-jsonl", input=listing)
    counts = _run(settings, "r2", source="hf-daily", input=hf)
    assert (counts.new, counts.updated) == (0, 1)
    row = _query(
        settings,
        "select sources, first_seen_at, upvotes, source from papers where paper_id = ?",
        [arxiv_id],
    )[0]
    assert row[0] == ["arxiv-jsonl", "hf-daily"]
    assert row[1] == datetime(2026, 1, 19, tzinfo=UTC)  # earliest kept
    assert row[2] is not None and row[3] == "hf-daily"  # newest content wins


def test_bad_arguments(settings, tmp_path):
    with open_lake(settings.lake_path) as con:
        with pytest.raises(IngestError, match="unknown source"):
            ingest(settings, con, Feed("rss"), run_id="r")
        with pytest.raises(IngestError, match="does not exist"):
            ingest(settings, con, Feed("hf-daily", tmp_path / "nope"), run_id="r")
        with pytest.raises(IngestError, match="--input"):
            ingest(settings, con, Feed("hf-page"), run_id="r")
        with pytest.raises(IngestError, match="no hf-daily files"):
            ingest(settings, con, Feed("hf-daily", tmp_path), run_id="r")
        with pytest.raises(IngestError, match="before"):
            feed = Feed("hf-daily", since=date(2026, 1, 2), until=date(2026, 1, 1))
            ingest(settings, con, feed, run_id="r")
    assert issubclass(IngestError, ValueError)


def test_live_hf_daily_range(shared_data, settings, monkeypatch):
    monkeypatch.setattr("flows.stages.sources.http.pause", lambda s: None)
    settings.ingest.http_backoff_s = 0.01
    folder = shared_data / "hf-daily-papers"

    def respond(path, query, attempt):
        day = folder / f"{query['date']}.json"
        if query["date"] == "2026-04-15" and attempt == 1:
            return Reply(500, b"try again")
        if query["date"] == "2026-04-14":
            return Reply(200, b"{not json")
        return Reply(200, day.read_bytes() if day.exists() else b"[]")

    with serve(respond) as server:
        settings.ingest.hf_api_url = f"{server.url}/api/daily_papers"
        counts = _run(
            settings, "r1", source="hf-daily", since=date(2026, 4, 14), until=date(2026, 4, 16)
        )
        dates = [q["date"] for _, q in server.requests]
    assert sorted(set(dates)) == ["2026-04-14", "2026-04-15", "2026-04-16"]
    expected = sum(
        len(json.loads((folder / f"2026-04-{d}.json").read_text()))
        for d in (15, 16)
        if (folder / f"2026-04-{d}.json").exists()
    )
    assert counts.read == expected + 1 and counts.quarantined == 1
    assert _query(settings, "select reason from quarantine") == [("unparsable_file",)]
    refs = _query(settings, "select distinct source_ref from papers")
    assert all(ref.startswith(server.url) for (ref,) in refs)


def test_live_arxiv_atom(shared_data, settings):
    body = json.loads(
        (
            shared_data / "arxiv/atom/recorded_2026_json/q_testing_s0_m10_bc5a6c384fe9.json"
        ).read_text()
    )["body"]
    settings.ingest.arxiv_delay_s = 0
    settings.ingest.arxiv_page_size = 10
    settings.ingest.arxiv_max_results = 10
    settings.ingest.arxiv_query = "all:testing"
    with serve(lambda p, q, a: Reply(200, body)) as server:
        settings.ingest.arxiv_api_url = f"{server.url}/api/query"
        counts = _run(settings, "r1", source="arxiv-atom")
        query = server.requests[0][1]
    assert query["search_query"] == "all:testing"
    assert (counts.read, counts.new) == (10, 10)


def test_progress_bar_runs(shared_data, tmp_path, settings):
    _copy(shared_data, tmp_path / "d", "2025-01-10")
    with open_lake(settings.lake_path) as con:
        counts = ingest(settings, con, Feed("hf-daily", tmp_path / "d"), run_id="r")
    assert counts.new == counts.read > 0


def test_live_day_fetched_again_takes_the_newer_upvotes(shared_data, settings):
    day = date(2026, 1, 21)
    upvotes = {"now": 3}

    def respond(path, query, attempt):
        entries = [
            _entry(shared_data, id="2601.00001", title="One", upvotes=upvotes["now"]),
            _entry(shared_data, id="2601.00002", title="Two", upvotes=1),
        ]
        if upvotes["now"] > 3:
            entries.reverse()  # the day's ranking changed
        return Reply(200, json.dumps(entries))

    with serve(respond) as server:
        settings.ingest.hf_api_url = f"{server.url}/api/daily_papers"
        first = _run(settings, "r1", source="hf-daily", since=day, until=day)
        upvotes["now"] = 30
        second = _run(settings, "r2", source="hf-daily", since=day, until=day)
        third = _run(settings, "r3", source="hf-daily", since=day, until=day)
    assert (first.new, second.updated, second.unchanged) == (2, 1, 1)
    assert (third.updated, third.unchanged) == (0, 2)
    assert _query(settings, "select upvotes from papers where paper_id = '2601.00001'") == [(30,)]
    assert _query(settings, "select count(*) from raw_papers") == [(3,)]


def test_saved_folder_with_a_date_range_reads_only_those_days(shared_data, tmp_path, settings):
    folder = tmp_path / "days"
    _, day2 = _copy(shared_data, folder, "2026-04-10", "2026-04-16")
    counts = _run(settings, "r1", source="hf-daily", input=folder, since=date(2026, 4, 11))
    assert counts.read == counts.new == len(day2)


def test_undated_papers_are_first_seen_on_the_day_a_run_reads_them(shared_data, settings):
    """The HF page has no dates: each paper is first seen on the run's day (UTC) and keeps that
    day when the page is read again later; the raw records keep what the source gave."""
    from flows.stages.ingest import load_batch, parse

    page = shared_data / "hf-papers-page" / "papers-search-results.txt"
    batch = parse(settings, Feed("hf-page", page), progress=False)
    day1 = datetime(2026, 8, 19, 15, 30, tzinfo=UTC)
    with open_lake(settings.lake_path) as con:
        first = load_batch(con, batch, run_id="r1", now=day1)
        again = load_batch(con, batch, run_id="r2", now=datetime(2026, 8, 25, 9, tzinfo=UTC))
    assert (first.new, again.new, again.updated, again.unchanged) == (245, 0, 0, 245)
    assert _query(settings, "select distinct first_seen_at from papers") == [
        (datetime(2026, 8, 19, tzinfo=UTC),)
    ]
    assert _query(settings, "select count(*) from raw_papers where first_seen_at is null") == [
        (245,)
    ]
