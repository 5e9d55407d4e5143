-- every paper with keyphrases gets a primary topic: papers without a document embedding of
-- their current text go to the 'unclustered' topic (secondary topics: int_paper_topics_secondary)
with paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

assigned as (
    select * from {{ ref('int_paper_topics_assigned') }}
),

papers_without_topic as (
    select distinct paper_keywords.paper_id
    from paper_keywords
    anti join assigned on paper_keywords.paper_id = assigned.paper_id
),

final as (
    select
        paper_id,
        topic_id,
        cast(weight as double) as weight,
        is_primary,
        is_loose,
        placement
    from assigned
    union all
    select
        paper_id,
        't_unclustered' as topic_id,
        0.0 as weight,
        true as is_primary,
        true as is_loose,
        'unclustered' as placement
    from papers_without_topic
)

select * from final
