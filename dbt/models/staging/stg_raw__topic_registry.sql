with source as (
    select * from {{ source('raw', 'topic_registry') }}
),

final as (
    select
        topic_id,
        label,
        centroid,
        top_keyphrases,
        parent_topic_id,
        first_run_id,
        last_run_id,
        updated_at
    from source
)

select * from final
