"""Layer 2: the keyphrase tags (the lake's current tags copied to raw.*, and the mart).

Checked on changed rows (``delta_key``): a paper's rows are checked again together when any of
them changed, so a duplicate keyphrase or one too many is caught with the rows it joins.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from flows.stages.validate import FrameSuite, SuiteInputs

TAG_STATUSES = ["tagged", "empty", "too_short"]

# the tags with, on each row, how many keyphrases its paper has
WITH_COUNT = "select *, count(*) over (partition by paper_id) as keyphrases_of_paper from {table}"


def score_range(settings) -> tuple[float, float]:
    """The scores the tagger can produce: cosine similarity plus its lexical prior."""
    v, t = settings.validation, settings.tagging
    low = -1.0 - float(getattr(t, "commonness_penalty", 0.0))
    high = 1.0 + 3 * float(getattr(t, "length_bonus", 0.0)) + float(
        getattr(t, "position_weight", 0.0)
    )
    return (
        v.min_keyword_score if v.min_keyword_score is not None else low,
        v.max_keyword_score if v.max_keyword_score is not None else high,
    )


def suites(inputs: SuiteInputs) -> list[FrameSuite]:
    v = inputs.settings.validation
    top_n = inputs.settings.tagging.top_n
    low, high = score_range(inputs.settings)
    tol = v.similarity_tolerance

    def score_and_rank(table: str) -> list:
        checks = [
            gxe.ExpectColumnValuesToNotBeNull(column="paper_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="keyphrase"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["paper_id", "keyphrase"]),
            gxe.ExpectColumnValuesToNotBeNull(column="score"),
            gxe.ExpectColumnValuesToBeBetween(column="score", min_value=low, max_value=high),
            gxe.ExpectColumnValuesToBeBetween(column="rank", min_value=1, max_value=top_n),
            # at most top_n keyphrases per paper
            gxe.ExpectColumnValuesToBeBetween(
                column="keyphrases_of_paper", min_value=1, max_value=top_n
            ),
        ]
        if "similarity" in inputs.columns.get(table, []):  # KeyBERT's cosine similarity
            checks.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column="similarity", min_value=-1 - tol, max_value=1 + tol
                )
            )
        return checks

    return [
        FrameSuite(
            name="tags.raw_paper_keywords",
            delta_key=("paper_id",),
            frame=WITH_COUNT.format(table="raw.paper_keywords"),
            requires=("raw.paper_keywords",),
            key_columns=["paper_id", "keyphrase"],
            expectations=[
                *score_and_rank("raw.paper_keywords"),
                # the model that produced each tag is recorded
                gxe.ExpectColumnValuesToNotBeNull(column="model_name"),
                gxe.ExpectColumnValuesToMatchRegex(column="model_name", regex=r"\S"),
                gxe.ExpectColumnValuesToNotBeNull(column="config_hash"),
            ],
        ),
        FrameSuite(
            name="tags.raw_tagged_papers",
            delta_key=("paper_id",),
            frame="select * from raw.tagged_papers",
            requires=("raw.tagged_papers",),
            key_columns=["paper_id"],
            expectations=[
                gxe.ExpectColumnValuesToBeUnique(column="paper_id"),
                gxe.ExpectColumnValuesToBeInSet(column="status", value_set=TAG_STATUSES),
                gxe.ExpectColumnValuesToBeBetween(
                    column="n_keyphrases", min_value=0, max_value=top_n
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="config_hash"),
            ],
        ),
        FrameSuite(
            name="tags.fct_paper_keywords",
            delta_key=("paper_id",),
            frame=WITH_COUNT.format(table="main.fct_paper_keywords"),
            requires=("main.fct_paper_keywords",),
            key_columns=["paper_id", "keyphrase"],
            # its columns and types are the marts contract's (dbt)
            expectations=score_and_rank("main.fct_paper_keywords"),
        ),
    ]
