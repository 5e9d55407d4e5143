"""From one text to its keyphrases: candidates -> canonical forms -> KeyBERT ranking.

Used by the tagger (over lake batches) and by benchmarks/keyphrase_inspec.py alike, so the
benchmark measures exactly what the pipeline stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from flows.settings import TaggingSettings
from flows.stages.tagging.cache import text_hash
from flows.stages.tagging.candidates import extract_candidates, tokens_of
from flows.stages.tagging.canonical import canonical_form, find_acronyms
from flows.stages.tagging.ranking import Keyphrase, rank_keyphrases


@dataclass(frozen=True)
class DocCandidates:
    """A document's distinct candidates: one per canonical form."""

    canonicals: list[str]
    surfaces: list[str]  # the surface form of each (its most frequent spelling)
    keys: list[str]  # what is embedded for each (lower-cased surface): the cache key
    positions: list[float]  # first mention, as a fraction of the text's tokens (0 = start)


def compose_text(title: str, abstract: str) -> str:
    """The text a paper is tagged from: its title, then its abstract."""
    title, abstract = title.strip(), abstract.strip()
    if title and title[-1] not in ".!?:":
        title += "."
    return f"{title} {abstract}".strip()


def paper_text_hash(title: str | None, abstract: str | None) -> str:
    """The hash of the text a paper is tagged from: the key of its document embedding."""
    return text_hash(compose_text(title or "", abstract or ""))


def doc_candidates(text: str, tagging: TaggingSettings) -> DocCandidates:
    acronyms = find_acronyms(text)
    n_tokens = max(1, len(tokens_of(text)))
    by_canonical: dict[str, tuple[int, str]] = {}
    first: dict[str, int] = {}
    for cand in extract_candidates(text, max_words=tagging.max_words):
        canonical = canonical_form(cand.surface, acronyms)
        if not canonical:
            continue
        seen = by_canonical.get(canonical)
        if seen is None or cand.count > seen[0]:
            by_canonical[canonical] = (cand.count, cand.surface)
        first[canonical] = min(first.get(canonical, n_tokens), cand.first_position)
    canonicals = list(by_canonical)
    surfaces = [by_canonical[c][1] for c in canonicals]
    positions = [first[c] / n_tokens for c in canonicals]
    return DocCandidates(canonicals, surfaces, [s.lower() for s in surfaces], positions)


@lru_cache(maxsize=200_000)
def commonness(key: str) -> float:
    """Mean general-English Zipf frequency of a phrase's words, scaled to about 0..1."""
    from wordfreq import zipf_frequency

    words = key.replace("-", " ").split()
    return sum(min(zipf_frequency(w, "en"), 7.0) for w in words) / (7.0 * max(1, len(words)))


def lexical_prior(cands: DocCandidates, tagging: TaggingSettings) -> np.ndarray:
    """What Inspec-style keyphrases look like beyond meaning: multi-word, early, specific."""
    length = np.array([min(len(k.split()), 3) for k in cands.keys], dtype=np.float32)
    position = 1.0 - np.array(cands.positions, dtype=np.float32)
    common = np.array([commonness(k) for k in cands.keys], dtype=np.float32)
    return (
        tagging.length_bonus * length
        + tagging.position_weight * position
        - tagging.commonness_penalty * common
    )


def rank_doc(
    cands: DocCandidates,
    doc_embedding: np.ndarray,
    phrase_vectors: dict[str, np.ndarray],
    tagging: TaggingSettings,
) -> list[Keyphrase]:
    if not cands.canonicals:
        return []
    matrix = np.stack([phrase_vectors[k] for k in cands.keys])
    return rank_keyphrases(
        doc_embedding,
        matrix,
        lexical_prior(cands, tagging),
        cands.canonicals,
        cands.surfaces,
        top_n=tagging.top_n,
        diversity=tagging.diversity,
        skip_nested=tagging.skip_nested,
        max_overlap=tagging.max_overlap,
    )
