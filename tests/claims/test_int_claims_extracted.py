"""The dbt Python model ``int_claims_extracted`` in a tiny dbt-duckdb project of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from flows.lib.claims.table import (
    CLAIM_FIELDS,
    CLAIM_SCHEMA,
    CLAIMS_SQL_TYPE,
    abstract_md5,
    claim_id,
    claims_table,
)

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "dbt" / "models" / "intermediate" / "int_claims_extracted.py"

ABSTRACTS = {
    "2401.00001": "We collect 1,080 prompts. Our method improves accuracy by 5.2% on GSM8K.",
    "2401.00002": None,
    "2401.00003": "It is 2.3x faster than the baseline and cuts memory from 40 GB to 10 GB.",
}


def test_claims_table_rows_and_ids():
    table = claims_table(ABSTRACTS.items())
    assert table.schema == CLAIM_SCHEMA
    rows = table.to_pylist()
    assert {r["paper_id"] for r in rows} == {"2401.00001", "2401.00003"}
    for row in rows:
        text = ABSTRACTS[row["paper_id"]]
        assert text[row["start_offset"] : row["end_offset"]] == row["span"]
        assert row["claim_id"] == claim_id(row["paper_id"], row["start_offset"], row["end_offset"])
    assert len({r["claim_id"] for r in rows}) == len(rows)
    # the id depends on the paper and the offsets only: a rerun gives the same ids
    assert claims_table(ABSTRACTS.items()).column("claim_id").to_pylist() == [
        r["claim_id"] for r in rows
    ]
    assert claim_id("a", 1, 2) != claim_id("b", 1, 2) != claim_id("a", 1, 3)
    assert claims_table([]).num_rows == 0


def test_cached_claims_are_reused_and_uncached_abstracts_extracted():
    fresh = claims_table(ABSTRACTS.items()).to_pylist()
    first = ABSTRACTS["2401.00001"]
    # the cache says what an earlier run found for the first abstract (here: one claim less)
    earlier = [{k: r[k] for k in CLAIM_FIELDS} for r in fresh if r["paper_id"] == "2401.00001"]
    table = claims_table(ABSTRACTS.items(), {abstract_md5(first): earlier[1:]})
    rows = table.to_pylist()
    assert [r for r in rows if r["paper_id"] == "2401.00001"] == [
        r for r in fresh if r["paper_id"] == "2401.00001"
    ][1:]
    assert [r for r in rows if r["paper_id"] == "2401.00003"] == [
        r for r in fresh if r["paper_id"] == "2401.00003"
    ]
    # an abstract without claims is cached as such: nothing to extract
    assert claims_table([("p", first)], {abstract_md5(first): []}).num_rows == 0


def test_abstract_md5_is_duckdbs_md5_of_the_same_text():
    text = ABSTRACTS["2401.00003"] + " Ünïcode — ok."
    with duckdb.connect() as con:
        assert con.execute("select md5(?)", [text]).fetchone()[0] == abstract_md5(text)


def test_dbt_python_model_builds_one_row_per_claim(tmp_path: Path, monkeypatch):
    from dbt.cli.main import dbtRunner

    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: claims_check\nversion: '1.0.0'\nconfig-version: 2\nprofile: claims_check\n"
        "flags:\n  send_anonymous_usage_stats: false\n"
    )
    db = tmp_path / "check.duckdb"
    (project / "profiles.yml").write_text(
        "claims_check:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{db}'\n      threads: 1\n"
    )
    values = ", ".join(
        f"('{pid}', {'null' if text is None else repr(text)})" for pid, text in ABSTRACTS.items()
    )
    (project / "models" / "stg_raw__papers.sql").write_text(
        f"select * from (values {values}) as papers(paper_id, abstract)\n"
    )
    (project / "models" / "stg_raw__claims_cache.sql").write_text(  # nothing cached
        f"select null::varchar as abstract_md5, null::{CLAIMS_SQL_TYPE} as claims limit 0\n"
    )
    shutil.copy(MODEL, project / "models" / MODEL.name)
    monkeypatch.chdir(tmp_path)
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--quiet",
        ]
    )
    assert result.success, result.exception
    with duckdb.connect(str(db)) as con:
        columns = [r[0] for r in con.execute("describe main.int_claims_extracted").fetchall()]
        rows = con.execute(
            "select paper_id, value, unit, direction, span from main.int_claims_extracted "
            "where value is not null order by paper_id, start_offset"
        ).fetchall()
    assert columns == CLAIM_SCHEMA.names
    assert rows == [
        ("2401.00001", 5.2, "%", "increase", "5.2%"),
        ("2401.00003", 2.3, "x", "increase", "2.3x"),
        ("2401.00003", 30.0, "GB", "decrease", "from 40 GB to 10 GB"),
        ("2401.00003", 10.0, "GB", "level", "10 GB"),
    ]
