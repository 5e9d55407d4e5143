"""Topics and themes: BERTopic over the cached document embeddings, with ids stable across runs.

Input: one MiniLM document embedding per paper (the tagger's ``doc_embeddings`` cache, copied
into the candidate by ``flows.stages.transform``), the paper's ``content_hash`` and its keyphrases.

Placing papers (``place_papers``), against the registry of the last published run:

1. a known paper whose ``content_hash`` is unchanged keeps its topic (while the topic lives);
2. any other paper joins the nearest registry topic when its centroid is at least
   ``assign_similarity`` close (cosine);
3. the rest, with the *loose* papers of the last ``loose_days`` (papers that were placed below
   ``assign_similarity`` before) closest to them, form the pool (``max_pool_papers`` in all: a
   loose paper far from every unplaced paper cannot help found a topic, and the pool, not the
   archive, sets the day's cost). BERTopic (UMAP with a fixed ``random_state``,
   HDBSCAN with ``min_cluster_size``) clusters the pool; a cluster with at least
   ``min_new_papers`` unplaced papers founds a new topic, id ``t_`` + hash of its members.
   Loose papers help found it but keep their topic: no unchanged paper ever moves;
4. pool papers no new topic took join their nearest topic (loose when it is not close).

On the first run the registry is empty, so step 3 is a plain BERTopic fit of every paper with
its outliers reduced to the nearest topic centroid. More unplaced papers than
``max_cluster_papers`` (a first build of a big archive) are placed in chunks of about that size,
oldest first, each like a day: its papers join the topics the chunks before it founded (step 2),
and the rest is clustered (step 3). Nothing is quadratic in papers: similarities are computed
per chunk against the topic centroids only.

Secondary topics (``topic_neighbours``): the topics at least ``secondary_similarity`` close
to a paper, among its ``max_topics_per_paper`` nearest. The last published run's lists (up to
``NEIGHBOUR_DEPTH`` times longer) are kept in the lake, so a run compares the papers with the
topics whose centroid moved, and compares only new papers with every topic.

Themes (``assign_themes``): registry topics keep their theme; a new topic joins the nearest theme
when at least ``theme_join_similarity`` close; the remaining topics are grouped by ward
clustering of their centroids (about ``topics_per_theme`` each) into new themes, id ``h_`` +
hash of the founding topics. A topic's id never changes meaning; a topic with no papers left is
retired (kept in the registry, never reused).

The dbt Python models in ``dbt/models/intermediate`` call these functions; the fitted BERTopic
model and a manifest (versions, parameters, counts) are saved per run (``save_run_model``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flows.settings import TopicSettings as TopicParams

# The lake tables that keep topics and themes stable (created by flows.stages.transform when
# missing).
REGISTRY_DDL = """
create table if not exists topic_registry (
    topic_id varchar primary key,
    label varchar not null,
    centroid float[] not null,
    theme_id varchar,
    top_keyphrases varchar[],
    first_run_id varchar not null,
    last_run_id varchar not null,
    retired_run_id varchar,            -- set when the topic lost all its papers
    updated_at timestamptz not null default current_timestamp
);
create table if not exists theme_registry (
    theme_id varchar primary key,
    label varchar not null,
    centroid float[] not null,
    first_run_id varchar not null,
    last_run_id varchar not null,
    retired_run_id varchar,
    updated_at timestamptz not null default current_timestamp
);
create table if not exists topic_assignments (
    paper_id varchar primary key,
    topic_id varchar not null,
    content_hash varchar not null,     -- the text the paper was placed from
    similarity double not null,        -- cosine to the topic centroid when placed
    is_loose boolean not null,         -- placed below assign_similarity (may help found a topic)
    activity_date date,
    run_id varchar not null
);
-- each paper's nearest topics in the last published run (topic_neighbours; reused while the
-- text, the embedding model, the params and the topic's centroid are the same)
create table if not exists topic_neighbours (
    paper_id varchar not null,
    content_hash varchar not null,
    model_name varchar not null,
    params varchar not null,           -- neighbour_params
    topic_ids varchar[] not null,      -- nearest first, at least secondary_similarity close
    similarities float[] not null,
    complete boolean not null,         -- every topic that close is in topic_ids
    run_id varchar not null
);
"""
# columns that tell an older registry layout (keyphrase-space centroids) from this one
REGISTRY_MARKERS = {"topic_assignments": "content_hash", "topic_registry": "retired_run_id"}

UNCLUSTERED_TOPIC_ID = "t_unclustered"
PLACED_COLUMNS = ["paper_id", "topic_id", "weight", "is_primary", "is_loose", "placement"]


def params_from_config(raw: str | None) -> TopicParams:
    """The dbt Python models' one typed params object, from their config ``topic_params``.

    ``dbt/models/intermediate/_intermediate.yml`` sets it to the var ``topics`` as JSON
    (``tojson``); keys it leaves out take the TopicSettings defaults, and an unknown key (a
    misspelt ``--vars``) is an error rather than silently ignored.
    """
    if not isinstance(raw, str):
        raise ValueError(
            "dbt config topic_params must be the var `topics` as JSON "
            f"(dbt/models/intermediate/_intermediate.yml), got {raw!r}"
        )
    params = TopicParams.model_validate_json(raw)
    unknown = sorted(set(json.loads(raw)) - set(TopicParams.model_fields))
    if unknown:
        raise ValueError(f"unknown keys in the dbt var `topics`: {unknown}")
    return params


def relation_frame(
    relation: Any, vector_columns: tuple[str, ...] = (), arrow_columns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A DuckDB relation as a DataFrame whose vector columns hold numpy arrays (fast path) and
    whose ``arrow_columns`` stay Arrow arrays (pandas ArrowDtype: a value becomes Python
    objects only when read)."""
    table = relation.to_arrow_table()
    frame = table.drop_columns([*vector_columns, *arrow_columns]).to_pandas()
    for name in vector_columns:
        frame[name] = list(_list_column_matrix(table.column(name)))
    for name in arrow_columns:
        frame[name] = pd.arrays.ArrowExtensionArray(table.column(name))
    return frame


