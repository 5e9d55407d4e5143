{#
    The label of each group (topic or theme) from its ranked keyphrases: the most distinctive
    nameable phrase, followed by the second one when that is nameable too, adds new words and is
    used by at least a quarter of the group's papers. Never a measurement, a verb tail or
    boilerplate (int_keyphrases_qualified). Also the group's top five keyphrases.
#}
{% macro group_label(ranked, key_column) %}
    labels_from_keyphrases as (
        select
            {{ key_column }},
            list(keyphrase order by keyphrase_rank) filter (
                where is_nameable
            ) as top_keyphrases,
            min(surface_form) filter (where keyphrase_rank = 1 and is_nameable) as first_phrase,
            min(keyphrase) filter (where keyphrase_rank = 1 and is_nameable) as first_keyphrase,
            min(surface_form) filter (
                where keyphrase_rank = 2 and is_nameable and group_share >= 0.25
            ) as second_phrase,
            min(keyphrase) filter (
                where keyphrase_rank = 2 and is_nameable and group_share >= 0.25
            ) as second_keyphrase
        from {{ ranked }}
        where keyphrase_rank <= 5
        group by {{ key_column }}
    ),

    group_labels as (
        select
            {{ key_column }},
            coalesce(top_keyphrases, []) as top_keyphrases,
            case
                when second_keyphrase is null
                    or contains(first_keyphrase, second_keyphrase)
                    or contains(second_keyphrase, first_keyphrase)
                    then first_phrase
                else first_phrase || ' / ' || second_phrase
            end as keyphrase_label
        from labels_from_keyphrases
    )
{% endmacro %}
