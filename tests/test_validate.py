"""The GX quality gate on real DuckDB candidate warehouses (marts contract of docs/ARCHITECTURE.md).

The candidates are built here from real Hugging Face Daily Papers rows: raw schema with the lake's
DDL, marts of the contract's columns computed in SQL. ``build_warehouse`` and
``load_real_papers`` are reused by tests/test_publish.py and tests/test_audit.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.journal.record import RunRecord
from flows.journal.reports import report_markdown, write_report
from flows.lib.contract import public_marts
from flows.lib.lake import DDL, RUN_AUDIT_COLUMNS
from flows.settings import Settings
from flows.stages.fingerprint import build_config, stamp
from flows.stages.validate import (
    CheckResult,
    SuiteInputs,
    ValidationOutcome,
    build_suites,
    rules_version,
    validate_candidate,
)

STOP = {
    "about", "their", "these", "those", "which", "while", "where", "there", "through", "using",
    "based", "large", "model", "models", "language", "towards", "across", "without", "within",
}


# ----------------------------------------------------------------------------- builders


def _title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def load_real_papers(data_dir: Path, limit: int) -> pd.DataFrame:
    """Normalised paper rows (lake PAPER_COLUMNS) from the real HF daily files, oldest first."""
    rows: list[dict] = []
    seen: set[str] = set()
    for path in sorted((data_dir / "hf-daily-papers").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data.get("data", []) if isinstance(data, dict) else data
        day = datetime.fromisoformat(path.stem).replace(tzinfo=UTC)
        for pos, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue  # the Python-repr string entries of some 2024 files
            paper = entry.get("paper") or {}
            pid = paper.get("id")
            if not pid or pid in seen or not paper.get("summary"):
                continue
            seen.add(pid)
            title = " ".join(str(paper.get("title", "")).split())
            abstract = " ".join(str(paper["summary"]).split())
            rows.append(
                {
                    "paper_id": pid,
                    "arxiv_id": pid,
                    "title": title,
                    "abstract": abstract,
                    "authors": [a.get("name", "") for a in paper.get("authors", [])],
                    "published_at": pd.Timestamp(paper["publishedAt"]).tz_convert("UTC"),
                    "first_seen_at": day,
                    "source": "hf-daily",
                    "source_ref": f"{path.name}:{pos}",
                    "upvotes": int(paper.get("upvotes") or 0),
                    "num_comments": int(entry.get("numComments") or 0),
                    "categories": [],
                    "source_keywords": list(paper.get("ai_keywords") or []),
                    "title_key": _title_key(title),
                    "content_hash": hashlib.sha1((title + abstract).encode()).hexdigest(),
                }
            )
            if len(rows) >= limit:
                return pd.DataFrame(rows)
    return pd.DataFrame(rows)


def _keywords(papers: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """Deterministic stand-in tags: the first top_n distinct long words of each title."""
    rows = []
    for pid, title in zip(papers["paper_id"], papers["title"], strict=True):
        words: list[str] = []
        for w in re.findall(r"[A-Za-z][A-Za-z-]{4,}", title):
            if w.lower() not in STOP and w.lower() not in words:
                words.append(w.lower())
        for rank, w in enumerate(words[:top_n], start=1):
            rows.append((pid, w, w, round(0.9 - 0.05 * rank, 3), rank))
    return pd.DataFrame(rows, columns=list(public_marts()["fct_paper_keywords"].columns))


def _claims(papers: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for pid, abstract in zip(papers["paper_id"], papers["abstract"], strict=True):
        for i, m in enumerate(re.finditer(r"(\d+(?:\.\d+)?)\s?%", abstract)):
            rows.append(
                (f"{pid}:{i}", pid, 0, abstract[:200], m.group(0), m.start(), m.end(), "result",
                 float(m.group(1)), "%", "level", "", None, None, None, None, None)
            )
    return pd.DataFrame(rows, columns=list(public_marts()["fct_claims"].columns))


TRENDS = """
create table main.{table} as
with events as ({events}),
grains as (
    select * from (values ('day', interval 1 day), ('week', interval 7 day),
                          ('month', interval 1 month)) as g (grain, step)
),
bounds as (
    select key, grain, step,
        date_trunc(grain, min(activity_date)) as lo, date_trunc(grain, max(activity_date)) as hi
    from events cross join grains group by key, grain, step
),
windows as (
    select key, grain, step, unnest(generate_series(lo::timestamp, hi::timestamp, step))::date
        as window_start
    from bounds
),
counts as (
    select key, grain, date_trunc(grain, activity_date)::date as window_start,
        count(*) as n, sum(upvotes) as up
    from events cross join grains group by all
),
totals as (
    select grain, date_trunc(grain, activity_date)::date as window_start, count(*) as total
    from main.dim_papers cross join grains group by all
),
joined as (
    select w.key as {key}, w.grain, w.window_start,
        (w.window_start + w.step - interval 1 day)::date as window_end,
        coalesce(c.n, 0) as n_papers,
        coalesce(c.n, 0) / coalesce(nullif(t.total, 0), 1) as share,
        coalesce(c.up, 0) as upvotes
    from windows as w
    left join counts as c using (key, grain, window_start)
    left join totals as t using (grain, window_start)
)
select *,
    lag(n_papers) over (partition by {key}, grain order by window_start) as prev_n_papers,
    n_papers - prev_n_papers as change_abs,
    (n_papers - prev_n_papers) / nullif(prev_n_papers, 0) as change_pct,
    null::double as zscore_8,
    false as is_emerging,
    null::double as rising_score,
    false as is_rising,
    false as is_partial_window
