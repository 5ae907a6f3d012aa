-- Register measures filed directly in the indicators return: 本月值 and 本年累计值 of each
-- target, from its responsible department's current file of the month.
with

indicators as (

    select * from {{ ref('int_indicators_current') }}

),

register as (

    select target_code, department_code from {{ ref('target_register') }}

)

select
    'indicators' as feeding_return,
    indicators.target_code as feeding_measure,
    indicators.period,
    indicators.period_month,
    indicators.reporting_year,
    indicators.month_value as monthly_actual_base,
    indicators.ytd_value as ytd_actual_base,
    [indicators.file_sha256] as source_file_sha256s
from indicators
-- The responsible department of the target in any year's register: a code keeps its
-- department from one register to the next.
inner join (select distinct target_code, department_code from register) as register
    using (target_code, department_code)
