{#
    Incremental strategies of our own (dbt's custom strategies: config incremental_strategy=<name>
    calls get_incremental_<name>_sql).

    replace_all: the model's rows replace every row of the table. For a small model that reads its
    last build ({{ this }}) to say what changed (int_windows_spined).

    key_windows: for the trend marts (macros/window_trends.sql), unique_key = the key column. The
    model returns, per key and grain it recomputed, every row from the first window it recomputed
    (a row with no papers at that window when the key has no row there any more). The table's
    rows of those keys and grains from that window on are replaced; then their rows before the
    key's first window with papers (what is left of a key that lost its first papers, or of one
    with no papers at all) are deleted, so each key's rows start at its first papers as a full
    build's do.
#}
{% macro get_incremental_replace_all_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}

{% macro get_incremental_key_windows_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as target
    using (
        select {{ key }}, grain, min(window_start) as from_window_start
        from {{ source }}
        group by all
    ) as recomputed
    where target.{{ key }} = recomputed.{{ key }}
        and target.grain = recomputed.grain
        and target.window_start >= recomputed.from_window_start;

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }};

    delete from {{ target }} as target
    using (
        select
            recomputed.{{ key }},
            recomputed.grain,
            min(target.window_start) filter (where target.n_papers > 0) as first_window_start
        from (select distinct {{ key }}, grain from {{ source }}) as recomputed
        inner join {{ target }} as target
            on target.{{ key }} = recomputed.{{ key }}
            and target.grain = recomputed.grain
        group by all
    ) as spans
    where target.{{ key }} = spans.{{ key }}
        and target.grain = spans.grain
        and (spans.first_window_start is null or target.window_start < spans.first_window_start)
{% endmacro %}
