-- keyphrases of each theme (the primary papers of its topics) ranked by distinctiveness,
-- label-worthy first
with paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

topics as (
    select * from {{ ref('int_topics_clustered') }}
),

paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

keyphrases as (
    select * from {{ ref('int_keyphrases_qualified') }}
),

members as (
    select
        topics.theme_id,
        paper_topics.paper_id
    from paper_topics
    inner join topics on paper_topics.topic_id = topics.topic_id
    where paper_topics.is_primary
),

{{ ranked_keyphrases('members', 'paper_keywords', 'keyphrases', 'theme_id') }},

final as (
    select * from ranked
)

select * from final
