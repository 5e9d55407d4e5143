-- topics rising in the latest week (the week may still be partial: see is_partial_window),
-- by the one rule of fct_rising_topics (is_rising: share against the topic's trailing baseline,
-- with a minimum support), strongest evidence first
with rising_topics as (
    select * from {{ ref('fct_rising_topics') }}
),

topic_trends as (
    select * from {{ ref('fct_topic_trends') }}
),

latest_week as (
    select max(window_start) as window_start
    from topic_trends
    where grain = 'week'
),

final as (
    select
        rising_topics.rank_in_window,
        rising_topics.label,
        rising_topics.topic_id,
        rising_topics.window_start,
        rising_topics.window_end,
        rising_topics.n_papers,
        round(rising_topics.share, 4) as share,
        rising_topics.baseline_n_papers,
        round(rising_topics.baseline_share, 4) as baseline_share,
        round(rising_topics.rising_score, 2) as rising_score,
        rising_topics.is_new,
        rising_topics.is_partial_window,
        rising_topics.top_keyphrases
    from rising_topics
    inner join latest_week on rising_topics.window_start = latest_week.window_start
    where rising_topics.grain = 'week'
    order by rising_topics.rank_in_window
)

select * from final
