"""Which canonical keyphrases are boilerplate: every word common over the archive and spread
evenly (flows.stages.tagging.phrase_quality.learn_boilerplate, learned from this archive's abstracts
on every build; no hand-typed list)."""

from flows.stages.tagging.keyphrases import compose_text
from flows.stages.tagging.phrase_quality import boilerplate_table


def model(dbt, session):
    dbt.config(materialized="table")
    papers = dbt.ref("stg_raw__papers").select("title, abstract").to_arrow_table()
    keyphrases = dbt.ref("int_keyphrases_counted").select("keyphrase, n_papers").to_arrow_table()
    texts = (
        compose_text(title or "", abstract or "")
        for title, abstract in zip(
            papers.column("title").to_pylist(), papers.column("abstract").to_pylist(), strict=True
        )
    )
    phrase_df = dict(
        zip(
            keyphrases.column("keyphrase").to_pylist(),
            keyphrases.column("n_papers").to_pylist(),
            strict=True,
        )
    )
    return boilerplate_table(texts, phrase_df)