from joined
"""


def build_warehouse(
    path: Path, papers: pd.DataFrame, *, top_n: int = 10, n_topics: int = 5,
    keyword_min_papers: int = 3, run_id: str = "test-run",
) -> Path:
    """A candidate warehouse: raw schema (lake DDL) + every mart of the contract, from papers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keywords = _keywords(papers, top_n)
    claims = _claims(papers)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema raw; use raw")
        con.execute(DDL)
        con.execute("use main")
        con.register("papers_df", papers)
        con.register("keywords_df", keywords)
        con.register("claims_df", claims)
        con.execute(
            "insert into raw.papers by name select *, [source] as sources, ? as last_run_id"
            " from papers_df",
            [run_id],
        )
        con.execute(
            "insert into raw.paper_keywords by name select *, score as similarity,"
            " 'stand-in/title-words' as model_name,"
            " 'cfg' as config_hash, ? as run_id from keywords_df",
            [run_id],
        )
        con.execute(
            "insert into raw.tagged_papers by name select paper_id, content_hash, 'cfg' as"
            " config_hash, 'tagged' as status, (select count(*) from keywords_df k where"
            " k.paper_id = p.paper_id)::int as n_keyphrases, ? as run_id from papers_df p",
            [run_id],
        )
        con.execute(
            f"""
            create table main.dim_papers as
            select p.paper_id, p.arxiv_id, p.title, p.abstract, p.authors, p.published_at,
                p.first_seen_at, coalesce(p.first_seen_at, p.published_at)::date as activity_date,
                p.source, p.sources, p.upvotes, p.num_comments, p.categories, p.source_keywords,
                'https://arxiv.org/abs/' || p.arxiv_id as arxiv_url,
                'https://huggingface.co/papers/' || p.arxiv_id as hf_url,
                (select count(*) from keywords_df k where k.paper_id = p.paper_id)::int
                    as n_keyphrases,
                (hash(p.paper_id) % {n_topics})::bigint as primary_topic_id,
                'h_all' as primary_theme_id
            from raw.papers as p;
            create table main.fct_paper_keywords as select * from keywords_df;
            create table main.fct_paper_topics as
            select paper_id, primary_topic_id as topic_id, 1.0 as weight, true as is_primary
            from main.dim_papers;
            create table main.dim_topics as
            select topic_id, 'topic ' || topic_id as label,
                ['kp' || topic_id] as top_keyphrases, count(*)::int as n_papers,
                min(d.activity_date) as first_seen_date, max(d.activity_date) as last_seen_date,
                null::bigint as parent_topic_id, 'h_all' as theme_id
            from main.fct_paper_topics join main.dim_papers as d using (paper_id)
            group by topic_id;
            create table main.dim_themes as
            select 'h_all' as theme_id, 'all topics' as label, ['kp'] as top_keyphrases,
                count(*)::int as n_topics, sum(n_papers)::int as n_papers,
                min(first_seen_date) as first_seen_date, max(last_seen_date) as last_seen_date,
                false as is_new
            from main.dim_topics;
            create table main.fct_claims as select * from claims_df;
            create table main.run_audit ({RUN_AUDIT_COLUMNS});
            """
        )
        con.execute(
            TRENDS.format(
                table="fct_topic_trends", key="topic_id",
                events="select primary_topic_id as key, activity_date, upvotes"
                " from main.dim_papers",
            )
        )
        con.execute(
            TRENDS.format(
                table="fct_theme_trends", key="theme_id",
                events="select primary_theme_id as key, activity_date, upvotes"
                " from main.dim_papers",
            )
        )
        con.execute(
            TRENDS.format(
                table="fct_keyword_trends", key="keyphrase",
                events=f"""select k.keyphrase as key, d.activity_date, d.upvotes
                    from main.fct_paper_keywords k join main.dim_papers d using (paper_id)
                    where k.keyphrase in (select keyphrase from main.fct_paper_keywords
                        group by keyphrase having count(*) >= {keyword_min_papers})""",
            )
        )
        con.execute("checkpoint")
    finally:
        con.close()
    return path


