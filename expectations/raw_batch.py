"""Layer 1: the raw batch as a whole: every raw record not yet published.

The batch is the lake's ``raw_papers`` rows whose run has not published (runs the published
warehouse's ``run_audit`` does not list as published): this run's records and those of earlier
runs that failed or were killed, so a record is judged until a run publishes it. Rules that judge
one record (lengths, markup, date bounds, unparsable dates) are not here: they run at ingest
(``flows.lib.records``) and a failing record is quarantined before it reaches ``papers``. What stays
here judges the batch: its keys and sources, and the shape of the feed (a feed whose abstracts
are mostly cut short is broken even when each record passes the minimum length; the short ones
are named).
"""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from flows.stages.ingest import SOURCES
from flows.stages.validate import FrameSuite, SuiteInputs


def _with_lengths(_con, raw: pd.DataFrame) -> pd.DataFrame:
    """The raw batch plus each record's abstract length."""
    return raw.assign(abstract_chars=raw["abstract"].fillna("").astype(str).str.len())


def suites(inputs: SuiteInputs) -> list[FrameSuite]:
    v = inputs.settings.validation
    records = FrameSuite(
        name="raw_batch.records",
        frame=_with_lengths,
        key_columns=["paper_id", "source_ref"],
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="paper_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="title"),
            gxe.ExpectColumnValuesToNotBeNull(column="abstract"),
            gxe.ExpectColumnValuesToBeInSet(column="source", value_set=list(SOURCES)),
            gxe.ExpectColumnValuesToNotBeNull(column="content_hash"),
            gxe.ExpectColumnValuesToNotBeNull(column="title_key"),
            # the feed's shape: at least half the abstracts (the median) this long; when it
            # fails, the short ones are named (each passed the ingest's minimum on its own)
            gxe.ExpectColumnValuesToBeBetween(
                column="abstract_chars", min_value=v.min_median_abstract_chars, mostly=0.5
            ),
        ],
    )
    if "record_hash" in inputs.raw_batch_columns:  # the ingest's record id, when present
        records.expectations.append(gxe.ExpectColumnValuesToBeUnique(column="record_hash"))
    return [records]
