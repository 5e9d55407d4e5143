"""A day's topic placement costs what the day brings: BERTopic clusters the day's unplaced papers
with the loose papers closest to them, never every loose paper of ``loose_days`` (issue 12)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from flows.lib.topics import centroids_of, place_papers
from flows.settings import TopicSettings

DIM = 32
DAY = date(2026, 8, 1)


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def _around(centre: np.ndarray, n: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    return _unit(centre + rng.normal(size=(n, DIM)) * spread / np.sqrt(DIM))


def _archive_and_day() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """Two topics of 40 close papers; 1,000 loose papers scattered far from everything; 15 loose
    papers around a theme no topic covers; and a day of 4 new papers on that theme. Each paper's
    id is one of its keyphrases, so the fitted model's vocabulary names the papers it clustered."""
    rng = np.random.default_rng(3)
    a, b, theme = _unit(rng.normal(size=(3, DIM)))
    groups = {
        "a": (_around(a, 40, 0.3, rng), "t_a", False),
        "b": (_around(b, 40, 0.3, rng), "t_b", False),
        "far": (_unit(rng.normal(size=(1000, DIM))), "t_a", True),
        "near": (_around(theme, 15, 0.3, rng), "t_a", True),
        "new": (_around(theme, 4, 0.3, rng), None, False),
    }
    papers, assignments = [], []
    for name, (vectors, topic_id, loose) in groups.items():
        ids = [f"{name}{i:03d}" for i in range(len(vectors))]
        papers.append(pd.DataFrame({
            "paper_id": ids, "content_hash": ids, "activity_date": DAY,
            "keyphrases": [[f"{name} phrase", paper_id] for paper_id in ids],
            "embedding": list(vectors),
        }))
        if topic_id:
            assignments.append(pd.DataFrame({
                "paper_id": ids, "topic_id": topic_id, "content_hash": ids,
                "similarity": 0.5 if loose else 0.9, "is_loose": loose,
            }))
    keys, centroids = centroids_of(np.vstack([groups["a"][0], groups["b"][0]]),
                                   np.array(["t_a"] * 40 + ["t_b"] * 40))
    registry = pd.DataFrame({"topic_id": keys, "centroid": list(centroids),
                             "retired_run_id": None})
    new_ids = list(papers[-1]["paper_id"])
    return pd.concat(papers, ignore_index=True), registry, pd.concat(assignments), new_ids


def _clustered(model) -> set[str]:  # noqa: ANN001  (a fitted BERTopic)
    return {k for k in model.vectorizer_model.vocabulary_ if " " not in k}


def test_a_day_clusters_its_papers_with_the_closest_loose_papers_only() -> None:
    papers, registry, assignments, new_ids = _archive_and_day()
    near = {p for p in papers["paper_id"] if p.startswith("near")}
    bounded = TopicSettings(max_pool_papers=60)
    placed, model = place_papers(papers, registry, assignments, bounded)

    clustered = _clustered(model)
    assert len(clustered) == 60
    assert set(new_ids) | near <= clustered  # the day's papers and the loose ones closest to them
    primary = placed[placed["is_primary"]].set_index("paper_id")
    # loose papers help found but keep their own topic
    assert set(primary.drop(index=new_ids)["placement"]) == {"kept"}

    # the previous rule clustered every loose paper of loose_days with the day's papers
    _, everything = place_papers(
        papers, registry, assignments, bounded.model_copy(update={"max_pool_papers": 10**6})
    )
    assert len(_clustered(everything)) == 4 + 1015
