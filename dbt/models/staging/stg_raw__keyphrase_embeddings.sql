with source as (
    select * from {{ source('raw', 'keyphrase_embeddings') }}
),

final as (
    select
        keyphrase,
        model_name,
        embedding
    from source
)

select * from final
