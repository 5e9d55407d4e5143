"""arXiv Atom: both saved feed generations and the paging live client on a local server."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

from flows.lib.records import (
    REASON_API_ERROR,
    REASON_UNPARSABLE_FILE,
    RawRecord,
    Rejected,
    build_batch,
)
from flows.settings import Settings
from flows.stages.sources import arxiv_atom
from flows.stages.sources.http import make_client
from tests.http_server import Reply, serve

RECORDED = "arxiv/atom/recorded_2026_json"
LEGACY = "arxiv/atom/legacy_2016_xml"


def _recorded(shared_data: Path, name: str) -> dict:
    return json.loads((shared_data / RECORDED / name).read_text())


def test_recorded_2026_response(shared_data, settings):
    path = shared_data / RECORDED / "q_testing_s0_m10_bc5a6c384fe9.json"
    batch = build_batch(arxiv_atom.read_file(path), settings.ingest)
    assert batch.papers.height == 10 and batch.quarantine.height == 0
    row = batch.papers.row(0, named=True)
    assert row["paper_id"] == row["arxiv_id"] == "2202.12139"
    assert row["title"].startswith("Testing Deep Learning Models")
    assert row["categories"] == ["cs.SE", "cs.LG"]
    assert row["authors"][:2] == ["Mohit Kumar Ahuja", "Arnaud Gotlieb"]
    assert row["published_at"] == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert row["first_seen_at"] is None
    assert not batch.papers["arxiv_id"].str.contains(r"v\d+$").any()


def test_legacy_2016_feed(shared_data, settings):
    path = shared_data / LEGACY / "id_list=1111.2011v2.xml"
    batch = build_batch(arxiv_atom.read_file(path), settings.ingest)
    assert batch.papers.height == 1
    row = batch.papers.row(0, named=True)
    assert row["arxiv_id"] == "1111.2011"
    assert row["title"] == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert row["abstract"].startswith("Theoretical description of anisotropic systems, such")
    assert row["published_at"] == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)


def test_old_style_ids_lose_version(shared_data, settings):
    path = shared_data / RECORDED / "id_quant-ph_0201082v1_s0_m100_86989fe779ef.json"
    batch = build_batch(arxiv_atom.read_file(path), settings.ingest)
    assert batch.papers["arxiv_id"].to_list() == ["quant-ph/0201082"]


def test_error_feed_is_quarantined_and_empty_feed_is_empty(shared_data, settings):
    error = shared_data / RECORDED / "id_abc_s0_m100_b79c8dcf6bc3.json"
    items = list(arxiv_atom.read_file(error))
    assert [i.reason for i in items if isinstance(i, Rejected)] == [REASON_API_ERROR]
    empty = shared_data / RECORDED / "id_0000.0000_s0_m100_8b51d9633a68.json"
    assert list(arxiv_atom.read_file(empty)) == []


def test_all_saved_responses(shared_data, settings):
    files = arxiv_atom.list_files(shared_data / "arxiv" / "atom")
    assert len(files) == 25
    batch = build_batch((i for f in files for i in arxiv_atom.read_file(f)), settings.ingest)
    recorded = sum(
        _recorded(shared_data, f.name)["body"].count("<entry>")
        for f in files
        if f.suffix == ".json"
    )
    legacy = sum(f.read_text().count("<entry>") for f in files if f.suffix == ".xml")
    assert batch.read == recorded + legacy
    assert batch.quarantine["reason"].to_list() == [REASON_API_ERROR]


def test_not_xml_is_one_rejected_file(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text("<feed><entry>no end")
    items = list(arxiv_atom.read_file(path))
    assert [i.reason for i in items] == [REASON_UNPARSABLE_FILE]


def test_query_with_date_range():
    query = arxiv_atom.build_query("cat:cs.CL", date(2026, 1, 1), date(2026, 1, 31))
    assert query == "(cat:cs.CL) AND submittedDate:[202601010000 TO 202601312359]"
    assert arxiv_atom.build_query("cat:cs.CL", None, None) == "cat:cs.CL"


def test_live_paging_with_politeness_delay(shared_data, settings, monkeypatch):
    pages = {
        start: _recorded(shared_data, name)["body"]
        for start, name in [
            (0, "q_testing_s0_m10_bc5a6c384fe9.json"),
            (10, "q_testing_s10_m10_34e56e15aaac.json"),
            (20, "q_testing_s20_m10_348a237fecab.json"),
        ]
    }
    sleeps: list[float] = []
    monkeypatch.setattr("flows.stages.sources.http.pause", sleeps.append)
    settings.ingest.arxiv_page_size = 10
    settings.ingest.arxiv_max_results = 30
    settings.ingest.arxiv_delay_s = 3.0

    def respond(path, query, attempt):
        return Reply(200, pages[int(query["start"])], content_type="application/atom+xml")

    with serve(respond) as server:
        settings.ingest.arxiv_api_url = f"{server.url}/api/query"
        with make_client(settings.ingest) as client:
            items = list(arxiv_atom.fetch(client, settings.ingest, "testing"))
    assert [(q["start"], q["max_results"]) for _, q in server.requests] == [
        ("0", "10"),
        ("10", "10"),
        ("20", "10"),
    ]
    assert all(q["search_query"] == "testing" for _, q in server.requests)
    assert sleeps == [3.0, 3.0]  # between requests, not before the first
    assert len(items) == 30 and all(isinstance(i, RawRecord) for i in items)
    expected = [
        re.sub(r"v\d+$", "", m)
        for start in (0, 10, 20)
        for m in re.findall(r"<id>http://arxiv.org/abs/([^<]+)</id>", pages[start])
    ]
    assert [arxiv_atom_id(i) for i in items] == expected


def arxiv_atom_id(item: RawRecord) -> str:
    from flows.lib.records import normalise_arxiv_id

    return normalise_arxiv_id(item.arxiv_id) or ""


def test_live_stops_at_total_results(shared_data, settings: Settings):
    body = _recorded(shared_data, "id_1605.08386_s0_m100_199195aa31ad.json")["body"]
    settings.ingest.arxiv_delay_s = 0
    with serve(lambda p, q, a: Reply(200, body)) as server:
        settings.ingest.arxiv_api_url = f"{server.url}/api/query"
        with make_client(settings.ingest) as client:
            items = list(arxiv_atom.fetch(client, settings.ingest, "id:1605.08386"))
    assert len(server.requests) == 1  # totalResults is 1: no second page
    assert len(items) == 1


def test_total_results_in_both_generations(shared_data):
    legacy = (shared_data / LEGACY / "id_list=1111.2011v2.xml").read_bytes()
    assert arxiv_atom.parse_feed(legacy, "legacy").total == 1
    recorded = _recorded(shared_data, "q_testing_s0_m10_bc5a6c384fe9.json")["body"]
    assert arxiv_atom.parse_feed(recorded.encode(), "recorded").total == 214881
