-- incremental: only the windows this build's papers change are recomputed (macros/window_trends.sql)
{{ config(materialized='incremental', incremental_strategy='key_windows', unique_key='topic_id', on_schema_change='fail') }}

with paper_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

windows as (
    select * from {{ ref('int_windows_spined') }}
),

-- a paper counts for its primary topic only, so the shares of all topics add up to at most 1
topic_events as (
    select
        paper_topics.topic_id,
        papers.paper_id,
        papers.activity_date,
        papers.upvotes
    from paper_topics
    inner join papers on paper_topics.paper_id = papers.paper_id
    where paper_topics.is_primary
),

{{ window_trends('topic_events', 'windows', 'topic_id') }},

final as (
    select * from trends
)

select * from final
