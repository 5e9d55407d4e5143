"""Canonical forms group the spellings of one concept; the surface form stays beside it."""

from __future__ import annotations

from flows.settings import TaggingSettings
from flows.stages.tagging.canonical import canonical_form, find_acronyms
from flows.stages.tagging.keyphrases import doc_candidates
from tests.tagging.conftest import read_papers_page


def _abstract_with(shared_data, needle: str) -> str:
    return next(f"{t}. {a}" for t, a in read_papers_page(shared_data) if needle in a)


def test_case_number_and_hyphen_variants_merge():
    forms = {"language models", "Language Models", "language-model", "Language model"}
    assert {canonical_form(f) for f in forms} == {"language model"}
    assert canonical_form("text-to-SQL") == canonical_form("Text to SQL")
    assert canonical_form("KV caches") == canonical_form("KV cache")
    assert canonical_form("LLMs") == canonical_form("LLM")


def test_acronym_defined_in_the_abstract_maps_to_its_expansion(shared_data):
    text = _abstract_with(shared_data, "Concept Bottleneck Large Language Models (CB-LLMs)")
    acronyms = find_acronyms(text)
    assert acronyms["LLM"] == "Large Language Models"
    assert acronyms["CB-LLM"] == "Concept Bottleneck Large Language Models"
    assert canonical_form("LLMs", acronyms) == canonical_form("Large Language Models", acronyms)
    assert canonical_form("CB-LLMs", acronyms) == "concept bottleneck large language model"
    assert canonical_form("black-box LLMs", acronyms) == "black box large language model"


def test_a_papers_candidates_have_one_entry_per_concept(shared_data):
    text = _abstract_with(shared_data, "machine-generated text detection (MGTD)")
    cands = doc_candidates(text, TaggingSettings())
    assert len(set(cands.canonicals)) == len(cands.canonicals)
    assert "machine generated text detection" in cands.canonicals
    # "MGTD" is folded into its expansion, the surface form keeps what was written
    assert "mgtd" not in cands.canonicals
    assert all(s.lower() == k for s, k in zip(cands.surfaces, cands.keys, strict=True))
