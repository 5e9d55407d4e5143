"""Topics: groups of papers about the same thing, with ids that stay stable across runs.

A paper's vector joins two views of its keyphrases: the IDF-weighted mean of their embeddings
(centred, so the common direction of the embedding space does not make every paper look alike)
and a hashed, IDF-weighted bag of their words and word pairs (papers sharing "kv cache" or
"text-to-sql" bind). Keyphrases used by more than ``max_df`` of the papers ("large language
models", "efficiency") get no weight, so the specific ones drive the grouping. Papers are grouped
by ward clustering into groups of about ``target_size``; a group of at least ``min_size`` papers
becomes a topic whose centroid is the mean of its members. Every paper is then assigned to its
nearest centroid (its primary topic), plus up to ``max_topics_per_paper - 1`` secondary topics
that are close too (``secondary_similarity``).

Stability: ``topic_registry`` (lake) keeps each topic's id and centroid; ``topic_assignments``
keeps each paper's primary topic with a signature of the keyphrases it was assigned from. On the
next run known papers keep their topic, new papers join the nearest existing topic when it is
close enough (``assign_similarity``), and only the remaining papers are clustered, so that only
genuinely new themes become new topics. Topic ids are a hash of the founding members, so the same
data gives the same ids.

The dbt Python models in ``dbt/models/intermediate`` call these plain functions.
"""

from __future__ import annotations

import ast
import hashlib
import re
from typing import Any

import numpy as np
import pandas as pd

from flows.settings import TopicSettings as TopicParams

# The lake tables that keep topics stable (created by flows.transform when missing).
REGISTRY_DDL = """
create table if not exists topic_registry (
    topic_id varchar primary key,
    label varchar not null,
    centroid float[] not null,
    top_keyphrases varchar[],
    parent_topic_id varchar,
    first_run_id varchar not null,
    last_run_id varchar not null,
    updated_at timestamptz not null default current_timestamp
);
create table if not exists topic_assignments (
    paper_id varchar primary key,
    topic_id varchar not null,
    signature varchar not null,        -- hash of the keyphrases the paper was assigned from
    run_id varchar not null
);
"""

UNCLUSTERED_TOPIC_ID = "t_unclustered"


def params_from_config(raw: dict | str | None) -> TopicParams:
    """TopicParams from the dbt config ``topic_params`` (a dict, or its rendering as text)."""
    if isinstance(raw, str):
        raw = ast.literal_eval(raw)
    return TopicParams(**(raw or {}))


