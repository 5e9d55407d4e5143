"""Keyphrase quality on Inspec (validation split, 1,500 abstracts, uncontrolled gold keys).

Protocol of pke / Boudin: title + abstract in, top-k out, Porter-stemmed exact match against all
gold keys (absent ones too), precision over the predictions returned, macro-averaged F1@5 and
F1@10. Runs the papertrends tagger (its settings, its candidates and ranking) on every abstract,
and stock KeyBERT (1-3-grams, English stop words, top 10, full all-MiniLM-L6-v2) on a sample.

    python benchmarks/keyphrase_inspec.py [--limit N] [--stock-sample 100] [--backend ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from nltk.stem import PorterStemmer  # noqa: E402

from flows.settings import Settings  # noqa: E402

STEMMER = PorterStemmer()


def normalise(phrase: str) -> str:
    words = re.split(r"[\s\-]+", phrase.lower().strip())
    return " ".join(STEMMER.stem(w) for w in words if w)


def load_inspec(path: Path, limit: int | None) -> list[dict]:
    with path.open() as f:
        docs = [json.loads(line) for line in f if line.strip()]
    return docs[:limit] if limit else docs


def gold_keys(doc: dict) -> set[str]:
    return {normalise(k) for k in doc["keywords"].split(";") if k.strip()}


def f1_at(preds: list[list[str]], golds: list[set[str]], k: int) -> float:
    total = 0.0
    for pred, gold in zip(preds, golds, strict=True):
        top: list[str] = []
        for p in pred:
            n = normalise(p)
            if n not in top:
                top.append(n)
        top = top[:k]
        tp = len(set(top) & gold)
        if tp:
            precision, recall = tp / len(top), tp / len(gold)
            total += 2 * precision * recall / (precision + recall)
    return 100 * total / len(golds)


def run_ours(texts: list[str], settings: Settings) -> list[list[str]]:
    from flows.stages.tagging.embedder import ensure_model, get_embedder
    from flows.stages.tagging.keyphrases import doc_candidates, rank_doc

    tagging = settings.tagging
    embedder = get_embedder(tagging, ensure_model(settings))
    cands = [doc_candidates(t, tagging) for t in texts]
    doc_vectors = embedder.embed_docs(texts)
    keys = sorted({k for c in cands for k in c.keys})
    phrase_vectors = dict(zip(keys, embedder.embed_phrases(keys), strict=True))
    return [
        [kp.surface_form for kp in rank_doc(c, v, phrase_vectors, tagging)]
        for c, v in zip(cands, doc_vectors, strict=True)
    ]


def run_stock(texts: list[str]) -> list[list[str]]:
    from keybert import KeyBERT
    from sentence_transformers import SentenceTransformer

    from flows.stages.tagging.embedder import base_model_path

    model = KeyBERT(model=SentenceTransformer(str(base_model_path()), device="cpu"))
    return [
        [
            kw
            for kw, _ in model.extract_keywords(
                t, keyphrase_ngram_range=(1, 3), stop_words="english", top_n=10
            )
        ]
        for t in texts
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="inspec_valid.json")
    parser.add_argument("--limit", type=int, default=None, help="first N abstracts (all)")
    parser.add_argument(
        "--stock-sample", type=int, default=100, help="abstracts for stock KeyBERT (0: skip)"
    )
    parser.add_argument(
        "--backend", default=None, help="hybrid | model2vec | sentence-transformers"
    )
    parser.add_argument(
        "--pca", type=int, default=None, help="distill_pca_dims of the static model (0: none)"
    )
    parser.add_argument("--diversity", type=float, default=None)
    parser.add_argument("--no-skip-nested", action="store_true")
    parser.add_argument("--show", type=int, default=0, help="print predictions of N abstracts")
    args = parser.parse_args()

    settings = Settings()
    overrides = {}
    if args.backend:
        overrides["backend"] = args.backend
    if args.pca is not None:
        overrides["distill_pca_dims"] = args.pca or None
    if args.diversity is not None:
        overrides["diversity"] = args.diversity
    if args.no_skip_nested:
        overrides["skip_nested"] = False
    settings.tagging = settings.tagging.model_copy(update=overrides)
    path = args.data or settings.data_dir / "keyphrase" / "inspec_valid.json"
    if not path.is_file():
        raise SystemExit(f"Inspec not found at {path}")
    docs = load_inspec(path, args.limit)
    texts = [f"{d['title']}. {d['abstract']}" for d in docs]
    golds = [gold_keys(d) for d in docs]

    start = time.perf_counter()
    ours = run_ours(texts, settings)
    seconds = time.perf_counter() - start
    print(
        f"ours   ({settings.tagging.backend}, {len(texts)} abstracts, {seconds:.1f} s, "
        f"{len(texts) / seconds:.1f}/s): F1@5 {f1_at(ours, golds, 5):.1f}  "
        f"F1@10 {f1_at(ours, golds, 10):.1f}"
    )
    for text, pred, gold in list(zip(texts, ours, golds, strict=True))[: args.show]:
        print("\n", text[:300], "\n  ours:", pred, "\n  gold:", sorted(gold))
    n = min(args.stock_sample, len(texts))
    if n:
        start = time.perf_counter()
        stock = run_stock(texts[:n])
        seconds = time.perf_counter() - start
        print(
            f"stock  (KeyBERT 1-3-grams, {n} abstracts, {seconds:.1f} s, {n / seconds:.1f}/s): "
            f"F1@5 {f1_at(stock, golds[:n], 5):.1f}  F1@10 {f1_at(stock, golds[:n], 10):.1f}"
        )
        print(
            f"ours on the same {n}: F1@5 {f1_at(ours[:n], golds[:n], 5):.1f}  "
            f"F1@10 {f1_at(ours[:n], golds[:n], 10):.1f}"
        )


if __name__ == "__main__":
    main()
