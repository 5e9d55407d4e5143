"""The transform stage against a real DuckDB lake, the real MiniLM model and a real dbt build.

A small lake is built from a few days of the real HF daily-papers files (tests/dbt/lake_loader.py,
a stand-in for the real ingest/tagging): Mon 2025-06-02 .. Fri 06-06 for the first build, then
Mon 06-09 .. Wed 06-11 added for the second, so the last week and month are partial.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from flows.settings import Settings, TopicSettings
from flows.topics import assign_papers, build_topics, paper_vectors, relation_frame
from flows.transform import (
    DbtOutcome,
    build_candidate,
    compile_analyses,
    dbt_vars,
    generate_docs,
    run_dbt_build,
    save_topic_registry,
)
from tests.dbt.lake_loader import embed_phrases, load_lake, page_papers, standin_keyphrases
from tests.dbt.themes import THEMES

FIRST_DAYS = ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06"]
LATER_DAYS = ["2025-06-09", "2025-06-10", "2025-06-11"]

CONTRACT = {
    "dim_papers": "paper_id arxiv_id title abstract authors published_at first_seen_at "
    "activity_date source sources upvotes num_comments categories source_keywords arxiv_url "
    "hf_url n_keyphrases primary_topic_id",
    "fct_paper_keywords": "paper_id keyphrase surface_form score rank",
    "dim_topics": "topic_id label top_keyphrases n_papers first_seen_date last_seen_date "
    "parent_topic_id",
    "fct_paper_topics": "paper_id topic_id weight is_primary",
    "fct_topic_trends": "topic_id grain window_start window_end n_papers share upvotes "
    "prev_n_papers change_abs change_pct zscore_8 is_emerging rising_score is_rising "
    "is_partial_window",
    "fct_keyword_trends": "keyphrase grain window_start window_end n_papers share upvotes "
    "prev_n_papers change_abs change_pct zscore_8 is_emerging rising_score is_rising "
    "is_partial_window",
    "fct_claims": "claim_id paper_id sentence_index sentence span start_offset end_offset "
    "claim_type value unit direction qualifier metric benchmark baseline",
}
PRIMARY_KEYS = {
    "dim_papers": ["paper_id"],
    "fct_paper_keywords": ["paper_id", "keyphrase"],
    "dim_topics": ["topic_id"],
    "fct_paper_topics": ["paper_id", "topic_id"],
    "fct_topic_trends": ["topic_id", "grain", "window_start"],
    "fct_keyword_trends": ["keyphrase", "grain", "window_start"],
    "fct_claims": ["claim_id"],
}


@dataclass
class Builds:
    settings: Settings
    first: Path
    second: Path
    first_outcome: DbtOutcome
    second_outcome: DbtOutcome


def _day_files(data: Path, days: list[str]) -> list[Path]:
    return [data / "hf-daily-papers" / f"{day}.json" for day in days]


@pytest.fixture(scope="module")
def builds(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    home = tmp_path_factory.mktemp("transform") / "home"
    settings = Settings(home=home, data_dir=shared_data)
    settings.ensure_home()
    # a small corpus: keyword trends need fewer papers per keyphrase to have rows
    settings.transform.keyword_trend_min_papers = 2
    load_lake(settings.lake_path, _day_files(shared_data, FIRST_DAYS), run_id="r1")
    first = build_candidate(settings, "r1")
    first_outcome = run_dbt_build(settings, first, run_id="r1")
    assert first_outcome.success, first_outcome.failures
    save_topic_registry(settings, first)
    load_lake(settings.lake_path, _day_files(shared_data, LATER_DAYS), run_id="r2")
    second = build_candidate(settings, "r2")
    second_outcome = run_dbt_build(settings, second, run_id="r2")
    return Builds(settings, first, second, first_outcome, second_outcome)


def _query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_build_succeeds_with_models_and_tests(builds: Builds) -> None:
    outcome = builds.second_outcome
    assert outcome.success, outcome.failures
    assert outcome.tests_failed == 0 and outcome.failures == []
    assert outcome.models_ok >= 20
    assert outcome.tests_passed >= 40


def test_candidate_file_is_not_locked_after_build(builds: Builds) -> None:
    con = duckdb.connect(str(builds.second))  # read-write, in the same process as dbt ran
    try:
        con.execute("create table lock_probe as select 1 as x")
        con.execute("drop table lock_probe")
    finally:
        con.close()


def test_marts_have_contract_columns_and_unique_keys(builds: Builds) -> None:
    for mart, columns in CONTRACT.items():
        rows = _query(
            builds.second,
            "select column_name from information_schema.columns "
            f"where table_schema = 'main' and table_name = '{mart}'",
        )
        assert set(columns.split()) <= {r[0] for r in rows}, mart
        keys = ", ".join(PRIMARY_KEYS[mart])
        dupes = _query(
            builds.second,
            f"select count(*) from (select {keys} from {mart} group by all having count(*) > 1)",
        )
        assert dupes == [(0,)], mart
    n_papers = _query(builds.second, "select count(*) from dim_papers")[0][0]
    assert n_papers > 50


def test_each_paper_with_keyphrases_has_exactly_one_primary_topic(builds: Builds) -> None:
    rows = _query(
        builds.second,
        """
        select k.paper_id, count(t.topic_id) filter (where t.is_primary) as n_primary
        from (select distinct paper_id from fct_paper_keywords) as k
        left join fct_paper_topics as t using (paper_id)
        group by k.paper_id
        """,
    )
    assert len(rows) > 50
    assert {n for _, n in rows} == {1}
    labels = _query(builds.second, "select label from dim_topics where n_papers > 0")
    assert labels and all(label for (label,) in labels)


def test_trend_windows_are_zero_filled_and_last_window_is_partial(builds: Builds) -> None:
    # the data has no papers on the weekend of 2025-06-07/08: every topic shows zeros there
    weekend = _query(
        builds.second,
        """
        select count(*), count(distinct topic_id), max(n_papers)
        from fct_topic_trends
        where grain = 'day' and window_start in (date '2025-06-07', date '2025-06-08')
        """,
    )[0]
    n_topics = _query(
        builds.second,
        "select count(distinct topic_id) from fct_topic_trends "
        "where grain = 'day' and window_start <= date '2025-06-06'",
    )[0][0]
    assert weekend == (2 * n_topics, n_topics, 0)
    # daily windows of each topic are contiguous from its first window to 2025-06-11
    gaps = _query(
        builds.second,
        """
        select topic_id from fct_topic_trends where grain = 'day'
        group by topic_id
        having count(*) <> date_diff('day', min(window_start), date '2025-06-11') + 1
            or max(window_start) <> date '2025-06-11'
        """,
    )
    assert gaps == []
    last = _query(
        builds.second,
        """
        select grain, window_start, window_end, bool_and(is_partial_window)
        from fct_topic_trends
        where (grain, window_start) in (
            select grain, max(window_start) from fct_topic_trends group by grain
        )
        group by all order by grain
        """,
    )
    assert last == [
        ("day", pd.Timestamp("2025-06-11").date(), pd.Timestamp("2025-06-11").date(), False),
        ("month", pd.Timestamp("2025-06-01").date(), pd.Timestamp("2025-06-30").date(), True),
        ("week", pd.Timestamp("2025-06-09").date(), pd.Timestamp("2025-06-15").date(), True),
    ]
    full_week = _query(
        builds.second,
        "select bool_or(is_partial_window) from fct_topic_trends "
        "where grain = 'week' and window_start = date '2025-06-02'",
    )
    assert full_week == [(False,)]
    shares = _query(
        builds.second,
        "select max(s) from (select sum(share) as s from fct_topic_trends "
        "where grain = 'week' group by window_start)",
    )[0][0]
    assert 0.5 < shares <= 1.0 + 1e-9
    keyword_rows = _query(builds.second, "select count(*) from fct_keyword_trends")[0][0]
    assert keyword_rows > 0


def test_topic_ids_stay_stable_and_new_papers_join_existing_topics(builds: Builds) -> None:
    con = duckdb.connect(str(builds.second), read_only=True)
    try:
        con.execute("attach ? as first (read_only)", [str(builds.first)])
        first_topics = {
            r[0] for r in con.execute("select topic_id from first.dim_topics").fetchall()
        }
        second_topics = {r[0] for r in con.execute("select topic_id from dim_topics").fetchall()}
        changed = con.execute(
            """
            select count(*) from first.fct_paper_topics as a
            inner join fct_paper_topics as b using (paper_id)
            where a.is_primary and b.is_primary and a.topic_id <> b.topic_id
            """
        ).fetchall()
        new_papers = con.execute(
            """
            select t.topic_id from fct_paper_topics as t
            anti join first.dim_papers as p using (paper_id)
            where t.is_primary
            """
        ).fetchall()
        new_topics = con.execute(
            "select topic_id from dim_topics where is_new and n_papers > 0"
        ).fetchall()
    finally:
        con.close()
    assert first_topics <= second_topics  # no topic id lost
    assert changed == [(0,)]  # papers of the first build keep their primary topic
    assert len(new_papers) > 20
    # new papers close to a known topic join it; the rest found new topics
    joined = sum(topic in first_topics for (topic,) in new_papers)
    assert joined >= 5
    assert new_topics and {t for (t,) in new_topics}.isdisjoint(first_topics)


def test_topics_are_deterministic_for_the_same_data(builds: Builds) -> None:
    con = duckdb.connect(str(builds.first), read_only=True)
    try:
        vectors = relation_frame(con.sql("select * from int_paper_vectors_embedded"), ("vector",))
    finally:
        con.close()
    params = TopicSettings()
    empty_registry = pd.DataFrame(columns=["topic_id", "centroid", "label"])
    no_assignments = pd.DataFrame(columns=["paper_id", "topic_id", "signature"])
    runs = []
    for frame in (vectors, vectors.sample(frac=1.0, random_state=7)):
        topics = build_topics(frame, empty_registry, no_assignments, params)
        papers = assign_papers(frame, topics, no_assignments, params)
        runs.append((list(topics["topic_id"]), papers.sort_values(["paper_id", "topic_id"])))
    assert runs[0][0] == runs[1][0]
    pd.testing.assert_frame_equal(
        runs[0][1].reset_index(drop=True), runs[1][1].reset_index(drop=True)
    )


def test_docs_generate_works(builds: Builds) -> None:
    target = generate_docs(builds.settings, builds.second, run_id="r2")
    assert (target / "index.html").is_file()
    assert (target / "catalog.json").is_file()


def test_analyses_compile_and_run_on_the_warehouse(builds: Builds) -> None:
    analyses = compile_analyses(builds.settings, builds.second, run_id="r2")
    assert set(analyses) >= {
        "rising_topics_this_week",
        "rising_topics_this_month",
        "new_topics",
        "strongest_claims_of_a_topic",
        "most_upvoted_topics",
    }
    con = duckdb.connect(str(builds.second), read_only=True)
    try:
        results = {name: con.sql(sql).fetchall() for name, sql in analyses.items()}
    finally:
        con.close()
    assert results["most_upvoted_topics"]
    # the rising analyses list the latest window's rows of fct_rising_topics (the one rule)
    con = duckdb.connect(str(builds.second), read_only=True)
    try:
        for grain in ("week", "month"):
            expected = con.execute(
                "select topic_id from fct_rising_topics where grain = ? and window_start = "
                "(select max(window_start) from fct_topic_trends where grain = ?) "
                "order by rank_in_window", [grain, grain]).fetchall()
            listed = [row[2] for row in results[f"rising_topics_this_{grain}"]]
            assert listed == [topic_id for (topic_id,) in expected]
    finally:
        con.close()
    # the second build found new topics in its new days: they are "new"
    assert results["new_topics"]


def test_broken_model_yields_failure_naming_the_node(builds: Builds, tmp_path: Path) -> None:
    project = tmp_path / "dbt"
    shutil.copytree(
        builds.settings.transform.dbt_project_dir,
        project,
        ignore=shutil.ignore_patterns("target", "logs"),
    )
    (project / "models" / "marts" / "broken_mart.sql").write_text(
        "select no_such_column from {{ ref('dim_papers') }}\n"
    )
    settings = builds.settings.model_copy(deep=True)
    settings.transform.dbt_project_dir = project
    candidate = tmp_path / "runs" / "broken" / "candidate.duckdb"
    candidate.parent.mkdir(parents=True)
    shutil.copy(builds.second, candidate)
    outcome = run_dbt_build(settings, candidate, run_id="broken", select=["broken_mart"])
    assert outcome.success is False
    assert any(f.startswith("broken_mart") for f in outcome.failures), outcome.failures
    duckdb.connect(str(candidate)).close()  # not left locked after a failure either


def test_dbt_project_vars_match_settings_defaults() -> None:
    project = yaml.safe_load((Settings().transform.dbt_project_dir / "dbt_project.yml").read_text())
    expected = dbt_vars(Settings())
    assert {k: project["vars"][k] for k in expected} == expected


def test_themes_of_the_hf_papers_page_land_together_and_stay_apart(shared_data: Path) -> None:
    """Hand-labelled themes (tests/dbt/themes.py) over the HF papers page's 245 papers."""
    papers = page_papers(shared_data / "hf-papers-page" / "papers-search-results.txt")
    tags = standin_keyphrases([f"{title}. {abstract}" for title, abstract in papers])
    keywords = pd.DataFrame(
        [(f"p{i:03d}", phrase, score) for i, row in enumerate(tags) for phrase, score in row],
        columns=["paper_id", "keyphrase", "score"],
    )
    phrases = sorted(keywords["keyphrase"].unique())
    embeddings = pd.DataFrame({"keyphrase": phrases, "embedding": embed_phrases(phrases)})
    params = TopicSettings()
    vectors = paper_vectors(
        keywords,
        embeddings,
        params.max_df,
        params.idf_power,
        params.min_generic_papers,
        params.lexical_weight,
        params.lexical_features,
    )
    no_assignments = pd.DataFrame(columns=["paper_id", "topic_id", "signature"])
    topics = build_topics(
        vectors, pd.DataFrame(columns=["topic_id", "centroid", "label"]), no_assignments, params
    )
    primary = assign_papers(vectors, topics, no_assignments, params).query("is_primary")
    topic_of_paper = dict(zip(primary["paper_id"], primary["topic_id"], strict=True))
    topic_of_title = {title: topic_of_paper[f"p{i:03d}"] for i, (title, _) in enumerate(papers)}
    majority: dict[str, str] = {}
    purities = []
    for theme, titles in THEMES.items():
        counts = pd.Series([topic_of_title[t] for t in titles]).value_counts()
        majority[theme] = counts.index[0]
        purities.append(counts.iloc[0] / len(titles))
        assert counts.iloc[0] / len(titles) >= 0.5, (theme, counts.to_dict())
    assert len(set(majority.values())) == len(THEMES), majority  # themes stay apart
    assert sum(purities) / len(purities) >= 0.7, purities
