-- topics rising most in the latest week (the week may still be partial: see is_partial_window);
-- ranked by z-score against the trailing 8 weeks, then by growth
with topic_trends as (
    select * from {{ ref('fct_topic_trends') }}
),

topics as (
    select * from {{ ref('dim_topics') }}
),

latest_week as (
    select max(window_start) as window_start
    from topic_trends
    where grain = 'week'
),

this_week as (
    select topic_trends.*
    from topic_trends
    inner join latest_week on topic_trends.window_start = latest_week.window_start
    where topic_trends.grain = 'week'
        and topic_trends.n_papers > 0
),

final as (
    select
        topics.label,
        this_week.topic_id,
        this_week.window_start,
        this_week.window_end,
        this_week.n_papers,
        this_week.prev_n_papers,
        this_week.change_abs,
        round(this_week.zscore_8, 2) as zscore_8,
        round(this_week.share, 4) as share,
        this_week.is_partial_window,
        topics.top_keyphrases
    from this_week
    inner join topics on this_week.topic_id = topics.topic_id
    order by this_week.zscore_8 desc nulls last, this_week.change_abs desc, topics.label
    limit 20
)

select * from final
