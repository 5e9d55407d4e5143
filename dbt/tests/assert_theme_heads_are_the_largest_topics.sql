-- a theme's head (the parent of its other topics) is its topic with the most papers, a tie going
-- to the first topic id: every build of the same data names the same parents
with topics as (
    select * from {{ ref('dim_topics') }}
),

expected_heads as (
    select
        theme_id,
        first(topic_id order by n_papers desc, topic_id) as head_topic_id
    from topics
    where theme_id is not null
    group by theme_id
),

final as (
    select
        topics.topic_id,
        topics.parent_topic_id,
        expected_heads.head_topic_id
    from topics
    inner join expected_heads on topics.theme_id = expected_heads.theme_id
    where topics.parent_topic_id
        is distinct from nullif(expected_heads.head_topic_id, topics.topic_id)
)

select * from final
