"""Claim extraction on sentences whose claims a reader can state by hand."""

from __future__ import annotations

import pytest

from flows.lib.claims import CLAIM_TYPES, DIRECTIONS, QUALIFIERS, Claim, extract_claims

VIBE = (
    "Many decision-making tasks, where both accuracy and efficiency matter, still require human "
    "supervision. Experiments show that summaries selected by VIBE consistently improve "
    "performance-boosting task accuracy by up to 61.23% and reducing response time by 75.77%."
)


def numeric(text: str) -> list[Claim]:
    return [c for c in extract_claims(text) if c.value is not None]


def only(text: str) -> Claim:
    claims = numeric(text)
    assert len(claims) == 1, claims
    return claims[0]


def test_vibe_example_gives_exactly_the_two_claims_of_the_issue():
    claims = extract_claims(VIBE)
    assert [(c.value, c.unit, c.direction, c.qualifier) for c in claims] == [
        (61.23, "%", "increase", "up to"),
        (75.77, "%", "decrease", ""),
    ]
    accuracy, response = claims
    assert "task accuracy" in accuracy.metric
    assert response.metric == "response time"
    assert (accuracy.claim_type, response.claim_type) == ("improvement", "efficiency")
    assert accuracy.span == "up to 61.23%" and response.span == "75.77%"
    assert {c.sentence_index for c in claims} == {1}
    for claim in claims:
        assert VIBE[claim.start_offset : claim.end_offset] == claim.span


@pytest.mark.parametrize(
    "sentence",
    [
        "We collect 1,080 prompts from real users.",
        "GPT-3 has 175 billion parameters.",
        "The model is trained on 6 million images.",
        "We release a dataset of 20M QA pairs covering 31 spatial relations.",
        "We evaluate 7B and 13B models on 12 benchmarks in 5 languages.",
        "Our method is trained with only 5% of the labelled data.",
        "Training takes 5 hours on 32xA100 GPUs.",
        "We pre-train a 13B model on a single 40GB A100 GPU.",
        "The benchmark was collected from 2018 to 2023 and released in 2024.",
        "We use GPT-4, Llama-3-8B and Qwen2.5-7B as backbones (see Fig. 3 and Table 2).",
        "Each video is a 5-second clip rendered at 1080p, and we use 4-shot prompting.",
    ],
)
def test_setup_facts_are_not_claims(sentence: str):
    assert numeric(sentence) == []


def test_numbers_with_thousands_separators():
    claim = only("Our kernel improves decoding throughput by 1,250 tokens/s over vLLM.")
    assert (claim.value, claim.unit, claim.direction) == (1250.0, "tokens/s", "increase")
    assert claim.claim_type == "efficiency"
    assert claim.baseline == "vLLM"


def test_from_to_range_gives_the_change_and_the_level_reached():
    text = "Fine-tuning raises accuracy on GSM8K from 45.2% to 61.0%."
    claims = numeric(text)
    change = next(c for c in claims if c.direction != "level")
    level = next(c for c in claims if c.direction == "level")
    assert len(claims) == 2
    assert (change.direction, change.unit) == ("increase", "points")
    assert change.value == pytest.approx(61.0 - 45.2)
    assert change.span == "from 45.2% to 61.0%"
    assert (level.value, level.unit, level.span) == (61.0, "%", "61.0%")
    assert all(c.metric == "accuracy" and c.benchmark == "GSM8K" for c in claims)


def test_a_falling_range_is_a_decrease():
    claims = numeric("Our filter cuts the error rate from 12.5% down to 4.5%.")
    assert {(c.value, c.unit, c.direction) for c in claims} == {
        (8.0, "points", "decrease"),
        (4.5, "%", "level"),
    }


def test_speedup_factor_is_an_efficiency_increase():
    claim = only("The distilled sampler is 2.3x faster than the teacher.")
    assert (claim.value, claim.unit, claim.direction, claim.claim_type) == (
        2.3,
        "x",
        "increase",
        "efficiency",
    )
    assert claim.span == "2.3x"


def test_latency_reduction_in_milliseconds():
    claim = only("Speculative decoding reduces latency by 40 ms per token.")
    assert (claim.value, claim.unit, claim.direction) == (40.0, "ms", "decrease")
    assert claim.metric == "latency"
    assert claim.claim_type == "efficiency"


def test_level_reached_names_metric_and_benchmark():
    claim = only("Our agent achieves a 47.4% success rate on OSWorld.")
    assert (claim.value, claim.unit, claim.direction, claim.claim_type) == (
        47.4,
        "%",
        "level",
        "result",
    )
    assert claim.metric == "success rate"
    assert claim.benchmark == "OSWorld"


def test_points_and_baseline():
    claim = only("It outperforms GPT-4o by 27 pp in tool-invocation success.")
    assert (claim.value, claim.unit, claim.direction, claim.baseline) == (
        27.0,
        "points",
        "increase",
        "GPT-4o",
    )


