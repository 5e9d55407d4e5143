with runs as (
    select * from {{ ref('stg_raw__run_audit') }}
),

final as (
    select * from runs
)

select * from final
