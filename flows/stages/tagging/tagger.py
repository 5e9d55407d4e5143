"""Keyword tagging of the lake's papers with KeyBERT (all-MiniLM-L6-v2).

Incremental: a paper is (re)tagged only when it is new, its ``content_hash`` changed, or the
tagger configuration (``config_hash``) changed. Embeddings of documents and candidate phrases are
cached in the lake by model, so a re-run over the same data embeds nothing.

The work is split so it can run on other processes (Dask workers) that never open the lake:

1. ``plan_tagging`` (parent, lake): which papers need tags.
2. ``prepare_jobs`` and ``prepare_batch`` (parent, lake), a batch at a time: its papers'
   candidates (outcomes of empty/short ones) and the embeddings already cached. Candidates are
   found batch by batch, so a cold run over 100k papers never holds every paper's candidates.
3. ``tag_batch`` (anywhere, no lake): embed what is missing, rank, return tags + new vectors.
4. ``write_batch`` (parent, lake): replace the batch's tags, record outcomes, cache vectors.

``tag_papers`` runs the four in one process; ``flows.stages.tagging.flow.tag_flow`` runs step 3 as
Prefect tasks on a thread pool or a Dask cluster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import duckdb
import numpy as np
import pyarrow as pa

from flows.settings import Settings, TaggingSettings
from flows.stages.tagging.cache import (
    cached_doc_embeddings,
    cached_phrase_embeddings,
    store_doc_embeddings,
    store_phrase_embeddings,
    text_hash,
)
from flows.stages.tagging.embedder import ensure_model, get_embedder, model_name

if TYPE_CHECKING:  # candidate extraction imports scikit-learn (3-4 s): only when there is work
    from flows.stages.tagging.keyphrases import DocCandidates
    from flows.stages.tagging.ranking import Keyphrase

T = TypeVar("T")

# Bump when candidate extraction, canonical forms or ranking change: it re-tags every paper.
TAGGER_VERSION = "2"

STATUS_TAGGED = "tagged"
STATUS_EMPTY = "empty"  # no abstract
STATUS_TOO_SHORT = "too_short"  # fewer than min_abstract_words words, or no candidate phrase


@dataclass
class TagCounts:
    considered: int  # papers new, changed or tagged under another configuration
    tagged: int  # of those: got keyphrases
    unchanged: int  # papers skipped: same text, same configuration
    empty: int  # of the considered: status empty or too_short (no keyphrases)
    docs_embedded: int  # document embeddings computed (not from the cache)
    phrases_embedded: int  # phrase embeddings computed (not from the cache)


@dataclass
class DocJob:
    paper_id: str
    content_hash: str
    text: str
    text_hash: str
    candidates: DocCandidates
    doc_vector: np.ndarray | None = None  # from the cache, else computed by the task


@dataclass
class BatchInput:
    """Everything a task needs: no lake access on the worker."""

    jobs: list[DocJob]
    phrase_vectors: dict[str, np.ndarray]  # cached embeddings of this batch's phrases
    tagging: TaggingSettings
    model_path: str


@dataclass
class BatchOutput:
    keyphrases: dict[str, list[Keyphrase]]
    new_doc_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    new_phrase_vectors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Outcome:
    paper_id: str
    content_hash: str
    status: str
    keyphrases: list[Keyphrase]
    text_hash: str  # of the text tagged (compose_text): the key of its document embedding


# a paper to tag: paper_id, content_hash, title, abstract
PaperRow = tuple[str, str, str | None, str | None]


@dataclass
class Plan:
    rows: list[PaperRow]  # papers that need tags, by paper_id
    unchanged: int


@dataclass
class Tally:
    """What a tagging run did so far: counts only (each batch's outcomes are written, then
    dropped)."""

    considered: int = 0
    tagged: int = 0
    docs_embedded: int = 0
    phrases_embedded: int = 0

    def add(self, outcomes: list[Outcome], output: BatchOutput | None = None) -> None:
        self.considered += len(outcomes)
        self.tagged += sum(o.status == STATUS_TAGGED for o in outcomes)
        if output is not None:
            self.docs_embedded += len(output.new_doc_vectors)
            self.phrases_embedded += len(output.new_phrase_vectors)

    def counts(self, plan: Plan) -> TagCounts:
        return TagCounts(
            considered=self.considered,
            tagged=self.tagged,
            unchanged=plan.unchanged,
            empty=self.considered - self.tagged,
            docs_embedded=self.docs_embedded,
            phrases_embedded=self.phrases_embedded,
        )


def config_hash(tagging: TaggingSettings) -> str:
    """Hash of everything that decides a paper's tags."""
    fields = tagging.model_dump(
        include={
            "top_n",
            "backend",
            "base_model",
            "distill_pca_dims",
            "max_words",
            "diversity",
            "skip_nested",
            "max_overlap",
            "min_abstract_words",
            "length_bonus",
            "position_weight",
            "commonness_penalty",
        }
    )
    payload = {"version": TAGGER_VERSION, "model": model_name(tagging), **fields}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


