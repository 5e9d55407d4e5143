-- topics rising in the latest month (the month may still be partial: see is_partial_window),
-- by the one rule of fct_rising_topics (is_rising: share against the topic's trailing baseline,
-- with a minimum support), strongest evidence first
with rising_topics as (
    select * from {{ ref('fct_rising_topics') }}
),

topic_trends as (
    select * from {{ ref('fct_topic_trends') }}
),

latest_month as (
    select max(window_start) as window_start
    from topic_trends
    where grain = 'month'
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
    inner join latest_month on rising_topics.window_start = latest_month.window_start
    where rising_topics.grain = 'month'
    order by rising_topics.rank_in_window
)

select * from final