def raw_batch_of(papers: pd.DataFrame, run_id: str = "test-run") -> pd.DataFrame:
    """The raw batch as the pipeline passes it: lake raw_papers rows of the run."""
    batch = papers.copy()
    batch.insert(0, "run_id", run_id)
    batch["ingested_at"] = pd.Timestamp.now(tz="UTC")
    return batch


def execute(path: Path, *sql: str) -> None:
    con = duckdb.connect(str(path))
    try:
        for statement in sql:
            con.execute(statement)
        con.execute("checkpoint")
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def failing(outcome, suite: str, expectation: str | None = None) -> list[CheckResult]:
    return [
        c for c in outcome.failed_checks()
        if c.suite == suite and (expectation is None or c.expectation == expectation)
    ]


def assert_report_names(settings: Settings, outcome, run_id: str, check: CheckResult) -> None:
    """The run's report (summary.json + markdown) names the failing check."""
    record = RunRecord.start(run_id=run_id, source="hf-daily")
    record.set_validation(outcome)
    record.finish(status="failed", published=False)
    folder = write_report(settings, record, outcome, [])
    summary = json.loads((folder / "summary.json").read_text())
    assert check.label() in summary["run"]["failed_checks"][0] or any(
        check.label() in f for f in summary["run"]["failed_checks"]
    )
    assert any(
        r["suite"] == check.suite and not r["success"] for r in summary["validation"]["results"]
    )
    assert check.label() in report_markdown(record, outcome)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def real_papers(shared_data: Path) -> pd.DataFrame:
    return load_real_papers(shared_data, limit=120)


@pytest.fixture(scope="session")
def base_warehouse(real_papers: pd.DataFrame, tmp_path_factory) -> Path:
    """A valid candidate built once; tests copy it."""
    return build_warehouse(tmp_path_factory.mktemp("base") / "base.duckdb", real_papers)


@pytest.fixture
def candidate(settings: Settings, base_warehouse: Path) -> Path:
    path = settings.runs_dir / "run-1" / "candidate.duckdb"
    path.parent.mkdir(parents=True)
    shutil.copyfile(base_warehouse, path)
    return path


# ----------------------------------------------------------------------------- tests


def test_valid_candidate_passes_every_suite_and_writes_data_docs(
    settings: Settings, candidate: Path, base_warehouse: Path, real_papers: pd.DataFrame
) -> None:
    shutil.copyfile(base_warehouse, settings.warehouse_path)  # same data already published
    outcome = validate_candidate(
        settings, candidate, run_id="run-1", raw_batch=raw_batch_of(real_papers)
    )
    assert outcome.failed_checks() == []
    assert outcome.success and outcome.failed == 0
    suites = {r.suite for r in outcome.results}
    for layer in ("raw_batch.", "tags.", "marts.", "run_over_run."):
        assert any(s.startswith(layer) for s in suites), layer
    assert {"marts.dim_papers", "marts.fct_topic_trends", "run_over_run.schema"} <= suites
    assert outcome.data_docs_index == settings.reports_dir / "run-1" / "data_docs" / "index.html"
    html = outcome.data_docs_index.read_text()
    assert "marts.dim_papers" in html
    assert not outcome.skipped_suites
    again = ValidationOutcome.from_dict(json.loads(json.dumps(outcome.to_dict())))
    assert again.passed == outcome.passed and again.results == outcome.results


