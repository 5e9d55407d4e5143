with source as (
    select * from {{ source('raw', 'theme_registry') }}
),

final as (
    select
        theme_id,
        label,
        centroid,
        first_run_id,
        last_run_id,
        retired_run_id,
        updated_at
    from source
)

select * from final
