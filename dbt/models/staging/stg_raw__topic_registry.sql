with source as (
    select * from {{ source('raw', 'topic_registry') }}
),

final as (
    select
        topic_id,
        label,
        centroid,
        theme_id,
        top_keyphrases,
        first_run_id,
        last_run_id,
        retired_run_id,
        updated_at
    from source
)

select * from final
