-- the calendar windows (day, week from Monday, month) between the first and the last data date,
-- with the count of all papers in each and whether the data covers the window completely
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

final as (
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
)

select * from final
