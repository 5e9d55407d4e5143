"""One row per text no published run has counted: the words of the text (folded as canonical
forms write them) with their counts. int_keyphrases_boilerplate sums them with the lake's cached
counts of every other text (``stg_raw__word_counts_cache``, this counter's entries), so only new
or changed texts are counted (flows.stages.tagging.phrase_quality.words_table) and no run
rewrites the words of the whole archive."""

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
    return words_table(uncounted)