def embedded_papers(papers: Any, embeddings: Any) -> pd.DataFrame:
    """The relation ``papers`` (of int_papers_embedded) with each paper's ``embedding`` from
    ``embeddings`` (stg_raw__paper_embeddings), as ``relation_frame`` makes it. Keyphrases stay
    Arrow lists: the topic model reads those of the papers it clusters only (at 100k papers,
    1M keyphrases as Python strings took about 1 s and 0.2 GB in each topic model)."""
    relation = papers.join(embeddings.select("paper_id, embedding"), "paper_id")
    arrow = ("keyphrases",) if "keyphrases" in relation.columns else ()
    return relation_frame(relation, ("embedding",), arrow)


def _list_column_matrix(column: Any) -> np.ndarray:
    """An Arrow list column of equal-length vectors as one (rows x dims) float32 matrix, copied
    once (concatenating the chunks' values: at 100k papers, combining the chunks first and then
    converting copied the embeddings twice, 1 s of each topic model's 2-3 s)."""
    if len(column) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    chunks = column.chunks if hasattr(column, "chunks") else [column]
    values = np.concatenate(
        [chunk.flatten().to_numpy(zero_copy_only=False) for chunk in chunks if len(chunk)]
    )
    return values.astype(np.float32, copy=False).reshape(len(column), -1)


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


