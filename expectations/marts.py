"""Layer 3: every mart of the public contract (docs/ARCHITECTURE.md), plus derived check frames."""

from __future__ import annotations

import re

import great_expectations.expectations as gxe
import pandas as pd

from flows.validate import MART_TABLES, FrameSuite, SuiteInputs

# The contract's columns of each mart (more columns are fine; these must be there).
MART_COLUMNS: dict[str, list[str]] = {
    "dim_papers": [
        "paper_id", "arxiv_id", "title", "abstract", "authors", "published_at", "first_seen_at",
        "activity_date", "source", "sources", "upvotes", "num_comments", "categories",
        "source_keywords", "arxiv_url", "hf_url", "n_keyphrases", "primary_topic_id",
        "primary_theme_id",
    ],
    "fct_paper_keywords": ["paper_id", "keyphrase", "surface_form", "score", "rank"],
    "dim_topics": [
        "topic_id", "label", "top_keyphrases", "n_papers", "first_seen_date", "last_seen_date",
        "parent_topic_id", "theme_id",
    ],
    "dim_themes": [
        "theme_id", "label", "top_keyphrases", "n_topics", "n_papers", "first_seen_date",
        "last_seen_date", "is_new",
    ],
    "fct_paper_topics": ["paper_id", "topic_id", "weight", "is_primary"],
    "fct_topic_trends": [
        "topic_id", "grain", "window_start", "window_end", "n_papers", "share", "upvotes",
        "prev_n_papers", "change_abs", "change_pct", "zscore_8", "is_emerging",
        "rising_score", "is_rising", "is_partial_window",
    ],
    "fct_keyword_trends": [
        "keyphrase", "grain", "window_start", "window_end", "n_papers", "share", "upvotes",
        "prev_n_papers", "change_abs", "change_pct", "zscore_8", "is_emerging",
        "rising_score", "is_rising", "is_partial_window",
    ],
    "fct_theme_trends": [
        "theme_id", "grain", "window_start", "window_end", "n_papers", "share", "upvotes",
        "prev_n_papers", "change_abs", "change_pct", "zscore_8", "is_emerging",
        "rising_score", "is_rising", "is_partial_window",
    ],
    "fct_claims": [
        "claim_id", "paper_id", "sentence_index", "sentence", "span", "start_offset",
        "end_offset", "claim_type", "value", "unit", "direction", "qualifier", "metric",
        "benchmark", "baseline",
    ],
}
GRAINS = ["day", "week", "month"]
CLAIM_TYPES = ["result", "improvement", "efficiency", "new_resource", "finding"]
DIRECTIONS = ["increase", "decrease", "level"]
QUALIFIERS = ["up to", "over", "about", "at least", ""]
NUMERIC_TYPES = [
    "float64", "float32", "Float64", "Float32", "int64", "int32", "int16", "int8",
    "Int64", "Int32", "Int16", "Int8", "double[pyarrow]", "int64[pyarrow]",
]

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
    return pd.DataFrame(
        {"table_name": list(MART_TABLES), "present": [t in present for t in MART_TABLES]}
    )


def _claims(units: set[str], pattern: str):
    """fct_claims plus ``unit_known``: the unit is in the known set or has a known form."""
    form = re.compile(pattern)

    def frame(con, _raw) -> pd.DataFrame:
        df = con.execute("select * from main.fct_claims").df()
        unit = df["unit"].fillna("").astype(str)
        df["unit_known"] = [u.lower() in units or bool(form.fullmatch(u)) for u in unit]
        return df

    return frame


def _columns(table: str) -> gxe.Expectation:
    return gxe.ExpectTableColumnsToMatchSet(column_set=MART_COLUMNS[table], exact_match=False)


def _trend_checks(key: str) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=key),
        gxe.ExpectColumnValuesToNotBeNull(column="window_start"),
        gxe.ExpectColumnValuesToBeInSet(column="grain", value_set=GRAINS),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=[key, "grain", "window_start"]),
        gxe.ExpectColumnValuesToNotBeNull(column="share"),
        gxe.ExpectColumnValuesToBeBetween(column="share", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="n_papers", min_value=0),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="window_end", column_B="window_start", or_equal=True
        ),
        gxe.ExpectColumnValuesToBeInSet(column="next_window_missing", value_set=[False]),
        gxe.ExpectColumnValuesToNotBeNull(column="is_rising"),
    ]


