-- the promise of is_rising, in both trend marts: a rising window has at least the minimum
-- support, a share of at least min_ratio x its prior-smoothed baseline share, a rising_score of
-- at least min_score, and a baseline at all (never the data's first window)
{% set rising = var('rising') %}
with trends as (
    select 'fct_topic_trends' as mart, topic_id as key, * exclude (topic_id)
    from {{ ref('fct_topic_trends') }}
    union all by name
    select 'fct_keyword_trends' as mart, keyphrase as key, * exclude (keyphrase)
    from {{ ref('fct_keyword_trends') }}
),

broken as (
    select *
    from trends
    where is_rising
        and not coalesce(
            n_papers >= {{ rising['min_papers'] }}
            and rising_score >= {{ rising['min_score'] }}
            and baseline_share is not null
            and share >= {{ rising['min_ratio'] }} * baseline_share,
            false
        )
),

final as (
    select * from broken
)

select * from final
