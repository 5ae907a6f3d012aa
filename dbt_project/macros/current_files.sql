{# The current (latest accepted) file of each month of the reporting year for a return: the months a return has data for, even a file with no rows. #}
{% macro current_files(return_code) %}
    select
        department_code,
        period,
        period_month,
        file_sha256
    from {{ ref('int_return_versions') }}
    where return_code = '{{ return_code }}'
      and is_current
      and year(period_month) = {{ var('reporting_year') }}
{% endmacro %}
