{#
    Per key (a topic or a keyphrase) and window of each grain: papers, share of all papers in
    the window, upvotes, change against the previous window, z-score against the trailing 8
    windows, is_emerging and is_partial_window. Windows between the key's first window and the
    last data window appear even with zero papers.

    Rising (var `rising`): the key's share of the window against its own share over the
    trailing baseline (`baseline_windows` of the grain, `prior_papers` added to its count).
    rising_score is the signed root of the Poisson deviance of n_papers against the count the
    baseline share expects in this window (about a z-score, but valid for small counts);
    is_rising needs at least `min_papers` papers, a share of at least `min_ratio` x the
    baseline share and a rising_score of at least `min_score`. Null/false without a baseline
    (the data's first window).

    events: a relation with one row per (key, paper) and columns <key_column>, paper_id,
    activity_date, upvotes. windows: int_windows_spined.

    Incremental (a model with incremental_strategy key_windows, macros/incremental_strategies.sql):
    a key's rows are recomputed from the first window where its papers or upvotes differ from the
    table's, and every key's from the first window int_windows_spined marks changed (its papers,
    baseline or partial flag); the rows before that are what a full build makes. The window
    functions see the lookback windows before it: max(baseline windows, 8) of the grain.
#}
{% macro window_trends(events, windows, key_column) %}
    grains as (
        select distinct grain from {{ windows }}
    ),

    events_windowed as (
        select
            events.{{ key_column }},
            grains.grain,
            cast(date_trunc(grains.grain, events.activity_date) as date) as window_start,
            events.paper_id,
            events.upvotes
        from {{ events }} as events
        cross join grains
        where events.activity_date is not null
    ),

    counted as (
        select
            {{ key_column }},
            grain,
            window_start,
            count(distinct paper_id) as n_papers,
            sum(upvotes) as upvotes
        from events_windowed
        group by all
    ),

    first_windows as (
        select
            {{ key_column }},
            grain,
            min(window_start) as first_window_start
        from counted
        group by all
    ),

{%- if is_incremental() %}

    previous_counts as (
        select {{ key_column }}, grain, window_start, n_papers, upvotes
        from {{ this }}
        where n_papers > 0
    ),

    count_changes as (
        select
            coalesce(counted.{{ key_column }}, previous_counts.{{ key_column }}) as {{ key_column }},
            coalesce(counted.grain, previous_counts.grain) as grain,
            min(coalesce(counted.window_start, previous_counts.window_start)) as from_window_start
        from counted
        full outer join previous_counts
            on counted.{{ key_column }} = previous_counts.{{ key_column }}
            and counted.grain = previous_counts.grain
            and counted.window_start = previous_counts.window_start
        where (counted.n_papers, counted.upvotes)
            is distinct from (previous_counts.n_papers, previous_counts.upvotes)
        group by all
    ),

    window_changes as (
        select
            grain,
            min(window_start) as from_window_start
        from {{ windows }}
        where is_changed
        group by grain
    ),

    recomputed as (
        select
            {{ key_column }},
            grain,
            min(from_window_start) as from_window_start
        from (
            select * from count_changes
            union all
            select first_windows.{{ key_column }}, window_changes.grain, window_changes.from_window_start
            from first_windows
            inner join window_changes on first_windows.grain = window_changes.grain
        )
        group by all
    ),
{%- endif %}

    spine as (
        select
            first_windows.{{ key_column }},
            first_windows.first_window_start,
            windows.grain,
            windows.window_start,
            windows.window_end,
            windows.n_papers_all,
            windows.is_partial_window,
            windows.has_earlier_windows,
            windows.baseline_n_papers_all
        from first_windows
        inner join {{ windows }} as windows
            on first_windows.grain = windows.grain
            and windows.window_start >= first_windows.first_window_start
        {%- if is_incremental() %}
        inner join recomputed
            on first_windows.{{ key_column }} = recomputed.{{ key_column }}
            and first_windows.grain = recomputed.grain
        where case windows.grain
            {%- for grain, n in var('rising')['baseline_windows'].items() %}
            when '{{ grain }}' then windows.window_start
                >= recomputed.from_window_start - interval {{ [n, 8] | max }} {{ grain }}
            {%- endfor %}
        end
        {%- endif %}
    ),

    zero_filled as (
        select
            spine.*,
            coalesce(counted.n_papers, 0) as n_papers,
            coalesce(counted.upvotes, 0) as upvotes
        from spine
        left join counted
            on spine.{{ key_column }} = counted.{{ key_column }}
            and spine.grain = counted.grain
            and spine.window_start = counted.window_start
    ),

    with_history as (
        select
            *,
            coalesce(
                lag(n_papers) over key_windows,
                case when has_earlier_windows then 0 end
            ) as prev_n_papers,
            avg(n_papers) over trailing_8 as trailing_mean,
            stddev_samp(n_papers) over trailing_8 as trailing_stddev,
            count(*) over trailing_8 as trailing_count,
            -- the key's papers over the baseline windows (none before its first window)
            case grain
                {%- for grain, n in var('rising')['baseline_windows'].items() %}
                when '{{ grain }}' then coalesce(sum(n_papers) over (
                    partition by {{ key_column }}, grain order by window_start
                    rows between {{ n }} preceding and 1 preceding
                ), 0)
                {%- endfor %}
            end as baseline_n_papers
        from zero_filled
        window
            key_windows as (partition by {{ key_column }}, grain order by window_start),
            trailing_8 as (
                partition by {{ key_column }}, grain
                order by window_start
                rows between 8 preceding and 1 preceding
            )
    ),

    with_expected as (
        select
            *,
            (baseline_n_papers + {{ var('rising')['prior_papers'] }})
            / nullif(baseline_n_papers_all, 0) as prior_baseline_share,
            n_papers_all * prior_baseline_share as expected_n_papers
        from with_history
    ),

    with_rising_score as (
        select
            *,
            sign(n_papers - expected_n_papers) * sqrt(greatest(2 * (
                case when n_papers > 0 then n_papers * ln(n_papers / expected_n_papers) else 0 end
                - (n_papers - expected_n_papers)
            ), 0)) as rising_score
        from with_expected
    ),

    {% if is_incremental() %}recomputed_trends{% else %}trends{% endif %} as (
        select
            {{ key_column }},
            grain,
            window_start,
            window_end,
            n_papers,
            coalesce(n_papers / nullif(n_papers_all, 0), 0) as share,
            upvotes,
            prev_n_papers,
            n_papers - prev_n_papers as change_abs,
            case
                when prev_n_papers > 0 then (n_papers - prev_n_papers) / prev_n_papers
            end as change_pct,
            case
                when trailing_count >= 2 and trailing_stddev > 0
                    then (n_papers - trailing_mean) / trailing_stddev
            end as zscore_8,
            window_start = first_window_start
            and has_earlier_windows
            and n_papers >= {{ var('emerging_min_papers') }} as is_emerging,
            baseline_n_papers,
            case
                when baseline_n_papers_all > 0 then baseline_n_papers / baseline_n_papers_all
            end as baseline_share,
            rising_score,
            coalesce(
                n_papers >= {{ var('rising')['min_papers'] }}
                and n_papers / nullif(n_papers_all, 0)
                    >= {{ var('rising')['min_ratio'] }} * prior_baseline_share
                and rising_score >= {{ var('rising')['min_score'] }},
                false
            ) as is_rising,
            is_partial_window
        from with_rising_score
        {%- if is_incremental() %}
        semi join recomputed
            on with_rising_score.{{ key_column }} = recomputed.{{ key_column }}
            and with_rising_score.grain = recomputed.grain
            and with_rising_score.window_start >= recomputed.from_window_start
        {%- endif %}
    ){% if is_incremental() %},

    -- where a recomputed key has no row at its first recomputed window any more: a row with no
    -- papers there, so that the strategy deletes its old rows (key_windows)
    trends as (
        select * from recomputed_trends
        union all by name
        select
            recomputed.{{ key_column }},
            recomputed.grain,
            recomputed.from_window_start as window_start,
            recomputed.from_window_start as window_end,
            0 as n_papers,
            0.0 as share,
            0 as upvotes,
            null as prev_n_papers,
            null as change_abs,
            null as change_pct,
            null as zscore_8,
            false as is_emerging,
            0 as baseline_n_papers,
            null as baseline_share,
            null as rising_score,
            false as is_rising,
            false as is_partial_window
        from recomputed
        anti join recomputed_trends
            on recomputed.{{ key_column }} = recomputed_trends.{{ key_column }}
            and recomputed.grain = recomputed_trends.grain
            and recomputed.from_window_start = recomputed_trends.window_start
    )
    {%- endif %}
{% endmacro %}
