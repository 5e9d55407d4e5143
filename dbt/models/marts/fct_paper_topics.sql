with paper_topics as (
    select * from {{ ref('int_paper_topics_combined') }}
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
