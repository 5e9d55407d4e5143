"""A paper's secondary topics are the same whether a run computes them afresh or reuses the last
published run's lists (issue 12: a day compares papers only with the topics that moved), run
after run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.lib.topics import NEIGHBOUR_DEPTH, centroids_of, neighbour_params, topic_neighbours
from flows.settings import TopicSettings

DIM = 24
# low enough that many papers have more close topics than a list holds (lists cut short)
PARAMS = TopicSettings(secondary_similarity=0.0, max_topics_per_paper=3)
K, DEPTH = PARAMS.max_topics_per_paper, NEIGHBOUR_DEPTH * PARAMS.max_topics_per_paper
NO_CACHE = pd.DataFrame(
    columns=["paper_id", "content_hash", "params", "topic_ids", "similarities", "complete"]
)


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def _papers(vectors: np.ndarray, first: int = 0) -> pd.DataFrame:
    ids = [f"p{i:04d}" for i in range(first, first + len(vectors))]
    return pd.DataFrame({"paper_id": ids, "content_hash": ids, "embedding": list(vectors)})


def _primary(papers: pd.DataFrame, centres: np.ndarray, names: list[str]) -> pd.DataFrame:
    vectors = np.vstack(papers["embedding"])
    return pd.DataFrame({
        "paper_id": papers["paper_id"],
        "topic_id": np.array(names)[np.argmax(vectors @ centres.T, axis=1)],
    })


def _topics(papers: pd.DataFrame, primary: pd.DataFrame) -> pd.DataFrame:
    """A run's topics as int_topics_clustered has them (the unit mean of each topic's papers);
    the registry a published run leaves holds the same centroids."""
    ordered = papers.sort_values("paper_id")
    topics = ordered["paper_id"].map(primary.set_index("paper_id")["topic_id"]).to_numpy()
    keys, centroids = centroids_of(_unit(np.vstack(ordered["embedding"])), topics)
    return pd.DataFrame({"topic_id": keys, "centroid": list(centroids), "retired_run_id": None})


def _as_cache(table: pa.Table) -> pd.DataFrame:
    cache = table.to_pandas()
    cache["params"] = neighbour_params(PARAMS)
    return cache


def _two_runs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run 1: 600 papers around 30 topics (papers, topics). Run 2: 40 new papers join topics
    t00-t02 (their centroids move), t29 is gone (its papers join the others) and a new topic t30
    appears."""
    rng = np.random.default_rng(7)
    centres = _unit(rng.normal(size=(31, DIM)))
    names = [f"t{i:02d}" for i in range(31)]
    old = _papers(_unit(centres[rng.integers(0, 30, 600)] + rng.normal(size=(600, DIM)) * 0.35))
    old_topics = _topics(old, _primary(old, centres[:30], names[:30]))
    new = _papers(_unit(centres[rng.integers(0, 3, 40)] + rng.normal(size=(40, DIM)) * 0.35), 600)
    papers = pd.concat([old, new], ignore_index=True)
    primary = _primary(papers, centres[:29], names[:29])
    founded = papers.index[papers.index % 50 == 7]
    primary.loc[founded, "topic_id"] = "t30"
    return old, old_topics, papers, _topics(papers, primary)


def _assert_same_nearest(incremental: pa.Table, afresh: pa.Table) -> None:
    """What secondary topics read, the first K pairs of a list, are the same; a reused list is
    the start of the list computed afresh, complete only when that one is."""
    assert incremental.column("paper_id").equals(afresh.column("paper_id"))
    pairs = zip(
        incremental.column("topic_ids").to_pylist(), incremental.column("similarities").to_pylist(),
        afresh.column("topic_ids").to_pylist(), afresh.column("similarities").to_pylist(),
        incremental.column("complete").to_pylist(), afresh.column("complete").to_pylist(),
        strict=True,
    )
    for ids, sims, ids_afresh, sims_afresh, complete, complete_afresh in pairs:
        assert ids[:K] == ids_afresh[:K] and sims[:K] == sims_afresh[:K]
        assert ids == ids_afresh[: len(ids)] and sims == sims_afresh[: len(ids)]
        assert len(ids) >= min(K, len(ids_afresh)) and len(ids) <= DEPTH
        assert complete <= complete_afresh and (ids == ids_afresh or not complete)


