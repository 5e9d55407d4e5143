{{ config(materialized='ephemeral') }}

-- every paper x topic row: the primary topics and the secondary ones
with primary_topics as (
    select * from {{ ref('int_paper_topics_completed') }}
),

secondary_topics as (
    select * from {{ ref('int_paper_topics_secondary') }}
),

final as (
    select * from primary_topics
    union all
    select * from secondary_topics
)

select * from final
