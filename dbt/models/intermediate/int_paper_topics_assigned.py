"""Paper x topic: primary topic (kept, joined, founded by BERTopic, or nearest) and secondary ones.

Saves this run's BERTopic model and manifest under the run folder (var topic_model_dir)."""

from flows.lib.topics import (
    embedded_papers,
    params_from_config,
    place_papers,
    relation_frame,
    save_run_model,
)


def model(dbt, session):
    dbt.config(materialized="table")
    params = params_from_config(dbt.config.get("topic_params"))
    papers = embedded_papers(dbt.ref("int_papers_embedded"), dbt.ref("stg_raw__paper_embeddings"))
    registry = relation_frame(dbt.ref("stg_raw__topic_registry"), ("centroid",))
    assignments = relation_frame(dbt.ref("stg_raw__topic_assignments"))
    placed, fitted = place_papers(papers, registry, assignments, params)
    if dbt.config.get("topic_model_dir"):
        save_run_model(
            dbt.config.get("topic_model_dir"), fitted, placed, params, dbt.config.get("run_id")
        )
    return placed
