"""Layer 4: the candidate against the published warehouse (attached read-only as `published`)."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from flows.lib.contract import mart_names
from flows.stages.validate import PUBLISHED, FrameSuite, SuiteInputs, quote_identifier

# Only the public marts are compared (run_audit only grows; intermediate tables may change).
_MARTS = ", ".join(f"'{t}'" for t in mart_names())

# Every column of the published marts beside its type in the candidate.
SCHEMA_DRIFT = f"""
    with published_columns as (
        select c.table_name, c.column_name, c.data_type
        from duckdb_columns() as c
        join duckdb_tables() as t using (database_name, schema_name, table_name)
        where c.database_name = '{PUBLISHED}' and c.schema_name = 'main'
            and c.table_name in ({_MARTS})
    ),
    candidate_columns as (
        select c.table_name, c.column_name, c.data_type
        from duckdb_columns() as c
        join duckdb_tables() as t using (database_name, schema_name, table_name)
        where c.database_name = current_database() and c.schema_name = 'main'
            and c.table_name in ({_MARTS})
    )
    select
        coalesce(p.table_name, c.table_name) || '.' || coalesce(p.column_name, c.column_name)
            as column_ref,
        p.data_type as published_type,
        c.data_type as candidate_type,
        case
            when c.column_name is null then 'removed'
            when p.column_name is null then 'added'
            when p.data_type <> c.data_type then 'retyped'
            else 'same'
        end as status
    from published_columns as p
    full join candidate_columns as c
        on p.table_name = c.table_name and p.column_name = c.column_name
"""

# Papers an operator set aside (`papertrends quarantine`) are not lost: the published side
# is compared without them (raw.set_aside: the candidate's copy of the lake's list).
_SET_ASIDE = "paper_id not in (select paper_id from raw.set_aside)"

DISTINCT_PAPERS = f"""
    select
        (
            select count(distinct paper_id) from {PUBLISHED}.main.dim_papers {{kept}}
        ) as published_papers,
        (select count(distinct paper_id) from main.dim_papers) as candidate_papers
"""


def _has_set_aside(con) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = 'raw' and table_name = 'set_aside'"
    ).fetchone()[0])


def _distinct_papers(con, _raw) -> pd.DataFrame:
    kept = f"where {_SET_ASIDE}" if _has_set_aside(con) else ""
    return con.execute(DISTINCT_PAPERS.format(kept=kept)).df()


def _row_counts(con, _raw) -> pd.DataFrame:
    """One row per published mart: its rows now and in the candidate, and the shrink."""
    published = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables()"
            " where database_name = ? and schema_name = 'main'"
            " order by table_name",
            [PUBLISHED],
        ).fetchall()
    ]
    candidate = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main'"
        ).fetchall()
    }
    rows = []
    has_set_aside = _has_set_aside(con)
    for table in (t for t in published if t in mart_names()):
        columns = {r[0] for r in con.execute(
            "select column_name from duckdb_columns() where database_name = ?"
            " and schema_name = 'main' and table_name = ?", [PUBLISHED, table]
        ).fetchall()}
        kept = f" where {_SET_ASIDE}" if has_set_aside and "paper_id" in columns else ""
        before = con.execute(
            f"select count(*) from {PUBLISHED}.main.{quote_identifier(table)}{kept}"
        ).fetchone()[0]
        after = (
            con.execute(f"select count(*) from main.{quote_identifier(table)}").fetchone()[0]
            if table in candidate
            else 0
        )
        shrink = max(0.0, (before - after) / before) if before else 0.0
        rows.append((table, before, after, round(shrink, 4)))
    return pd.DataFrame(
        rows, columns=["table_name", "published_rows", "candidate_rows", "shrink_fraction"]
    ).astype({"published_rows": "int64", "candidate_rows": "int64", "shrink_fraction": "float64"})


def suites(inputs: SuiteInputs) -> list[FrameSuite]:
    v = inputs.settings.validation
    allowed = ["same", "added"] if v.allow_added_columns else ["same"]
    out = [
        FrameSuite(
            name="run_over_run.row_counts",
            frame=_row_counts,
            key_columns=["table_name", "published_rows", "candidate_rows"],
            expectations=[
                gxe.ExpectColumnValuesToBeBetween(
                    column="shrink_fraction", min_value=0, max_value=v.max_row_shrink_fraction
                )
            ],
        ),
        FrameSuite(
            name="run_over_run.schema",
            frame=SCHEMA_DRIFT,
            key_columns=["column_ref", "published_type", "candidate_type"],
            expectations=[gxe.ExpectColumnValuesToBeInSet(column="status", value_set=allowed)],
        ),
    ]
    if v.require_papers_not_decreasing and "main.dim_papers" in inputs.published_tables:
        out.append(
            FrameSuite(
                name="run_over_run.distinct_papers",
                frame=_distinct_papers,
                requires=("main.dim_papers",),
                expectations=[
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A="candidate_papers", column_B="published_papers", or_equal=True
                    )
                ],
            )
        )
    return out
