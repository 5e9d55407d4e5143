"""Transform: build a run's candidate warehouse from the lake and run ``dbt build`` on it.

``build_candidate`` makes ``runs/<run_id>/candidate.duckdb`` hold what dbt needs from the lake
(attached read-only) in schema ``raw``: a copy of the published warehouse brought up to the lake
row by row when that warehouse was built the same way, else (a first run, changed code or
settings, ``--full-refresh``) a fresh copy; ``run_dbt_build`` runs dbt in-process (dbtRunner) on
that file, where the incremental models find their last build, and reports models and tests;
``save_topic_registry`` writes the published run's topics back into the lake so the next run
keeps topic ids stable.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.lib.lake import RUN_AUDIT_COLUMNS
from flows.settings import Settings

# The lake tables a candidate reads, by what they are. flows.stages.fingerprint hashes the inputs
# and counts the caches to tell whether a build would read anything new; the derived tables are
# written from the published warehouse after each publish (save_topic_registry), so they follow
# from what was published. (build_candidate also copies run_audit, the runs' log.)
LAKE_INPUTS = ("papers", "paper_keywords", "tagged_papers", "quarantine", "set_aside")
LAKE_CACHES = ("doc_embeddings",)  # append-only, keyed by content
LAKE_DERIVED = (
    "topic_registry", "theme_registry", "topic_assignments", "topic_neighbours", "claims_cache",
    "word_counts_cache",
)

# lake table -> select that fills raw.<name> in the candidate (lake attached as `lake`)
# Papers set aside (`papertrends quarantine`) leave every warehouse: no row of theirs is copied.
_KEPT = "where paper_id not in (select paper_id from lake.set_aside)"
_RAW_COPIES: dict[str, str] = {
    "papers": f"select * from lake.papers {_KEPT}",
    "paper_keywords": f"select * from lake.paper_keywords {_KEPT}",
    "tagged_papers": f"select * from lake.tagged_papers {_KEPT}",
    "quarantine": "select * from lake.quarantine",
    # the topic and theme registries of the last published run (flows.lib.topics; written back by
    # save_topic_registry)
    "topic_registry": "select * from lake.topic_registry",
    "theme_registry": "select * from lake.theme_registry",
    "topic_assignments": f"select * from lake.topic_assignments {_KEPT}",
    # this extractor's claims of the lake's abstracts (flows.lib.claims.table); none on a full
    # refresh ($reuse false), so every abstract is extracted again
    "claims_cache": """
        select * from lake.claims_cache
        where $reuse and extractor = $extractor
            and abstract_md5 in (select md5(abstract) from lake.papers)
    """,
    # this counter's word counts of the lake's texts (flows.stages.tagging.phrase_quality); none
    # on a full refresh
    "word_counts_cache": """
        select * from lake.word_counts_cache
        where $reuse and counter = $counter
            and content_hash in (select content_hash from lake.papers)
    """,
    # for run-over-run: papers set aside are not counted as lost
    "set_aside": "select * from lake.set_aside",
    # the tagger's cached document embedding of each paper's current text (_paper_text_hashes:
    # the hash of the text the tagger embedded), from the model that covers most papers
    "paper_embeddings": """
        with coverage as (
            select e.model_name, count(*) as n
            from lake.doc_embeddings as e
            inner join _paper_text_hashes as h on e.text_hash = h.text_hash
            group by e.model_name
            order by n desc, e.model_name
            limit 1
        )
        select h.paper_id, h.content_hash, e.model_name, e.embedding
        from _paper_text_hashes as h
        inner join lake.doc_embeddings as e on e.text_hash = h.text_hash
        where e.model_name = (select model_name from coverage)
            and h.paper_id not in (select paper_id from lake.set_aside)
    """,
    # the last published run's nearest topics of the same texts from the same embedding model
    # (flows.lib.topics.topic_neighbours); none on a full refresh. (An inner join of the same
    # took 1.1 s at 100k papers, this 0.1 s.)
    "topic_neighbours": """
        select * from lake.topic_neighbours
        where $reuse and (paper_id, content_hash, model_name) in (
            select (paper_id, content_hash, model_name) from raw.paper_embeddings
        )
    """,
}


# content-addressed raw tables: the key fixes the rest of the row (_bring_up_to compares keys)
_RAW_KEYS: dict[str, tuple[str, ...]] = {
    "claims_cache": ("abstract_md5", "extractor"),
    "word_counts_cache": ("content_hash", "counter"),
    "paper_embeddings": ("paper_id", "content_hash", "model_name"),
}


def ensure_lake_tables(lake_path: Path) -> None:
    """Create the lake-side tables the transform needs (the topic registry) when missing.

    A registry of the earlier keyphrase-space layout is dropped: its centroids are not in the
    space of document embeddings, so the next run founds topics afresh."""
    from flows.lib.claims.table import CACHE_DDL
    from flows.lib.topics import REGISTRY_DDL, REGISTRY_MARKERS
    from flows.stages.tagging.phrase_quality import WORDS_CACHE_DDL

    con = duckdb.connect(str(lake_path))
    try:
        for table, marker in REGISTRY_MARKERS.items():
            columns = {
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_name = ?",
                    [table],
                ).fetchall()
            }
            if columns and marker not in columns:
                con.execute(f"drop table {table}")
        con.execute(REGISTRY_DDL)
        con.execute(CACHE_DDL)
        con.execute(WORDS_CACHE_DDL)
        con.execute("checkpoint")
    finally:
        con.close()


def _lake_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = 'lake'"
    ).fetchall()
    return {r[0] for r in rows}


def build_candidate(settings: Settings, run_id: str, *, full_refresh: bool = False) -> Path:
    """Create ``runs/<run_id>/candidate.duckdb`` with the lake's tables in schema ``raw``.

    The candidate starts as a copy of the published warehouse when that was built the same way
    (:func:`published_base`): its raw tables are then brought up to the lake's rows, and dbt's
    incremental models find their tables of the last build. Otherwise, and on a full refresh
    (which also leaves out the cached claims and word counts), it starts empty."""
    from flows.lib.claims.table import extractor_version
    from flows.stages.tagging.phrase_quality import counter_version

    lake_path = settings.lake_path
    if not lake_path.is_file():
        raise FileNotFoundError(f"no lake at {lake_path}: run ingest first")
    ensure_lake_tables(lake_path)
    run_dir = settings.runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    candidate = run_dir / "candidate.duckdb"
    for stale in (candidate, candidate.with_name(candidate.name + ".wal")):
        stale.unlink(missing_ok=True)
    base = candidate_base(settings, full_refresh=full_refresh)
    if base is not None:
        shutil.copyfile(base, candidate)
    con = duckdb.connect(str(candidate))
    try:
        con.execute("attach ? as lake (read_only)", [str(lake_path)])
        con.register("_paper_text_hashes", _paper_text_hashes(con))
        params = {
            "reuse": not full_refresh, "extractor": extractor_version(),
            "counter": counter_version(),
        }
        if base is None:
            con.execute("create schema raw")
        for name, select in _RAW_COPIES.items():
            select_params = _params_in(select, params)
            if base is None:
                con.execute(f"create table raw.{name} as {select}", select_params)
            else:
                _bring_up_to(con, f"raw.{name}", select, select_params, _RAW_KEYS.get(name))
        if "run_audit" in _lake_tables(con):
            con.execute("create or replace table raw.run_audit as select * from lake.run_audit")
        else:
            con.execute(f"create or replace table raw.run_audit ({RUN_AUDIT_COLUMNS})")
        con.unregister("_paper_text_hashes")
        con.execute("detach lake")
        con.execute("checkpoint")
    finally:
        con.close()
    return candidate


def candidate_base(settings: Settings, *, full_refresh: bool) -> Path | None:
    """What a run's candidate starts from: the published warehouse (:func:`published_base`), or
    None: empty, the build from nothing of a first run, changed code or settings, or a full
    refresh."""
    return None if full_refresh else published_base(settings)


def published_base(settings: Settings) -> Path | None:
    """The published warehouse, when it was built with this run's settings, packages and code
    (its stamp: flows.stages.fingerprint.build_config); None otherwise (a first run, or one
    after the code or settings changed: everything is built afresh)."""
    from flows.stages.fingerprint import build_config, published_build_config

    published = published_build_config(settings)
    if published is None or published != build_config(settings):
        return None
    return settings.warehouse_path


def _bring_up_to(
    con: duckdb.DuckDBPyConnection, table: str, select: str, params: dict | None,
    key: tuple[str, ...] | None,
) -> None:
    """Make ``table`` hold the rows of ``select``: delete the rows it no longer returns, insert
    the ones ``table`` lacks. Rows are compared whole (a hash of the row), or by ``key`` for a
    content-addressed table, whose key fixes the rest of the row. Each side is hashed once; the
    rows to delete go by rowid, and ``select`` is read again only when it has rows to insert
    (hashing both sides in each statement took 2.1 s of a daily run's candidate at 100k)."""
    table_row = f"({', '.join(f'x.{c}' for c in key)})" if key else "x"
    select_row = f"({', '.join(f's.{c}' for c in key)})" if key else "s"
    con.execute("begin")
    con.execute(
        f"create temp table _wanted as select distinct hash({select_row}) as h"
        f" from ({select}) as s",
        params,
    )
    con.execute(
        f"create temp table _held as select rowid as r, hash({table_row}) as h from {table} as x"
    )
    con.execute(
        f"delete from {table} where rowid in"
        " (select r from _held where h not in (select h from _wanted))"
    )
    con.execute("create temp table _missing as select h from _wanted except select h from _held")
    if con.execute("select count(*) from _missing").fetchone()[0]:
        con.execute(
            f"insert into {table} select * from ({select}) as s"
            f" where hash({select_row}) in (select h from _missing)",
            params,
        )
    con.execute("drop table _wanted; drop table _held; drop table _missing")
    con.execute("commit")


def _params_in(sql: str, params: dict[str, object]) -> dict[str, object] | None:
    """The named parameters ``sql`` uses ($name); DuckDB refuses unused ones."""
    return {k: v for k, v in params.items() if f"${k}" in sql} or None


# the text hash the tagger recorded for each paper's current text (null: tagged before the
# tagger recorded it, or not tagged)
_RECORDED_TEXT_HASHES = """
    select p.paper_id, p.content_hash, t.text_hash, p.title, p.abstract
    from lake.papers as p
    left join lake.tagged_papers as t
        on p.paper_id = t.paper_id and p.content_hash = t.content_hash
"""


def _paper_text_hashes(con: duckdb.DuckDBPyConnection) -> object:
    """paper_id, content_hash, text_hash: the hash of the text the tagger embeds per paper, as
    the tagger recorded it (``tagged_papers.text_hash``), computed here for the papers it did
    not record."""
    import pyarrow as pa

    from flows.stages.tagging.keyphrases import paper_text_hash

    recorded = con.sql(
        f"select paper_id, content_hash, text_hash from ({_RECORDED_TEXT_HASHES})"
        " where text_hash is not null"
    ).to_arrow_table()
    rows = con.execute(
        f"select paper_id, content_hash, title, abstract from ({_RECORDED_TEXT_HASHES})"
        " where text_hash is null"
    ).fetchall()
    computed = pa.table(
        {
            "paper_id": pa.array([r[0] for r in rows], pa.string()),
            "content_hash": pa.array([r[1] for r in rows], pa.string()),
            "text_hash": pa.array([paper_text_hash(r[2], r[3]) for r in rows], pa.string()),
        }
    )
    return pa.concat_tables([recorded.cast(computed.schema), computed])


@dataclass
class DbtOutcome:
    success: bool
    models_ok: int
    tests_passed: int
    tests_failed: int
    failures: list[str] = field(default_factory=list)  # "<node>: <message>"
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # node name -> seconds


def dbt_vars(settings: Settings) -> dict[str, object]:
    """dbt vars from settings.transform (the thresholds of trends and topics)."""
    t = settings.transform
    return {
        "emerging_min_papers": t.emerging_min_papers,
        "keyword_trend_min_papers": t.keyword_trend_min_papers,
        "topics": t.topics.model_dump(),
        "rising": t.rising.model_dump(),
    }


def _close_dbt_connections() -> None:
    """Close dbt-duckdb's process-wide DuckDB handle so the file is not left open/locked."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    env = DuckDBConnectionManager._ENV
    if env is not None:
        try:
            env.close()
        finally:
            DuckDBConnectionManager.close_all_connections()


@contextmanager
def _moved_to(candidate: Path, building: Path) -> Iterator[None]:
    """``candidate`` at ``building`` (dbt's fixed path) for the block, then back with whatever
    dbt left (a write-ahead log); dbt's connections are closed first."""
    for stale in (building, building.with_name(building.name + ".wal")):  # a killed run's
        stale.unlink(missing_ok=True)
    if candidate.exists():  # `dbt parse` needs none
        os.replace(candidate, building)
    try:
        yield
    finally:
        _close_dbt_connections()
        for suffix in (".wal", ""):
            moved = building.with_name(building.name + suffix)
            if moved.exists():
                os.replace(moved, candidate.with_name(candidate.name + suffix))


def invoke_dbt(
    settings: Settings, candidate: Path, args: list[str], *, run_id: str
) -> tuple[object, Path]:
    """Run one dbt command in-process on the candidate; returns (dbtRunnerResult, target dir).

    dbt works on the candidate at a fixed path (``settings.dbt_work_dir``) and starts from the
    last run's parse: dbt re-parses the whole project when its profile (the database path) or
    vars change, so the candidate is moved there for the command and back afterwards, and the
    per-run values (run id, topic model folder) come as environment variables.
    """
    from dbt.cli.main import dbtRunner

    project_dir = Path(settings.transform.dbt_project_dir).resolve()
    run_dir = candidate.parent
    target_dir = run_dir / "dbt" / "target"
    work = settings.dbt_work_dir
    work.mkdir(parents=True, exist_ok=True)
    building = work / "candidate.duckdb"
    parsed = work / "partial_parse.msgpack"
    os.environ.update(
        PAPERTRENDS_DBT_DB_PATH=str(building),
        PAPERTRENDS_DBT_THREADS=str(settings.transform.dbt_threads),
        PAPERTRENDS_DBT_MEMORY_LIMIT=settings.transform.dbt_memory_limit,
        PAPERTRENDS_RUN_ID=run_id,
        PAPERTRENDS_TOPIC_MODEL_DIR=str(run_dir.resolve() / "topic_model"),
    )
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    full_args = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        # the run's candidate (the profile's default target, local, is a user's copy)
        "--target",
        "candidate",
        "--target-path",
        str(target_dir),
        "--log-path",
        str(run_dir / "dbt" / "logs"),
        "--vars",
        json.dumps(dbt_vars(settings)),
        "--partial-parse",
        *(["--partial-parse-file-path", str(parsed)] if parsed.is_file() else []),
        "--quiet",
    ]
    (target_dir / "run_results.json").unlink(missing_ok=True)
    with _moved_to(candidate, building):
        result = dbtRunner().invoke(full_args)
    written = target_dir / "partial_parse.msgpack"
    if written.is_file():
        os.replace(written, parsed)
    return result, target_dir


def _outcome_from_results(result: object, target_dir: Path) -> DbtOutcome:
    models_ok = tests_passed = tests_failed = 0
    failures: list[str] = []
    timings: dict[str, float] = {}
    elapsed = 0.0
    run_results = target_dir / "run_results.json"
    if run_results.is_file():
        data = json.loads(run_results.read_text())
        elapsed = float(data.get("elapsed_time") or 0.0)
        for node in data.get("results", []):
            unique_id = node.get("unique_id", "")
            resource = unique_id.split(".", 1)[0]
            name = unique_id.split(".")[-1] if resource != "test" else unique_id.split(".")[2]
            status = node.get("status")
            timings[name] = float(node.get("execution_time") or 0.0)
            if resource == "test" or resource == "unit_test":
                if status in ("pass", "warn"):
                    tests_passed += 1
                else:
                    tests_failed += 1
                    failures.append(f"{name}: {status}: {node.get('message')}")
            elif status == "success":
                models_ok += 1
            elif status not in ("skipped",):
                failures.append(f"{name}: {status}: {node.get('message')}")
    exception = getattr(result, "exception", None)
    if exception is not None:
        failures.append(f"dbt: {exception}")
    success = bool(getattr(result, "success", False)) and not failures
    return DbtOutcome(
        success=success,
        models_ok=models_ok,
        tests_passed=tests_passed,
        tests_failed=tests_failed,
        failures=failures,
        seconds=elapsed,
        timings=timings,
    )


def run_dbt_build(
    settings: Settings, candidate: Path, *, run_id: str, select: list[str] | None = None
) -> DbtOutcome:
    """``dbt build`` on the candidate. Never raises on a model/test failure: the outcome says.

    ``select``: optional dbt node selection (default: the whole project). Unit tests are left
    out (they check the models' SQL, not the data, and cost 2 s a run; the test suite runs them,
    ``run_dbt_unit_tests``). Raises RuntimeError only when dbt could not run at all (bad
    project, profile, or file).
    """
    args = [
        "build", "--exclude-resource-type", "unit_test", *(["--select", *select] if select else [])
    ]
    result, target_dir = invoke_dbt(settings, candidate, args, run_id=run_id)
    exception = getattr(result, "exception", None)
    if exception is not None and _is_infrastructure_error(exception):
        raise RuntimeError(f"dbt build could not run: {exception}") from exception
    return _outcome_from_results(result, target_dir)


def run_dbt_unit_tests(settings: Settings, candidate: Path, *, run_id: str) -> DbtOutcome:
    """The dbt project's unit tests (``dbt test --select test_type:unit``) on a built
    candidate (their inputs' columns come from it)."""
    result, target_dir = invoke_dbt(
        settings, candidate, ["test", "--select", "test_type:unit"], run_id=run_id
    )
    return _outcome_from_results(result, target_dir)


def _is_infrastructure_error(exception: BaseException) -> bool:
    """True for errors of the setup (profile, project file, database), not of a model/test."""
    from dbt.adapters.exceptions import FailedToConnectError
    from dbt.exceptions import DbtProfileError, DbtProjectError
    from dbt_common.exceptions import DbtBaseException

    if isinstance(exception, DbtProfileError | DbtProjectError | FailedToConnectError):
        return True
    return not isinstance(exception, DbtBaseException)


def compile_analyses(settings: Settings, candidate: Path, *, run_id: str) -> dict[str, str]:
    """The SQL of dbt/analyses compiled for the candidate: analysis name -> runnable SQL."""
    result, target_dir = invoke_dbt(
        settings, candidate, ["compile", "--select", "resource_type:analysis"], run_id=run_id
    )
    if not getattr(result, "success", False):
        raise RuntimeError(f"dbt compile failed: {getattr(result, 'exception', None)}")
    compiled = target_dir / "compiled" / "papertrends" / "analyses"
    return {path.stem: path.read_text() for path in sorted(compiled.glob("*.sql"))}


def save_topic_registry(settings: Settings, candidate: Path, run_id: str | None = None) -> None:
    """Persist the published run's topics, themes and primary assignments into the lake.

    ``candidate``: the published warehouse (the journal's ``write_back`` calls this only after the
    atomic replace, with the run that published it as ``run_id``). The next run's candidate gets
    them as raw.topic_registry, raw.theme_registry and raw.topic_assignments, so known papers keep
    their topic and new papers join by centroid, and as raw.topic_neighbours, so only the papers
    and topics that changed are compared again. Topics and themes absent from this run are
    retired, never deleted. The claims of abstracts new to the lake's ``claims_cache`` are added
    (flows.lib.claims.table), and so are the word counts of texts new to ``word_counts_cache``
    (flows.stages.tagging.phrase_quality). Idempotent: writing the same warehouse twice changes
    nothing.
    """
    from flows.lib.claims.table import CACHE_WRITES, extractor_version
    from flows.lib.topics import neighbour_params
    from flows.stages.tagging.phrase_quality import WORDS_CACHE_WRITES, counter_version

    ensure_lake_tables(settings.lake_path)
    con = duckdb.connect(str(settings.lake_path))
    try:
        con.execute("attach ? as candidate (read_only)", [str(candidate)])
        run_id = run_id or candidate.parent.name
        con.execute("begin transaction")
        params = {
            "run_id": run_id, "extractor": extractor_version(), "counter": counter_version(),
            "neighbour_params": neighbour_params(settings.transform.topics),
        }
        for sql in [*_REGISTRY_WRITES, *CACHE_WRITES, *WORDS_CACHE_WRITES]:
            con.execute(sql, _params_in(sql, params))
        con.execute("commit")
        con.execute("detach candidate")
        con.execute("checkpoint")
    finally:
        con.close()


# (each registry: this run's rows staged, then the registry's rows of the same ids replaced by
# them; DuckDB's `insert or replace` of rows with list columns took 4 s for 10k topics)
_REGISTRY_WRITES = [
    """
    create or replace temp table published_topics as
    select t.topic_id, d.label, t.centroid, t.theme_id, d.top_keyphrases,
        coalesce(r.first_run_id, $run_id) as first_run_id, $run_id as last_run_id,
        null::varchar as retired_run_id, current_timestamp as updated_at
    from candidate.main.int_topics_clustered as t
    inner join candidate.main.dim_topics as d on t.topic_id = d.topic_id
    left join topic_registry as r on t.topic_id = r.topic_id
    """,
    "delete from topic_registry where topic_id in (select topic_id from published_topics)",
    "insert into topic_registry by name select * from published_topics",
    """
    update topic_registry set retired_run_id = $run_id, updated_at = current_timestamp
    where retired_run_id is null and last_run_id <> $run_id
    """,
    """
    create or replace temp table published_themes as
    select t.theme_id, d.label, t.centroid, coalesce(r.first_run_id, $run_id) as first_run_id,
        $run_id as last_run_id, null::varchar as retired_run_id,
        current_timestamp as updated_at
    from candidate.main.int_themes_clustered as t
    inner join candidate.main.dim_themes as d on t.theme_id = d.theme_id
    left join theme_registry as r on t.theme_id = r.theme_id
    """,
    "delete from theme_registry where theme_id in (select theme_id from published_themes)",
    "insert into theme_registry by name select * from published_themes",
    """
    update theme_registry set retired_run_id = $run_id, updated_at = current_timestamp
    where retired_run_id is null and last_run_id <> $run_id
    """,
    # primary assignments: only the rows that differ are rewritten (run_id: the run that wrote
    # the row); a full rewrite of 100k rows made the write-back's commit seconds long. (DuckDB
    # compares row values field by field with NULLs equal: a null activity_date matches.)
    """
    create or replace temp table published_assignments as
    select a.paper_id, a.topic_id, p.content_hash, a.weight as similarity, a.is_loose,
        p.activity_date
    from candidate.main.int_paper_topics_assigned as a
    inner join candidate.main.int_papers_embedded as p on a.paper_id = p.paper_id
    where a.is_primary
    """,
    """
    delete from topic_assignments
    where (paper_id, topic_id, content_hash, similarity, is_loose, activity_date) not in (
        select (paper_id, topic_id, content_hash, similarity, is_loose, activity_date)
        from published_assignments
    )
    """,
    """
    insert into topic_assignments by name
    select *, $run_id as run_id from published_assignments
    where paper_id not in (select paper_id from topic_assignments)
    """,
    # nearest topics: the rows that differ from the published ones go, the published rows not
    # kept come in (run_id: the run that wrote the row)
    """
    create or replace temp table published_neighbours as
    select n.paper_id, n.content_hash, e.model_name, $neighbour_params as params, n.topic_ids,
        n.similarities, n.complete
    from candidate.main.int_paper_topic_neighbours as n
    inner join candidate.raw.paper_embeddings as e on n.paper_id = e.paper_id
    """,
    """
    delete from topic_neighbours where paper_id in (
        select paper_id from (
            select * exclude (run_id) from topic_neighbours
            except all
            select * from published_neighbours
        )
    )
    """,
    """
    insert into topic_neighbours by name
    select *, $run_id as run_id from published_neighbours
    where paper_id not in (select paper_id from topic_neighbours)
    """,
]
