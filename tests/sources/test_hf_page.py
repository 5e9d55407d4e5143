"""The copied text of a Hugging Face papers page: banners, "Subscribe", title/abstract pairs."""

from __future__ import annotations

from flows.lib.records import REASON_MISSING_ABSTRACT, build_batch, title_key, title_paper_id
from flows.stages.sources import hf_page


def test_real_page(shared_data, settings):
    path = shared_data / "hf-papers-page" / "papers-search-results.txt"
    lines = path.read_text().splitlines()
    batch = build_batch(hf_page.read_file(path), settings.ingest)
    assert batch.quarantine.height == 0
    assert batch.papers.height == (len([line for line in lines if line.strip()]) - 2) // 2 == 245
    first = batch.papers.row(0, named=True)
    assert first["title"] == "Text-To-Concept (and Back) via Cross-Model Alignment"
    assert first["abstract"] == lines[3].strip()
    assert first["paper_id"] == title_paper_id(title_key(first["title"]))
    assert first["paper_id"].startswith("title:")
    assert first["arxiv_id"] is None and first["first_seen_at"] is None
    assert first["source_ref"] == f"{path}:3"
    assert not batch.papers["title"].str.starts_with("Get trending").any()
    assert batch.papers["paper_id"].n_unique() == 245


def test_trailing_title_without_abstract(tmp_path, settings):
    path = tmp_path / "page.txt"
    path.write_text(
        "Get trending papers in your email inbox!\n"
        "SubscribeA Title\nIts abstract, long enough to pass the row rules of ingest.\n"
        "\nLonely Title\n"
    )
    batch = build_batch(hf_page.read_file(path), settings.ingest)
    assert batch.papers["title"].to_list() == ["A Title"]
    assert batch.quarantine.select("source_ref", "reason").rows() == [
        (f"{path}:5", REASON_MISSING_ABSTRACT)
    ]