def test_negative_keyphrase_count_in_a_mart_fails(settings: Settings, candidate: Path) -> None:
    # (keys, nulls, types and enums of the marts are dbt's contract and tests: test_gate_e2e)
    execute(
        candidate,
        "update main.dim_papers set n_keyphrases = -1"
        " where paper_id = (select min(paper_id) from main.dim_papers)",
    )
    outcome = validate_candidate(settings, candidate, run_id="neg")
    assert not outcome.success
    [check] = failing(outcome, "marts.dim_papers", "expect_column_values_to_be_between")
    assert check.column == "n_keyphrases"
    con = duckdb.connect(str(candidate), read_only=True)
    bad = con.execute("select min(paper_id) from main.dim_papers").fetchone()[0]
    con.close()
    assert bad in check.details
    assert_report_names(settings, outcome, "neg", check)


def test_blank_topic_label_fails_and_leaves_both_files_untouched(
    settings: Settings, candidate: Path, base_warehouse: Path
) -> None:
    shutil.copyfile(base_warehouse, settings.warehouse_path)
    execute(candidate, "update main.dim_topics set label = ' ' where topic_id = 1")
    before = digest(settings.warehouse_path), digest(candidate)
    outcome = validate_candidate(settings, candidate, run_id="nolabel")
    [check] = failing(outcome, "marts.dim_topics", "expect_column_values_to_match_regex")
    assert check.column == "label"
    assert "1 of 5 rows" in check.details and "topic_id=1" in check.details
    assert_report_names(settings, outcome, "nolabel", check)
    # validation reads both files and writes neither; the published file is not left attached
    assert (digest(settings.warehouse_path), digest(candidate)) == before
    duckdb.connect(str(settings.warehouse_path)).close()


def test_sixty_percent_row_drop_against_published_fails(
    settings: Settings, candidate: Path, base_warehouse: Path
) -> None:
    shutil.copyfile(base_warehouse, settings.warehouse_path)
    execute(
        candidate,
        "create temp table keep as select paper_id from main.dim_papers"
        " order by paper_id limit (select (count(*) * 0.4)::int from main.dim_papers)",
        "delete from main.dim_papers where paper_id not in (select paper_id from keep)",
    )
    outcome = validate_candidate(settings, candidate, run_id="shrunk")
    [rows] = failing(outcome, "run_over_run.row_counts")
    assert "dim_papers" in rows.details and "0.6" in rows.details
    assert failing(outcome, "run_over_run.distinct_papers")
    assert_report_names(settings, outcome, "shrunk", rows)

    # the thresholds are settings: a looser gate lets the same candidate through
    loose = settings.model_copy(update={"validation": settings.validation.model_copy(
        update={"max_row_shrink_fraction": 0.7, "require_papers_not_decreasing": False})})
    again = validate_candidate(loose, candidate, run_id="shrunk-loose")
    assert not [c for c in again.failed_checks() if c.suite.startswith("run_over_run.")]


