{#-
    Every listed column has a value in every row: one test (one dbt node, one Dagster asset
    check) per model instead of one per column. dbt's per-node cost (tens of ms, and two
    Dagster events) made the 184 one-column not_null tests over half of every build's nodes.
    A failure returns one row per column that has empty values, with how many.
-#}
{% test not_null_columns(model, column_names) %}
with null_rows as (
    select
    {%- for column in column_names %}
        count(*) filter (where {{ adapter.quote(column) }} is null) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for column in column_names %}
select '{{ column }}' as column_name, {{ adapter.quote(column) }} as rows_without_value
from null_rows where {{ adapter.quote(column) }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{% endtest %}
