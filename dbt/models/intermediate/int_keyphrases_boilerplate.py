"""Which canonical keyphrases are boilerplate: every word common over the archive and spread
evenly (flows.stages.tagging.phrase_quality.learn_boilerplate, learned from this archive's texts
on every build; no hand-typed list). The word statistics are sums over every paper's word
counts (the cached ones of stg_raw__word_counts_cache, the new ones of int_paper_words_counted),
computed in DuckDB."""

from flows.stages.tagging.phrase_quality import WordStats, boilerplate_table


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("stg_raw__papers").create_view("_papers")
    dbt.ref("stg_raw__word_counts_cache").create_view("_cached_words")
    dbt.ref("int_paper_words_counted").create_view("_new_words")
    n_docs = session.sql("select count(*) from _papers").fetchall()[0][0]
    words = session.sql(
        """
        select w.word, count(*) as df, sum(w.n) as cf
        from (
            select unnest(coalesce(c.words, n.words)) as w
            from _papers as p
            left join _cached_words as c on p.content_hash = c.content_hash
            left join _new_words as n on p.content_hash = n.content_hash
        )
        group by w.word
        """
    ).fetchall()
    stats = WordStats(n_docs, {w: df for w, df, _ in words}, {w: cf for w, _, cf in words})
    keyphrases = dbt.ref("int_keyphrases_counted").select("keyphrase, n_papers").fetchall()
    return boilerplate_table(stats, dict(keyphrases))
