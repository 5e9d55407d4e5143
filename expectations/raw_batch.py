"""Layer 1: the raw batch as a whole: every raw record not yet published.

The batch is the lake's ``raw_papers`` rows whose run has not published (runs the published
warehouse's ``run_audit`` does not list as published): this run's records and those of earlier
runs that failed or were killed, so a record is judged until a run publishes it. Rules that judge
one record (lengths, markup, date bounds, unparsable dates) are not here: they run at ingest
(``flows.records``) and a failing record is quarantined before it reaches ``papers``. What stays
here judges the batch: its keys and sources, and the shape of the feed (a feed whose abstracts
are mostly cut short is broken even when each record passes the minimum length).
"""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from flows.validate import FrameSuite, SuiteInputs

SOURCES = ["hf-daily", "arxiv-atom", "arxiv-jsonl", "hf-page"]


def _shape(_con, raw: pd.DataFrame) -> pd.DataFrame:
    """One row: the batch's size and median abstract length (None for an empty batch)."""
    lengths = raw["abstract"].fillna("").astype(str).str.len()
    return pd.DataFrame(
        {
            "n_records": [len(raw)],
            "median_abstract_chars": [float(lengths.median()) if len(raw) else None],
        }
    )


def suites(inputs: SuiteInputs) -> list[FrameSuite]:
    v = inputs.settings.validation
    records = FrameSuite(
        name="raw_batch.records",
        frame=None,
        key_columns=["paper_id", "source_ref"],
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="paper_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="title"),
            gxe.ExpectColumnValuesToNotBeNull(column="abstract"),
            gxe.ExpectColumnValuesToBeInSet(column="source", value_set=SOURCES),
            gxe.ExpectColumnValuesToNotBeNull(column="content_hash"),
            gxe.ExpectColumnValuesToNotBeNull(column="title_key"),
        ],
    )
    if "record_hash" in inputs.raw_batch_columns:  # the ingest's record id, when present
        records.expectations.append(gxe.ExpectColumnValuesToBeUnique(column="record_hash"))
    shape = FrameSuite(
        name="raw_batch.shape",
        frame=_shape,
        key_columns=["n_records"],
        expectations=[
            gxe.ExpectColumnValuesToBeBetween(
                column="median_abstract_chars", min_value=v.min_median_abstract_chars
            ),
        ],
    )
    return [records, shape]
