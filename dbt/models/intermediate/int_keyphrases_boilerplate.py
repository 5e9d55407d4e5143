"""Which canonical keyphrases are boilerplate: every word common over the archive and spread
evenly (flows.stages.tagging.phrase_quality.learn_boilerplate, learned from this archive's texts
on every build; no hand-typed list). The word statistics are sums over int_paper_words_counted,
computed in DuckDB."""

from flows.stages.tagging.phrase_quality import WordStats, boilerplate_table


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_paper_words_counted").create_view("_paper_words")
    n_docs = session.sql("select count(*) from _paper_words").fetchall()[0][0]
    words = session.sql(
        """
        select w.word, count(*) as df, sum(w.n) as cf
        from (select unnest(words) as w from _paper_words)
        group by w.word
        """
    ).fetchall()
    stats = WordStats(n_docs, {w: df for w, df, _ in words}, {w: cf for w, _, cf in words})
    keyphrases = dbt.ref("int_keyphrases_counted").select("keyphrase, n_papers").fetchall()
    return boilerplate_table(stats, dict(keyphrases))
