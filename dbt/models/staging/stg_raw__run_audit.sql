with source as (
    select * from {{ source('raw', 'run_audit') }}
),

final as (
    select
        run_id,
        started_at,
        finished_at,
        status,
        source,
        n_read,
        n_loaded,
        n_quarantined,
        n_tagged,
        n_papers,
        dbt_tests_passed,
        dbt_tests_failed,
        expectations_passed,
        expectations_failed,
        published,
        failed_checks,
        error,
        versions,
        model_name
    from source
)

select * from final
