-- keyphrases of each topic (its primary papers) ranked by distinctiveness, label-worthy first
with paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

keyphrases as (
    select * from {{ ref('int_keyphrases_qualified') }}
),

members as (
    select
        topic_id,
        paper_id
    from paper_topics
    where is_primary
),

{{ ranked_keyphrases('members', 'paper_keywords', 'keyphrases', 'topic_id') }},

final as (
    select * from ranked
)

select * from final
