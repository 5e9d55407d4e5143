"""arXiv JSON lines: the OAI snapshot format and the daily listing format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flows.lib.records import (
    REASON_ABSTRACT_TOO_SHORT,
    REASON_INVALID_RECORD,
    REASON_UNDECODABLE,
    REASON_UNPARSABLE_FILE,
    build_batch,
)
from flows.stages.sources import arxiv_jsonl


def test_oai_snapshot(shared_data, settings):
    path = shared_data / "arxiv" / "oai" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    first = json.loads(path.open().readline())
    batch = build_batch(arxiv_jsonl.read_file(path), settings.ingest)
    # 0704.0156 is withdrawn: its abstract ("This paper has been withdrawn by the authors.") is
    # below the row rules' minimum length
    assert batch.papers.height == 199
    assert batch.quarantine.select("reason").rows() == [(REASON_ABSTRACT_TOO_SHORT,)]
    row = batch.papers.row(0, named=True)
    assert row["arxiv_id"] == first["id"] == "0704.0001"
    assert row["title"] == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert row["authors"][0] == "C. Balázs"
    assert row["categories"] == first["categories"].split()
    assert row["published_at"] == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)  # v1 created
    assert row["first_seen_at"] is None
    assert row["source_ref"] == f"{path}:1"


def test_daily_listing(shared_data, settings):
    path = shared_data / "arxiv" / "listings" / "2025-03-18.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    batch = build_batch(arxiv_jsonl.read_file(path), settings.ingest)
    assert batch.papers.height == len(lines) and batch.quarantine.height == 0
    row = batch.papers.row(0, named=True)
    assert row["arxiv_id"] == lines[0]["id"]
    assert row["authors"] == lines[0]["authors"]
    assert row["categories"] == lines[0]["categories"]
    assert row["first_seen_at"] == datetime(2025, 3, 18, tzinfo=UTC)
    assert "\n" not in row["abstract"]


def test_bad_lines_are_rejected_one_by_one(shared_data, tmp_path, settings):
    real = (shared_data / "arxiv" / "listings" / "2025-03-18.jsonl").read_bytes().splitlines()
    path = tmp_path / "2025-03-19.jsonl"
    path.write_bytes(b"\n".join([real[0], b'{"id": "2503.0', b"\xff\xfe{}", real[1], b"[1, 2]"]))
    batch = build_batch(arxiv_jsonl.read_file(path), settings.ingest)
    assert batch.papers.height == 2
    assert batch.quarantine.select("source_ref", "reason").rows() == [
        (f"{path}:2", REASON_INVALID_RECORD),
        (f"{path}:3", REASON_UNDECODABLE),
        (f"{path}:5", REASON_INVALID_RECORD),
    ]


def test_a_file_that_is_not_json_lines_is_one_reject(tmp_path, settings):
    path = tmp_path / "notes.jsonl"
    path.write_text("this is\nnot json\nat all\n")
    batch = build_batch(arxiv_jsonl.read_file(path), settings.ingest)
    assert batch.papers.height == 0
    assert batch.quarantine.select("source_ref", "reason").rows() == [
        (str(path), REASON_UNPARSABLE_FILE)
    ]
