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


def test_a_first_build_larger_than_max_cluster_papers_is_clustered_in_chunks() -> None:
    """UMAP's memory grows with what it embeds: a first build of more than max_cluster_papers
    unplaced papers is placed a chunk at a time, oldest first, and a later chunk's papers join
    the topics an earlier chunk founded instead of founding them again."""
    rng = np.random.default_rng(5)
    a, b, c = _unit(rng.normal(size=(3, DIM)))
    day1, day2 = date(2026, 7, 1), date(2026, 8, 1)
    groups = [("old_a", a, day1), ("old_b", b, day1), ("new_a", a, day2), ("new_c", c, day2)]
    papers = pd.concat([
        pd.DataFrame({
            "paper_id": [f"{name}{i:02d}" for i in range(30)],
            "content_hash": [f"{name}{i:02d}" for i in range(30)],
            "activity_date": day,
            "keyphrases": [[f"{name} phrase", f"{name}{i:02d}"] for i in range(30)],
            "embedding": list(_around(centre, 30, 0.3, rng)),
        })
        for name, centre, day in groups
    ], ignore_index=True).sample(frac=1, random_state=1)  # not in date order
    empty_registry = pd.DataFrame(columns=["topic_id", "centroid", "retired_run_id"])
    no_assignments = pd.DataFrame(
        columns=["paper_id", "topic_id", "content_hash", "similarity", "is_loose"]
    )
    params = TopicSettings(max_cluster_papers=60)
    placed, model = place_papers(papers, empty_registry, no_assignments, params)

    primary = placed[placed["is_primary"]].set_index("paper_id")
    assert primary["topic_id"].ne("").all() and len(primary) == 120
    group = primary.index.str[:5]
    topic_of = {g: set(primary.loc[group == g, "topic_id"]) for g in ("old_a", "old_b", "new_a")}
    # the first chunk (day 1) founded a topic per theme; the second (day 2) joined theme a's
    assert all(len(t) == 1 for t in topic_of.values())
    assert topic_of["new_a"] == topic_of["old_a"] != topic_of["old_b"]
    assert set(primary.loc[group == "new_a", "placement"]) == {"joined"}
    # ... and founded theme c's topics from what was left of day 2: the returned model is the
    # last chunk's, and it clustered only those papers
    new_c = primary[group == "new_c"]
    assert "founded" in set(new_c["placement"]) <= {"founded", "nearest"}
    assert not set(new_c["topic_id"]) & (topic_of["old_a"] | topic_of["old_b"])
    assert _clustered(model) == set(new_c.index)
