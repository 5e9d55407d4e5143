"""The transform stage against a real DuckDB lake, the real MiniLM model and a real dbt build.

A small lake is built from a few days of the real HF daily-papers files (tests/dbt/lake_loader.py,
a stand-in for the real ingest/tagging, with real MiniLM document embeddings): Mon 2025-06-02 ..
Fri 06-06 for the first build (r1), the same data again (r1b), then Mon 06-09 .. Wed 06-11 added
(r2), so the last week and month are partial; finally the papers of one topic rewritten (r3).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from flows.lib.claims.table import abstract_md5, claims_table, extractor_version
from flows.lib.contract import public_marts
from flows.lib.topics import embedded_papers, params_from_config, place_papers
from flows.settings import Settings, TopicSettings
from flows.stages.tagging.cache import text_hash
from flows.stages.tagging.keyphrases import compose_text
from flows.stages.tagging.phrase_quality import (
    boilerplate_table,
    counter_version,
    is_measurement,
    word_stats,
)
from flows.stages.transform import (
    _RAW_COPIES,
    LAKE_CACHES,
    LAKE_DERIVED,
    LAKE_INPUTS,
    DbtOutcome,
    build_candidate,
    compile_analyses,
    dbt_vars,
    invoke_dbt,
    run_dbt_build,
    run_dbt_unit_tests,
    save_topic_registry,
)
from tests.dbt.lake_loader import add_keyphrase, load_lake, rewrite_smallest_topic
from tests.pipeline_harness import query

FIRST_DAYS = ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06"]
LATER_DAYS = ["2025-06-09", "2025-06-10", "2025-06-11"]

# the module's fixture runs four real dbt builds (about 4 minutes on a quiet machine); on a
# shared, loaded one they need more than the suite's default 900 s
pytestmark = pytest.mark.timeout(1800)

# a measurement the tagger might rank first for a handful of papers: it must never be a label
MEASUREMENT = ("2000b tokens", "2000B tokens")


@dataclass
class Builds:
    settings: Settings
    first: Path
    again: Path  # the same data once more, after the first run's registry was saved
    second: Path  # three more days
    rewrite: Path  # the papers of the smallest topic rewritten (new texts)
    first_outcome: DbtOutcome
    again_outcome: DbtOutcome
    second_outcome: DbtOutcome
    rewritten_topic: str
    rewritten: list[str]


def _day_files(data: Path, days: list[str]) -> list[Path]:
    return [data / "hf-daily-papers" / f"{day}.json" for day in days]


def _build(settings: Settings, run_id: str, save: bool) -> tuple[Path, DbtOutcome]:
    candidate = build_candidate(settings, run_id)
    outcome = run_dbt_build(settings, candidate, run_id=run_id)
    if save:
        assert outcome.success, outcome.failures
        save_topic_registry(settings, candidate)
    return candidate, outcome


@pytest.fixture(scope="module")
def builds(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    home = tmp_path_factory.mktemp("transform") / "home"
    settings = Settings(home=home, data_dir=shared_data)
    settings.ensure_home()
    # a small corpus: keyword trends need fewer papers per keyphrase to have rows
    settings.transform.keyword_trend_min_papers = 2
    load_lake(settings.lake_path, _day_files(shared_data, FIRST_DAYS), run_id="r1")
    some_papers = [r[0] for r in query(
        settings.lake_path, "select paper_id from papers order by paper_id limit 8"
    )]
    add_keyphrase(settings.lake_path, some_papers, *MEASUREMENT)
    first, first_outcome = _build(settings, "r1", save=True)
    again, again_outcome = _build(settings, "r1b", save=False)
    load_lake(settings.lake_path, _day_files(shared_data, LATER_DAYS), run_id="r2")
    second, second_outcome = _build(settings, "r2", save=True)
    rewritten_topic, rewritten = rewrite_smallest_topic(settings, second, run_id="r3")
    rewrite, _ = _build(settings, "r3", save=True)
    return Builds(
        settings, first, again, second, rewrite, first_outcome, again_outcome, second_outcome,
        rewritten_topic, rewritten,
    )


def test_build_succeeds_with_models_and_tests(builds: Builds) -> None:
    outcome = builds.second_outcome
    assert outcome.success, outcome.failures
    assert outcome.tests_failed == 0 and outcome.failures == []
    assert outcome.models_ok >= 20
    assert outcome.tests_passed >= 40


def test_the_dbt_unit_tests_pass_though_a_run_leaves_them_out(
    builds: Builds, tmp_path: Path
) -> None:
    """A run's build skips the unit tests (they test SQL, not data); the suite runs them here."""
    assert not any(name.startswith("windows_cover") for name in builds.second_outcome.timings)
    candidate = tmp_path / "unit" / "candidate.duckdb"
    candidate.parent.mkdir()
    shutil.copyfile(builds.second, candidate)
    outcome = run_dbt_unit_tests(builds.settings, candidate, run_id="unit")
    assert outcome.success, outcome.failures
    assert "windows_cover_the_data_and_flag_partial_ones" in outcome.timings
    assert outcome.tests_passed >= 1 and outcome.tests_failed == 0


