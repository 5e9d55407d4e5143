with source as (
    select * from {{ source('raw', 'topic_assignments') }}
),

final as (
    select
        paper_id,
        topic_id,
        content_hash,
        similarity,
        is_loose,
        activity_date,
        run_id
    from source
)

select * from final
