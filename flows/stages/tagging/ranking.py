"""KeyBERT ranking of one document's candidates: cosine similarity of each candidate phrase
embedding to the document embedding (plus a small lexical prior), then Maximal Marginal
Relevance (the selection of ``keybert._mmr.mmr``) and a nesting guard, so a paper's top-N holds
no near-duplicates ("text detection" next to "generated text detection")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flows.stages.tagging.canonical import singular


@dataclass(frozen=True)
class Keyphrase:
    keyphrase: str  # canonical form
    surface_form: str
    score: float  # ranking score: similarity + lexical prior (decreases with rank)
    rank: int  # 1 = best
    similarity: float  # KeyBERT's cosine similarity of phrase and document


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    n = len(inner)
    return any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


def _near_duplicate(a: tuple[str, ...], b: tuple[str, ...], max_overlap: float) -> bool:
    """One inside the other ("text detection" / "generated text detection"), or sharing at
    least ``max_overlap`` of the shorter one's words ("KV cache compression method/ratio")."""
    if _contains(a, b) or _contains(b, a):
        return True
    shared = len(set(a) & set(b))
    return shared >= 2 and shared / min(len(a), len(b)) >= max_overlap


def mmr_select(
    relevance: np.ndarray, similarity: np.ndarray, top_n: int, diversity: float
) -> list[int]:
    """MMR as in KeyBERT: repeatedly take argmax((1-d)*relevance - d*max sim to chosen)."""
    chosen: list[int] = []
    n = len(relevance)
    available = np.ones(n, dtype=bool)
    redundancy = np.full(n, -np.inf)  # max similarity to the chosen ones, kept up to date
    while len(chosen) < min(top_n, n):
        if chosen:
            scores = (1 - diversity) * relevance - diversity * redundancy
        else:
            scores = np.asarray(relevance, dtype=np.float64)
        pick = int(np.argmax(np.where(available, scores, -np.inf)))
        chosen.append(pick)
        available[pick] = False
        redundancy = np.maximum(redundancy, similarity[:, pick])
    return chosen


def rank_keyphrases(
    doc_embedding: np.ndarray,
    phrase_embeddings: np.ndarray,
    prior: np.ndarray,
    canonicals: list[str],
    surfaces: list[str],
    *,
    top_n: int,
    diversity: float,
    skip_nested: bool,
    max_overlap: float = 1.0,
) -> list[Keyphrase]:
    """The top ``top_n`` keyphrases; embeddings are unit rows, canonicals are distinct."""
    if not canonicals:
        return []
    cosine = phrase_embeddings @ doc_embedding
    relevance = cosine + prior
    similarity = phrase_embeddings @ phrase_embeddings.T
    order = mmr_select(relevance, similarity, len(canonicals) if skip_nested else top_n, diversity)
    picked: list[int] = []
    words = [tuple(singular(w) for w in c.split()) for c in canonicals]
    for i in order:
        if len(picked) == top_n:
            break
        if skip_nested and any(_near_duplicate(words[i], words[j], max_overlap) for j in picked):
            continue
        picked.append(i)
    picked.sort(key=lambda i: -relevance[i])
    return [
        Keyphrase(
            canonicals[i],
            surfaces[i],
            round(float(relevance[i]), 6),
            rank,
            round(float(cosine[i]), 6),
        )
        for rank, i in enumerate(picked, start=1)
    ]