def test_raw_batch_failures_are_named(
    settings: Settings, candidate: Path, real_papers: pd.DataFrame
) -> None:
    """What judges the batch as a whole: a feed whose abstracts are mostly cut short (each
    record could pass the ingest's minimum length), an unknown source, a record twice. Rules
    that judge one record run at ingest (tests/test_records.py), not here."""
    batch = raw_batch_of(real_papers)
    ids = batch["paper_id"]
    half = len(batch) // 2 + 1
    batch.loc[: half, "abstract"] = batch.loc[: half, "abstract"].str[:120]
    batch.loc[4, "source"] = "scraped-blog"
    batch["record_hash"] = [f"h{i}" for i in range(len(batch))]
    batch = pd.concat([batch, batch.iloc[[5]]], ignore_index=True)  # the same record twice
    outcome = validate_candidate(settings, candidate, run_id="rawbad", raw_batch=batch)
    failed = {(c.suite, c.column): c for c in outcome.failed_checks()}
    assert set(failed) == {
        ("raw_batch.records", "abstract_chars"),
        ("raw_batch.records", "source"),
        ("raw_batch.records", "record_hash"),
    }
    assert ids[4] in failed[("raw_batch.records", "source")].details
    # a failed check names every paper of its failing rows (what `papertrends quarantine` takes)
    assert failed[("raw_batch.records", "source")].paper_ids == [ids[4]]
    assert failed[("raw_batch.records", "record_hash")].paper_ids == [ids[5]]
    short = failed[("raw_batch.records", "abstract_chars")]
    assert short.expectation == "expect_column_values_to_be_between"
    assert set(short.paper_ids) == set(ids[: half + 1])
    assert outcome.offending_papers() == sorted({ids[4], ids[5]} | set(ids[: half + 1]))
    assert len(outcome.failed_checks()) == 3
    assert_report_names(settings, outcome, "rawbad", failed[("raw_batch.records", "source")])


def publish_base(settings: Settings, base_warehouse: Path, rules: str | None = None) -> None:
    """The base warehouse as the published one, stamped as having passed ``rules`` (default:
    this gate's rules)."""
    shutil.copyfile(base_warehouse, settings.warehouse_path)
    stamp(settings.warehouse_path, "fingerprint", "run-0", rules or rules_version(settings),
          build_config(settings))


@pytest.mark.parametrize("published", [False, True], ids=["every-row", "changed-rows"])
def test_tags_and_marts_rules(
    settings: Settings, candidate: Path, base_warehouse: Path, published: bool
) -> None:
    """Score out of range, too many keyphrases, a window hole, an unknown unit, a topic
    without members, a share above 1: each named by its own check -- on a first run (every row)
    and against a published warehouse that passed the same rules (only changed rows)."""
    if published:
        publish_base(settings, base_warehouse)
    top_n = settings.tagging.top_n
    execute(
        candidate,
        "update raw.paper_keywords set score = 5.0 where rank = 1 and paper_id ="
        " (select min(paper_id) from raw.paper_keywords)",
        f"insert into raw.paper_keywords by name select paper_id, 'extra ' || i as keyphrase,"
        f" 'extra' as surface_form, 0.1 as score, 1 as rank, model_name, config_hash, run_id"
        f" from raw.paper_keywords,"
        f" range({top_n + 1}) as r(i) where paper_id = (select max(paper_id) from"
        f" raw.paper_keywords) and rank = 1",
        "delete from main.fct_topic_trends where grain = 'day' and topic_id = 2 and window_start"
        " = (select min(window_start) + 1 from main.fct_topic_trends where topic_id = 2"
        " and grain = 'day')",
        "update main.fct_claims set unit = 'furlongs' where claim_id ="
        " (select min(claim_id) from main.fct_claims)",
        "insert into main.dim_topics values (99, 'orphan', ['x'], 1, current_date, current_date,"
        " null, 'h_all')",
        "update main.fct_keyword_trends set share = 1.5 where rowid = 0",
        "update raw.paper_keywords set similarity = 1.5 where rank = 2",
    )
    outcome = validate_candidate(settings, candidate, run_id="rules")
    failed = {(c.suite, c.expectation, c.column) for c in outcome.failed_checks()}
    assert ("tags.raw_paper_keywords", "expect_column_values_to_be_between", "score") in failed
    assert ("tags.raw_paper_keywords", "expect_column_values_to_be_between",
            "keyphrases_of_paper") in failed
    assert ("tags.raw_paper_keywords", "expect_column_values_to_be_between", "similarity") in failed
    assert ("marts.fct_topic_trends", "expect_column_values_to_be_in_set",
            "next_window_missing") in failed
    assert ("marts.fct_claims", "expect_column_values_to_be_in_set", "unit_known") in failed
    [unit] = [c for c in outcome.failed_checks() if c.column == "unit_known"]
    assert "unit=furlongs" in unit.details
    assert ("marts.dim_topics", "expect_column_values_to_be_between", "n_members") in failed
    assert ("marts.fct_keyword_trends", "expect_column_values_to_be_between", "share") in failed
    [gap] = [c for c in outcome.failed_checks() if c.column == "next_window_missing"]
    assert "topic_id=2, grain=day" in gap.details
    [orphan] = [c for c in outcome.failed_checks() if c.column == "n_members"]
    assert "orphan" in orphan.details
    # against the published warehouse only changed rows were checked
    assert bool(outcome.changed_only) == published


