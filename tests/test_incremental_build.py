"""A build that starts from the published warehouse publishes exactly what a full refresh does.

The promise of issue 12: a run's candidate starts as a copy of the published warehouse (built
the same way), its raw tables are brought up to the lake, and dbt's incremental trend marts
recompute only the windows that changed; ``--full-refresh`` builds the same lake from nothing,
and every public mart must be the same.

Real dbt builds over a small lake of real HF days (tests.dbt.lake_loader). The first build is
published; then, twice, the lake changes, the same lake is built both ways and the incremental
build is published:

1. three new days, and an old paper's upvotes changed (rows of its old windows change);
2. every paper of the smallest topic rewritten (the topic is gone: its trend rows must go too),
   and the last day's papers set aside (the data's last day window is gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from flows.lib.contract import mart_names
from flows.lib.setaside import set_aside
from flows.settings import Settings
from flows.stages.fingerprint import build_config, stamp
from flows.stages.publish import publish
from flows.stages.transform import (
    build_candidate,
    published_base,
    run_dbt_build,
    save_topic_registry,
)
from flows.stages.validate import rules_version
from tests.dbt.lake_loader import load_lake, rewrite_smallest_topic
from tests.pipeline_harness import mart_digest, query

FIRST_DAYS = ["2025-06-02", "2025-06-03", "2025-06-04"]
LATER_DAYS = ["2025-06-09", "2025-06-10", "2025-06-11"]
TREND_MARTS = tuple(m for m in mart_names() if m.endswith("_trends"))

# seven real dbt builds
pytestmark = pytest.mark.timeout(1800)


@dataclass
class Built:
    incremental: Path
    full_refresh: Path
    settings: Settings
    run_id: str
    gone_topic: str = ""

    def recomputed(self, mart: str) -> bool:
        """Whether dbt built ``mart`` incrementally (the compiled SQL of its incremental branch)."""
        sql = self.settings.runs_dir / self.run_id / "dbt" / "target" / "run" / "papertrends"
        return "recomputed" in (sql / "models" / "marts" / f"{mart}.sql").read_text()


def _days(data: Path, days: list[str]) -> list[Path]:
    return [data / "hf-daily-papers" / f"{day}.json" for day in days]


def _published(settings: Settings, candidate: Path, run_id: str) -> None:
    """Publish ``candidate`` as a run does: stamped, replaced atomically, registry written back."""
    stamp(candidate, None, run_id, rules_version(settings), build_config(settings))
    save_topic_registry(settings, publish(settings, candidate, run_id=run_id))


def _built(settings: Settings, run_id: str, *, full_refresh: bool) -> Path:
    candidate = build_candidate(settings, run_id, full_refresh=full_refresh)
    outcome = run_dbt_build(settings, candidate, run_id=run_id)
    assert outcome.success, outcome.failures
    return candidate


def _both_ways(settings: Settings, run_id: str) -> Built:
    assert published_base(settings) == settings.warehouse_path
    incremental = _built(settings, run_id, full_refresh=False)
    full = _built(settings, f"{run_id}-full", full_refresh=True)
    return Built(incremental, full, settings, run_id)


@pytest.fixture(scope="module")
def home(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("incremental") / "home", data_dir=shared_data)
    settings.ensure_home()
    settings.transform.keyword_trend_min_papers = 2  # a small corpus: keyword trends need rows
    load_lake(settings.lake_path, _days(shared_data, FIRST_DAYS), run_id="r1")
    _published(settings, _built(settings, "r1", full_refresh=False), "r1")
    return settings


@pytest.fixture(scope="module")
def new_days(home: Settings, shared_data: Path) -> Built:
    load_lake(home.lake_path, _days(shared_data, LATER_DAYS), run_id="r2")
    with duckdb.connect(str(home.lake_path)) as con:
        con.execute(
            "update papers set upvotes = upvotes + 7"
            " where paper_id = (select min(paper_id) from papers"
            " where first_seen_at < '2025-06-03')"
        )
    return _both_ways(home, "r2")


@pytest.fixture(scope="module")
def topic_gone(new_days: Built, shared_data: Path) -> Built:
    settings = new_days.settings
    _published(settings, new_days.incremental, "r2")
    topic, _ = rewrite_smallest_topic(settings, settings.warehouse_path, run_id="r3")
    last_day = [r[0] for r in query(
        settings.lake_path, f"select paper_id from papers where first_seen_at >= '{LATER_DAYS[-1]}'"
    )]
    set_aside(settings, last_day, "test: the last day is withdrawn")
    built = _both_ways(settings, "r3")
    built.gone_topic = topic
    return built


def test_a_candidate_from_the_published_warehouse_holds_the_lakes_raw_rows(
    new_days: Built,
) -> None:
    for (table,) in query(
        new_days.full_refresh, "select table_name from duckdb_tables() where schema_name = 'raw'"
    ):
        if table in ("claims_cache", "word_counts_cache", "topic_neighbours", "build_inputs"):
            continue  # a full refresh reuses nothing computed before; the stamp names the run
        sql = f"select count(*), bit_xor(hash(t)) from raw.{table} as t"  # noqa: S608
        assert query(new_days.incremental, sql) == query(new_days.full_refresh, sql), table


def test_new_days_and_changed_upvotes_publish_what_a_full_refresh_does(new_days: Built) -> None:
    assert all(new_days.recomputed(mart) for mart in TREND_MARTS)
    assert mart_digest(new_days.incremental) == mart_digest(new_days.full_refresh)


def test_a_gone_topic_and_a_withdrawn_day_leave_what_a_full_refresh_does(
    topic_gone: Built,
) -> None:
    assert all(topic_gone.recomputed(mart) for mart in TREND_MARTS)
    trend_rows = (
        f"select count(*) from fct_topic_trends where topic_id = '{topic_gone.gone_topic}'"  # noqa: S608
    )
    assert query(topic_gone.settings.warehouse_path, trend_rows)[0][0] > 0  # it was there
    assert query(topic_gone.incremental, trend_rows) == [(0,)]
    last = "select max(window_start) from fct_topic_trends where grain = 'day'"
    assert str(query(topic_gone.incremental, last)[0][0]) == LATER_DAYS[-2]
    assert mart_digest(topic_gone.incremental) == mart_digest(topic_gone.full_refresh)


def test_a_warehouse_built_another_way_is_not_a_base(home: Settings) -> None:
    other = home.model_copy(deep=True)
    other.transform.rising.min_papers += 1
    assert published_base(home) == home.warehouse_path
    assert published_base(other) is None
