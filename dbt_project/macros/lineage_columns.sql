{# The lineage every raw return row carries, renamed the same way in every staging model. #}
{% macro lineage_columns() %}
        file_sha256,
        department_code,
        period,
        cast(period || '-01' as date) as period_month,
        sheet_name,
        source_row,
{%- endmacro %}