def test_against_a_warehouse_that_passed_the_same_rules_only_changed_rows_are_checked(
    settings: Settings, candidate: Path, base_warehouse: Path
) -> None:
    publish_base(settings, base_warehouse)
    outcome = validate_candidate(settings, candidate, run_id="same")
    assert outcome.success, outcome.failed_checks()
    checked = outcome.changed_only
    assert {"tags.raw_paper_keywords", "marts.dim_papers", "marts.fct_keyword_trends",
            "marts.fct_claims"} <= set(checked)
    assert all(n == 0 and total > 0 for n, total in checked.values()), checked
    # whole-table checks (the contract, run over run) run every time
    suites = {r.suite for r in outcome.results}
    assert {"marts.contract", "run_over_run.row_counts", "run_over_run.schema"} <= suites

    # one paper's new tags: the paper's rows are checked, no others
    execute(candidate, "update raw.paper_keywords set score = score / 2 where paper_id ="
                       " (select min(paper_id) from raw.paper_keywords)")
    again = validate_candidate(settings, candidate, run_id="one-paper").changed_only
    con = duckdb.connect(str(candidate), read_only=True)
    (rows_of_paper,) = con.execute("select count(*) from raw.paper_keywords where paper_id ="
                                   " (select min(paper_id) from raw.paper_keywords)").fetchone()
    con.close()
    assert again["tags.raw_paper_keywords"][0] == rows_of_paper
    assert again["marts.dim_papers"][0] == 0


@pytest.mark.parametrize("saved", ["on-changed-rows", "on-every-row", "unreadable"])
def test_a_daily_gate_reading_the_published_runs_saved_hashes_still_catches_a_changed_row(
    settings: Settings, candidate: Path, base_warehouse: Path, saved: str
) -> None:
    """The published run's gate saved its frames' row hashes (whether it checked changed rows
    or every row); the next gate reads them instead of computing the published frames, and
    still checks exactly the rows that changed. Saved hashes it cannot read are computed
    again: never fewer checks. Only the published run's and this run's hashes are kept."""
    publish_base(settings, base_warehouse)  # published by run-0
    stale = settings.gate_hashes_dir / "run-older"
    stale.mkdir(parents=True)
    assert validate_candidate(  # run-0's own gate
        settings, candidate, run_id="run-0", every_row=saved == "on-every-row"
    ).success
    saved_files = sorted((settings.gate_hashes_dir / "run-0").glob("*.parquet"))
    assert {"marts.dim_papers.parquet", "marts.fct_topic_trends.parquet"} <= {
        p.name for p in saved_files
    }
    if saved == "unreadable":
        for path in saved_files:
            path.write_bytes(b"not parquet")
    execute(candidate, "update main.dim_papers set n_keyphrases = -1"
                       " where paper_id = (select min(paper_id) from main.dim_papers)")
    outcome = validate_candidate(settings, candidate, run_id="run-1")
    assert failing(outcome, "marts.dim_papers", "expect_column_values_to_be_between")
    assert outcome.changed_only["marts.dim_papers"][0] == 1
    assert outcome.changed_only["marts.fct_topic_trends"][0] == 0
    assert sorted(p.name for p in settings.gate_hashes_dir.iterdir()) == ["run-0", "run-1"]


