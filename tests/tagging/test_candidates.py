"""Candidates read like phrases: never across punctuation or a stop word; technical tokens kept."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.stages.tagging.candidates import STOP_WORDS, extract_candidates
from tests.tagging.conftest import read_hf_daily, read_papers_page

# stock KeyBERT (1-3-grams, English stop words) picks these from the HF papers page
STOCK_KEYBERT_PHRASES = {
    "videos benefit concise",
    "evaluation vibe annotation",
    "detection task enhancing",
}


def _as_written(words: tuple[str, ...], text: str) -> bool:
    """The words stand in ``text`` one after another, separated by white space only."""
    alnum = r"[^\W_]"
    joined = r"\s+".join(map(re.escape, words))
    pattern = rf"(?<!{alnum})(?<!{alnum}-){joined}(?!{alnum}|-{alnum})"
    return re.search(pattern, text) is not None


def _check_phrases(text: str) -> list[str]:
    surfaces = []
    for cand in extract_candidates(text):
        assert cand.words, cand
        assert not any(w.lower() in STOP_WORDS for w in cand.words), cand.surface
        assert _as_written(cand.words, text), (cand.surface, text)
        surfaces.append(cand.surface)
    return surfaces


def test_candidates_of_real_abstracts_never_cross_stop_words_or_punctuation(shared_data):
    texts = [f"{t}. {a}" for t, a in read_papers_page(shared_data)]
    texts += [f"{p['title']}. {p['abstract']}" for p in read_hf_daily(shared_data, 200)]
    assert len(texts) > 400
    phrases = {s.lower() for text in texts for s in _check_phrases(text)}
    assert len(phrases) > 5000
    assert not phrases & STOCK_KEYBERT_PHRASES


WORDS = [
    "language",
    "model",
    "LLMs",
    "KV",
    "cache",
    "text-to-SQL",
    "the",
    "of",
    "and",
    "large",
    "we",
    "propose",
    "retrieval",
    "is",
    "fast",
    "graph",
    "neural",
    "network",
    "GPT-4o",
]
PUNCT = [",", ".", ";", ":", "(", ")", "!", "?", " - ", "/", '"']


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PUNCT)), max_size=40))
def test_candidates_never_cross_stop_words_or_punctuation(pieces):
    _check_phrases(" ".join(pieces))


def test_technical_tokens_and_acronyms_stay_intact(shared_data):
    page = " ".join(f"{t}. {a}" for t, a in read_papers_page(shared_data))
    words = {w for c in extract_candidates(page) for w in c.words}
    phrases = {c.surface for c in extract_candidates(page)}
    assert {"LLMs", "text-to-SQL", "CB-LLMs", "MGTD"} <= words
    assert "KV cache" in phrases or any(p.endswith("KV cache") for p in phrases)
