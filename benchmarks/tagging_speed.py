"""Tagging speed and memory, end to end, on the HF daily papers (9,877 abstracts).

Loads the papers into a fresh lake under a temporary PAPERTRENDS_HOME, then times
``tag_papers`` from a cold start (model load - and, for model2vec/hybrid, the one-off
distillation of the static model unless --model-dir points at an existing one - included),
re-runs it (must embed nothing), and times stock KeyBERT (1-3-grams, English stop words, full
all-MiniLM-L6-v2) on a sample. Prints docs/s, seconds and peak RSS.

    python benchmarks/tagging_speed.py [--limit N] [--stock-sample 100] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pyarrow as pa  # noqa: E402

from flows.lib.lake import open_lake  # noqa: E402
from flows.settings import Settings  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_papers(folder: Path, limit: int | None) -> list[dict]:
    papers: dict[str, dict] = {}
    for path in sorted(folder.glob("*.json")):
        payload = json.loads(path.read_text())
        for entry in payload["data"] if isinstance(payload, dict) else payload:
            paper = (ast.literal_eval(entry) if isinstance(entry, str) else entry)["paper"]
            title = " ".join(paper.get("title", "").split())
            abstract = " ".join(paper.get("summary", "").split())
            papers[paper["id"]] = {"paper_id": paper["id"], "title": title, "abstract": abstract}
    rows = list(papers.values())
    return rows[:limit] if limit else rows


def load_lake(settings: Settings, papers: list[dict]) -> None:
    table = pa.table(
        {
            "paper_id": [p["paper_id"] for p in papers],
            "title": [p["title"] for p in papers],
            "abstract": [p["abstract"] for p in papers],
            "content_hash": [
                hashlib.sha256(f"{p['title']}\n{p['abstract']}".encode()).hexdigest()
                for p in papers
            ],
        }
    )
    with open_lake(settings.lake_path) as con:
        con.register("bench_papers", table)
        con.execute(
            """
            insert into papers (paper_id, arxiv_id, title, abstract, source, source_ref,
                                title_key, content_hash, last_run_id)
            select paper_id, paper_id, title, abstract, 'hf-daily', 'benchmark', lower(title),
                   content_hash, 'benchmark'
            from bench_papers
            """
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N papers (all)")
    parser.add_argument("--stock-sample", type=int, default=50, help="papers for stock KeyBERT")
    parser.add_argument("--model-dir", type=Path, default=None, help="reuse a distilled model")
    parser.add_argument(
        "--backend", default=None, help="hybrid | model2vec | sentence-transformers"
    )
    parser.add_argument(
        "--pca", type=int, default=None, help="distill_pca_dims of the static model (0: none)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="papertrends-bench-") as tmp:
        settings = Settings(home=Path(tmp))
        updates: dict = {}
        if args.model_dir:
            updates["model_dir"] = args.model_dir
        if args.backend:
            updates["backend"] = args.backend
        if args.pca is not None:
            updates["distill_pca_dims"] = args.pca or None
        settings.tagging = settings.tagging.model_copy(update=updates)
        papers = read_papers(settings.data_dir / "hf-daily-papers", args.limit)
        load_lake(settings, papers)
        rss_before = peak_rss_mb()

        from flows.stages.tagging.tagger import tag_papers

        with open_lake(settings.lake_path) as con:
            start = time.perf_counter()
            counts = tag_papers(settings, con, run_id="bench-1", progress=False)
            seconds = time.perf_counter() - start
            print(
                f"ours ({settings.tagging.backend}): {len(papers)} papers in {seconds:.1f} s "
                f"= {len(papers) / seconds:.1f} docs/s end to end; peak RSS "
                f"{peak_rss_mb():.0f} MB (after loading the lake: {rss_before:.0f} MB)"
            )
            print(f"  {counts}")
            start = time.perf_counter()
            again = tag_papers(settings, con, run_id="bench-2", progress=False)
            print(
                f"re-run: {time.perf_counter() - start:.1f} s, docs embedded "
                f"{again.docs_embedded}, phrases embedded {again.phrases_embedded}"
            )
            print(f"  {again}")

        if args.stock_sample:
            from keybert import KeyBERT
            from sentence_transformers import SentenceTransformer

            from flows.stages.tagging.embedder import base_model_path

            sample = papers[: args.stock_sample]
            start = time.perf_counter()
            model = KeyBERT(model=SentenceTransformer(str(base_model_path()), device="cpu"))
            for p in sample:
                model.extract_keywords(
                    f"{p['title']}. {p['abstract']}",
                    keyphrase_ngram_range=(1, 3),
                    stop_words="english",
                    top_n=10,
                )
            seconds = time.perf_counter() - start
            print(
                f"stock KeyBERT: {len(sample)} papers in {seconds:.1f} s = "
                f"{len(sample) / seconds:.2f} docs/s (model load included)"
            )


if __name__ == "__main__":
    main()
