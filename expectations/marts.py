"""Layer 3: the public marts (flows.lib.contract), what dbt's tests cannot say about them.

Columns, types, keys (unique, not null) and accepted values are dbt's: the marts' enforced
contract and tests in dbt/models/marts/_marts.yml fail the build. Here: every mart is present,
ranges and orders across rows, window holes, topics without members, unknown claim units.

Every mart suite checks changed rows (``delta_key=()``): what crosses rows (the next window
missing, a topic's members) is a column of its frame, so a row whose neighbours changed is
checked again. The contract checks every mart, every run.
"""

from __future__ import annotations

import re

import great_expectations.expectations as gxe
import pandas as pd

from flows.lib.contract import mart_names
from flows.stages.validate import FrameSuite, SuiteInputs

# A trend mart with, on each row, whether the next window of its series is missing: windows of
# one series follow each other without holes (the next starts one grain after this one starts).
WITH_GAPS = """
    select
        *,
        coalesce(
            lead(window_start) over (partition by {key}, grain order by window_start)::date
            <> (
                window_start + case grain
                    when 'day' then interval 1 day
                    when 'week' then interval 7 day
                    when 'month' then interval 1 month
                end
            )::date,
            false
        ) as next_window_missing
    from main.{table}
"""

# dim_topics with the number of papers fct_paper_topics assigns to each topic
WITH_MEMBERS = """
    select
        t.*,
        (select count(*) from main.fct_paper_topics as pt where pt.topic_id = t.topic_id)
            as n_members
    from main.dim_topics as t
"""


def _contract(con, _raw) -> pd.DataFrame:
    present = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' union all select view_name from duckdb_views()"
            " where database_name = current_database() and schema_name = 'main'"
        ).fetchall()
    }
    marts = mart_names()
    return pd.DataFrame({"table_name": list(marts), "present": [t in present for t in marts]})


def _unit_known(units: set[str], pattern: str):
    """fct_claims rows plus ``unit_known``: the unit is in the known set or has a known form."""
    form = re.compile(pattern)

    def derive(df: pd.DataFrame) -> pd.DataFrame:
        unit = df["unit"].fillna("").astype(str)
        return df.assign(
            unit_known=pd.Series(
                [u.lower() in units or bool(form.fullmatch(u)) for u in unit],
                index=df.index, dtype=bool,
            )
        )

    return derive


def _mart_suite(
    table: str,
    key_columns: list[str],
    expectations: list,
    *,
    frame=None,
    also_reads=(),
    derive=None,
) -> FrameSuite:
    """The suite ``marts.<table>`` over the mart's changed rows (or over ``frame``, which reads
    it and the marts in ``also_reads``)."""
    return FrameSuite(
        name=f"marts.{table}",
        frame=frame or f"select * from main.{table}",
        requires=tuple(f"main.{t}" for t in (table, *also_reads)),
        key_columns=key_columns,
        expectations=expectations,
        delta_key=(),
        derive=derive,
    )


def _trend_suite(table: str, key: str) -> FrameSuite:
    """A trend mart (one row per ``key`` x grain x window): shares, counts, window order, and no
    window missing between two of the same series."""
    return _mart_suite(
        table,
        [key, "grain", "window_start"],
        frame=WITH_GAPS.format(key=key, table=table),
        expectations=[
            gxe.ExpectColumnValuesToBeBetween(column="share", min_value=0, max_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="n_papers", min_value=0),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="window_end", column_B="window_start", or_equal=True
            ),
            gxe.ExpectColumnValuesToBeInSet(column="next_window_missing", value_set=[False]),
        ],
    )


def suites(inputs: SuiteInputs) -> list[FrameSuite]:
    v = inputs.settings.validation
    units = {u.lower() for u in v.claim_units}
    tolerance = v.similarity_tolerance

    return [
        FrameSuite(
            name="marts.contract",
            frame=_contract,
            key_columns=["table_name"],
            expectations=[gxe.ExpectColumnValuesToBeInSet(column="present", value_set=[True])],
        ),
        _mart_suite(
            "dim_papers",
            ["paper_id"],
            [gxe.ExpectColumnValuesToBeBetween(column="n_keyphrases", min_value=0)],
        ),
        _mart_suite(
            "dim_topics",
            ["topic_id", "label"],
            frame=WITH_MEMBERS,
            also_reads=("fct_paper_topics",),
            expectations=[
                gxe.ExpectColumnValuesToMatchRegex(column="label", regex=r"\S"),
                # n_papers counts primary papers (may be 0); members are any assignment
                gxe.ExpectColumnValuesToBeBetween(column="n_papers", min_value=0),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="last_seen_date", column_B="first_seen_date", or_equal=True
                ),
                # every topic has members
                gxe.ExpectColumnValuesToBeBetween(column="n_members", min_value=1),
            ],
        ),
        _mart_suite(
            "fct_paper_topics",
            ["paper_id", "topic_id"],
            [
                # weight: the cosine similarity of the paper's document embedding to the topic
                # centroid, clipped to [0, 1] (a small first corpus can leave a paper nearest
                # to a topic it does not resemble: weight 0, never negative)
                gxe.ExpectColumnValuesToBeBetween(
                    column="weight", min_value=0, max_value=1 + tolerance
                ),
            ],
        ),
        _trend_suite("fct_topic_trends", "topic_id"),
        _trend_suite("fct_keyword_trends", "keyphrase"),
        _mart_suite(
            "dim_themes",
            ["theme_id", "label"],
            [
                gxe.ExpectColumnValuesToMatchRegex(column="label", regex=r"\S"),
                gxe.ExpectColumnValuesToBeBetween(column="n_topics", min_value=1),
            ],
        ),
        _trend_suite("fct_theme_trends", "theme_id"),
        _mart_suite(
            "fct_claims",
            ["claim_id", "unit"],
            derive=_unit_known(units, v.claim_unit_pattern),
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="unit_known", value_set=[True]),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="end_offset", column_B="start_offset", or_equal=True
                ),
            ],
        ),
    ]
