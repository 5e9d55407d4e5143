with primary_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

secondary_topics as (
    select * from {{ ref('int_paper_topics_secondary') }}
),

paper_topics as (
    select * from primary_topics
    union all
    select * from secondary_topics
),

final as (
    select
        paper_id,
        topic_id,
        weight,
        is_primary
    from paper_topics
)

select * from final
