{# The current (latest accepted) file of each month for a return, every year kept: the months a return has data for, even a file with no rows. A month that has not ended by the as-of date has no figures yet, whatever was filed for it. #}
{% macro current_files(return_code) %}
    select
        department_code,
        period,
        period_month,
        year(period_month) as reporting_year,
        file_sha256
    from {{ ref('int_return_versions') }}
    where return_code = '{{ return_code }}'
      and is_current
      and period_month < date_trunc('month', {{ as_of_date() }})
{% endmacro %}
