-- incremental: only the windows this build's papers change are recomputed (macros/window_trends.sql)
{{ config(materialized='incremental', incremental_strategy='key_windows', unique_key='theme_id', on_schema_change='fail') }}

with paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

topics as (
    select * from {{ ref('int_topics_clustered') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

windows as (
    select * from {{ ref('int_windows_spined') }}
),

-- a paper counts for the theme of its primary topic only, so shares add up to at most 1
theme_events as (
    select
        topics.theme_id,
        papers.paper_id,
        papers.activity_date,
        papers.upvotes
    from paper_topics
    inner join topics on paper_topics.topic_id = topics.topic_id
    inner join papers on paper_topics.paper_id = papers.paper_id
    where paper_topics.is_primary
),

{{ window_trends('theme_events', 'windows', 'theme_id') }},

final as (
    select * from trends
)

select * from final
