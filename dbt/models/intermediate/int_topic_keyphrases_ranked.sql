-- keyphrases of each topic ranked by how distinctive they are for it (c-TF-IDF style:
-- papers of the topic using the phrase x log(all tagged papers / papers using it anywhere));
-- generic phrases (used by more than topics.max_df of all papers) rank after all others
with paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

keyphrases as (
    select * from {{ ref('int_keyphrases_counted') }}
),

primary_members as (
    select
        paper_id,
        topic_id
    from paper_topics
    where is_primary
),

topic_sizes as (
    select
        topic_id,
        count(*) as n_papers
    from primary_members
    group by topic_id
),

keyphrases_in_topic as (
    select
        primary_members.topic_id,
        paper_keywords.keyphrase,
        count(distinct paper_keywords.paper_id) as n_topic_papers,
        mode(paper_keywords.surface_form) as surface_form
    from primary_members
    inner join paper_keywords on primary_members.paper_id = paper_keywords.paper_id
    group by all
),

scored as (
    select
        keyphrases_in_topic.topic_id,
        keyphrases_in_topic.keyphrase,
        keyphrases_in_topic.surface_form,
        keyphrases_in_topic.n_topic_papers,
        keyphrases_in_topic.n_topic_papers / topic_sizes.n_papers as topic_share,
        keyphrases_in_topic.n_topic_papers * keyphrases.idf as distinctiveness,
        keyphrases.document_frequency > {{ var('topics')['max_df'] }} as is_generic
    from keyphrases_in_topic
    inner join keyphrases on keyphrases_in_topic.keyphrase = keyphrases.keyphrase
    inner join topic_sizes on keyphrases_in_topic.topic_id = topic_sizes.topic_id
),

final as (
    select
        *,
        row_number() over (
            partition by topic_id
            order by is_generic, distinctiveness desc, n_topic_papers desc, keyphrase
        ) as keyphrase_rank
    from scored
)

select * from final
