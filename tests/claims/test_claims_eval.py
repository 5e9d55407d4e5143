"""The benchmark's matching and its precision/recall arithmetic, on tiny constructed cases."""

from __future__ import annotations

import pytest

from benchmarks.claims_eval import LABELS, Key, Scores, load_labels, match, metric_agrees, score
from flows.lib.claims import CLAIM_TYPES, DIRECTIONS, QUALIFIERS


def test_precision_recall_on_a_constructed_case():
    gold = [Key(61.23, "%", "increase"), Key(75.77, "%", "decrease"), Key(2.0, "x", "increase")]
    predicted = [
        Key(61.23, "%", "increase"),  # right
        Key(75.77, "%", "level"),  # right number, wrong direction: both a miss and a false claim
        Key(1080.0, "absolute", "level"),  # a setup fact taken for a claim
    ]
    s = score(gold, predicted)
    assert (s.tp, s.fp, s.fn) == (1, 2, 2)
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(1 / 3)
    assert s.f1 == pytest.approx(1 / 3)


def test_matching_is_one_to_one():
    gold = [Key(70.4, "%", "level")]
    predicted = [Key(70.4, "%", "level"), Key(70.4, "%", "level")]
    assert match(gold, predicted) == [(0, 0)]
    assert score(gold, predicted) == Scores(tp=1, fp=1, fn=0)
    assert score([Key(1.0, "x", "increase")] * 2, [Key(1.0, "x", "increase")]) == Scores(1, 0, 1)


def test_empty_sides():
    assert score([], []).precision == 1.0 and score([], []).recall == 1.0
    assert score([Key(5.0, "points", "increase")], []).recall == 0.0
    assert score([], [Key(5.0, "points", "increase")]).precision == 0.0


def test_units_and_values_must_agree():
    assert score([Key(15.0, "points", "increase")], [Key(15.0, "%", "increase")]).tp == 0
    assert score([Key(15.0, "%", "increase")], [Key(15.01, "%", "increase")]).tp == 0


def test_metric_agreement_shares_a_content_word():
    assert metric_agrees("task accuracy", "performance-boosting task accuracy")
    assert metric_agrees("success rates", "average success rate of robots")
    assert not metric_agrees("response time", "accuracy")
    assert not metric_agrees("accuracy", None)


def test_labelled_set_shape():
    papers = load_labels(LABELS)
    assert len(papers) >= 60
    assert {p["split"] for p in papers} == {"dev", "heldout"}
    ids = [(p["source_file"], p["arxiv_id"]) for p in papers]
    assert len(set(ids)) == len(ids)
    numeric = [c for p in papers for c in p["claims"]]
    assert len(numeric) >= 100
    for claim in numeric:
        assert claim["direction"] in DIRECTIONS
        assert claim["qualifier"] in QUALIFIERS
        assert claim["claim_type"] in CLAIM_TYPES
        assert isinstance(claim["value"], float)
        assert claim["unit"] and claim["metric"] and claim["quote"]
    # the labels keep references and short quotes, never the abstracts themselves
    assert all(len(c["quote"]) < 120 for c in numeric)
    assert all(set(p) == {"source_file", "arxiv_id", "split", "stratum", "claims"} for p in papers)


def test_labelled_abstracts_are_in_the_shared_data(shared_data):
    from benchmarks.claims_eval import load_abstracts

    papers = load_labels(LABELS)
    abstracts = load_abstracts(shared_data, papers)
    assert len(abstracts) == len(papers)
    for paper in papers:
        text = abstracts[(paper["source_file"], paper["arxiv_id"])]
        for claim in paper["claims"]:
            # every quote is checked against the abstract it was labelled from
            quote = claim["quote"]
            assert quote in text, (paper["arxiv_id"], quote)