def _normalise(matrix: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Each row divided by its norm (zero rows stay zero). The norms are those of
    ``np.linalg.norm(axis=1)``, computed per chunk of rows: no temporary of the matrix's size
    (at 100k papers, two 150 MB temporaries took 0.25 s a call)."""
    norms = np.empty((len(matrix), 1), dtype=matrix.dtype)
    for start in range(0, len(matrix), chunk):
        block = matrix[start : start + chunk]
        norms[start : start + chunk] = np.sqrt(np.add.reduce(block * block, axis=1, keepdims=True))
    return matrix / np.where(norms == 0, 1.0, norms)


def _stack(values) -> np.ndarray:  # noqa: ANN001
    if len(values) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([np.asarray(v, dtype=np.float32) for v in values])


def stable_id(prefix: str, member_ids: list[str]) -> str:
    return prefix + hashlib.sha1("\x1f".join(sorted(member_ids)).encode()).hexdigest()[:10]


def nearest(
    vectors: np.ndarray, centroids: np.ndarray, k: int = 1, chunk: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine similarities of the k nearest centroids of each (unit) vector.

    Computed per chunk of vectors, so memory stays chunk x topics whatever the corpus size.
    """
    n, k = len(vectors), min(k, len(centroids))
    idx = np.zeros((n, k), dtype=np.int64)
    sims = np.zeros((n, k), dtype=np.float32)
    if n == 0 or k == 0:
        return idx, sims
    centroids = _normalise(centroids)
    for start in range(0, n, chunk):
        block = vectors[start : start + chunk] @ centroids.T
        order = _top_k(block, k)
        idx[start : start + chunk] = order
        sims[start : start + chunk] = np.take_along_axis(block, order, axis=1)
    return idx, sims


def _top_k(block: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k largest values, largest first, ties by column: the first
    k of a stable argsort of ``-block``, without sorting whole rows (rows tied at the k-th
    value are sorted whole)."""
    if k >= block.shape[1]:
        return np.argsort(-block, axis=1, kind="stable")[:, :k]
    top = np.sort(np.argpartition(-block, k - 1, axis=1)[:, :k], axis=1)
    values = np.take_along_axis(block, top, axis=1)
    order = np.take_along_axis(top, np.argsort(-values, axis=1, kind="stable"), axis=1)
    tied = (block >= values.min(axis=1, keepdims=True)).sum(axis=1) > k
    if tied.any():
        order[tied] = np.argsort(-block[tied], axis=1, kind="stable")[:, :k]
    return order


def centroids_of(
    vectors: np.ndarray, labels: np.ndarray, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(unique labels, unit mean vector per label) without any pairwise matrix. ``rows``: the
    rows of ``vectors`` that ``labels`` label (default: all), copied once, in label order.

    Each label's sum is a float64 sum of its vectors in row order: a sparse (labels x rows)
    indicator times the vectors, a block of 64 dimensions at a time (no float64 copy of all
    the vectors; 4x faster than ``np.add.reduceat`` with a float64 accumulator, same bits)."""
    from scipy.sparse import csr_array

    keys, inverse = np.unique(labels, return_inverse=True)
    if not len(keys):
        return keys, np.zeros((0, vectors.shape[1]), dtype=np.float32)
    order = np.argsort(inverse, kind="stable")
    picked = vectors[order] if rows is None else vectors[rows[order]]
    starts = np.r_[0, np.cumsum(np.bincount(inverse, minlength=len(keys)))]
    members = csr_array(
        (np.ones(len(order)), np.arange(len(order)), starts), shape=(len(keys), len(order))
    )
    sums = np.empty((len(keys), vectors.shape[1]))
    for start in range(0, vectors.shape[1], 64):
        sums[:, start : start + 64] = members @ picked[:, start : start + 64].astype(np.float64)
    return keys, _normalise(sums).astype(np.float32)


@dataclass
class Placement:
    """Papers (sorted by id) with their unit vectors and the topic each is placed in so far."""

    papers: pd.DataFrame  # paper_id, content_hash, activity_date, keyphrases
    vectors: np.ndarray
    topic: np.ndarray  # topic id per paper ('' = not placed yet)
    similarity: np.ndarray
    how: np.ndarray  # kept | joined | founded | nearest
    loose_pool: np.ndarray  # loose papers of earlier runs that may help found topics

    def join_nearest(
        self, members: np.ndarray, keys: np.ndarray, centroids: np.ndarray, how: str,
        min_similarity: float | None = None,
    ) -> None:
        """``members`` (indices) join their nearest of the topics ``keys`` (unit
        ``centroids``), those at least ``min_similarity`` close only when it is given."""
        idx, sims = nearest(self.vectors[members], centroids)
        close = (
            np.ones(len(members), dtype=bool) if min_similarity is None
            else sims[:, 0] >= min_similarity
        )
        self.topic[members[close]] = keys[idx[close, 0]]
        self.similarity[members[close]] = sims[close, 0]
        self.how[members[close]] = how

    def placed_centroids(self) -> tuple[np.ndarray, np.ndarray]:
        """The topics of the papers placed so far and their centroids."""
        placed = self.how != ""
        rows = np.flatnonzero(placed)
        return centroids_of(self.vectors, self.topic[rows].astype(str), rows)


def _initial_placement(
    papers: pd.DataFrame, registry: pd.DataFrame, assignments: pd.DataFrame, params: TopicParams
) -> tuple[Placement, pd.DataFrame]:
    """Steps 1 and 2: known papers keep their topic, others join a close registry topic."""
    papers = papers.sort_values("paper_id", ignore_index=True)
    vectors = _normalise(_stack(papers["embedding"])) if len(papers) else np.zeros((0, 0))
    active = registry[registry["retired_run_id"].isna()].sort_values("topic_id", ignore_index=True)
    n = len(papers)
    topic = np.full(n, "", dtype=object)
    similarity = np.zeros(n, dtype=np.float32)
    how = np.full(n, "", dtype=object)
    loose_pool = np.zeros(n, dtype=bool)
    if len(assignments):
        known = papers[["paper_id", "content_hash"]].merge(
            assignments, on=["paper_id", "content_hash"], how="left"
        )
        keep = known["topic_id"].isin(set(active["topic_id"])).to_numpy()
        topic[keep] = known.loc[keep, "topic_id"].to_numpy()
        similarity[keep] = known.loc[keep, "similarity"].to_numpy(dtype=np.float32)
        how[keep] = "kept"
        horizon = _loose_horizon(papers, params)
        loose_pool = keep & known["is_loose"].fillna(False).to_numpy(dtype=bool)
        loose_pool &= (pd.to_datetime(papers["activity_date"]) >= horizon).to_numpy()
    place = Placement(papers, vectors, topic, similarity, how, loose_pool)
    rest = np.flatnonzero(how == "")
    if len(rest) and len(active):
        place.join_nearest(
            rest, active["topic_id"].to_numpy(), _stack(active["centroid"]), "joined",
            params.assign_similarity,
        )
    return place, active


def _loose_horizon(papers: pd.DataFrame, params: TopicParams) -> pd.Timestamp:
    latest = pd.to_datetime(papers["activity_date"]).max()
    if pd.isna(latest):
        return pd.Timestamp(date.min)
    return latest - timedelta(days=params.loose_days)


KEYPHRASE_END = "\x1f"


def keyphrase_docs(papers: pd.DataFrame) -> list[str]:
    """One document per paper for BERTopic's c-TF-IDF: its keyphrases, each ended by
    KEYPHRASE_END, so that the documents BERTopic joins per topic (with a space) still split
    into whole keyphrases."""
    return ["".join(k + KEYPHRASE_END for k in phrases) for phrases in papers["keyphrases"]]


def split_keyphrases(doc: str) -> list[str]:
    """The analyzer of the keyphrase documents (module-level so the model pickles)."""
    return [k.strip() for k in doc.split(KEYPHRASE_END) if k.strip()]


def import_umap_cached() -> None:
    """Import umap-learn (and BERTopic, which imports it) with numba's on-disk cache on.

    umap-learn JIT-compiles about a hundred numba functions on their first call in every process
    and, unlike pynndescent, does not ask numba to cache them: 20-45 s of every run's topic step
    on 2 cores, however few the papers. Decorated while imported with ``cache=True``, they
    compile once and load from ``__pycache__`` (numba's own cache) in every later process.
    Does nothing when umap is already imported.
    """
    import sys

    if "umap" in sys.modules:
        return
    import numba

    plain = numba.njit

    def cached_njit(*args: Any, **options: Any) -> Any:
        options.setdefault("cache", True)
        return plain(*args, **options)

    numba.njit = cached_njit
    try:
        import bertopic  # noqa: F401  (imports umap)
        import umap  # noqa: F401
    finally:
        numba.njit = plain


def topic_model(params: TopicParams, n_docs: int) -> Any:
    """BERTopic with UMAP (fixed random_state) and HDBSCAN, on precomputed embeddings."""
    import_umap_cached()
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    umap = UMAP(
        n_neighbors=max(2, min(params.umap_n_neighbors, n_docs - 1)),
        n_components=params.umap_n_components,
        min_dist=params.umap_min_dist,
        metric="cosine",
        random_state=params.random_state,
        low_memory=True,
    )
    hdbscan = HDBSCAN(
        min_cluster_size=params.min_cluster_size,
        min_samples=params.min_samples,
        metric="euclidean",
        cluster_selection_method=params.cluster_selection_method,
        prediction_data=True,
        # hdbscan's default (4) computes core distances in 4 joblib processes, which stay up
        # after the fit: 4 x 215 MB beside the stage worker through a cold 100k build
        core_dist_n_jobs=1,
    )
    vectorizer = CountVectorizer(analyzer=split_keyphrases)
    return BERTopic(
        language=None,  # "english" strips every non-alphanumeric character, KEYPHRASE_END too
        umap_model=umap,
        hdbscan_model=hdbscan,
        vectorizer_model=vectorizer,
        calculate_probabilities=False,
    )


def _chunks(place: Placement, params: TopicParams) -> list[np.ndarray]:
    """The unplaced papers in chunks of at most ``max_cluster_papers``, oldest first (ties:
    paper order); one chunk when they fit."""
    unplaced = np.flatnonzero(place.how == "")
    if len(unplaced) <= params.max_cluster_papers:
        return [unplaced]
    dates = pd.to_datetime(place.papers["activity_date"]).to_numpy()[unplaced]
    ordered = unplaced[np.argsort(dates, kind="stable")]
    return np.array_split(ordered, -(-len(ordered) // params.max_cluster_papers))


def _join_founded(place: Placement, chunk: np.ndarray, params: TopicParams) -> None:
    """Step 2 for a chunk after the first: its papers join the nearest topic the chunks before
    it founded, when at least ``assign_similarity`` close."""
    if (place.how != "").any():
        place.join_nearest(chunk, *place.placed_centroids(), "joined", params.assign_similarity)


def _found_topics(place: Placement, params: TopicParams, chunk: np.ndarray) -> Any:
    """Step 3: cluster the pool of ``chunk``'s unplaced papers; clusters with enough of them
    found new topics."""
    unplaced = np.zeros(len(place.how), dtype=bool)
    unplaced[chunk] = True
    unplaced &= place.how == ""
    if unplaced.sum() < params.min_new_papers:
        return None
    pool = _pool(place, params, unplaced)
    if len(pool) <= params.umap_n_components + 2:
        return None
    docs = keyphrase_docs(place.papers.iloc[pool])
    if len({k for doc in docs for k in split_keyphrases(doc)}) < 2:
        return None  # c-TF-IDF needs a vocabulary of two keyphrases or more
    model = topic_model(params, len(pool))
    labels = np.asarray(model.fit_transform(docs, embeddings=place.vectors[pool])[0])
    founded = {}
    for label in sorted(set(labels) - {-1}):
        members = pool[labels == label]
        new_members = members[unplaced[members]]
        if len(members) < params.min_cluster_size or len(new_members) < params.min_new_papers:
            continue
        topic_id = stable_id("t_", list(place.papers["paper_id"].iloc[members]))
        centroid = _normalise(place.vectors[members].mean(axis=0, keepdims=True))[0]
        sims = place.vectors[new_members] @ centroid
        place.topic[new_members] = topic_id
        place.similarity[new_members] = sims
        place.how[new_members] = "founded"
        founded[int(label)] = topic_id
    model.papertrends_founded = founded  # BERTopic topic number -> our topic id
    return model


def _pool(place: Placement, params: TopicParams, unplaced_mask: np.ndarray) -> np.ndarray:
    """Indices of the papers to cluster: every unplaced paper of the chunk and, up to
    ``max_pool_papers`` in all, the loose papers closest to one of them (ties: paper order)."""
    unplaced = np.flatnonzero(unplaced_mask)
    loose = np.flatnonzero(place.loose_pool)
    room = max(params.max_pool_papers - len(unplaced), 0)
    if len(loose) > room:
        _, sims = nearest(place.vectors[loose], place.vectors[unplaced])
        loose = loose[np.argsort(-sims[:, 0], kind="stable")[:room]]
    return np.sort(np.concatenate([unplaced, loose]))


def _place_leftovers(place: Placement) -> None:
    """Step 4: papers no topic took join the nearest centroid of this run's topics."""
    left = np.flatnonzero(place.how == "")
    if not len(left):
        return
    if not (place.how != "").any():  # a tiny first corpus without any cluster: one topic for all
        place.topic[:] = stable_id("t_", list(place.papers["paper_id"]))
        place.how[:] = "founded"
        _, centroids = centroids_of(place.vectors, place.topic.astype(str))
        place.similarity[:] = place.vectors @ centroids[0]
        return
    place.join_nearest(left, *place.placed_centroids(), "nearest")


def place_papers(
    papers: pd.DataFrame,
    registry: pd.DataFrame,
    assignments: pd.DataFrame,
    params: TopicParams,
) -> tuple[pd.DataFrame, Any]:
    """Every paper's primary topic, plus the fitted model (secondary topics:
    ``topic_neighbours``).

    papers: paper_id, content_hash, activity_date, keyphrases (list), embedding;
    registry: topic_id, centroid, retired_run_id; assignments: paper_id, topic_id,
    content_hash, similarity, is_loose. Returns (rows with PLACED_COLUMNS, the BERTopic model
    fitted on the pool or None when no pool was clustered).
    """
    if papers.empty:
        return pd.DataFrame(columns=PLACED_COLUMNS), None
    place, _ = _initial_placement(papers, registry, assignments, params)
    model = None
    for n, chunk in enumerate(_chunks(place, params)):
        if n:
            _join_founded(place, chunk, params)
        fitted = _found_topics(place, params, chunk)
        model = fitted if fitted is not None else model
    _place_leftovers(place)
    loose = place.similarity < params.assign_similarity
    primary = pd.DataFrame(
        {
            "paper_id": place.papers["paper_id"],
            "topic_id": place.topic.astype(str),
            "weight": np.clip(place.similarity, 0.0, 1.0).astype(float),
            "is_primary": True,
            "is_loose": loose,
            "placement": place.how.astype(str),
        }
    )
    return primary, model


def topic_neighbours(
    papers: pd.DataFrame,
    topics: pd.DataFrame,
    registry: pd.DataFrame,
    cache: pd.DataFrame,
    params: TopicParams,
) -> Any:
    """Each paper's nearest topics: the topics whose centroid is at least
    ``secondary_similarity`` close, nearest first, ties by topic id, its own primary topic
    included; at most ``NEIGHBOUR_DEPTH`` x ``max_topics_per_paper`` of them, and at least
    ``max_topics_per_paper`` when that many are that close (int_paper_topics_secondary keeps the
    first ``max_topics_per_paper``, less the primary topic, as secondary topics).

    papers: paper_id, content_hash, embedding; topics: this run's topic_id and centroid
    (``topic_table``); registry: the last published run's topics (topic_id, centroid,
    retired_run_id), whose centroids ``topic_table`` computed the same way; cache: that run's
    neighbours (NEIGHBOUR_COLUMNS + params, the lake's ``topic_neighbours`` of the same texts
    and embedding model; empty on a full refresh).

    Only what changed is computed: a cached paper keeps its similarities to the topics whose
    centroid equals the registry's (bit for bit) and is compared with the other topics only. A
    list cut short is exact up to its last pair, so it stays in use, less its changed topics
    (and with the changed topics that now rank before that pair), while it holds
    ``max_topics_per_paper`` pairs: a day's moved topics shorten it, they do not send the paper
    back to every topic. New papers, and lists cut shorter than that, are compared with every
    topic. Similarities are float64 dot products rounded to float32, so a reused value is the
    one a full computation gives (float32 BLAS results depend on the matrix shapes; float64
    ones differ far below a float32 step). Returns an Arrow table with NEIGHBOUR_COLUMNS, one
    row per paper.
    """
    papers = papers.sort_values("paper_id", ignore_index=True)
    vectors = _normalise(_stack(papers["embedding"])) if len(papers) else np.zeros((0, 0))
    topics = topics.sort_values("topic_id", ignore_index=True)
    keys = topics["topic_id"].to_numpy(dtype=str)
    centroids = _stack(topics["centroid"])
    active = registry[registry["retired_run_id"].isna()]
    published = dict(zip(active["topic_id"], active["centroid"], strict=True))
    kept = np.array(
        [
            k in published and np.array_equal(published[k], c)
            for k, c in zip(keys, centroids, strict=True)
        ],
        dtype=bool,
    )
    cached = papers[["paper_id", "content_hash"]].merge(
        cache[cache["params"] == neighbour_params(params)], on=["paper_id", "content_hash"],
        how="left",
    )
    rows, cols, sims, complete = _neighbour_pairs(vectors, centroids, kept, keys, cached, params)
    order = np.lexsort((cols, -sims, rows))
    rows, cols, sims = rows[order], cols[order], sims[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    listed = rank < NEIGHBOUR_DEPTH * params.max_topics_per_paper
    return _neighbour_table(papers, rows[listed], keys[cols[listed]], sims[listed], complete)


NEIGHBOUR_COLUMNS = ["paper_id", "content_hash", "topic_ids", "similarities", "complete"]
# a list holds up to this many times max_topics_per_paper topics: the margin a cached list can
# lose to moved topics before the paper is compared with every topic again
NEIGHBOUR_DEPTH = 4


def neighbour_params(params: TopicParams) -> str:
    """The settings a paper's cached neighbours depend on (beside its text and the centroids)."""
    return f"{params.secondary_similarity!r}/{params.max_topics_per_paper}/{NEIGHBOUR_DEPTH}"


def _neighbour_pairs(
    vectors: np.ndarray,
    centroids: np.ndarray,
    kept: np.ndarray,
    keys: np.ndarray,
    cached: pd.DataFrame,
    params: TopicParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(paper row, topic column, similarity) of the paper-topic pairs at least
    ``secondary_similarity`` close that can be in a paper's list (``topic_neighbours``), and per
    paper whether every topic that close is among them (``complete``)."""
    k, threshold = params.max_topics_per_paper, params.secondary_similarity
    depth = NEIGHBOUR_DEPTH * k
    n = len(vectors)
    covered = cached["params"].notna().to_numpy()
    old_complete = cached["complete"].fillna(False).to_numpy(dtype=bool)
    # cached pairs, by paper row: the column of a kept topic, -1 for a changed or retired one
    old_ids = cached["topic_ids"][covered]
    old_rows = np.repeat(np.flatnonzero(covered), old_ids.map(len).to_numpy(dtype=np.int64))
    old_keys = _flat(old_ids, str)
    old_cols = pd.Index(keys).get_indexer(old_keys).astype(np.int64)
    old_cols[old_cols >= 0] = np.where(kept[old_cols[old_cols >= 0]], old_cols[old_cols >= 0], -1)
    old_sims = _flat(cached["similarities"][covered], np.float32)
    reused = old_cols >= 0
    # a list cut short is known up to its last pair: compared afresh when fewer than k of its
    # pairs are kept (so its first k could lie beyond that pair)
    short = np.bincount(old_rows[reused], minlength=n) < k
    whole = ~covered | (short & ~old_complete)  # compared with every topic
    part = np.flatnonzero(~whole)
    changed = np.flatnonzero(~kept)
    w_rows, w_cols, w_sims, w_counts = _nearest_above(
        vectors, np.flatnonzero(whole), centroids, threshold, depth
    )
    p_rows, p_cols, p_sims, p_counts = _nearest_above(
        vectors, part, centroids[changed], threshold, depth
    )
    p_rows, p_cols = part[p_rows], changed[p_cols]
    # a changed topic joins a list cut short only when it ranks before the list's last pair
    last = np.zeros(n, dtype=np.int64)
    last[old_rows] = np.arange(len(old_rows))  # the last pair of each cached list
    joins = old_complete[p_rows]
    cut = np.flatnonzero(~joins)
    bound = last[p_rows[cut]]
    joins[cut] = (p_sims[cut] > old_sims[bound]) | (
        (p_sims[cut] == old_sims[bound]) & (keys[p_cols[cut]] < old_keys[bound])
    )
    reused &= ~whole[old_rows]
    rows = np.concatenate([np.flatnonzero(whole)[w_rows], p_rows[joins], old_rows[reused]])
    cols = np.concatenate([w_cols, p_cols[joins], old_cols[reused]])
    sims = np.concatenate([w_sims, p_sims[joins], old_sims[reused]])
    # how many topics are that close: counted afresh, or the kept cached ones and the changed
    counts = np.bincount(old_rows[reused], minlength=n)
    counts[whole] = w_counts
    counts[part] += p_counts
    complete = counts <= depth
    complete[part] &= old_complete[part]
    return rows, cols, sims, complete


def _flat(lists: pd.Series, dtype: Any) -> np.ndarray:
    """The values of a column of lists, one after the other."""
    return np.concatenate([np.zeros(0, dtype), *lists]).astype(dtype, copy=False)


def _nearest_above(
    vectors: np.ndarray, which: np.ndarray, centroids: np.ndarray, threshold: float, k: int,
    chunk: int = 1024,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, similarity) of each unit vector ``vectors[which]``'s k nearest unit
    centroids that are at least ``threshold`` close (ties by column; row: the position in
    ``which``), and per row how many centroids are that close: float64 products rounded to
    float32, per chunk of rows (memory: chunk x centroids; the rows are gathered per chunk, not
    copied whole first). Only the rows with a centroid that close are ranked."""
    found = [(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))]
    counts = np.zeros(len(which), dtype=np.int64)
    if len(which) and len(centroids):
        right = centroids.astype(np.float64).T
        for start in range(0, len(which), chunk):
            block = vectors[which[start : start + chunk]].astype(np.float64) @ right
            block = block.astype(np.float32)
            above = block >= np.float32(threshold)
            counts[start : start + chunk] = above.sum(axis=1)
            hit = np.flatnonzero(counts[start : start + chunk])
            cols = _top_k(block[hit], k)
            rows = np.repeat(hit, cols.shape[1])
            cols = cols.ravel()
            close = above[rows, cols]
            found.append((rows[close] + start, cols[close], block[rows[close], cols[close]]))
    rows, cols, sims = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return rows, cols, sims, counts


def _neighbour_table(
    papers: pd.DataFrame,
    rows: np.ndarray,
    topic_ids: np.ndarray,
    sims: np.ndarray,
    complete: np.ndarray,
) -> Any:
    """NEIGHBOUR_COLUMNS as Arrow: the pairs (sorted by paper row) as one list per paper."""
    import pyarrow as pa

    offsets = np.searchsorted(rows, np.arange(len(papers) + 1)).astype(np.int32)
    return pa.table(
        {
            "paper_id": pa.array(papers["paper_id"], pa.string()),
            "content_hash": pa.array(papers["content_hash"], pa.string()),
            "topic_ids": pa.ListArray.from_arrays(offsets, pa.array(topic_ids, pa.string())),
            "similarities": pa.ListArray.from_arrays(offsets, pa.array(sims, pa.float32())),
            "complete": pa.array(complete, pa.bool_()),
        }
    )


def topic_table(
    papers: pd.DataFrame,
    placed: pd.DataFrame,
    registry: pd.DataFrame,
    theme_registry: pd.DataFrame,
    params: TopicParams,
) -> pd.DataFrame:
    """This run's topics: topic_id, centroid, n_papers, theme_id, is_new, registry_label.

    Centroid: the unit mean of the primary papers' vectors. Themes: ``assign_themes``.
    """
    columns = ["topic_id", "centroid", "n_papers", "theme_id", "is_new", "registry_label"]
    # summed in paper id order whatever order the rows came in: the registry keeps these
    # centroids, and topic_neighbours reuses a topic's cached neighbours while its centroid is
    # the same bit for bit
    primary = placed[placed["is_primary"]].sort_values("paper_id")
    if primary.empty:
        return pd.DataFrame(columns=columns)
    vectors = papers.set_index("paper_id").loc[primary["paper_id"], "embedding"]
    keys, centroids = centroids_of(_normalise(_stack(vectors)), primary["topic_id"].to_numpy())
    sizes = primary["topic_id"].value_counts()
    topics = pd.DataFrame(
        {"topic_id": keys, "centroid": list(centroids), "n_papers": sizes.loc[keys].to_numpy()}
    )
    known = registry.set_index("topic_id")
    topics["is_new"] = ~topics["topic_id"].isin(known.index)
    topics["registry_label"] = topics["topic_id"].map(known["label"]) if len(known) else None
    registry_theme = topics["topic_id"].map(known["theme_id"]) if len(known) else None
    topics["theme_id"] = assign_themes(topics, registry_theme, theme_registry, params)
    return topics[columns].sort_values("topic_id", ignore_index=True)


def assign_themes(
    topics: pd.DataFrame,
    registry_theme: pd.Series | None,
    theme_registry: pd.DataFrame,
    params: TopicParams,
) -> np.ndarray:
    """A theme id per topic: kept, joined to a close theme, or founded by ward clustering."""
    n = len(topics)
    themes = np.full(n, "", dtype=object)
    active = theme_registry[theme_registry["retired_run_id"].isna()]
    if registry_theme is not None:
        known = registry_theme.isin(set(active["theme_id"])).to_numpy()
        themes[known] = registry_theme[known].to_numpy()
    centroids = _stack(topics["centroid"])
    rest = np.flatnonzero(themes == "")
    if len(rest) and len(active):
        active = active.sort_values("theme_id", ignore_index=True)
        idx, sims = nearest(centroids[rest], _stack(active["centroid"]))
        close = sims[:, 0] >= params.theme_join_similarity
        themes[rest[close]] = active["theme_id"].to_numpy()[idx[close, 0]]
        rest = rest[~close]
    if len(rest):
        labels = _ward_groups(centroids[rest], params.topics_per_theme)
        topic_ids = topics["topic_id"].to_numpy()
        for label in np.unique(labels):
            members = rest[labels == label]
            themes[members] = stable_id("h_", list(topic_ids[members]))
    return themes.astype(str)


def _ward_groups(centroids: np.ndarray, per_group: int) -> np.ndarray:
    n = len(centroids)
    n_groups = max(1, round(n / max(per_group, 1)))
    if n < 2 or n_groups == 1:
        return np.zeros(n, dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=n_groups, linkage="ward")
    return model.fit_predict(centroids)


def theme_table(topics: pd.DataFrame, theme_registry: pd.DataFrame) -> pd.DataFrame:
    """This run's themes: theme_id, centroid (papers-weighted unit mean), n_topics, is_new,
    registry_label."""
    columns = ["theme_id", "centroid", "n_topics", "is_new", "registry_label"]
    if topics.empty:
        return pd.DataFrame(columns=columns)
    weighted = _stack(topics["centroid"]) * topics["n_papers"].to_numpy(dtype=np.float32)[:, None]
    keys, centroids = centroids_of(weighted, topics["theme_id"].to_numpy())
    counts = topics["theme_id"].value_counts()
    known = theme_registry.set_index("theme_id")
    themes = pd.DataFrame(
        {"theme_id": keys, "centroid": list(centroids), "n_topics": counts.loc[keys].to_numpy()}
    )
    themes["is_new"] = ~themes["theme_id"].isin(known.index)
    themes["registry_label"] = themes["theme_id"].map(known["label"]) if len(known) else None
    return themes[columns]


def save_run_model(
    model_dir: str | Path, model: Any, placed: pd.DataFrame, params: TopicParams, run_id: str
) -> Path:
    """Save this run's BERTopic model (when a pool was fitted; the last chunk's when a first
    build was placed in chunks) and a manifest of the run.

    The manifest records the library versions, the parameters and their hash, the counts per
    placement step and, for a fitted model, which BERTopic topic founded which topic id.
    """
    from importlib.metadata import version

    out = Path(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings_json = params.model_dump_json()
    primary = placed[placed["is_primary"]]
    manifest = {
        "run_id": run_id,
        "versions": {
            # read from the installed metadata: importing BERTopic costs seconds, and a run
            # whose papers all kept or joined their topics never needs it
            library: version(library) for library in ("bertopic", "umap-learn", "hdbscan")
        },
        "params": json.loads(settings_json),
        "params_hash": hashlib.sha256(settings_json.encode()).hexdigest()[:16],
        "placement": primary["placement"].value_counts().to_dict(),
        "n_papers": len(primary),
        "n_topics": int(primary["topic_id"].nunique()),
        "fitted": model is not None,
    }
    if model is not None:
        manifest["founded"] = {str(k): v for k, v in model.papertrends_founded.items()}
        model.save(str(out / "bertopic"), serialization="pickle", save_embedding_model=False)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return out
