"""Each paper's nearest topics (flows.lib.topics.topic_neighbours), from the last published
run's lists where the topics' centroids did not move."""

from flows.lib.topics import embedded_papers, params_from_config, relation_frame, topic_neighbours


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    papers = embedded_papers(
        dbt.ref("int_papers_embedded").select("paper_id, content_hash"),
        dbt.ref("stg_raw__paper_embeddings"),
    )
    topics = relation_frame(
        dbt.ref("int_topics_clustered").select("topic_id, centroid"), ("centroid",)
    )
    registry = relation_frame(dbt.ref("stg_raw__topic_registry"), ("centroid",))
    cache = relation_frame(dbt.ref("stg_raw__topic_neighbours"))
    return topic_neighbours(papers, topics, registry, cache, params)