def test_secondary_topics_are_close_other_topics_and_the_same_when_reused(builds: Builds) -> None:
    """A paper's secondary topics are at least secondary_similarity close, never its primary,
    at most max_topics_per_paper - 1; a build that reused the lake's nearest-topic lists (r1b,
    after r1 was written back) publishes what r1 computed afresh."""
    params = builds.settings.transform.topics
    assert query(builds.again, "select count(*) from raw.topic_neighbours")[0][0] > 0
    assert query(builds.first, "select count(*) from raw.topic_neighbours")[0][0] == 0
    secondary = query(builds.second, """
        select s.paper_id, s.topic_id, s.weight, p.topic_id
        from fct_paper_topics as s
        inner join fct_paper_topics as p on s.paper_id = p.paper_id and p.is_primary
        where not s.is_primary
    """)
    assert secondary, "no paper has a secondary topic: the checks below would say nothing"
    assert all(weight >= params.secondary_similarity - 1e-6 for _, _, weight, _ in secondary)
    assert all(topic != primary for _, topic, _, primary in secondary)
    per_paper = Counter(paper for paper, _, _, _ in secondary)
    assert max(per_paper.values()) <= params.max_topics_per_paper - 1
    rows = "select * from fct_paper_topics order by all"
    assert query(builds.again, rows) == query(builds.first, rows)


def test_candidate_file_is_not_locked_after_build(builds: Builds) -> None:
    con = duckdb.connect(str(builds.second))  # read-write, in the same process as dbt ran
    try:
        con.execute("create table lock_probe as select 1 as x")
        con.execute("drop table lock_probe")
    finally:
        con.close()


def test_built_marts_are_exactly_the_contract(builds: Builds) -> None:
    """The contract flows.lib.contract reads from the marts yml is what dbt built: the same columns,
    in the same order, with the same DuckDB types, and unique keys. So a column added to a
    public mart's model and yml reaches the warehouse and every Python reader, and a column
    added to only one of them fails the build (the contract is enforced)."""
    for mart in public_marts().values():
        rows = query(
            builds.second,
            "select column_name, lower(data_type) from duckdb_columns() "
            f"where schema_name = 'main' and table_name = '{mart.name}' order by column_index",
        )
        assert dict(rows) == mart.columns and [r[0] for r in rows] == list(mart.columns), mart
        keys = ", ".join(mart.key)
        dupes = query(
            builds.second,
            f"select count(*) from (select {keys} from {mart.name}"
            " group by all having count(*) > 1)",
        )
        assert dupes == [(0,)], mart.name
    n_papers = query(builds.second, "select count(*) from dim_papers")[0][0]
    assert n_papers > 50


def _add_column(project: Path, model: str) -> None:
    sql = next(project.glob(f"models/**/{model}.sql"))
    text = sql.read_text().rstrip()
    assert text.endswith("select * from final"), "model no longer ends as expected"
    sql.write_text(
        text.removesuffix("select * from final")
        + "select *, 0::integer as n_citations from final\n"
    )


