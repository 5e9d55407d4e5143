"""Transform: build a run's candidate warehouse from the lake and run ``dbt build`` on it.

``build_candidate`` copies what dbt needs from the lake (attached read-only) into schema ``raw``
of ``runs/<run_id>/candidate.duckdb``; ``run_dbt_build`` runs dbt in-process (dbtRunner) on that
file and reports models and tests; ``save_topic_registry`` writes the published run's topics back
into the lake so the next run keeps topic ids stable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.lake import RUN_AUDIT_COLUMNS
from flows.settings import Settings

# lake table -> select that fills raw.<name> in the candidate (lake attached as `lake`)
# Papers set aside (`papertrends quarantine`) leave every warehouse: no row of theirs is copied.
_KEPT = "where paper_id not in (select paper_id from lake.set_aside)"
_RAW_COPIES: dict[str, str] = {
    "papers": f"select * from lake.papers {_KEPT}",
    "paper_keywords": f"select * from lake.paper_keywords {_KEPT}",
    "tagged_papers": f"select * from lake.tagged_papers {_KEPT}",
    "quarantine": "select * from lake.quarantine",
    "topic_registry": "select * from lake.topic_registry",
    "topic_assignments": f"select * from lake.topic_assignments {_KEPT}",
    # for run-over-run: papers set aside are not counted as lost
    "set_aside": "select * from lake.set_aside",
    # one embedding per canonical keyphrase in use, from the model that covers most of them;
    # where the cache has no entry for the canonical form, that of one of its surface forms
    "keyphrase_embeddings": """
        with forms as (
            select distinct keyphrase, keyphrase as phrase, 0 as priority
            from lake.paper_keywords
            union all
            select distinct keyphrase, surface_form, 1 from lake.paper_keywords
            union all
            select distinct keyphrase, lower(surface_form), 2 from lake.paper_keywords
        ),
        coverage as (
            select e.model_name, count(distinct forms.keyphrase) as n
            from lake.phrase_embeddings as e
            inner join forms on e.phrase = forms.phrase
            group by e.model_name
            -- ties: the model the tags were made with
            order by
                n desc,
                e.model_name = (select mode(model_name) from lake.paper_keywords) desc,
                e.model_name
            limit 1
        ),
        matched as (
            select
                forms.keyphrase,
                e.model_name,
                e.embedding,
                row_number() over (
                    partition by forms.keyphrase order by forms.priority, forms.phrase
                ) as preference
            from forms
            inner join lake.phrase_embeddings as e on forms.phrase = e.phrase
            where e.model_name = (select model_name from coverage)
        )
        select keyphrase, model_name, embedding from matched where preference = 1
    """,
}


def ensure_lake_tables(lake_path: Path) -> None:
    """Create the lake-side tables the transform needs (the topic registry) when missing."""
    from flows.topics import REGISTRY_DDL

    con = duckdb.connect(str(lake_path))
    try:
        con.execute(REGISTRY_DDL)
        con.execute("checkpoint")
    finally:
        con.close()


def _lake_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = 'lake'"
    ).fetchall()
    return {r[0] for r in rows}


def build_candidate(settings: Settings, run_id: str) -> Path:
    """Create ``runs/<run_id>/candidate.duckdb`` with the lake's tables in schema ``raw``."""
    lake_path = settings.lake_path
    if not lake_path.is_file():
        raise FileNotFoundError(f"no lake at {lake_path}: run ingest first")
    ensure_lake_tables(lake_path)
    run_dir = settings.runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    candidate = run_dir / "candidate.duckdb"
    for stale in (candidate, candidate.with_name(candidate.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(candidate))
    try:
        con.execute("attach ? as lake (read_only)", [str(lake_path)])
        tables = _lake_tables(con)
        con.execute("create schema raw")
        for name, select in _RAW_COPIES.items():
            con.execute(f"create table raw.{name} as {select}")
        if "run_audit" in tables:
            con.execute("create table raw.run_audit as select * from lake.run_audit")
        else:
            con.execute(f"create table raw.run_audit ({RUN_AUDIT_COLUMNS})")
        con.execute("detach lake")
        con.execute("checkpoint")
    finally:
        con.close()
    return candidate


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


def invoke_dbt(
    settings: Settings, candidate: Path, args: list[str], *, run_id: str
) -> tuple[object, Path]:
    """Run one dbt command in-process on the candidate; returns (dbtRunnerResult, target dir)."""
    from dbt.cli.main import dbtRunner

    project_dir = Path(settings.transform.dbt_project_dir).resolve()
    run_dir = candidate.parent
    target_dir = run_dir / "dbt" / "target"
    log_dir = run_dir / "dbt" / "logs"
    os.environ["PAPERTRENDS_DBT_DB_PATH"] = str(candidate.resolve())
    os.environ["PAPERTRENDS_DBT_THREADS"] = str(settings.transform.dbt_threads)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    full_args = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target_dir),
        "--log-path",
        str(log_dir),
        "--vars",
        json.dumps(dbt_vars(settings)),
        "--quiet",
    ]
    (target_dir / "run_results.json").unlink(missing_ok=True)
    try:
        result = dbtRunner().invoke(full_args)
    finally:
        _close_dbt_connections()
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

    ``select``: optional dbt node selection (default: the whole project). Raises RuntimeError
    only when dbt could not run at all (bad project, profile, or file).
    """
    args = ["build", *(["--select", *select] if select else [])]
    result, target_dir = invoke_dbt(settings, candidate, args, run_id=run_id)
    exception = getattr(result, "exception", None)
    if exception is not None and _is_infrastructure_error(exception):
        raise RuntimeError(f"dbt build could not run: {exception}") from exception
    return _outcome_from_results(result, target_dir)


def _is_infrastructure_error(exception: BaseException) -> bool:
    """True for errors of the setup (profile, project file, database), not of a model/test."""
    from dbt.adapters.exceptions import FailedToConnectError
    from dbt.exceptions import DbtProfileError, DbtProjectError
    from dbt_common.exceptions import DbtBaseException

    if isinstance(exception, DbtProfileError | DbtProjectError | FailedToConnectError):
        return True
    return not isinstance(exception, DbtBaseException)


def generate_docs(settings: Settings, candidate: Path, *, run_id: str) -> Path:
    """``dbt docs generate`` on a built candidate; returns the folder with index.html."""
    result, target_dir = invoke_dbt(settings, candidate, ["docs", "generate"], run_id=run_id)
    if not getattr(result, "success", False):
        raise RuntimeError(f"dbt docs generate failed: {getattr(result, 'exception', None)}")
    return target_dir


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
    """Persist the published run's topics (ids, centroids, labels) and primary assignments.

    ``candidate``: the published warehouse (``flows.publish.write_back`` calls this only after the
    atomic replace, with the run that published it as ``run_id``). The next run's candidate gets
    them as raw.topic_registry and raw.topic_assignments, so known papers keep their topic and
    new papers join by centroid. Idempotent: writing the same warehouse twice changes nothing.
    """
    ensure_lake_tables(settings.lake_path)
    con = duckdb.connect(str(settings.lake_path))
    try:
        con.execute("attach ? as candidate (read_only)", [str(candidate)])
        run_id = run_id or candidate.parent.name
        con.execute("begin transaction")
        con.execute(
            """
            insert or replace into topic_registry
                (topic_id, label, centroid, top_keyphrases, parent_topic_id,
                 first_run_id, last_run_id, updated_at)
            select
                t.topic_id,
                d.label,
                t.centroid,
                d.top_keyphrases,
                d.parent_topic_id,
                coalesce(r.first_run_id, ?),
                ?,
                current_timestamp
            from candidate.main.int_topics_clustered as t
            inner join candidate.main.dim_topics as d on t.topic_id = d.topic_id
            left join topic_registry as r on t.topic_id = r.topic_id
            """,
            [run_id, run_id],
        )
        con.execute(
            """
            insert or replace into topic_assignments (paper_id, topic_id, signature, run_id)
            select p.paper_id, p.topic_id, v.signature, ?
            from candidate.main.fct_paper_topics as p
            inner join candidate.main.int_paper_vectors_embedded as v
                on p.paper_id = v.paper_id
            where p.is_primary
            """,
            [run_id],
        )
        con.execute("commit")
        con.execute("detach candidate")
        con.execute("checkpoint")
    finally:
        con.close()
