"""The topics of this run: the registry's topics plus new ones clustered from unplaced papers."""

from flows.topics import build_topics, frame_arrow, params_from_config, relation_frame


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    vectors = relation_frame(dbt.ref("int_paper_vectors_embedded"), ("vector",))
    registry = relation_frame(dbt.ref("stg_raw__topic_registry"), ("centroid",))
    assignments = relation_frame(dbt.ref("stg_raw__topic_assignments"))
    topics = build_topics(vectors, registry, assignments, params)
    return frame_arrow(topics, ("centroid",))