def suites(inputs: SuiteInputs) -> list[FrameSuite]:
    v = inputs.settings.validation
    units = {u.lower() for u in v.claim_units}
    tolerance = v.similarity_tolerance

    def mart(table: str) -> tuple[str, ...]:
        return (f"main.{table}",)

    return [
        FrameSuite(
            name="marts.contract",
            frame=_contract,
            key_columns=["table_name"],
            expectations=[gxe.ExpectColumnValuesToBeInSet(column="present", value_set=[True])],
        ),
        FrameSuite(
            name="marts.dim_papers",
            frame="select * from main.dim_papers",
            requires=mart("dim_papers"),
            key_columns=["paper_id"],
            expectations=[
                _columns("dim_papers"),
                gxe.ExpectColumnValuesToNotBeNull(column="paper_id"),
                gxe.ExpectColumnValuesToBeUnique(column="paper_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="title"),
                gxe.ExpectColumnValuesToNotBeNull(column="abstract"),
                gxe.ExpectColumnValuesToNotBeNull(column="activity_date"),
                gxe.ExpectColumnValuesToBeBetween(column="n_keyphrases", min_value=0),
            ],
        ),
        FrameSuite(
            name="marts.dim_topics",
            frame=WITH_MEMBERS,
            requires=(*mart("dim_topics"), *mart("fct_paper_topics")),
            key_columns=["topic_id", "label"],
            expectations=[
                _columns("dim_topics"),
                gxe.ExpectColumnValuesToNotBeNull(column="topic_id"),
                gxe.ExpectColumnValuesToBeUnique(column="topic_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="label"),
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
        FrameSuite(
            name="marts.fct_paper_topics",
            frame="select * from main.fct_paper_topics",
            requires=mart("fct_paper_topics"),
            key_columns=["paper_id", "topic_id"],
            expectations=[
                _columns("fct_paper_topics"),
                gxe.ExpectColumnValuesToNotBeNull(column="paper_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="topic_id"),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["paper_id", "topic_id"]),
                # weight: the cosine similarity of the paper's document embedding to the topic
                # centroid, clipped to [0, 1] (a small first corpus can leave a paper nearest
                # to a topic it does not resemble: weight 0, never negative)
                gxe.ExpectColumnValuesToBeBetween(
                    column="weight", min_value=0, max_value=1 + tolerance
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="is_primary"),
            ],
        ),
        FrameSuite(
            name="marts.fct_topic_trends",
            frame=WITH_GAPS.format(key="topic_id", table="fct_topic_trends"),
            requires=mart("fct_topic_trends"),
            key_columns=["topic_id", "grain", "window_start"],
            expectations=[_columns("fct_topic_trends"), *_trend_checks("topic_id")],
        ),
        FrameSuite(
            name="marts.fct_keyword_trends",
            frame=WITH_GAPS.format(key="keyphrase", table="fct_keyword_trends"),
            requires=mart("fct_keyword_trends"),
            key_columns=["keyphrase", "grain", "window_start"],
            expectations=[_columns("fct_keyword_trends"), *_trend_checks("keyphrase")],
        ),
        FrameSuite(
            name="marts.dim_themes",
            frame="select * from main.dim_themes",
            requires=mart("dim_themes"),
            key_columns=["theme_id", "label"],
            expectations=[
                _columns("dim_themes"),
                gxe.ExpectColumnValuesToNotBeNull(column="theme_id"),
                gxe.ExpectColumnValuesToBeUnique(column="theme_id"),
                gxe.ExpectColumnValuesToMatchRegex(column="label", regex=r"\S"),
                gxe.ExpectColumnValuesToBeBetween(column="n_topics", min_value=1),
            ],
        ),
        FrameSuite(
            name="marts.fct_theme_trends",
            frame=WITH_GAPS.format(key="theme_id", table="fct_theme_trends"),
            requires=mart("fct_theme_trends"),
            key_columns=["theme_id", "grain", "window_start"],
            expectations=[_columns("fct_theme_trends"), *_trend_checks("theme_id")],
        ),
        FrameSuite(
            name="marts.fct_claims",
            frame=_claims(units, v.claim_unit_pattern),
            requires=mart("fct_claims"),
            key_columns=["claim_id", "unit"],
            expectations=[
                _columns("fct_claims"),
                gxe.ExpectColumnValuesToNotBeNull(column="claim_id"),
                gxe.ExpectColumnValuesToBeUnique(column="claim_id"),
                gxe.ExpectColumnValuesToNotBeNull(column="paper_id"),
                gxe.ExpectColumnValuesToBeInSet(column="claim_type", value_set=CLAIM_TYPES),
                gxe.ExpectColumnValuesToBeInTypeList(column="value", type_list=NUMERIC_TYPES),
                gxe.ExpectColumnValuesToBeInSet(column="unit_known", value_set=[True]),
                gxe.ExpectColumnValuesToBeInSet(column="direction", value_set=DIRECTIONS),
                gxe.ExpectColumnValuesToBeInSet(column="qualifier", value_set=QUALIFIERS),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="end_offset", column_B="start_offset", or_equal=True
                ),
            ],
        ),
    ]
