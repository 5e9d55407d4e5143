with source as (
    select * from {{ source('raw', 'word_counts_cache') }}
),

final as (
    select
        content_hash,
        words
    from source
)

select * from final
