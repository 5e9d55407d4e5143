"""The publish gate end to end: real pipeline (Prefect flow, model, dbt build, GX checkpoint).

Each injected fault must block publishing, be named in the run's report, and leave the
published warehouse byte-for-byte as it was (it keeps answering the same queries). What a record
the gate rejects becomes across runs (never published), undated sources, small first batches and
the way out of a failing batch check: tests/test_gate_promises.py; killed runs:
tests/test_fault_matrix.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from flows.journal.reports import load_report_markdown
from flows.pipeline import RunRequest, run_pipeline
from flows.settings import Settings

pytestmark = pytest.mark.slow

DAYS = ("2025-06-02", "2025-06-03", "2025-06-04")
QUERIES = (
    "select count(*), count(distinct paper_id) from dim_papers",
    "select topic_id, label, n_papers from dim_topics order by topic_id",
    "select paper_id, keyphrase, rank from fct_paper_keywords order by all",
    "select paper_id, topic_id from fct_paper_topics where is_primary order by all",
    "select count(*) from fct_topic_trends",
    "select count(*) from fct_claims",
)


def published_state(settings: Settings) -> tuple[str, list]:
    path = settings.warehouse_path
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con = duckdb.connect(str(path), read_only=True)
    try:
        return digest, [con.execute(q).fetchall() for q in QUERIES]
    finally:
        con.close()


def input_ids(folder: Path) -> set[str]:
    from flows.stages.ingest import Feed, parse

    batch = parse(Settings(), Feed("hf-daily", folder), progress=False)
    return set(batch.papers["paper_id"].to_list())


@pytest.fixture(scope="module")
def gate(tmp_path_factory, shared_data, prefect_harness, model_dir):
    root = tmp_path_factory.mktemp("gate")
    feed = root / "feed"
    feed.mkdir()
    for day in DAYS:
        shutil.copy(shared_data / "hf-daily-papers" / f"{day}.json", feed)
    settings = Settings(home=root / "home", data_dir=shared_data)
    settings.tagging.model_dir = model_dir
    first = run_pipeline(settings, RunRequest(source="hf-daily", input=feed))
    assert first.published, first.summary()
    return settings, feed, root


def project_with(root: Path, name: str, model: str, edit: Callable[[str], str]) -> Path:
    """A copy of the dbt project with one model's SQL edited."""
    src = Settings().transform.dbt_project_dir
    dst = root / f"dbt-{name}"
    if not dst.exists():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    sql = next(dst.glob(f"models/**/{model}.sql"))
    sql.write_text(edit(sql.read_text()))
    return dst


def replace_final(select: str) -> Callable[[str], str]:
    def edit(sql: str) -> str:
        assert sql.rstrip().endswith("select * from final"), "model no longer ends as expected"
        return sql.rstrip().removesuffix("select * from final") + select + "\n"

    return edit


FAULTS = {
    # a model that does not compile
    "broken-model": ("dim_topics", lambda sql: sql + "\nthis is not sql\n", "dim_topics"),
    # a duplicated primary key in a mart
    "duplicate-paper-id": (
        "dim_papers",
        replace_final("select * from final union all (select * from final limit 1)"),
        "dim_papers",
    ),
    # a topic without a label
    "null-topic-label": (
        "dim_topics",
        replace_final(
            "select * replace (case when topic_id = (select min(topic_id) from final) "
            "then null else label end as label) from final"
        ),
        "label",
    ),
    # 60% of a mart's rows gone, every dbt test still green: only the run-over-run check sees it
    "row-drop": (
        "fct_paper_keywords",
        replace_final("select * from final where hash(paper_id) % 10 < 4"),
        "fct_paper_keywords",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_faulty_run_is_blocked_and_published_warehouse_untouched(gate, fault):
    settings, feed, root = gate
    model, edit, expected = FAULTS[fault]
    before = published_state(settings)
    faulty = settings.model_copy(deep=True)
    faulty.transform.dbt_project_dir = project_with(root, fault, model, edit)

    result = run_pipeline(faulty, RunRequest(source="hf-daily", input=feed))

    assert not result.published
    assert any(expected in check for check in result.failed_checks), result.failed_checks
    assert published_state(settings) == before
    candidate = settings.runs_dir / result.run_id / "candidate.duckdb"
    assert candidate.exists(), "the failed candidate is kept for inspection"
    report = load_report_markdown(settings, result.run_id)
    assert expected in report
    summary = json.loads((settings.reports_dir / result.run_id / "summary.json").read_text())
    assert summary["run"]["published"] is False
