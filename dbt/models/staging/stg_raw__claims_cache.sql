with source as (
    select * from {{ source('raw', 'claims_cache') }}
),

final as (
    select
        abstract_md5,
        claims
    from source
)

select * from final
