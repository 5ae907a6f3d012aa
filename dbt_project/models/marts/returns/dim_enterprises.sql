-- One row per enterprise ever listed (by 统一社会信用代码), with its latest attributes,
-- when it was first and last listed, and whether it is new in the latest year filed.
with

presence as (

    select * from {{ ref('int_enterprise_presence') }}

),

latest_month as (

    select max(period_month) as period_month from presence

),

latest_year as (

    select max(reporting_year) as reporting_year from presence

)

select
    credit_code,
    arg_max(enterprise_name, period_month) filter (where is_present) as enterprise_name,
    arg_max(size_category, period_month) filter (where is_present) as size_category,
    arg_max(industry_section, period_month) filter (where is_present) as industry_section,
    arg_max(street_name, period_month) filter (where is_present) as street_name,
    arg_max(is_high_tech, period_month) filter (where is_present) as is_high_tech,
    min(period) filter (where is_present) as first_listed_period,
    max(period) filter (where is_present) as last_listed_period,
    bool_or(is_present and period_month = (select period_month from latest_month))
        as is_listed_now,
    arg_min(coalesce(movement, 'none'), period_month) filter (
        where is_present and reporting_year = (select reporting_year from latest_year)
    ) = 'entry' as is_new_in_year,
    count(*) filter (
        where movement = 'exit' and reporting_year = (select reporting_year from latest_year)
    ) as exits_this_year
from presence
group by credit_code
