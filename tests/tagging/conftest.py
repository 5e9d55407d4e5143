"""Fixtures of the tagging tests: real abstracts from ../shared/data, one model per session."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from flows.lib.lake import open_lake
from flows.settings import Settings


def read_hf_daily(data_dir: Path, limit: int, skip: int = 0) -> list[dict]:
    """The first ``limit`` distinct papers (id, title, abstract) of the HF daily files."""
    papers: dict[str, dict] = {}
    for path in sorted((data_dir / "hf-daily-papers").glob("*.json")):
        payload = json.loads(path.read_text())
        entries = payload["data"] if isinstance(payload, dict) else payload
        for entry in entries:
            if isinstance(entry, str):  # the 2024-12 files hold Python-repr strings
                entry = ast.literal_eval(entry)
            paper = entry["paper"]
            papers.setdefault(
                paper["id"],
                {
                    "paper_id": paper["id"],
                    "title": " ".join(paper.get("title", "").split()),
                    "abstract": " ".join(paper.get("summary", "").split()),
                },
            )
            if len(papers) >= skip + limit:
                return list(papers.values())[skip:]
    return list(papers.values())[skip:]


def read_papers_page(data_dir: Path) -> list[tuple[str, str]]:
    """(title, abstract) pairs of the saved HF papers page."""
    lines = (data_dir / "hf-papers-page" / "papers-search-results.txt").read_text().splitlines()
    lines = [line for line in lines[2:] if line.strip()]
    lines[0] = lines[0].removeprefix("Subscribe")
    return list(zip(lines[0::2], lines[1::2], strict=False))


def content_hash(title: str, abstract: str) -> str:
    return hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest()


def put_papers(con: duckdb.DuckDBPyConnection, papers: list[dict]) -> None:
    """Insert or replace rows of the lake's ``papers`` table (what ingest would do)."""
    rows = pa.table(
        {
            "paper_id": [p["paper_id"] for p in papers],
            "title": [p["title"] for p in papers],
            "abstract": [p["abstract"] for p in papers],
            "content_hash": [content_hash(p["title"], p["abstract"]) for p in papers],
        }
    )
    con.register("_test_papers", rows)
    con.execute(
        """
        insert or replace into papers
            (paper_id, arxiv_id, title, abstract, source, source_ref, title_key, content_hash,
             last_run_id)
        select paper_id, paper_id, title, abstract, 'hf-daily', 'test', lower(title),
               content_hash, 'test'
        from _test_papers
        """
    )
    con.unregister("_test_papers")


@pytest.fixture(scope="session")
def embedding_model(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Load the default embedding model once per session (distilled into ``model_dir``, the
    session fixture of tests/conftest.py shared with the end-to-end tests)."""
    from flows.stages.tagging.embedder import ensure_model, get_embedder

    s = Settings(home=tmp_path_factory.mktemp("home"))
    s.tagging = s.tagging.model_copy(update={"model_dir": model_dir})
    path = ensure_model(s)
    get_embedder(s.tagging, path)
    return path


@pytest.fixture
def tag_settings(settings: Settings, model_dir: Path, embedding_model: Path) -> Settings:
    settings.tagging = settings.tagging.model_copy(update={"model_dir": model_dir})
    return settings


@pytest.fixture
def lake(tag_settings: Settings):
    with open_lake(tag_settings.lake_path) as con:
        yield con
