"""One unit vector per tagged paper: the IDF-weighted mean of its keyphrase embeddings."""

from flows.topics import frame_arrow, paper_vectors, params_from_config, relation_frame


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    keywords = relation_frame(dbt.ref("stg_raw__paper_keywords"))
    embeddings = relation_frame(dbt.ref("stg_raw__keyphrase_embeddings"), ("embedding",))
    vectors = paper_vectors(
        keywords,
        embeddings,
        params.max_df,
        params.idf_power,
        params.min_generic_papers,
        params.lexical_weight,
        params.lexical_features,
    )
    return frame_arrow(vectors, ("vector",))
