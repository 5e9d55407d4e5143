"""This run's topics: centroid, size, theme (kept, joined or founded) and registry label."""

from flows.lib.topics import (
    embedded_papers,
    frame_arrow,
    params_from_config,
    relation_frame,
    topic_table,
)


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    papers = embedded_papers(
        dbt.ref("int_papers_embedded").select("paper_id, content_hash"),
        dbt.ref("stg_raw__paper_embeddings"),
    )
    placed = relation_frame(dbt.ref("int_paper_topics_assigned"))
    registry = relation_frame(dbt.ref("stg_raw__topic_registry"), ("centroid",))
    themes = relation_frame(dbt.ref("stg_raw__theme_registry"), ("centroid",))
    topics = topic_table(papers, placed, registry, themes, params)
    return frame_arrow(topics, ("centroid",))
