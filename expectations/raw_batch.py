"""Layer 1: this run's raw batch (the lake's raw_papers rows stamped with the run id)."""

from __future__ import annotations

from datetime import timedelta

import great_expectations.expectations as gxe
import pandas as pd

from flows.validate import FrameSuite, SuiteInputs

# Markup an abstract must not keep after cleaning: tags of the usual HTML elements, and entities.
HTML_LEFT = (
    r"(?i)</?(?:p|br|div|span|a|b|i|u|em|strong|sup|sub|ul|ol|li|h[1-6]|img|table|tr|td|th|code"
    r"|pre|font|html|body|head|script|style|blockquote|hr)(?:\s[^<>]*)?/?>"
    r"|&(?:amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-f]+);"
)
DATE_COLUMNS = ("published_at", "first_seen_at")
SOURCES = ["hf-daily", "arxiv-atom", "arxiv-jsonl", "hf-page"]


def _with_dates(_con, raw: pd.DataFrame) -> pd.DataFrame:
    """The raw batch plus, per date column, the value parsed to UTC and whether it parsed."""
    out = raw.copy()
    for col in DATE_COLUMNS:
        if col not in raw.columns:
            continue
        values = raw[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            parsed = pd.to_datetime(values, utc=True)
        else:
            parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
        out[f"{col}_parses"] = values.isna() | parsed.notna()
        out[f"{col}_utc"] = parsed
    return out


def suites(inputs: SuiteInputs) -> list[FrameSuite]:
    v = inputs.settings.validation
    ingest = inputs.settings.ingest
    earliest = pd.Timestamp(v.earliest_date, tz="UTC")
    latest = pd.Timestamp(inputs.now) + timedelta(hours=v.future_tolerance_hours)
    date_checks = []
    for col in DATE_COLUMNS:
        date_checks += [
            gxe.ExpectColumnValuesToBeInSet(column=f"{col}_parses", value_set=[True]),
            gxe.ExpectColumnValuesToBeBetween(
                column=f"{col}_utc", min_value=earliest, max_value=latest
            ),
        ]
    records = FrameSuite(
        name="raw_batch.records",
        frame=_with_dates,
        key_columns=["paper_id", "source_ref"],
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="paper_id"),
            # a raw record is a paper as one source listed it: the same paper may come several
            # times in a batch (listed on several days), never twice from the same place
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["paper_id", "source_ref"]),
            gxe.ExpectColumnValuesToNotBeNull(column="title"),
            gxe.ExpectColumnValuesToNotBeNull(column="abstract"),
            gxe.ExpectColumnValueLengthsToBeBetween(
                column="title", min_value=v.min_title_chars, max_value=ingest.max_title_chars
            ),
            gxe.ExpectColumnValueLengthsToBeBetween(
                column="abstract",
                min_value=v.min_abstract_chars,
                max_value=ingest.max_abstract_chars,
            ),
            gxe.ExpectColumnValuesToNotMatchRegex(column="title", regex=HTML_LEFT),
            gxe.ExpectColumnValuesToNotMatchRegex(column="abstract", regex=HTML_LEFT),
            gxe.ExpectColumnValuesToBeInSet(column="source", value_set=SOURCES),
            gxe.ExpectColumnValuesToNotBeNull(column="content_hash"),
            gxe.ExpectColumnValuesToNotBeNull(column="title_key"),
            *date_checks,
        ],
    )
    if "record_hash" in inputs.raw_batch_columns:  # the ingest's record id, when present
        records.expectations.append(gxe.ExpectColumnValuesToBeUnique(column="record_hash"))
    return [records]
