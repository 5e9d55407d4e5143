-- the topics rising in each window (is_rising of fct_topic_trends: the one definition of
-- "rising" that the analyses, the dashboard and the digest read), with their evidence and
-- their rank in the window (by rising_score)
with topic_trends as (
    select * from {{ ref('fct_topic_trends') }}
),

topics as (
    select * from {{ ref('dim_topics') }}
),

rising as (
    select *
    from topic_trends
    where is_rising
        and topic_id <> 't_unclustered'
),

final as (
    select
        rising.grain,
        rising.window_start,
        rising.window_end,
        rising.topic_id,
        topics.label,
        topics.top_keyphrases,
        row_number() over (
            partition by rising.grain, rising.window_start
            order by rising.rising_score desc, rising.n_papers desc, topics.label
        ) as rank_in_window,
        rising.n_papers,
        rising.share,
        rising.baseline_n_papers,
        rising.baseline_share,
        rising.rising_score,
        rising.prev_n_papers,
        rising.change_abs,
        rising.upvotes,
        rising.is_emerging,
        topics.first_seen_date >= rising.window_start as is_new,
        rising.is_partial_window
    from rising
    inner join topics on rising.topic_id = topics.topic_id
)

select * from final
