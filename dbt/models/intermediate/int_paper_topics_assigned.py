"""Paper x topic: each paper's primary topic (kept from earlier runs) and close secondary topics."""

from flows.topics import assign_papers, params_from_config, relation_frame


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    vectors = relation_frame(dbt.ref("int_paper_vectors_embedded"), ("vector",))
    topics = relation_frame(dbt.ref("int_topics_clustered"), ("centroid",))
    assignments = relation_frame(dbt.ref("stg_raw__topic_assignments"))
    return assign_papers(vectors, topics, assignments, params)