# papers without tags of this configuration (new, changed text, other configuration)
_TO_TAG = """
    select p.paper_id, p.content_hash, p.title, p.abstract
    from papers p
    left join tagged_papers t using (paper_id)
    where t.paper_id is null or t.content_hash <> p.content_hash or t.config_hash <> ?
"""


def unchanged_plan(settings: Settings, con: duckdb.DuckDBPyConnection) -> Plan | None:
    """The plan of a lake where every paper has its tags (nothing to do, no candidate extraction
    or task runner needed), else None."""
    if con.execute(f"select exists ({_TO_TAG})", [config_hash(settings.tagging)]).fetchone()[0]:
        return None
    return Plan([], con.execute("select count(*) from papers").fetchone()[0])


# papers tagged from their current text before the tagger recorded the hash of that text
_UNRECORDED = """
    select p.paper_id, p.title, p.abstract
    from papers as p
    inner join tagged_papers as t on p.paper_id = t.paper_id and p.content_hash = t.content_hash
    where t.text_hash is null
"""


def record_text_hashes(con: duckdb.DuckDBPyConnection) -> int:
    """Record the text hash of papers tagged before the tagger recorded it (once per lake: the
    candidate then finds their embeddings without hashing their texts). Returns how many."""
    rows = con.execute(_UNRECORDED).fetchall()
    if not rows:
        return 0
    from flows.stages.tagging.keyphrases import paper_text_hash

    hashes = pa.table(
        {
            "paper_id": [r[0] for r in rows],
            "text_hash": [paper_text_hash(title, abstract) for _, title, abstract in rows],
        }
    )
    con.register("_text_hashes", hashes)
    try:
        con.execute(
            "update tagged_papers set text_hash = h.text_hash from _text_hashes as h"
            " where tagged_papers.paper_id = h.paper_id"
        )
    finally:
        con.unregister("_text_hashes")
    return len(rows)


def plan_tagging(settings: Settings, con: duckdb.DuckDBPyConnection) -> Plan:
    """Papers that need tags (new, changed text, other configuration)."""
    rows = con.execute(
        f"{_TO_TAG} order by p.paper_id", [config_hash(settings.tagging)]
    ).fetchall()
    total = con.execute("select count(*) from papers").fetchall()[0][0]
    return Plan(rows, total - len(rows))


def prepare_jobs(
    rows: list[PaperRow], tagging: TaggingSettings
) -> tuple[list[DocJob], list[Outcome]]:
    """The candidates of these papers (their jobs), and the outcomes of those that need no model
    (empty, too short, no candidate phrase)."""
    from flows.stages.tagging.keyphrases import compose_text, doc_candidates

    jobs: list[DocJob] = []
    settled: list[Outcome] = []
    for paper_id, content_hash, title, abstract in rows:
        abstract = abstract or ""
        text = compose_text(title or "", abstract)
        hashed = text_hash(text)
        if not abstract.strip():
            settled.append(Outcome(paper_id, content_hash, STATUS_EMPTY, [], hashed))
            continue
        if len(abstract.split()) < tagging.min_abstract_words:
            settled.append(Outcome(paper_id, content_hash, STATUS_TOO_SHORT, [], hashed))
            continue
        cands = doc_candidates(text, tagging)
        if not cands.canonicals:
            settled.append(Outcome(paper_id, content_hash, STATUS_TOO_SHORT, [], hashed))
            continue
        jobs.append(DocJob(paper_id, content_hash, text, hashed, cands))
    return jobs, settled


def batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def prepare_batch(
    con: duckdb.DuckDBPyConnection, settings: Settings, jobs: list[DocJob], model_path: str
) -> BatchInput:
    """Attach the cached embeddings of the batch's documents and phrases."""
    model = model_name(settings.tagging)
    docs = cached_doc_embeddings(con, model, [j.text_hash for j in jobs])
    for job in jobs:
        job.doc_vector = docs.get(job.text_hash)
    phrases = cached_phrase_embeddings(con, model, [k for j in jobs for k in j.candidates.keys])
    return BatchInput(jobs, phrases, settings.tagging, model_path)


def tag_batch(batch: BatchInput) -> BatchOutput:
    """Embed what the cache lacks (each distinct phrase once) and rank every document.

    Runs wherever the task runs; loads the model once per process."""
    from flows.stages.tagging.keyphrases import rank_doc

    tagging = batch.tagging
    embedder = None
    new_docs: dict[str, np.ndarray] = {}
    missing_docs = {j.text_hash: j.text for j in batch.jobs if j.doc_vector is None}
    if missing_docs:
        embedder = get_embedder(tagging, batch.model_path)
        vectors = embedder.embed_docs(list(missing_docs.values()))
        new_docs = dict(zip(missing_docs, vectors, strict=True))
    phrase_vectors = dict(batch.phrase_vectors)
    missing_phrases = sorted(
        {k for j in batch.jobs for k in j.candidates.keys if k not in phrase_vectors}
    )
    new_phrases: dict[str, np.ndarray] = {}
    if missing_phrases:
        embedder = embedder or get_embedder(tagging, batch.model_path)
        vectors = embedder.embed_phrases(missing_phrases)
        new_phrases = dict(zip(missing_phrases, vectors, strict=True))
        phrase_vectors.update(new_phrases)
    keyphrases = {}
    for job in batch.jobs:
        vector = job.doc_vector if job.doc_vector is not None else new_docs[job.text_hash]
        keyphrases[job.paper_id] = rank_doc(job.candidates, vector, phrase_vectors, tagging)
    return BatchOutput(keyphrases, new_docs, new_phrases)


