with source as (
    select * from {{ source('raw', 'tagged_papers') }}
),

final as (
    select
        paper_id,
        content_hash,
        config_hash,
        status,
        n_keyphrases,
        run_id,
        tagged_at
    from source
)

select * from final
