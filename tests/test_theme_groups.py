"""The hand-labelled theme groups name real papers of the archive, once each, in two halves."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from flows.lib.records import RawRecord, clean_text, normalise_arxiv_id
from flows.stages.sources.hf_daily import read_file

GROUPS = Path(__file__).resolve().parents[1] / "benchmarks" / "theme_groups" / "theme_groups.csv"


def _rows() -> list[dict[str, str]]:
    with GROUPS.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_groups_are_large_enough_and_disjoint():
    rows = _rows()
    sizes = Counter(r["group"] for r in rows)
    assert len(sizes) >= 20 and len(rows) >= 150
    assert min(sizes.values()) >= 8
    ids = [r["arxiv_id"] for r in rows]
    assert len(set(ids)) == len(ids), "a paper belongs to at most one group"


def test_every_group_has_a_dev_and_a_heldout_half():
    rows = _rows()
    for group in {r["group"] for r in rows}:
        splits = Counter(r["split"] for r in rows if r["group"] == group)
        assert set(splits) == {"dev", "heldout"}
        assert abs(splits["dev"] - splits["heldout"]) <= 1


def test_every_row_is_the_paper_its_file_lists(shared_data):
    rows = _rows()
    titles: dict[tuple[str, str], str] = {}
    for name in {r["source_file"] for r in rows}:
        for record in read_file(shared_data / "hf-daily-papers" / name):
            if isinstance(record, RawRecord):
                key = (name, normalise_arxiv_id(record.arxiv_id))
                titles[key] = clean_text(record.title)
    for r in rows:
        assert titles.get((r["source_file"], r["arxiv_id"])) == r["title"], r
