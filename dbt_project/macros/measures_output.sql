{# The common ending of the int_*_measures_monthly models: a CTE named measures with (feeding_measure, period, period_month, monthly, ytd, files) becomes the shape int_target_actuals_monthly unions. #}
{% macro measures_output(return_code) %}
    select
        '{{ return_code }}' as feeding_return,
        feeding_measure,
        period,
        period_month,
        year(period_month) as reporting_year,
        cast(monthly as decimal(20, 4)) as monthly_actual_base,
        cast(ytd as decimal(20, 4)) as ytd_actual_base,
        files as source_file_sha256s
    from measures
{% endmacro %}
