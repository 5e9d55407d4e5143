-- every paper with keyphrases gets a topic: its primary topic, up to max_topics_per_paper - 1
-- secondary topics (the nearest close topics other than the primary), and papers without a
-- document embedding of their current text go to the 'unclustered' topic
with paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

assigned as (
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

secondary as (
    select
        nearest_topics.paper_id,
        nearest_topics.topic_id,
        nearest_topics.similarity,
        row_number() over (
            partition by nearest_topics.paper_id order by nearest_topics.nearness
        ) as secondary_rank
    from nearest_topics
    inner join assigned on nearest_topics.paper_id = assigned.paper_id
    where nearest_topics.topic_id <> assigned.topic_id
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
        topic_id,
        greatest(0.0, least(1.0, cast(similarity as double))) as weight,
        false as is_primary,
        false as is_loose,
        'secondary' as placement
    from secondary
    where secondary_rank < {{ var('topics')['max_topics_per_paper'] }}
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
