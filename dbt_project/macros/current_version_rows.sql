{# The rows of a return's staging model that belong to the current version of each month's file, for months ended by the as-of date. #}
{% macro current_version_rows(return_code, staging_model) %}
    select
        returned_rows.*,
        versions.version_number,
        versions.received_at,
        year(returned_rows.period_month) as reporting_year
    from {{ ref(staging_model) }} as returned_rows
    inner join {{ ref('int_return_versions') }} as versions using (file_sha256)
    where versions.return_code = '{{ return_code }}'
      and versions.is_current
      and returned_rows.period_month < date_trunc('month', {{ as_of_date() }})
{% endmacro %}
