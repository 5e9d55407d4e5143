"""Every keyphrase in use with the tests that decide whether it may name a topic or theme."""

from flows.topic_labels import qualify_keyphrases
from flows.topics import params_from_config


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    counted = dbt.ref("int_keyphrases_counted").df()
    abstracts = dbt.ref("stg_raw__papers").select("abstract").fetchall()
    return qualify_keyphrases(
        counted, [a for (a,) in abstracts], params.max_df, params.min_generic_papers
    )
