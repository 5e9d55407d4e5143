-- incremental: only the windows this build's papers change are recomputed (macros/window_trends.sql)
{{ config(materialized='incremental', incremental_strategy='key_windows', unique_key='keyphrase', on_schema_change='fail') }}

with paper_keywords as (
    select * from {{ ref('stg_raw__paper_keywords') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

keyphrases as (
    select * from {{ ref('int_keyphrases_counted') }}
),

windows as (
    select * from {{ ref('int_windows_spined') }}
),

-- only keyphrases used by enough papers, so the table stays a sensible size
trended_keyphrases as (
    select keyphrase
    from keyphrases
    where n_papers >= {{ var('keyword_trend_min_papers') }}
),

keyword_events as (
    select
        paper_keywords.keyphrase,
        papers.paper_id,
        papers.activity_date,
        papers.upvotes
    from paper_keywords
    inner join papers on paper_keywords.paper_id = papers.paper_id
    semi join trended_keyphrases on paper_keywords.keyphrase = trended_keyphrases.keyphrase
),

{{ window_trends('keyword_events', 'windows', 'keyphrase') }},

final as (
    select * from trends
)

select * from final
