"""Every keyphrase in use with the tests that decide whether it may name a topic or theme."""

from flows.topic_labels import qualify_keyphrases
from flows.topics import params_from_config


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    counted = dbt.ref("int_keyphrases_counted").df()
    # word statistics for the boilerplate rule from a fixed sample of the archive's abstracts
    # (their quantiles are what matter; the whole archive costs a minute per run)
    abstracts = (
        dbt.ref("stg_raw__papers")
        .order("md5(paper_id)")
        .limit(params.boilerplate_sample)
        .select("abstract")
        .fetchall()
    )
    return qualify_keyphrases(
        counted, [a for (a,) in abstracts], params.max_df, params.min_generic_papers
    )
