-- Year-to-date progress of every register target, month by month, against a linear pace.
with

register as (

    select * from {{ ref('target_register') }}

),

departments as (

    select * from {{ ref('departments') }}

),

monthly as (

    select * from {{ ref('int_target_actuals_monthly') }}

),

cumulative as (

    select
        *,
        sum(monthly_actual_base) over (
            partition by target_code order by period_month
            rows between unbounded preceding and current row
        ) as ytd_actual_base
    from monthly

),

measured as (

    select
        register.target_code,
        register.target_name,
        register.department_code,
        departments.department_name,
        register.unit,
        register.comparator,
        register.target_value,
        register.measure_type,
        cumulative.period,
        cumulative.period_month,
        month(cumulative.period_month) as month_number,
        round(cumulative.monthly_actual_base / register.unit_scale, 4) as monthly_actual,
        round(cumulative.ytd_actual_base / register.unit_scale, 4) as ytd_actual,
        register.base_unit,
        cumulative.ytd_actual_base,
        register.target_value * register.unit_scale as target_value_base,
        round(cumulative.ytd_actual_base / (register.target_value * register.unit_scale), 4)
            as completion_ratio,
        round(month(cumulative.period_month) / 12, 4) as expected_ratio,
        {{ var('pace_tolerance') }} as pace_tolerance,
        cumulative.source_file_sha256s
    from cumulative
    inner join register using (target_code)
    left join departments using (department_code)

)

select
    target_code || '|' || period as target_month_key,
    *,
    case
        when completion_ratio >= expected_ratio + pace_tolerance then '超前'
        when completion_ratio < expected_ratio - pace_tolerance then '滞后'
        else '正常'
    end as status
from measured
