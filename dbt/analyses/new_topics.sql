-- topics that are new: first seen in the last 8 weeks of data, biggest first; emerged_in_week
-- is set where the topic emerged with at least var emerging_min_papers papers in its first week
with topics as (
    select * from {{ ref('dim_topics') }}
),

topic_trends as (
    select * from {{ ref('fct_topic_trends') }}
),

last_date as (
    select max(last_seen_date) as last_date
    from topics
),

new_topics as (
    select topics.*
    from topics
    cross join last_date
    where topics.first_seen_date > last_date.last_date - interval 56 day
),

emerging_weeks as (
    select
        topic_id,
        window_start as emerged_in_week
    from topic_trends
    where grain = 'week'
        and is_emerging
),

final as (
    select
        new_topics.label,
        new_topics.topic_id,
        new_topics.first_seen_date,
        new_topics.n_papers,
        emerging_weeks.emerged_in_week,
        new_topics.top_keyphrases
    from new_topics
    left join emerging_weeks on new_topics.topic_id = emerging_weeks.topic_id
    order by new_topics.n_papers desc, new_topics.first_seen_date desc, new_topics.label
    limit 20
)

select * from final