def outcomes_of(jobs: list[DocJob], output: BatchOutput) -> list[Outcome]:
    result = []
    for job in jobs:
        kps = output.keyphrases.get(job.paper_id, [])
        status = STATUS_TAGGED if kps else STATUS_TOO_SHORT
        result.append(Outcome(job.paper_id, job.content_hash, status, kps, job.text_hash))
    return result


def _keyword_table(outcomes: list[Outcome]) -> pa.Table:
    """The keyphrases of ``outcomes``, one row each (columns of the lake's paper_keywords)."""
    kw = [(o.paper_id, kp) for o in outcomes for kp in o.keyphrases]
    return pa.table(
        {
            "paper_id": pa.array([pid for pid, _ in kw], pa.string()),
            "keyphrase": pa.array([kp.keyphrase for _, kp in kw], pa.string()),
            "surface_form": pa.array([kp.surface_form for _, kp in kw], pa.string()),
            "score": pa.array([kp.score for _, kp in kw], pa.float64()),
            "rank": pa.array([kp.rank for _, kp in kw], pa.int32()),
            "similarity": pa.array([kp.similarity for _, kp in kw], pa.float64()),
        }
    )


def write_outcomes(
    con: duckdb.DuckDBPyConnection, settings: Settings, outcomes: list[Outcome], run_id: str
) -> None:
    """Replace the tags of these papers and record what they were tagged from."""
    if not outcomes:
        return
    model = model_name(settings.tagging)
    chash = config_hash(settings.tagging)
    tagged = pa.table(
        {
            "paper_id": [o.paper_id for o in outcomes],
            "content_hash": [o.content_hash for o in outcomes],
            "status": [o.status for o in outcomes],
            "n_keyphrases": pa.array([len(o.keyphrases) for o in outcomes], pa.int32()),
            "text_hash": [o.text_hash for o in outcomes],
        }
    )
    con.register("_tag_keywords", _keyword_table(outcomes))
    con.register("_tag_outcomes", tagged)
    try:
        con.execute("begin")
        con.execute(
            "delete from paper_keywords where paper_id in (select paper_id from _tag_outcomes)"
        )
        con.execute(
            """
            insert into paper_keywords
                (paper_id, keyphrase, surface_form, score, rank, similarity, model_name,
                 config_hash, run_id)
            select paper_id, keyphrase, surface_form, score, rank, similarity, ?, ?, ?
            from _tag_keywords
            """,
            [model, chash, run_id],
        )
        con.execute(
            """
            insert or replace into tagged_papers
                (paper_id, content_hash, config_hash, status, n_keyphrases, run_id, tagged_at,
                 text_hash)
            select paper_id, content_hash, ?, status, n_keyphrases, ?, current_timestamp,
                text_hash
            from _tag_outcomes
            """,
            [chash, run_id],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for name in ("_tag_keywords", "_tag_outcomes"):
            con.unregister(name)


def write_batch(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    jobs: list[DocJob],
    output: BatchOutput,
    run_id: str,
) -> list[Outcome]:
    model = model_name(settings.tagging)
    store_doc_embeddings(con, model, output.new_doc_vectors)
    store_phrase_embeddings(con, model, output.new_phrase_vectors)
    outcomes = outcomes_of(jobs, output)
    write_outcomes(con, settings, outcomes, run_id)
    return outcomes


def _progress(enabled: bool, total: int) -> tuple[Callable[[], None], Callable[[], None]]:
    if not enabled or total == 0:
        return (lambda: None), (lambda: None)
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("tagging papers", total=total)
    bar.start()
    return (lambda: bar.advance(task)), bar.stop


def tag_papers(
    settings: Settings, con: duckdb.DuckDBPyConnection, *, run_id: str, progress: bool = True
) -> TagCounts:
    """Tag every paper of the lake that needs it, in this process; returns what was done."""
    record_text_hashes(con)
    plan = plan_tagging(settings, con)
    tally = Tally()
    parts = list(batches(plan.rows, settings.tagging.batch_size))
    advance, stop = _progress(progress, len(parts))
    model_path = None
    try:
        for rows in parts:
            jobs, settled = prepare_jobs(rows, settings.tagging)
            write_outcomes(con, settings, settled, run_id)
            tally.add(settled)
            if jobs:
                model_path = model_path or str(ensure_model(settings))
                output = tag_batch(prepare_batch(con, settings, jobs, model_path))
                tally.add(write_batch(con, settings, jobs, output, run_id), output)
            advance()
    finally:
        stop()
    return tally.counts(plan)
