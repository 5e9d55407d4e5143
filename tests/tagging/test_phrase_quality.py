"""A keyphrase names a theme: never a measurement, never a noun with a verb stuck to it, and the
phrases every abstract writes ("remarkable progress") are recognised as boilerplate."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from flows.settings import TaggingSettings
from flows.stages.tagging.candidates import extract_candidates, tokens_of
from flows.stages.tagging.keyphrases import compose_text, doc_candidates
from flows.stages.tagging.phrase_quality import (
    boilerplate_table,
    has_verb_tail,
    is_measurement,
    learn_boilerplate,
    word_counts,
    word_stats,
    words_table,
)
from tests.tagging.conftest import read_hf_daily

# the labels and keyphrases issue 11 quotes, and the promise's own examples
MEASUREMENTS = [
    "2000B tokens",
    "1.5TB host memory",
    "6.6B activated parameters",
    "16.3x faster convergence",
    "1M environment steps",
    "22.5k human trajectory",
    "7B",
    "1T tokens",
    "10x",
    "128k",
    # written in real abstracts of the archive
    "32K-token context length",
    "560-billion-parameter open-source Mixture-of",
    "4.20times speedup",
    "24fps",
    "10-360x fewer tokens",
    "80B HunyuanImage",
    "Qwen3-VL 235B",
    "5-shot setting",
    # canonical forms are lower case
    "12b",
    "2000b tokens",
    "1.5tb host memory",
    "7.9X smaller size",
]
NAMED_THINGS = [
    "GPT-4",
    "Qwen2.5",
    "3D reconstruction",
    "4D generation",
    "FP8 training",
    "text-to-3D",
    "Llama 3",
    "2D images",
    "COVID-19",
    # sizes and versions inside a name belong to the name
    "Qwen2.5-VL-7B",
    "Llama-3-8B-Instruct",
    "ImageNet-1K dataset",
    "Gemini 2.0-flash",
    # numbered formats and dimensions
    "4-bit quantization",
    "6-DoF pose estimation",
    "3DGS scenes",
    "6G networks",
]


@pytest.mark.parametrize("phrase", MEASUREMENTS)
def test_numbers_with_a_unit_or_a_scale_are_measurements(phrase):
    assert is_measurement(phrase)


@pytest.mark.parametrize("phrase", NAMED_THINGS)
def test_named_things_with_digits_are_not_measurements(phrase):
    assert not is_measurement(phrase)


# (phrase, the words after it in its abstract)
VERB_TAILS = [
    ("object removal aims", "to remove an object"),
    ("Pointwise reward modeling offers", "a simple recipe"),
    ("World modeling offers", "a natural intermediate proxy"),
    ("12b beats frontier model", None),
    ("GPT-4o lags", "behind human experts"),
    ("reasoning model achieves", None),
]
NOUNS = [
    ("training samples", None),
    ("training samples", "to the model"),
    ("reward model outputs", "and their scores"),
    ("diffusion models", "such as Stable Diffusion"),
    ("model weights", "to a new task"),
    ("video generation", "with sound"),
    ("KV cache", None),
]


@pytest.mark.parametrize(("phrase", "after"), VERB_TAILS)
def test_a_verb_after_the_noun_is_a_verb_tail(phrase, after):
    assert has_verb_tail(phrase, after)


@pytest.mark.parametrize(("phrase", "after"), NOUNS)
def test_plural_nouns_are_not_verb_tails(phrase, after):
    assert not has_verb_tail(phrase, after)


def test_candidates_keep_the_noun_and_drop_the_measurement_and_the_verb():
    text = (
        "Continually improving agents require feedback. World modeling offers a natural "
        "intermediate proxy. Object removal aims to erase objects. We pre-train on 2000B tokens "
        "with 1.5TB host memory and reach 16.3x faster convergence after 1M environment steps, "
        "unlike Qwen2.5-VL-7B with 4-bit quantization."
    )
    surfaces = {c.surface for c in extract_candidates(text)}
    assert {"World modeling", "Object removal", "host memory", "faster convergence"} <= surfaces
    assert {"environment steps", "Qwen2.5-VL-7B", "4-bit quantization"} <= surfaces
    assert not [s for s in surfaces if is_measurement(s) or re.search(r"offers|aims", s)]


def test_no_candidate_of_the_whole_archive_is_a_measurement_or_a_verb_tail(shared_data):
    """The checker over all 9,877 abstracts (no model: about 30 s of CPU)."""
    papers = read_hf_daily(shared_data, 100_000)
    assert len(papers) > 9_000
    measurements: list[str] = []
    verb_tails: list[str] = []
    n_candidates = 0
    for paper in papers:
        text = compose_text(paper["title"], paper["abstract"])
        tokens = tokens_of(text)
        for cand in extract_candidates(text):
            n_candidates += 1
            end = tokens[cand.first_position + len(cand.words) - 1][2]
            if is_measurement(cand.surface):
                measurements.append(cand.surface)
            if has_verb_tail(cand.surface, text[end : end + 40]):
                verb_tails.append(cand.surface)
    assert n_candidates > 300_000
    assert measurements == []
    assert verb_tails == []


def test_boilerplate_is_learned_from_the_archive_not_listed(shared_data):
    papers = read_hf_daily(shared_data, 3_000)
    texts = [compose_text(p["title"], p["abstract"]) for p in papers]
    stats = word_stats(texts)
    phrase_df: Counter[str] = Counter()
    for text in texts:
        phrase_df.update(doc_candidates(text, TaggingSettings()).canonicals)
    boilerplate = {b.phrase for b in learn_boilerplate(phrase_df, stats)}
    # the issue's examples, as canonical forms; they are in the archive
    issue = {"substantial challenge", "remarkable progress", "limited computational resource"}
    assert issue <= set(phrase_df)
    assert issue <= boilerplate
    themes = {
        "video generation",
        "reinforcement learning",
        "diffusion model",
        "speech recognition",
        "kv cache",
        "code generation",
    }
    assert themes <= set(phrase_df)
    assert not themes & boilerplate
    # the learned list is a small part of the phrases
    assert 0 < len(boilerplate) < 0.1 * len(phrase_df)


def test_a_rare_word_keeps_a_phrase_out_of_the_boilerplate(shared_data):
    """What int_keyphrases_boilerplate stores: every keyphrase once, marked or not."""
    texts = [compose_text(p["title"], p["abstract"]) for p in read_hf_daily(shared_data, 1_000)]
    phrase_df = {"remarkable progress": 5, "remarkable zebrafish": 5, "video generation": 9}
    table = boilerplate_table(word_stats(texts), phrase_df).to_pylist()
    rows = {r["keyphrase"]: r for r in table}
    assert len(table) == len(rows) == 3
    assert rows["remarkable progress"]["is_boilerplate"]
    assert rows["remarkable zebrafish"]["mean_residual_idf"] is None  # a rare word
    assert not rows["remarkable zebrafish"]["is_boilerplate"]
    assert not rows["video generation"]["is_boilerplate"]
    assert rows["video generation"]["n_papers"] == 9


def test_each_text_keeps_its_own_word_counts_whatever_the_batch(shared_data):
    """What int_paper_words_counted stores (built a few thousand texts at a time): each text's
    words with their counts, in the text's order, an empty text with none."""
    papers = read_hf_daily(shared_data, 300)
    texts = [(f"h{i}", p["title"], p["abstract"]) for i, p in enumerate(papers)]
    texts.append(("empty", "", ""))
    for batch in (1, 7, 5_000):
        rows = words_table(texts, batch=batch).to_pylist()
        assert [r["content_hash"] for r in rows] == [t[0] for t in texts]
        for (_, title, abstract), row in zip(texts, rows, strict=True):
            expected = word_counts(compose_text(title, abstract))
            assert [(w["word"], w["n"]) for w in row["words"]] == list(expected.items())
    assert rows[-1]["words"] == []
    assert words_table([]).num_rows == 0
