with source as (
    select * from {{ source('raw', 'topic_assignments') }}
),

final as (
    select
        paper_id,
        topic_id,
        signature,
        run_id
    from source
)

select * from final
