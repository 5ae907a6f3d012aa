-- The indicators return as analysts query it: one row per department, target and month.
with

indicators as (

    select * from {{ ref('int_indicators_current') }}

),

register as (

    select target_code, target_name, department_code as responsible_department_code
    from {{ ref('target_register') }}

)

select
    indicators.department_code || '|' || indicators.target_code || '|' || indicators.period
        as indicator_month_key,
    indicators.period,
    indicators.period_month,
    indicators.department_code,
    indicators.target_code,
    register.target_name,
    indicators.unit,
    indicators.month_value,
    indicators.ytd_value,
    indicators.department_code = register.responsible_department_code as is_responsible_department,
    indicators.file_sha256,
    indicators.sheet_name,
    indicators.source_row,
    indicators.version_number,
    indicators.received_at
from indicators
left join register using (target_code)
