{#
    Keyphrases of each group of papers (a topic or a theme) ranked by how distinctive they are
    for it (c-TF-IDF style: papers of the group using the phrase x log(all tagged papers /
    papers using it anywhere)). Phrases that may not name a group (measurements, verb tails,
    boilerplate, generic phrases used by more than topics.max_df of all papers: see
    int_keyphrases_qualified) rank after all others and are flagged is_label_worthy = false.

    members: a relation with one row per (key, paper_id). keyphrases: int_keyphrases_qualified.
#}
{% macro ranked_keyphrases(members, paper_keywords, keyphrases, key_column) %}
    group_sizes as (
        select
            {{ key_column }},
            count(distinct paper_id) as n_papers
        from {{ members }}
        group by all
    ),

    surface_forms_in_group as (
        select
            members.{{ key_column }},
            paper_keywords.keyphrase,
            paper_keywords.surface_form,
            -- the form most papers of the whole archive write (int_keyphrases_counted)
            paper_keywords.surface_form = keyphrases.surface_form as is_archive_form,
            count(distinct paper_keywords.paper_id) as n_form_papers
        from {{ members }} as members
        inner join {{ paper_keywords }} as paper_keywords
            on members.paper_id = paper_keywords.paper_id
        inner join {{ keyphrases }} as keyphrases
            on paper_keywords.keyphrase = keyphrases.keyphrase
        group by all
    ),

    keyphrases_in_group as (
        select
            {{ key_column }},
            keyphrase,
            -- a paper writes a keyphrase in one form (the lake's key is paper_id, keyphrase)
            cast(sum(n_form_papers) as bigint) as n_group_papers,
            -- the form most papers of the group write; a tie goes to the archive's form
            {{ most_written_form(prefer='is_archive_form') }} as surface_form
        from surface_forms_in_group
        group by all
    ),

    scored as (
        select
            keyphrases_in_group.{{ key_column }},
            keyphrases_in_group.keyphrase,
            keyphrases_in_group.surface_form,
            keyphrases_in_group.n_group_papers,
            keyphrases_in_group.n_group_papers / group_sizes.n_papers as group_share,
            keyphrases_in_group.n_group_papers * keyphrases.idf as distinctiveness,
            keyphrases.is_label_worthy,
            keyphrases.is_nameable
        from keyphrases_in_group
        inner join {{ keyphrases }} as keyphrases
            on keyphrases_in_group.keyphrase = keyphrases.keyphrase
        inner join group_sizes
            on keyphrases_in_group.{{ key_column }} = group_sizes.{{ key_column }}
    ),

    ranked as (
        select
            *,
            row_number() over (
                partition by {{ key_column }}
                order by
                    is_label_worthy desc, is_nameable desc, distinctiveness desc, n_group_papers desc, keyphrase
            ) as keyphrase_rank
        from scored
    )
{% endmacro %}
