{#
    The topics rising in the latest window of a grain (the window may still be partial: see
    is_partial_window), by the one rule of fct_rising_topics (is_rising: share against the
    topic's trailing baseline, with a minimum support), strongest evidence first. Used by the
    analyses rising_topics_this_week / rising_topics_this_month.
#}
{% macro rising_topics_latest(grain) %}
with rising_topics as (
    select * from {{ ref('fct_rising_topics') }}
),

topic_trends as (
    select * from {{ ref('fct_topic_trends') }}
),

latest_window as (
    select max(window_start) as window_start
    from topic_trends
    where grain = '{{ grain }}'
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
    inner join latest_window on rising_topics.window_start = latest_window.window_start
    where rising_topics.grain = '{{ grain }}'
    order by rising_topics.rank_in_window
)

select * from final
{% endmacro %}
