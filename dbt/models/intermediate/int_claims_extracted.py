"""One row per claim found in a paper's abstract (rules over sentences: flows.lib.claims).

Abstracts a published run has seen take their claims from the lake's cache
(``stg_raw__claims_cache``, this extractor's entries): only new or changed abstracts are
extracted."""

from flows.lib.claims.table import claims_table


def model(dbt, session):
    dbt.config(materialized="table")
    papers = dbt.ref("stg_raw__papers").select("paper_id, abstract").to_arrow_table()
    cache = dbt.ref("stg_raw__claims_cache").to_arrow_table()
    cached = dict(
        zip(cache.column("abstract_md5").to_pylist(), cache.column("claims").to_pylist(),
            strict=True)
    )
    rows = zip(
        papers.column("paper_id").to_pylist(), papers.column("abstract").to_pylist(), strict=True
    )
    return claims_table(rows, cached)
