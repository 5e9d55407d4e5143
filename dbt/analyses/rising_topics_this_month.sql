-- topics rising most in the latest month (may be partial: see is_partial_window)
with topic_trends as (
    select * from {{ ref('fct_topic_trends') }}
),

topics as (
    select * from {{ ref('dim_topics') }}
),

latest_month as (
    select max(window_start) as window_start
    from topic_trends
    where grain = 'month'
),

this_month as (
    select topic_trends.*
    from topic_trends
    inner join latest_month on topic_trends.window_start = latest_month.window_start
    where topic_trends.grain = 'month'
        and topic_trends.n_papers > 0
),

final as (
    select
        topics.label,
        this_month.topic_id,
        this_month.window_start,
        this_month.window_end,
        this_month.n_papers,
        this_month.prev_n_papers,
        this_month.change_abs,
        round(this_month.change_pct, 2) as change_pct,
        round(this_month.zscore_8, 2) as zscore_8,
        this_month.is_partial_window,
        topics.top_keyphrases
    from this_month
    inner join topics on this_month.topic_id = topics.topic_id
    order by this_month.zscore_8 desc nulls last, this_month.change_abs desc, topics.label
    limit 20
)

select * from final
