{# The months a return has a current file for, with that file and every current file of its year so far (the lineage of a cumulative figure). #}
{% macro months_with_files(return_code) %}
    select
        period,
        period_month,
        reporting_year,
        file_sha256,
        list(file_sha256) over (partition by reporting_year order by period_month) as files_to_date
    from ({{ current_files(return_code) }}) as current_files
{% endmacro %}
