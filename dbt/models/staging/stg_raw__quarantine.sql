with source as (
    select * from {{ source('raw', 'quarantine') }}
),

final as (
    select
        run_id,
        source,
        source_ref,
        reason,
        payload,
        payload_hash,
        quarantined_at
    from source
)

select * from final
