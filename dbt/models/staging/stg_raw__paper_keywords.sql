with source as (
    select * from {{ source('raw', 'paper_keywords') }}
),

final as (
    select
        paper_id,
        keyphrase,
        surface_form,
        score,
        rank,
        model_name,
        config_hash,
        run_id
    from source
)

select * from final
