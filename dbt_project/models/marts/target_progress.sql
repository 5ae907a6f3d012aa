-- Progress of every register target, month by month, against its pace; a target with no
-- data yet has one row with status 未报送, so no target ever vanishes from the table.
with

register as (

    select * from {{ ref('target_register') }}

),

departments as (

    select * from {{ ref('departments') }}

),

actuals as (

    select * from {{ ref('int_target_actuals_monthly') }}

),

measured as (

    select
        register.target_code,
        register.target_name,
        register.department_code,
        departments.department_name,
        register.feeding_return,
        register.unit,
        register.comparator,
        register.target_value,
        register.measure_type,
        register.pace,
        actuals.period,
        actuals.period_month,
        month(actuals.period_month) as month_number,
        round(actuals.monthly_actual_base / register.unit_scale, 4) as monthly_actual,
        round(actuals.ytd_actual_base / register.unit_scale, 4) as ytd_actual,
        register.base_unit,
        actuals.ytd_actual_base,
        register.target_value * register.unit_scale as target_value_base,
        round(actuals.ytd_actual_base / (register.target_value * register.unit_scale), 4)
            as completion_ratio,
        case
            when actuals.period is null then null
            -- a level (a growth rate, a stock to reach) is judged against the full target
            when register.pace = 'level' then 1.0
            else round(month(actuals.period_month) / 12, 4)
        end as expected_ratio,
        {{ var('pace_tolerance') }} as pace_tolerance,
        register.register_note,
        actuals.source_file_sha256s
    from register
    left join actuals using (target_code)
    left join departments using (department_code)

)

select
    target_code || '|' || coalesce(period, 'none') as target_month_key,
    *,
    case
        when period is null then '未报送'
        else {{ target_status('comparator', 'completion_ratio', 'expected_ratio', 'pace_tolerance') }}
    end as status
from measured
