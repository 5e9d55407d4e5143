with source as (
    select * from {{ source('raw', 'topic_neighbours') }}
),

final as (
    select
        paper_id,
        content_hash,
        params,
        topic_ids,
        similarities,
        complete
    from source
)

select * from final
