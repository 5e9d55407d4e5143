"""This run's themes: groups of related topics, with centroids and registry labels."""

from flows.lib.topics import frame_arrow, relation_frame, theme_table


def model(dbt, session):
    dbt.config(materialized="table")
    topics = relation_frame(dbt.ref("int_topics_clustered"), ("centroid",))
    themes = relation_frame(dbt.ref("stg_raw__theme_registry"), ("centroid",))
    return frame_arrow(theme_table(topics, themes), ("centroid",))
