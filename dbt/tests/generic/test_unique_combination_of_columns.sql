{% test unique_combination_of_columns(model, combination_of_columns) %}

with grouped as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by all
),

final as (
    select * from grouped
    where n_rows > 1
)

select * from final

{% endtest %}
