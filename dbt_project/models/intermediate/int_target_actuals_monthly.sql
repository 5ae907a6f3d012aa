-- Every register target's actual for every month a feeding return has data: the month's
-- own figure (where it has one) and the year-to-date or month-end figure, in the base unit.
with

measures as (

    select * from {{ ref('int_jobs_measures_monthly') }}
    union all by name
    select * from {{ ref('int_investment_measures_monthly') }}
    union all by name
    select * from {{ ref('int_first_store_measures_monthly') }}
    union all by name
    select * from {{ ref('int_enterprise_measures_monthly') }}
    union all by name
    select * from {{ ref('int_indicator_measures_monthly') }}

),

register as (

    select * from {{ ref('target_register') }}

)

select
    register.target_code,
    measures.period,
    measures.period_month,
    measures.monthly_actual_base,
    measures.ytd_actual_base,
    measures.source_file_sha256s
from register
inner join measures
    on register.feeding_return = measures.feeding_return
    and register.feeding_measure = measures.feeding_measure
where year(measures.period_month) = {{ var('reporting_year') }}
