{#
    The surface form most papers write, in an aggregate over (surface_form, n_form_papers) rows:
    a tie goes to the rows where `prefer` is true (when given), then to the first form in sort
    order, so every build names a keyphrase the same (mode() broke ties by hash order, and two
    builds of the same data could label a topic differently).
#}
{% macro most_written_form(prefer=none) %}
    first(
        surface_form order by n_form_papers desc,{% if prefer %} {{ prefer }} desc,{% endif %}
            surface_form
    )
{% endmacro %}
