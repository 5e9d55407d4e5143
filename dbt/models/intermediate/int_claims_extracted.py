"""One row per claim found in a paper's abstract (rules over sentences: flows.lib.claims)."""

from flows.lib.claims.table import claims_table


def model(dbt, session):
    dbt.config(materialized="table")
    papers = dbt.ref("stg_raw__papers").select("paper_id, abstract").arrow()
    if hasattr(papers, "read_all"):  # a RecordBatchReader in newer DuckDB
        papers = papers.read_all()
    rows = zip(
        papers.column("paper_id").to_pylist(), papers.column("abstract").to_pylist(), strict=True
    )
    return claims_table(rows)
