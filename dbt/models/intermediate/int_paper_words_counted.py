"""One row per paper: the words of its text (folded as canonical forms write them) with their
counts, from which int_keyphrases_boilerplate learns the archive's word statistics.

Texts a published run has seen take their counts from the lake's cache
(``stg_raw__word_counts_cache``, this counter's entries): only new or changed texts are counted
(flows.stages.tagging.phrase_quality.words_table)."""

from flows.stages.tagging.phrase_quality import words_table


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("stg_raw__papers").create_view("_papers_to_count")
    dbt.ref("stg_raw__word_counts_cache").create_view("_cached_words")
    uncounted = session.sql(
        """
        select distinct on (content_hash) content_hash, title, abstract
        from _papers_to_count
        where content_hash not in (select content_hash from _cached_words)
        order by content_hash
        """
    ).fetchall()
    session.register("_new_words", words_table(uncounted))
    return session.sql(
        """
        select p.paper_id, p.content_hash, coalesce(c.words, n.words) as words
        from _papers_to_count as p
        left join _cached_words as c on p.content_hash = c.content_hash
        left join _new_words as n on p.content_hash = n.content_hash
        """
    )