def relation_frame(relation: Any, vector_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A DuckDB relation as a DataFrame whose vector columns hold numpy arrays (fast path)."""
    table = relation.to_arrow_table()
    frame = table.drop_columns(list(vector_columns)).to_pandas()
    for name in vector_columns:
        frame[name] = list(_list_column_matrix(table.column(name)))
    return frame


def _list_column_matrix(column: Any) -> np.ndarray:
    column = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    if len(column) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    values = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
    return values.reshape(len(column), -1)


def frame_arrow(frame: pd.DataFrame, vector_columns: tuple[str, ...]) -> Any:
    """A DataFrame with numpy-array vector columns as an Arrow table (vectors as float[])."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame.drop(columns=list(vector_columns)), preserve_index=False)
    n = len(frame)
    for name in vector_columns:
        matrix = _stack(frame[name]) if n else np.zeros((0, 0), dtype=np.float32)
        offsets = pa.array(np.arange(n + 1, dtype=np.int32) * matrix.shape[1], type=pa.int32())
        values = pa.array(matrix.ravel(), type=pa.float32())
        table = table.append_column(name, pa.ListArray.from_arrays(offsets, values))
    return table


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def signature(keyphrases: list[str]) -> str:
    return hashlib.sha1("\x1f".join(sorted(keyphrases)).encode()).hexdigest()[:16]


def paper_vectors(
    paper_keywords: pd.DataFrame,
    embeddings: pd.DataFrame,
    max_df: float,
    idf_power: float = 1.0,
    min_generic_papers: int = 10,
    lexical_weight: float = 0.0,
    lexical_features: int = 2048,
) -> pd.DataFrame:
    """One unit vector per paper from its keyphrases.

    paper_keywords: paper_id, keyphrase, score; embeddings: keyphrase, embedding.
    Returns paper_id, signature, vector (papers whose keyphrases have no embedding get none).
    """
    kw = paper_keywords[["paper_id", "keyphrase", "score"]].copy()
    n_papers = kw["paper_id"].nunique()
    if n_papers == 0:
        return pd.DataFrame({"paper_id": [], "signature": [], "vector": []})
    df = kw.groupby("keyphrase")["paper_id"].nunique()
    idf = np.log((1 + n_papers) / (1 + df)) + 1.0
    # generic phrases carry no weight (in small corpora only those used by many papers)
    generic = df > max(max_df * n_papers, min_generic_papers)
    idf[generic] = 0.0
    kw["weight"] = kw["keyphrase"].map(idf).astype(float) ** idf_power
    embeddings = embeddings.drop_duplicates("keyphrase")
    emb_index = {p: i for i, p in enumerate(embeddings["keyphrase"])}
    emb_matrix = _stack(embeddings["embedding"]) if len(embeddings) else None
    kw = kw[kw["keyphrase"].isin(emb_index)]
    # a paper whose phrases are all generic still gets a vector from them (equal weights)
    only_generic = kw.groupby("paper_id")["weight"].transform("sum") == 0
    kw.loc[only_generic, "weight"] = 1.0
    from scipy.sparse import csr_matrix

    phrases = sorted(kw["keyphrase"].unique())
    papers = sorted(kw["paper_id"].unique())
    if not phrases:
        return pd.DataFrame({"paper_id": [], "signature": [], "vector": []})
    matrix = emb_matrix[[emb_index[p] for p in phrases]]
    weights = csr_matrix(
        (
            kw["weight"].to_numpy(dtype=np.float32),
            (
                pd.Categorical(kw["paper_id"], categories=papers).codes,
                pd.Categorical(kw["keyphrase"], categories=phrases).codes,
            ),
        ),
        shape=(len(papers), len(phrases)),
    )
    # centre the phrase embeddings: sentence-embedding spaces share one common direction that
    # makes every mean of phrases look alike
    matrix = _normalise(matrix - matrix.mean(axis=0, keepdims=True))
    vectors = _normalise(np.asarray(weights @ matrix))
    if lexical_weight > 0:
        lexical = _lexical_vectors(
            kw, papers, generic, lexical_features, max_df, min_generic_papers
        )
        vectors = _normalise(
            np.hstack([np.sqrt(1 - lexical_weight) * vectors, np.sqrt(lexical_weight) * lexical])
        )
    sigs = paper_keywords.groupby("paper_id")["keyphrase"].apply(lambda s: signature(list(s)))
    keep = np.linalg.norm(vectors, axis=1) > 0
    rows = [(paper_id, sigs[paper_id], vectors[i]) for i, paper_id in enumerate(papers) if keep[i]]
    out = pd.DataFrame(rows, columns=["paper_id", "signature", "vector"])
    return out.sort_values("paper_id", ignore_index=True)


def _words(phrase: str) -> list[str]:
    words = [w.rstrip("s") if len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", phrase)]
    return [w for w in words if len(w) > 1]


def _lexical_vectors(
    kw: pd.DataFrame,
    papers: list[str],
    generic_phrases: pd.Series,
    n_features: int,
    max_df: float,
    min_generic_papers: int,
) -> np.ndarray:
    """Hashed bag of the words and word pairs of a paper's non-generic keyphrases, IDF weighted.

    Hashing keeps the feature space fixed across runs, so registry centroids stay comparable.
    """
    from sklearn.feature_extraction import FeatureHasher

    generic = set(generic_phrases[generic_phrases].index)
    features: dict[str, set[str]] = {p: set() for p in papers}
    for paper_id, phrase in zip(kw["paper_id"], kw["keyphrase"], strict=True):
        if phrase in generic:
            continue
        words = _words(phrase)
        features[paper_id].update(words)
        features[paper_id].update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    hasher = FeatureHasher(n_features=n_features, input_type="string", alternate_sign=False)
    counts = hasher.transform([sorted(features[p]) for p in papers]).tocsc()
    counts.data[:] = 1.0
    df = np.asarray(counts.sum(axis=0)).ravel()
    n = len(papers)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    idf[df > max(max_df * n, min_generic_papers)] = 0.0  # generic words ("model", "language")
    idf[df < 2] = 0.0  # a word no other paper has cannot bind papers
    return _normalise(np.asarray(counts.multiply(idf[None, :]).todense(), dtype=np.float32))


def cluster(
    vectors: np.ndarray, merge_similarity: float, linkage: str = "average", target_size: int = 15
) -> np.ndarray:
    """Agglomerative clusters of unit vectors; deterministic for the same input order.

    ward: cut into len(vectors) / target_size groups of similar size; other linkages: merge on
    cosine similarity down to merge_similarity.
    """
    n = len(vectors)
    if n < 2:
        return np.zeros(n, dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    if linkage == "ward":
        if vectors.shape[1] > 256 and n > 256:
            # ward on the main directions: the same groups, a fraction of the time
            from sklearn.decomposition import PCA

            vectors = PCA(n_components=256, svd_solver="randomized", random_state=0).fit_transform(
                vectors
            )
        model = AgglomerativeClustering(
            n_clusters=max(1, round(n / max(target_size, 1))), linkage="ward"
        )
    else:
        model = AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage=linkage,
            distance_threshold=1.0 - merge_similarity,
        )
    return model.fit_predict(vectors)


def topic_id_for(member_ids: list[str]) -> str:
    return "t_" + hashlib.sha1("\x1f".join(sorted(member_ids)).encode()).hexdigest()[:10]


def _stack(values) -> np.ndarray:  # noqa: ANN001
    return np.vstack([np.asarray(v, dtype=np.float32) for v in values])


def _previous_primary(
    vectors: pd.DataFrame, assignments: pd.DataFrame, topic_ids: set[str]
) -> pd.Series:
    """paper_id -> topic_id for papers assigned before from the same keyphrases."""
    if assignments.empty:
        return pd.Series(dtype=object)
    merged = vectors[["paper_id", "signature"]].merge(assignments, on=["paper_id", "signature"])
    merged = merged[merged["topic_id"].isin(topic_ids)]
    return merged.set_index("paper_id")["topic_id"]


def build_topics(
    vectors: pd.DataFrame,
    registry: pd.DataFrame,
    assignments: pd.DataFrame,
    params: TopicParams,
) -> pd.DataFrame:
    """The topics of this run: registry topics plus new ones found among unplaced papers.

    vectors: paper_id, signature, vector; registry: topic_id, centroid, label;
    assignments: paper_id, topic_id, signature. Returns topic_id, centroid, is_new,
    registry_label, parent_topic_id, sorted by topic_id.
    """
    registry = _usable_registry(registry, vectors)
    vectors = vectors.sort_values("paper_id", ignore_index=True)
    known = _previous_primary(vectors, assignments, set(registry["topic_id"]))
    pool = vectors[~vectors["paper_id"].isin(known.index)]
    if len(pool) and len(registry):
        sims = _stack(pool["vector"]) @ _normalise(_stack(registry["centroid"])).T
        pool = pool[sims.max(axis=1) < params.assign_similarity]
    topics = [
        (row.topic_id, np.asarray(row.centroid, dtype=np.float32), False, row.label)
        for row in registry.itertuples()
    ]
    if len(pool):
        labels = cluster(
            _stack(pool["vector"]), params.merge_similarity, params.linkage, params.target_size
        )
        groups = pd.Series(pool["paper_id"].to_numpy()).groupby(labels)
        min_size = params.min_size
        if not topics and groups.size().max() < min_size:
            min_size = 1  # a tiny first corpus: every group becomes a topic
        for _, members in groups:
            if len(members) < min_size:
                continue
            member_vectors = _stack(pool.loc[pool["paper_id"].isin(members), "vector"])
            centroid = _normalise(member_vectors.mean(axis=0, keepdims=True))[0]
            topics.append((topic_id_for(list(members)), centroid, True, None))
    frame = pd.DataFrame(topics, columns=["topic_id", "centroid", "is_new", "registry_label"])
    frame = frame.sort_values("topic_id", ignore_index=True)
    frame["parent_topic_id"] = parent_topics(frame, params.parent_similarity)
    frame["centroid"] = [np.asarray(c, dtype=np.float32) for c in frame["centroid"]]
    return frame


def _usable_registry(registry: pd.DataFrame, vectors: pd.DataFrame) -> pd.DataFrame:
    """The registry sorted by id; empty when its centroids do not match the vectors' space."""
    registry = registry.sort_values("topic_id", ignore_index=True)
    if registry.empty or vectors.empty:
        return registry
    if len(registry["centroid"].iloc[0]) != len(vectors["vector"].iloc[0]):
        return registry.iloc[0:0]
    return registry


def parent_topics(topics: pd.DataFrame, parent_similarity: float) -> list[str | None]:
    """Group related topics; each topic's parent is its group's most central topic."""
    if len(topics) < 2:
        return [None] * len(topics)
    centroids = _normalise(_stack(topics["centroid"]))
    labels = cluster(centroids, parent_similarity)
    parents: list[str | None] = [None] * len(topics)
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        if len(idx) < 2:
            continue
        mean = _normalise(centroids[idx].mean(axis=0, keepdims=True))[0]
        head = idx[int(np.argmax(centroids[idx] @ mean))]
        for i in idx:
            if i != head:
                parents[i] = topics["topic_id"].iloc[head]
    return parents


def assign_papers(
    vectors: pd.DataFrame,
    topics: pd.DataFrame,
    assignments: pd.DataFrame,
    params: TopicParams,
) -> pd.DataFrame:
    """paper x topic rows: paper_id, topic_id, weight (cosine similarity), is_primary.

    A paper keeps the primary topic it had when its keyphrases are unchanged; otherwise its
    primary topic is the nearest centroid. Secondary topics: the next nearest with a similarity
    of at least ``secondary_similarity``.
    """
    columns = ["paper_id", "topic_id", "weight", "is_primary"]
    if vectors.empty or topics.empty:
        return pd.DataFrame(columns=columns)
    vectors = vectors.sort_values("paper_id", ignore_index=True)
    topic_ids = topics["topic_id"].tolist()
    sims = _stack(vectors["vector"]) @ _normalise(_stack(topics["centroid"])).T
    known = _previous_primary(vectors, assignments, set(topic_ids))
    position = {t: i for i, t in enumerate(topic_ids)}
    rows = []
    k = max(params.max_topics_per_paper, 1)
    for i, paper_id in enumerate(vectors["paper_id"]):
        order = np.argsort(-sims[i], kind="stable")
        primary = position[known[paper_id]] if paper_id in known.index else int(order[0])
        rows.append((paper_id, topic_ids[primary], float(sims[i, primary]), True))
        secondary = [
            j for j in order[:k] if j != primary and sims[i, j] >= params.secondary_similarity
        ]
        for j in secondary[: k - 1]:
            rows.append((paper_id, topic_ids[j], float(sims[i, j]), False))
    return pd.DataFrame(rows, columns=columns)
