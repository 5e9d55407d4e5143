"""Every keyphrase in use with the tests that decide whether it may name a topic or theme."""

from flows.lib.topic_labels import qualify_keyphrases
from flows.lib.topics import params_from_config


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    counted = dbt.ref("int_keyphrases_counted").df()
    boilerplate = dbt.ref("int_keyphrases_boilerplate").filter("is_boilerplate")
    return qualify_keyphrases(
        counted,
        {k for (k,) in boilerplate.select("keyphrase").fetchall()},
        params.max_df,
        params.min_generic_papers,
    )
