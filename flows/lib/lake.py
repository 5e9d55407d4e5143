"""The lake: the pipeline's private DuckDB file (``$PAPERTRENDS_HOME/lake.duckdb``).

Only the pipeline opens it, read-write, while it holds the run lock. It keeps everything that
must survive a failed run: the append-only raw records, the quarantine, the current merged
``papers``, the keyphrase tags and the embedding caches. Readers never open it: they read the
published warehouse, which each run builds from the lake (see ``flows.stages.transform``).

All values reach DuckDB as parameters or Arrow tables, never by formatting user text into SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMA_VERSION = 1

# Column contract of a normalised paper record (the polars frame the parsers produce).
PAPER_COLUMNS = """
    paper_id        varchar not null,   -- arXiv id without version, or 'title:<hash>'
    arxiv_id        varchar,            -- null where the source has none
    title           varchar not null,   -- whitespace and line breaks collapsed
    abstract        varchar not null,
    authors         varchar[],
    published_at    timestamptz,        -- UTC
    first_seen_at   timestamptz,        -- UTC: when a feed first listed it (HF day, listing)
    source          varchar not null,   -- hf-daily | arxiv-atom | arxiv-jsonl | hf-page
    source_ref      varchar not null,   -- file:position or URL
    upvotes         integer,
    num_comments    integer,
    categories      varchar[],
    source_keywords varchar[],          -- the source's own keywords (HF ai_keywords), kept apart
    title_key       varchar not null,   -- normalised title, for merging id-less records
    content_hash    varchar not null    -- hash of title + abstract
"""

# One row per run (flows/journal/audit.py writes it; the warehouse's run_audit mart has the same
# columns).
RUN_AUDIT_COLUMNS = """
    run_id                varchar not null,
    started_at            timestamptz not null,
    finished_at           timestamptz,
    status                varchar not null,   -- running | published | failed | error | skipped
    source                varchar,
    n_read                integer,
    n_loaded              integer,
    n_quarantined         integer,
    n_tagged              integer,
    n_papers              integer,            -- distinct papers in the candidate's dim_papers
    dbt_tests_passed      integer,
    dbt_tests_failed      integer,
    expectations_passed   integer,
    expectations_failed   integer,
    published             boolean not null,
    failed_checks         varchar[],
    error                 varchar,
    versions              varchar,            -- JSON: python, duckdb, dbt-core, ..., model name
    model_name            varchar
"""

DDL = f"""
create table if not exists lake_meta (key varchar primary key, value varchar);

-- one row per run, kept up to date while it runs
create table if not exists run_audit (
    {RUN_AUDIT_COLUMNS},
    primary key (run_id)
);

-- every accepted record version, stamped with the run that first read it (append-only)
create table if not exists raw_papers (
    run_id varchar not null,
    {PAPER_COLUMNS},
    ingested_at timestamptz not null default current_timestamp,
    record_hash varchar                -- ingest: hash of the whole normalised record (dedup)
);

-- the current paper, merged by paper_id across sources and days
create table if not exists papers (
    {PAPER_COLUMNS},
    sources varchar[],
    content_seen_at timestamptz,       -- ingest: when the record whose content is current was seen
    last_run_id varchar not null,
    updated_at timestamptz not null default current_timestamp,
    primary key (paper_id)
);

-- ids that were merged into another paper (a title-id record later seen with an arXiv id)
create table if not exists paper_aliases (
    alias_id varchar primary key,
    paper_id varchar not null
);

-- every rejected record, with why and where it came from
create table if not exists quarantine (
    run_id varchar not null,
    source varchar not null,
    source_ref varchar not null,
    reason varchar not null,
    payload varchar,                   -- the raw record (truncated), for inspection
    payload_hash varchar not null,
    quarantined_at timestamptz not null default current_timestamp
);

-- papers an operator set aside (`papertrends quarantine`): kept out of every warehouse until
-- released; their records stay in raw_papers/papers, so re-reading them changes nothing
create table if not exists set_aside (
    paper_id varchar primary key,
    reason varchar not null,
    set_aside_at timestamptz not null default current_timestamp
);

-- current keyphrases of each paper (replaced when the paper is re-tagged)
create table if not exists paper_keywords (
    paper_id varchar not null,
    keyphrase varchar not null,        -- canonical form used for grouping
    surface_form varchar not null,     -- as written in the abstract
    score double not null,
    rank integer not null,
    model_name varchar not null,
    config_hash varchar not null,
    run_id varchar not null,
    primary key (paper_id, keyphrase)
);

-- tagging: KeyBERT's cosine similarity beside the ranking score (score adds a lexical prior)
alter table paper_keywords add column if not exists similarity double;

-- what was tagged, from which text, with which configuration, and the outcome
create table if not exists tagged_papers (
    paper_id varchar primary key,
    content_hash varchar not null,
    config_hash varchar not null,
    status varchar not null,           -- tagged | empty | too_short
    n_keyphrases integer not null,
    run_id varchar not null,
    tagged_at timestamptz not null default current_timestamp
);

-- tagging: the hash of the text tagged, the key of its document embedding (null: tagged before)
alter table tagged_papers add column if not exists text_hash varchar;

-- embedding caches, keyed by model
create table if not exists doc_embeddings (
    model_name varchar not null,
    text_hash varchar not null,
    embedding float[] not null,
    primary key (model_name, text_hash)
);
create table if not exists phrase_embeddings (
    model_name varchar not null,
    phrase varchar not null,
    embedding float[] not null,
    primary key (model_name, phrase)
);
"""


# Lakes written before undated papers took their first-seen day: give each the day it was loaded,
# so activity_date is never null (idempotent; touches nothing once every paper has a date).
DATE_UNDATED = """
update papers
set first_seen_at = timezone('UTC', cast(cast(timezone('UTC', updated_at) as date) as timestamp))
where first_seen_at is null and published_at is null
"""


def init_lake(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    con.execute(DATE_UNDATED)
    con.execute(
        "insert or replace into lake_meta values ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )


@contextmanager
def open_lake(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the lake; create it (and its tables) when opened for writing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            init_lake(con)
        yield con
        if not read_only:
            con.execute("checkpoint")
    finally:
        con.close()
