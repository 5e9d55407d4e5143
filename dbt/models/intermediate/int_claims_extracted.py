"""One row per claim found in a paper's abstract (rules over sentences: flows.lib.claims).

Abstracts a published run has seen take their claims from the lake's cache
(``stg_raw__claims_cache``, this extractor's entries), unnested in DuckDB: only new or changed
abstracts go through Python to be extracted."""

from flows.lib.claims.table import CACHED_CLAIMS, claims_table


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("stg_raw__papers").create_view("_claim_papers")
    dbt.ref("stg_raw__claims_cache").create_view("_cached_claims")
    uncached = session.sql(
        """
        select paper_id, abstract from _claim_papers
        where abstract <> '' and md5(abstract) not in (select abstract_md5 from _cached_claims)
        """
    ).fetchall()
    session.register("_new_claims", claims_table(uncached))
    return session.sql(CACHED_CLAIMS)