def test_a_copy_of_an_unchanged_row_is_caught_on_changed_rows(
    settings: Settings, candidate: Path, base_warehouse: Path
) -> None:
    """A second copy of a published row differs from nothing the published warehouse has
    once: the uniqueness checks see both copies."""
    publish_base(settings, base_warehouse)
    execute(  # (create ... as: the copies without the lake's primary keys)
        candidate,
        "create or replace table raw.tagged_papers as select * from raw.tagged_papers"
        " union all select * from raw.tagged_papers"
        " where paper_id = (select min(paper_id) from raw.tagged_papers)",
        "create or replace table raw.paper_keywords as select * from raw.paper_keywords"
        " union all select * from raw.paper_keywords"
        " where paper_id = (select max(paper_id) from raw.paper_keywords) and rank = 1",
    )
    outcome = validate_candidate(settings, candidate, run_id="copies")
    failed = {(c.suite, c.expectation) for c in outcome.failed_checks()}
    assert ("tags.raw_tagged_papers", "expect_column_values_to_be_unique") in failed
    assert ("tags.raw_paper_keywords", "expect_compound_columns_to_be_unique") in failed
    assert outcome.changed_only


@pytest.mark.parametrize("why", ["other-rules", "no-stamp", "full-refresh"])
def test_rows_published_under_other_rules_are_checked_again(
    settings: Settings, candidate: Path, base_warehouse: Path, why: str
) -> None:
    """A bad row the published warehouse already holds (it passed looser rules, or the rules it
    passed are unknown) fails the gate: every row is checked; so does ``--full-refresh``."""
    publish_base(settings, base_warehouse, rules="looser" if why == "other-rules" else None)
    if why == "no-stamp":
        execute(settings.warehouse_path, "drop table raw.build_inputs")
    for path in (settings.warehouse_path, candidate):
        execute(path, "update main.dim_papers set n_keyphrases = -1"
                      " where paper_id = (select min(paper_id) from main.dim_papers)")
    outcome = validate_candidate(
        settings, candidate, run_id=why, every_row=why == "full-refresh"
    )
    assert failing(outcome, "marts.dim_papers", "expect_column_values_to_be_between")
    assert outcome.changed_only == {}


def test_schema_drift_removed_or_retyped_fails_added_column_and_small_shrink_pass(
    settings: Settings, candidate: Path, base_warehouse: Path
) -> None:
    shutil.copyfile(base_warehouse, settings.warehouse_path)
    execute(
        candidate,
        "delete from main.fct_claims where claim_id in"
        " (select claim_id from main.fct_claims order by claim_id limit 1)",
        "alter table main.dim_topics add column description varchar",
        "alter table main.fct_claims drop column baseline",
        "alter table main.dim_papers alter column upvotes type varchar",
    )
    outcome = validate_candidate(settings, candidate, run_id="drift")
    [drift] = failing(outcome, "run_over_run.schema")
    assert "fct_claims.baseline" in drift.details and "dim_papers.upvotes" in drift.details
    assert "dim_topics.description" not in drift.details
    # (a mart's own columns are its enforced dbt contract: tests/test_transform.py)
    # one claim less is within max_row_shrink_fraction
    assert not failing(outcome, "run_over_run.row_counts")


def test_missing_mart_fails_the_contract(settings: Settings, candidate: Path) -> None:
    execute(candidate, "drop table main.fct_claims")
    outcome = validate_candidate(settings, candidate, run_id="nomart")
    [contract] = failing(outcome, "marts.contract")
    assert "fct_claims" in contract.details
    assert any(s.startswith("marts.fct_claims") for s in outcome.skipped_suites)


def test_suites_are_loaded_from_the_expectations_folder(settings: Settings, tmp_path: Path) -> None:
    """Suites come from settings.validation.expectations_dir (one module per layer)."""
    folder = tmp_path / "expectations"
    shutil.copytree(settings.validation.expectations_dir, folder)
    marts = folder / "marts.py"
    marts.write_text(marts.read_text().replace('name="marts.contract"', 'name="marts.contract_x"'))
    custom = settings.model_copy(
        update={"validation": settings.validation.model_copy(update={"expectations_dir": folder})}
    )
    inputs = SuiteInputs(settings=custom, run_id="r", now=datetime.now(UTC), candidate_tables=set())
    names = {s.name for s in build_suites(custom, inputs, raw_batch=True, published=True)}
    assert "marts.contract_x" in names and "marts.contract" not in names
    assert {n.split(".")[0] for n in names} == {"raw_batch", "tags", "marts", "run_over_run"}
    (folder / "tags.py").unlink()
    with pytest.raises(FileNotFoundError, match="tags.py"):
        build_suites(custom, inputs, raw_batch=False, published=False)
