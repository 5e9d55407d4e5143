"""A warehouse built by the real dbt project from a constructed six-month history.

The lake holds 600 papers, 100 a month from January to June 2025, and the topic model's two
decisions (the outputs of the Python models int_topics_clustered and int_paper_topics_assigned)
are fixed here, so that each topic has a known monthly count; every other model, the trend
macro and the dbt tests run for real (``flows.stages.transform.run_dbt_build``):

- ``t_grow``: 10 papers a month, then 20 from April (its share doubles, with support);
- ``t_small``: 1, 0, 0, 1, 3, 0 (May: 1 -> 3 papers, z-score 4.3: the old rule flagged it);
- ``t_steady``: 10 a month; ``t_rest``: the rest of each month.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.lib.lake import open_lake
from flows.settings import Settings
from flows.stages.transform import build_candidate, run_dbt_build

MONTHLY = {
    "t_grow": [10, 10, 10, 20, 20, 20],
    "t_small": [1, 0, 0, 1, 3, 0],
    "t_steady": [10, 10, 10, 10, 10, 10],
}
PER_MONTH = 100
PHRASES = {
    "t_grow": "speculative decoding",
    "t_small": "kv cache eviction",
    "t_steady": "protein folding",
    "t_rest": "instruction tuning",
}
# everything but the topic model's Python models (whose outputs the fixture fixes)
TOPIC_MODEL = (
    "int_topics_clustered", "int_paper_topics_assigned", "int_paper_topic_neighbours",
    "int_themes_clustered",
)
SELECT = [
    "path:models/staging", "path:models/marts", "path:models/intermediate",
    "--exclude", *TOPIC_MODEL,
]


def monthly_topics() -> list[tuple[int, str]]:
    """(month 1..6, topic) of every paper."""
    rows = []
    for month in range(6):
        fixed = {t: counts[month] for t, counts in MONTHLY.items()}
        fixed["t_rest"] = PER_MONTH - sum(fixed.values())
        rows += [(month + 1, topic) for topic, n in fixed.items() for _ in range(n)]
    return rows


def _fill_lake(lake: Path) -> list[tuple[str, str]]:
    papers, keywords, assigned = [], [], []
    for k, (month, topic) in enumerate(monthly_topics()):
        pid = f"2501.{k:05d}"
        day = datetime(2025, month, 1 + k % 28, tzinfo=UTC)
        title = f"A study of {PHRASES[topic]} number {k}"
        abstract = (f"We study {PHRASES[topic]} in depth. Our method improves accuracy by "
                    f"{k % 9 + 1}.5% over the baseline on a standard benchmark.")
        papers.append((pid, pid, title, abstract, ["A. Author"], day, day, "hf-daily",
                       f"fixture#{k}", k % 13, 0, title.lower(), f"h{k}", ["hf-daily"], "r1"))
        keywords.append((pid, PHRASES[topic], PHRASES[topic], 0.9, 1, "m", "c", "r1"))
        keywords.append((pid, f"detail {k % 40}", f"detail {k % 40}", 0.5, 2, "m", "c", "r1"))
        assigned.append((pid, topic))
    with open_lake(lake) as con:
        con.executemany(
            "insert into papers (paper_id, arxiv_id, title, abstract, authors, published_at, "
            "first_seen_at, source, source_ref, upvotes, num_comments, title_key, "
            "content_hash, sources, last_run_id) values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", papers)
        con.executemany(
            "insert into paper_keywords (paper_id, keyphrase, surface_form, score, rank, "
            "model_name, config_hash, run_id) values (?, ?, ?, ?, ?, ?, ?, ?)", keywords)
    return assigned


def _fix_topic_model(candidate: Path, assigned: list[tuple[str, str]]) -> None:
    con = duckdb.connect(str(candidate))
    try:
        con.execute("""
            create table main.int_topics_clustered as
            select topic_id, 0::bigint as n_papers, 'h_all' as theme_id, false as is_new,
                   label as registry_label, [1.0, 0.0]::float[] as centroid
            from (values {}) as t (topic_id, label)
        """.format(", ".join(f"('{t}', '{p}')" for t, p in PHRASES.items())))
        con.execute(f"""
            create table main.int_themes_clustered as
            select 'h_all' as theme_id, {len(PHRASES)}::bigint as n_topics, false as is_new,
                   'all topics' as registry_label, [1.0, 0.0]::float[] as centroid
        """)
        con.execute("create table main.int_paper_topics_assigned (paper_id varchar, "
                    "topic_id varchar, weight double, is_primary boolean, is_loose boolean, "
                    "placement varchar)")
        con.executemany(
            "insert into main.int_paper_topics_assigned values (?, ?, 1.0, true, false, 'kept')",
            assigned,
        )
        con.execute("""
            create table main.int_paper_topic_neighbours as
            select paper_id, 'c' as content_hash, [topic_id] as topic_ids,
                [1.0]::float[] as similarities, true as complete
            from main.int_paper_topics_assigned
        """)
        con.execute("checkpoint")
    finally:
        con.close()


@pytest.fixture(scope="session")
def rising_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PAPERTRENDS_HOME whose warehouse.duckdb the real dbt build made from the history."""
    home = tmp_path_factory.mktemp("rising") / "home"
    settings = Settings(home=home)
    settings.ensure_home()
    assigned = _fill_lake(settings.lake_path)
    candidate = build_candidate(settings, "rising-fixture")
    _fix_topic_model(candidate, assigned)
    outcome = run_dbt_build(settings, candidate, run_id="rising-fixture", select=SELECT)
    assert outcome.success, outcome.failures
    shutil.copyfile(candidate, settings.warehouse_path)
    return home


@pytest.fixture
def rising_settings(rising_home: Path, tmp_path: Path) -> Settings:
    """Settings over a private copy of the fixture's home (digests are written into it)."""
    home = Path(shutil.copytree(rising_home, tmp_path / "home"))
    return Settings(home=home)