def test_a_column_is_added_by_its_model_and_yml_alone(builds: Builds, tmp_path: Path) -> None:
    """Adding a column to a public mart is a change to its SQL and its yml, nothing else: with
    both (dim_papers), dbt builds it and flows.lib.contract, reading that yml, lists it with its
    type, so every Python reader has it; with the SQL alone (fct_claims), the enforced contract
    fails the build, so the run cannot publish."""
    project = tmp_path / "dbt"
    shutil.copytree(
        builds.settings.transform.dbt_project_dir,
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    _add_column(project, "dim_papers")
    _add_column(project, "fct_claims")
    yml = project / "models" / "marts" / "_marts.yml"
    models = yaml.safe_load(yml.read_text())
    [papers] = [m for m in models["models"] if m["name"] == "dim_papers"]
    papers["columns"].append({"name": "n_citations", "data_type": "integer"})
    yml.write_text(yaml.safe_dump(models, sort_keys=False))
    settings = builds.settings.model_copy(deep=True)
    settings.transform.dbt_project_dir = project

    candidate = build_candidate(settings, "r-column")
    outcome = run_dbt_build(settings, candidate, run_id="r-column")

    contract = public_marts(yml)
    assert contract["dim_papers"].columns["n_citations"] == "integer"
    built = query(
        candidate,
        "select column_name, lower(data_type) from duckdb_columns() "
        "where schema_name = 'main' and table_name = 'dim_papers' order by column_index",
    )
    assert dict(built) == contract["dim_papers"].columns
    assert not outcome.success
    assert [f for f in outcome.failures if f.startswith("fct_claims: error")], outcome.failures
    assert not [f for f in outcome.failures if f.split(":")[0] == "dim_papers"], outcome.failures


def test_each_paper_with_keyphrases_has_exactly_one_primary_topic(builds: Builds) -> None:
    rows = query(
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
    labels = query(builds.second, "select label from dim_topics where n_papers > 0")
    assert labels and all(label for (label,) in labels)


def test_trend_windows_are_zero_filled_and_last_window_is_partial(builds: Builds) -> None:
    # the data has no papers on the weekend of 2025-06-07/08: every topic shows zeros there
    weekend = query(
        builds.second,
        """
        select count(*), count(distinct topic_id), max(n_papers)
        from fct_topic_trends
        where grain = 'day' and window_start in (date '2025-06-07', date '2025-06-08')
        """,
    )[0]
    n_topics = query(
        builds.second,
        "select count(distinct topic_id) from fct_topic_trends "
        "where grain = 'day' and window_start <= date '2025-06-06'",
    )[0][0]
    assert weekend == (2 * n_topics, n_topics, 0)
    # daily windows of each topic are contiguous from its first window to 2025-06-11
    gaps = query(
        builds.second,
        """
        select topic_id from fct_topic_trends where grain = 'day'
        group by topic_id
        having count(*) <> date_diff('day', min(window_start), date '2025-06-11') + 1
            or max(window_start) <> date '2025-06-11'
        """,
    )
    assert gaps == []
    last = query(
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
    full_week = query(
        builds.second,
        "select bool_or(is_partial_window) from fct_topic_trends "
        "where grain = 'week' and window_start = date '2025-06-02'",
    )
    assert full_week == [(False,)]
    shares = query(
        builds.second,
        "select max(s) from (select sum(share) as s from fct_topic_trends "
        "where grain = 'week' group by window_start)",
    )[0][0]
    assert 0.5 < shares <= 1.0 + 1e-9
    keyword_rows = query(builds.second, "select count(*) from fct_keyword_trends")[0][0]
    assert keyword_rows > 0


def _primary(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, str]:
    rows = con.execute(f"select paper_id, topic_id from {db}.fct_paper_topics where is_primary")
    return dict(rows.fetchall())


def test_a_second_run_over_the_same_data_changes_no_topic_or_theme(builds: Builds) -> None:
    assert builds.again_outcome.success, builds.again_outcome.failures
    con = duckdb.connect(str(builds.again), read_only=True)
    try:
        con.execute("attach ? as first (read_only)", [str(builds.first)])
        topics = "select topic_id, theme_id, label from {}.dim_topics order by all"
        themes = "select theme_id, label from {}.dim_themes order by all"
        for sql in (topics, themes):
            assert con.sql(sql.format("main")).fetchall() == con.sql(sql.format("first")).fetchall()
        assert _primary(con, "main") == _primary(con, "first")
        placements = con.sql(
            "select distinct placement from int_paper_topics_assigned where is_primary"
        ).fetchall()
        new = con.sql("select count(*) from dim_topics where is_new").fetchall()
    finally:
        con.close()
    assert placements == [("kept",)] and new == [(0,)]


def test_adding_days_moves_no_unchanged_paper_and_new_papers_join_or_found(
    builds: Builds,
) -> None:
    con = duckdb.connect(str(builds.second), read_only=True)
    try:
        con.execute("attach ? as first (read_only)", [str(builds.first)])
        before, after = _primary(con, "first"), _primary(con, "main")
        placement = dict(
            con.sql(
                "select paper_id, placement from int_paper_topics_assigned where is_primary"
            ).fetchall()
        )
        first_topics = {r[0] for r in con.sql("select topic_id from first.dim_topics").fetchall()}
        new_topics = {
            r[0] for r in con.sql("select topic_id from dim_topics where is_new").fetchall()
        }
    finally:
        con.close()
    assert before and all(after[p] == before[p] for p in before)
    assert {placement[p] for p in before} == {"kept"}
    new_papers = set(after) - set(before)
    assert len(new_papers) > 20
    joined = [p for p in new_papers if placement[p] == "joined"]
    assert len(joined) >= 5 and all(after[p] in first_topics for p in joined)
    # the rest found new topics (never an id seen before) or join their nearest topic
    assert new_topics and new_topics.isdisjoint(first_topics)
    assert {placement[p] for p in new_papers} <= {"joined", "founded", "nearest"}


def test_a_paper_whose_text_changed_is_placed_again(builds: Builds) -> None:
    placements = query(
        builds.rewrite,
        "select paper_id, placement, topic_id from int_paper_topics_assigned where is_primary",
    )
    rewritten = {p: (how, topic) for p, how, topic in placements if p in builds.rewritten}
    assert set(rewritten) == set(builds.rewritten)
    assert all(how != "kept" for how, _ in rewritten.values())


def test_a_topic_that_lost_all_its_papers_is_retired_never_reused(builds: Builds) -> None:
    topic = builds.rewritten_topic
    assert query(builds.rewrite, f"select * from dim_topics where topic_id = '{topic}'") == []
    assert query(
        builds.rewrite, f"select * from fct_paper_topics where topic_id = '{topic}'"
    ) == []
    registry = query(
        builds.settings.lake_path,
        f"select retired_run_id from topic_registry where topic_id = '{topic}'",
    )
    assert registry == [("r3",)]
    live = query(
        builds.settings.lake_path,
        "select count(*) from topic_registry where retired_run_id is null",
    )[0][0]
    assert live == query(
        builds.rewrite, "select count(*) from dim_topics where topic_id <> 't_unclustered'"
    )[0][0]
    # papers whose text did not change stay where they were
    con = duckdb.connect(str(builds.rewrite), read_only=True)
    try:
        con.execute("attach ? as second (read_only)", [str(builds.second)])
        before, after = _primary(con, "second"), _primary(con, "main")
    finally:
        con.close()
    assert all(after[p] == before[p] for p in set(before) - set(builds.rewritten))


def test_every_topic_has_a_theme_and_theme_trends_count_primary_papers(builds: Builds) -> None:
    orphans = query(
        builds.second,
        "select topic_id from dim_topics where theme_id is null and topic_id <> 't_unclustered'",
    )
    assert orphans == []
    per_theme = query(
        builds.second,
        """
        select d.theme_id, d.n_papers, sum(t.n_papers)
        from dim_themes d join fct_theme_trends t using (theme_id)
        where t.grain = 'month' group by all
        """,
    )
    assert per_theme and all(n == total for _, n, total in per_theme)
    papers_in_topics = query(
        builds.second,
        "select count(*) from fct_paper_topics where is_primary and topic_id <> 't_unclustered'",
    )[0][0]
    assert sum(n for _, n, _ in per_theme) == papers_in_topics


def _claims(path: Path) -> set[tuple]:
    return set(query(path, "select * from main.int_claims_extracted"))


def test_claims_reused_from_the_cache_are_those_a_fresh_extraction_finds(builds: Builds) -> None:
    """Claims are extracted once per abstract: the lake caches them after each publish and
    later builds reuse them. What a build publishes is what extracting every abstract afresh
    gives, for the papers it reused and for those whose text changed (r3)."""
    lake = builds.settings.lake_path
    extractor = extractor_version()
    cached = query(builds.second, "select count(*) from raw.claims_cache")[0][0]
    first_abstracts = query(
        builds.first, "select count(distinct abstract) from raw.papers where abstract <> ''"
    )[0][0]
    assert cached == first_abstracts > 0  # r2 reused every abstract r1 published
    papers = query(builds.rewrite, "select paper_id, abstract from raw.papers")
    assert _claims(builds.rewrite) == {
        tuple(row.values()) for row in claims_table(papers).to_pylist()
    }
    assert _claims(builds.rewrite) != _claims(builds.second)  # the rewritten texts' claims
    in_cache = query(
        lake, f"select abstract_md5 from claims_cache where extractor = '{extractor}'"
    )
    assert {r[0] for r in in_cache} == {abstract_md5(a) for _, a in papers if a}


def test_a_full_refresh_and_another_version_reuse_no_cached_claims_or_word_counts(
    builds: Builds,
) -> None:
    settings = builds.settings
    con = duckdb.connect(str(settings.lake_path))
    try:
        con.execute(
            "insert into claims_cache select abstract_md5, 'another-version', claims "
            "from claims_cache"
        )
        con.execute(
            "insert into word_counts_cache select content_hash, 'another-version', words "
            "from word_counts_cache"
        )
    finally:
        con.close()
    reused = build_candidate(settings, "r-claims")
    for cache, version in (("claims_cache", "extractor"), ("word_counts_cache", "counter")):
        assert query(reused, f"select count(*) from raw.{cache}")[0][0] > 0
        assert query(
            reused, f"select count(*) from raw.{cache} where {version} = 'another-version'"
        )[0][0] == 0
    refreshed = build_candidate(settings, "r-claims-refresh", full_refresh=True)
    assert query(refreshed, "select count(*) from raw.claims_cache")[0][0] == 0
    assert query(refreshed, "select count(*) from raw.word_counts_cache")[0][0] == 0


def test_papers_get_the_embedding_of_their_current_text_as_the_tagger_recorded_it(
    builds: Builds,
) -> None:
    """The candidate finds each paper's document embedding by the text hash the tagger recorded
    (tagged_papers.text_hash); a lake tagged before it recorded them, or a paper whose text
    changed since it was tagged, gets the hash computed from its text."""
    settings = builds.settings
    embeddings = "select * from raw.paper_embeddings order by paper_id"
    computed = query(build_candidate(settings, "r-hash-computed"), embeddings)
    assert computed
    texts = query(settings.lake_path, "select paper_id, title, abstract from papers")
    hashes = {p: text_hash(compose_text(t or "", a or "")) for p, t, a in texts}
    stale = sorted(hashes)[0]
    with duckdb.connect(str(settings.lake_path)) as con:
        con.executemany(
            "update tagged_papers set text_hash = ? where paper_id = ?",
            [(h, p) for p, h in hashes.items()],
        )
        # tagged from an older text: neither its content hash nor its text hash is current
        con.execute(
            "update tagged_papers set content_hash = 'older', text_hash = ? where paper_id = ?",
            [hashes[sorted(hashes)[-1]], stale],
        )
    try:
        recorded = query(build_candidate(settings, "r-hash-recorded"), embeddings)
    finally:
        with duckdb.connect(str(settings.lake_path)) as con:
            con.execute(
                "update tagged_papers set content_hash = p.content_hash, text_hash = null"
                " from papers as p where tagged_papers.paper_id = p.paper_id"
            )
    assert recorded == computed


def test_boilerplate_from_cached_word_counts_is_what_counting_every_text_gives(
    builds: Builds,
) -> None:
    """Each text's words are counted once: the lake caches the counts after each publish and
    later builds sum them in DuckDB. The boilerplate a build publishes is what counting every
    text afresh gives, for the texts it reused and for the rewritten ones (r3)."""
    cached = query(builds.second, "select count(*) from raw.word_counts_cache")[0][0]
    first_texts = query(builds.first, "select count(distinct content_hash) from raw.papers")
    assert cached == first_texts[0][0] > 0  # r2 reused the counts of every text r1 published
    papers = query(builds.rewrite, "select content_hash, title, abstract from raw.papers")
    phrase_df = dict(
        query(builds.rewrite, "select keyphrase, n_papers from int_keyphrases_counted")
    )
    afresh = boilerplate_table(
        word_stats(compose_text(title or "", abstract or "") for _, title, abstract in papers),
        phrase_df,
    )
    built = query(builds.rewrite, "select * from int_keyphrases_boilerplate order by keyphrase")
    assert built == sorted(tuple(row.values()) for row in afresh.to_pylist())
    assert any(row[-1] for row in built)  # some boilerplate, so the comparison says something
    in_cache = query(
        builds.settings.lake_path,
        f"select content_hash from word_counts_cache where counter = '{counter_version()}'",
    )
    assert {r[0] for r in in_cache} == {content_hash for content_hash, _, _ in papers}


def test_labels_are_never_measurements(builds: Builds) -> None:
    labels = query(
        builds.second, "select label from dim_topics union all select label from dim_themes"
    )
    parts = [part for (label,) in labels for part in label.split(" / ")]
    assert parts and not [p for p in parts if is_measurement(p)]
    # the measurement was a keyphrase of papers (ranked first), just not a label
    used = query(
        builds.second,
        f"select count(*) from fct_paper_keywords where keyphrase = '{MEASUREMENT[0]}'",
    )
    assert used == [(8,)]


def test_weights_are_similarities_in_the_unit_range(builds: Builds) -> None:
    low, high = query(builds.second, "select min(weight), max(weight) from fct_paper_topics")[0]
    assert low >= 0.0 and high <= 1.0
    assert query(
        builds.second,
        "select count(*) from fct_paper_topics where topic_id <> 't_unclustered' and weight = 0",
    ) == [(0,)]


def test_topics_are_deterministic_for_the_same_data(builds: Builds) -> None:
    con = duckdb.connect(str(builds.first), read_only=True)
    try:
        papers = embedded_papers(con.table("int_papers_embedded"),
                                 con.table("stg_raw__paper_embeddings"))
    finally:
        con.close()
    params = TopicSettings()
    registry = pd.DataFrame(columns=["topic_id", "centroid", "label", "retired_run_id"])
    no_assignments = pd.DataFrame(
        columns=["paper_id", "topic_id", "content_hash", "similarity", "is_loose"]
    )
    runs = []
    for frame in (papers, papers.sample(frac=1.0, random_state=7)):
        placed, _ = place_papers(frame, registry, no_assignments, params)
        runs.append(placed.sort_values(["paper_id", "topic_id"], ignore_index=True))
    pd.testing.assert_frame_equal(runs[0], runs[1])
    stored = query(
        builds.first, "select paper_id, topic_id from fct_paper_topics where is_primary"
    )
    primary = runs[0][runs[0]["is_primary"]]
    assert dict(stored) == dict(zip(primary["paper_id"], primary["topic_id"], strict=True))


def test_each_run_saves_its_topic_model_and_manifest(builds: Builds) -> None:
    first = builds.first.parent / "topic_model"
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["fitted"] and manifest["params"] == TopicSettings().model_dump()
    assert set(manifest["founded"].values()) <= {
        r[0] for r in query(builds.first, "select topic_id from dim_topics")
    }
    from bertopic import BERTopic

    model = BERTopic.load(str(first / "bertopic"))
    assert len(model.get_topic_info()) >= len(manifest["founded"])
    # a BERTopic user reading the saved model sees the papers' keyphrases as its topic words
    keyphrases = {r[0] for r in query(
        builds.first, "select distinct unnest(keyphrases) from int_papers_embedded")}
    for topic in manifest["founded"]:
        words = [word for word, _ in model.get_topic(int(topic))]
        assert words and set(words) <= keyphrases, words
    again = json.loads((builds.again.parent / "topic_model" / "manifest.json").read_text())
    assert again["fitted"] is False and again["placement"] == {"kept": manifest["n_papers"]}


def _standalone_dbt(args: list[str], copy: Path, out: Path) -> subprocess.CompletedProcess:
    """The venv's dbt as a user types it in dbt/: no --vars, no runner, no PYTHONPATH; only the
    profile's documented env var naming the copy (target/ and logs/ go to ``out``)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAPERTRENDS_DBT_", "DBT_")) and k != "PYTHONPATH"
    }
    env |= {
        "PAPERTRENDS_DBT_LOCAL_PATH": str(copy),
        "DBT_TARGET_PATH": str(out / "target"),
        "DBT_LOG_PATH": str(out / "logs"),
        "DO_NOT_TRACK": "1",
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args],
        cwd=Settings().transform.dbt_project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_dbt_works_on_its_own_from_its_folder_on_a_copy_of_the_warehouse(
    builds: Builds, tmp_path: Path
) -> None:
    """`cd dbt && dbt build / dbt show / dbt docs generate` on a copy of a warehouse, with the
    project's var defaults, rebuilds the topics the pipeline published (same parameters reach
    the Python models) and renders the docs."""
    copy = tmp_path / "warehouse-copy.duckdb"
    shutil.copyfile(builds.second, copy)
    build = _standalone_dbt(["build"], copy, tmp_path)
    assert build.returncode == 0, build.stdout[-3000:]
    assert "target='local'" in build.stdout
    topics = "select topic_id, label, n_papers, theme_id from {db}dim_topics"
    placed = "select paper_id, topic_id, weight, is_primary from {db}fct_paper_topics"
    con = duckdb.connect(str(copy), read_only=True)
    try:
        con.execute("attach ? as published (read_only)", [str(builds.second)])
        for sql in (topics, placed):
            rebuilt = sorted(con.execute(sql.format(db="")).fetchall())
            assert rebuilt
            assert rebuilt == sorted(con.execute(sql.format(db="published.main.")).fetchall())
    finally:
        con.close()
    show = _standalone_dbt(["show", "--select", "dim_topics"], copy, tmp_path)
    assert show.returncode == 0, show.stdout[-3000:]
    assert "topic_id" in show.stdout and " t_" in show.stdout
    docs = _standalone_dbt(["docs", "generate"], copy, tmp_path)
    assert docs.returncode == 0, docs.stdout[-3000:]
    assert (tmp_path / "target" / "index.html").is_file()
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert "label" in catalog["nodes"]["model.papertrends.dim_topics"]["columns"]


def test_the_runner_passes_settings_to_the_python_models_as_one_typed_object(
    builds: Builds, tmp_path: Path
) -> None:
    settings = builds.settings.model_copy(deep=True)
    settings.transform.topics = TopicSettings(max_df=0.05, min_samples=2, loose_days=30)
    candidate = tmp_path / "run" / "candidate.duckdb"
    candidate.parent.mkdir()
    result, target = invoke_dbt(settings, candidate, ["parse"], run_id="r9")
    assert result.success, result.exception
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    for model in (
        "int_keyphrases_qualified", "int_paper_topics_assigned", "int_paper_topic_neighbours",
        "int_topics_clustered",
    ):
        config = nodes[f"model.papertrends.{model}"]["config"]
        assert params_from_config(config["topic_params"]) == settings.transform.topics
    assigned = nodes["model.papertrends.int_paper_topics_assigned"]["config"]
    assert assigned["run_id"] == "r9"
    assert assigned["topic_model_dir"] == str(candidate.parent.resolve() / "topic_model")


def test_topic_params_are_the_var_as_json_with_defaults_and_no_unknown_keys() -> None:
    assert params_from_config('{"max_df": 0.05}') == TopicSettings(max_df=0.05)
    with pytest.raises(ValueError, match="max_dff"):
        params_from_config('{"max_dff": 0.05}')
    with pytest.raises(ValueError):  # a Python repr is not JSON
        params_from_config("{'max_df': 0.05, 'min_samples': None}")
    with pytest.raises(ValueError, match="topic_params"):
        params_from_config(None)


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


def test_every_lake_table_a_candidate_copies_is_fingerprinted_or_derived() -> None:
    """A run is skipped only when nothing it would build from changed: every lake table the
    candidate copies is hashed or counted by the fingerprint, or derived from the published
    warehouse. A new copy that is none of these fails here until it says which it is."""
    copied = set(re.findall(r"\blake\.(\w+)", " ".join(_RAW_COPIES.values())))
    assert copied == {*LAKE_INPUTS, *LAKE_CACHES, *LAKE_DERIVED}