@pytest.mark.parametrize(
    ("sentence", "qualifier", "span"),
    [
        ("The method speeds up training by up to 3x.", "up to", "up to 3x"),
        ("Recall improves by over 12%.", "over", "over 12%"),
        ("It reaches approximately 84% agreement with human judges.", "about", "approximately 84%"),
        ("The error drops by ~20%.", "about", "~20%"),
        ("Accuracy improves by at least 5 points.", "at least", "at least 5 points"),
        ("Accuracy improves by 5 points.", "", "5 points"),
    ],
)
def test_qualifiers(sentence: str, qualifier: str, span: str):
    claim = only(sentence)
    assert (claim.qualifier, claim.span) == (qualifier, span)


def test_a_range_of_gains_gives_one_claim_per_end():
    claims = numeric("Our model is 5-15 pp more accurate than XGBoost.")
    assert [(c.value, c.unit, c.direction) for c in claims] == [
        (5.0, "points", "increase"),
        (15.0, "points", "increase"),
    ]


def test_bare_scores_are_absolute():
    claim = only("The ModernBERT-based model achieves an F1-score of 0.7266 on the test set.")
    assert (claim.value, claim.unit, claim.direction) == (0.7266, "absolute", "level")


def test_new_resource_and_finding_are_claims_without_value():
    text = (
        "We introduce BizFinBench, the first benchmark for financial applications of LLMs. "
        "We find that current models struggle with cross-concept reasoning."
    )
    resource, finding = extract_claims(text)
    assert (resource.claim_type, resource.value, resource.benchmark) == (
        "new_resource",
        None,
        "BizFinBench",
    )
    assert resource.span.startswith("BizFinBench")
    assert finding.claim_type == "finding" and finding.value is None
    assert finding.span.startswith("current models struggle")


def test_every_field_takes_a_contract_value():
    for claim in extract_claims(VIBE + " The model is 2.3x faster. We release X, a new dataset."):
        assert claim.claim_type in CLAIM_TYPES
        assert claim.direction in DIRECTIONS
        assert claim.qualifier in QUALIFIERS


def test_empty_and_numberless_text():
    assert extract_claims("") == []
    assert numeric("A method without any figures.") == []


def test_vibe_abstract_on_the_papers_page(shared_data):
    """The issue's example, in the abstract as the HF papers page gives it."""
    lines = (shared_data / "hf-papers-page" / "papers-search-results.txt").read_text().splitlines()
    abstract = next(line for line in lines if "summaries selected by VIBE" in line)
    claims = numeric(abstract)
    assert [(c.value, c.unit, c.direction, c.qualifier) for c in claims] == [
        (61.23, "%", "increase", "up to"),
        (75.77, "%", "decrease", ""),
    ]


# One test per pattern handler of flows.lib.claims.numeric, as the labelling guide states them.


def test_a_compound_duration_is_one_claim_in_the_smaller_unit():
    claim = only("Our pipeline cuts the labelling time of a video to 4 minutes and 15 seconds.")
    assert (claim.value, claim.unit, claim.span) == (255.0, "s", "4 minutes and 15 seconds")
    assert claim.claim_type == "efficiency"


def test_a_cue_after_a_list_of_figures_gives_every_figure_its_direction():
    claims = numeric("Our method yields 16.7% and 22.1% relative improvements on MMLU and GSM8K.")
    assert [(c.value, c.unit, c.direction) for c in claims] == [
        (16.7, "%", "increase"),
        (22.1, "%", "increase"),
    ]


def test_between_a_and_b_is_a_range_with_one_claim_per_end():
    claims = numeric("Our model is between 3 and 5 points more accurate than XGBoost.")
    assert [(c.value, c.unit, c.direction) for c in claims] == [
        (3.0, "points", "increase"),
        (5.0, "points", "increase"),
    ]


def test_a_bracketed_from_to_that_restates_a_change_adds_only_the_level():
    claims = numeric("It reduces the error rate by 8.43% (from 23.32% to 14.89%).")
    assert [(c.value, c.unit, c.direction, c.span) for c in claims] == [
        (8.43, "%", "decrease", "8.43%"),
        (14.89, "%", "level", "14.89%"),
    ]


def test_a_from_to_continued_after_and_gives_its_change_and_level_too():
    text = "Accuracy rises from 45.2% to 61.0% on GSM8K, and 30.1% to 40.5% on MATH."
    claims = numeric(text)
    assert [(c.value, c.unit, c.direction, c.benchmark) for c in claims] == [
        (pytest.approx(15.8), "points", "increase", "GSM8K"),
        (61.0, "%", "level", "GSM8K"),
        (pytest.approx(10.4), "points", "increase", "MATH"),
        (40.5, "%", "level", "MATH"),
    ]
    assert claims[2].span == "30.1% to 40.5%"
