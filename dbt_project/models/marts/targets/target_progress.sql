-- Progress of every target of every year, month by month, against its pace; a target with
-- no data yet in its year has one row with status 未报送, so no target ever vanishes from the
-- table. A year whose work report is not yet in the register shows its actuals against the
-- targets of the register in force, with no target value and the status 目标未设定.
with

targets as (

    select * from {{ ref('int_targets_by_year') }}

),

departments as (

    select * from {{ ref('departments') }}

),

actuals as (

    select * from {{ ref('int_target_actuals_monthly') }}

),

measured as (

    select
        targets.reporting_year,
        targets.target_code,
        targets.target_name,
        targets.department_code,
        departments.department_name,
        targets.feeding_return,
        targets.unit,
        targets.comparator,
        targets.target_value,
        targets.has_target,
        targets.register_year,
        targets.measure_type,
        targets.pace,
        actuals.period,
        actuals.period_month,
        month(actuals.period_month) as month_number,
        round(actuals.monthly_actual_base / targets.unit_scale, 4) as monthly_actual,
        round(actuals.ytd_actual_base / targets.unit_scale, 4) as ytd_actual,
        targets.base_unit,
        actuals.ytd_actual_base,
        targets.target_value * targets.unit_scale as target_value_base,
        round(actuals.ytd_actual_base / (targets.target_value * targets.unit_scale), 4)
            as completion_ratio,
        case
            when actuals.period is null then null
            -- a level (a growth rate, a stock to reach) is judged against the full target
            when targets.pace = 'level' then 1.0
            else round(month(actuals.period_month) / 12, 4)
        end as expected_ratio,
        {{ var('pace_tolerance') }} as pace_tolerance,
        round(actuals.prior_year_monthly_base / targets.unit_scale, 4) as prior_year_monthly_actual,
        round(actuals.prior_year_ytd_base / targets.unit_scale, 4) as prior_year_ytd_actual,
        actuals.monthly_yoy_growth_pct,
        actuals.ytd_yoy_growth_pct,
        targets.register_note,
        actuals.source_file_sha256s
    from targets
    left join actuals using (reporting_year, target_code)
    left join departments using (department_code)

)

select
    target_code || '|' || reporting_year || '|' || coalesce(period, 'none') as target_month_key,
    *,
    case
        when not has_target then '目标未设定'
        when period is null then '未报送'
        else {{ target_status('comparator', 'completion_ratio', 'expected_ratio', 'pace_tolerance') }}
    end as status
from measured
