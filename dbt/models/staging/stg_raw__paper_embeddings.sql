with source as (
    select * from {{ source('raw', 'paper_embeddings') }}
),

final as (
    select
        paper_id,
        content_hash,
        model_name,
        embedding
    from source
)

select * from final
