-- the calendar windows (day, week from Monday, month) between the first and the last data date,
-- with the count of all papers in each, over the trailing baseline windows (var rising), and
-- whether the data covers the window completely.
-- Incremental: every build replaces every window (strategy replace_all), and is_changed says
-- which windows differ from the last build's, for the trend marts (macros/window_trends.sql).
{{ config(materialized='incremental', incremental_strategy='replace_all', on_schema_change='fail') }}

with papers as (
    select * from {{ ref('stg_raw__papers') }}
),

data_range as (
    select
        min(activity_date) as first_date,
        max(activity_date) as last_date
    from papers
),

grains as (
    select * from (values ('day', interval 1 day), ('week', interval 7 day), ('month', interval 1 month)) as g (grain, step)
),

windows as (
    select
        grains.grain,
        cast(window_start.generate_series as date) as window_start,
        cast(window_start.generate_series + grains.step - interval 1 day as date) as window_end
    from grains
    cross join data_range
    cross join generate_series(
        cast(date_trunc(grains.grain, data_range.first_date) as timestamp),
        cast(date_trunc(grains.grain, data_range.last_date) as timestamp),
        grains.step
    ) as window_start
),

papers_per_window as (
    select
        grains.grain,
        cast(date_trunc(grains.grain, papers.activity_date) as date) as window_start,
        count(*) as n_papers_all
    from papers
    cross join grains
    where papers.activity_date is not null
    group by all
),

counted as (
    select
        windows.grain,
        windows.window_start,
        windows.window_end,
        row_number() over (partition by windows.grain order by windows.window_start) as window_number,
        coalesce(papers_per_window.n_papers_all, 0) as n_papers_all,
        windows.window_end > data_range.last_date
        or windows.window_start < data_range.first_date as is_partial_window
    from windows
    cross join data_range
    left join papers_per_window
        on windows.grain = papers_per_window.grain
        and windows.window_start = papers_per_window.window_start
),

-- all papers over the baseline windows before each window (null for the data's first window)
with_baselines as (
    select
        *,
        window_number > 1 as has_earlier_windows,
        case grain
            {%- for grain, n in var('rising')['baseline_windows'].items() %}
            when '{{ grain }}' then sum(n_papers_all) over (
                partition by grain order by window_start
                rows between {{ n }} preceding and 1 preceding
            )
            {%- endfor %}
        end as baseline_n_papers_all
    from counted
),

{% if is_incremental() %}
previous as (
    select * from {{ this }}
),

-- windows that end after this build's last window (the data lost its last papers)
dropped_after as (
    select distinct previous.grain
    from previous
    inner join (
        select grain, max(window_start) as last_window_start from with_baselines group by grain
    ) as last_windows on previous.grain = last_windows.grain
    where previous.window_start > last_windows.last_window_start
),
{% endif %}

final as (
    select
        with_baselines.*,
        {%- if is_incremental() %}
        previous.window_start is null
        or (
            with_baselines.window_end, with_baselines.window_number, with_baselines.n_papers_all,
            with_baselines.is_partial_window, with_baselines.baseline_n_papers_all
        ) is distinct from (
            previous.window_end, previous.window_number, previous.n_papers_all,
            previous.is_partial_window, previous.baseline_n_papers_all
        )
        or (
            dropped_after.grain is not null
            and with_baselines.window_number
            = max(with_baselines.window_number) over (partition by with_baselines.grain)
        ) as is_changed
        {%- else %}
        true as is_changed
        {%- endif %}
    from with_baselines
    {%- if is_incremental() %}
    left join previous
        on with_baselines.grain = previous.grain
        and with_baselines.window_start = previous.window_start
    left join dropped_after on with_baselines.grain = dropped_after.grain
    {%- endif %}
)

select * from final