def test_reused_lists_equal_lists_computed_afresh_after_topics_moved_retired_and_appeared() -> None:
    old, registry, papers, topics = _two_runs()  # run 1's topics are run 2's registry
    first = topic_neighbours(old, registry, registry.iloc[:0], NO_CACHE, PARAMS)
    assert not all(first.column("complete").to_pylist())  # some lists were cut short
    incremental = topic_neighbours(papers, topics, registry, _as_cache(first), PARAMS)
    afresh = topic_neighbours(papers, topics, registry, NO_CACHE, PARAMS)
    _assert_same_nearest(incremental, afresh)
    assert incremental.num_rows == len(papers)
    lists = incremental.column("topic_ids").to_pylist()
    assert "t29" not in {t for ids in lists for t in ids}
    assert "t30" in {t for ids in lists for t in ids}
    sims = incremental.column("similarities").to_pylist()
    assert all(s == sorted(s, reverse=True) for s in sims)
    assert all(v >= np.float32(PARAMS.secondary_similarity) for s in sims for v in s)


def test_lists_reused_day_after_day_while_a_few_topics_move_keep_the_nearest_topics() -> None:
    """Twelve runs, each moving four topics, retiring one and founding one, with 20 new papers:
    each run's lists come from the last run's; the nearest topics stay those computed afresh,
    while lists cut short lose moved topics (shorter than afresh) and are computed again when
    fewer than K of their pairs are left."""
    rng = np.random.default_rng(11)
    centres = _unit(rng.normal(size=(40, DIM)))
    topics = pd.DataFrame({"topic_id": [f"t{i:02d}" for i in range(40)],
                           "centroid": list(centres), "retired_run_id": None})
    papers = _papers(_unit(centres[rng.integers(0, 40, 500)] + rng.normal(size=(500, DIM)) * 0.5))
    lists = topic_neighbours(papers, topics, topics.iloc[:0], NO_CACHE, PARAMS)
    shorter = 0
    for run in range(12):
        registry = topics
        moved = rng.choice(len(topics), 4, replace=False)
        centroids = np.vstack(topics["centroid"])
        centroids[moved] = _unit(centroids[moved] + rng.normal(size=(4, DIM)) * 0.3)
        topics = pd.DataFrame({"topic_id": topics["topic_id"], "centroid": list(centroids),
                               "retired_run_id": None})
        topics = pd.concat([topics.drop(index=rng.integers(len(topics))), pd.DataFrame(
            {"topic_id": [f"n{run:02d}"], "centroid": list(_unit(rng.normal(size=(1, DIM)))),
             "retired_run_id": None})], ignore_index=True)
        new = _unit(centroids[rng.integers(0, 40, 20)] + rng.normal(size=(20, DIM)) * 0.5)
        papers = pd.concat([papers, _papers(new, 500 + 20 * run)], ignore_index=True)
        lists = topic_neighbours(papers, topics, registry, _as_cache(lists), PARAMS)
        afresh = topic_neighbours(papers, topics, registry, NO_CACHE, PARAMS)
        _assert_same_nearest(lists, afresh)
        lengths = pc.list_value_length(lists.column("topic_ids")).to_numpy()
        shorter += int((lengths < DEPTH).sum())
        assert (lengths >= K).all()  # every paper has more than K topics that close here
    assert shorter > 0  # cut lists were reused less their moved topics


def test_a_paper_and_topics_that_did_not_change_are_not_compared_again() -> None:
    """The proof of reuse: a cached similarity (of an unmoved topic) comes back as cached."""
    old, topics, _, _ = _two_runs()
    first = topic_neighbours(old, topics, topics.iloc[:0], NO_CACHE, PARAMS)
    again = topic_neighbours(old, topics, topics, _as_cache(first), PARAMS)
    assert again.equals(first)  # nothing moved: the same lists
    cache = _as_cache(first)
    marked = cache.index[cache["complete"]][0]
    cache["similarities"] = [
        [0.5] * len(sims) if i == marked else sims for i, sims in enumerate(cache["similarities"])
    ]
    reused = topic_neighbours(old, topics, topics, cache, PARAMS)
    assert reused.column("similarities")[int(marked)].as_py() == [0.5] * len(
        cache.at[marked, "topic_ids"])
    # a changed text is compared afresh
    cache.at[marked, "content_hash"] = "an older text"
    assert topic_neighbours(old, topics, topics, cache, PARAMS).equals(first)
