-- each paper's secondary topics: its max_topics_per_paper nearest close topics
-- (int_paper_topic_neighbours) other than its primary topic, at most max_topics_per_paper - 1
with assigned as (
    select * from {{ ref('int_paper_topics_assigned') }}
),

neighbours as (
    select * from {{ ref('int_paper_topic_neighbours') }}
),

nearest_topics as (
    select
        paper_id,
        unnest(topic_ids) as topic_id,
        unnest(similarities) as similarity,
        unnest(generate_series(1, len(topic_ids))) as nearness
    from neighbours
),

ranked as (
    select
        nearest_topics.paper_id,
        nearest_topics.topic_id,
        nearest_topics.similarity,
        row_number() over (
            partition by nearest_topics.paper_id order by nearest_topics.nearness
        ) as secondary_rank
    from nearest_topics
    inner join assigned on nearest_topics.paper_id = assigned.paper_id
    where
        nearest_topics.nearness <= {{ var('topics')['max_topics_per_paper'] }}
        and nearest_topics.topic_id <> assigned.topic_id
),

final as (
    select
        paper_id,
        topic_id,
        greatest(0.0, least(1.0, cast(similarity as double))) as weight,
        false as is_primary,
        false as is_loose,
        'secondary' as placement
    from ranked
    where secondary_rank < {{ var('topics')['max_topics_per_paper'] }}
)

select * from final
