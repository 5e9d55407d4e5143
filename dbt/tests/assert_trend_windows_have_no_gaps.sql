-- every topic has each window from its first window to the last data window, once
with trends as (
    select * from {{ ref('fct_topic_trends') }}
),

windows as (
    select * from {{ ref('int_windows_spined') }}
),

first_windows as (
    select
        topic_id,
        grain,
        min(window_start) as first_window_start
    from trends
    group by all
),

expected_windows as (
    select
        first_windows.topic_id,
        windows.grain,
        windows.window_start
    from first_windows
    inner join windows
        on first_windows.grain = windows.grain
        and windows.window_start >= first_windows.first_window_start
),

missing_windows as (
    select * from expected_windows
    except
    select topic_id, grain, window_start from trends
),

final as (
    select * from missing_windows
)

select * from final
