{{ config(materialized='table') }}
-- A table, not a view: its tests and the marts each read it, and as a view each one
-- recomputed the chain beneath it (dbt build 10.6 s -> 8.6 s on the demo, three such models).
-- Every figure a register target can be fed by, per month: the month's own figure and
-- the year-to-date (or month-end level), beside the same month of the previous year where
-- both years were filed (同比), from the warehouse's own history.
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

)

select
    measures.feeding_return,
    measures.feeding_measure,
    measures.reporting_year,
    measures.period,
    measures.period_month,
    measures.monthly_actual_base,
    measures.ytd_actual_base,
    measures.source_file_sha256s,
    prior.period as prior_year_period,
    prior.monthly_actual_base as prior_year_monthly_base,
    prior.ytd_actual_base as prior_year_ytd_base,
    -- growth over a zero (or a missing figure) has no meaning: null, not infinity
    round(
        100 * (measures.monthly_actual_base / nullif(prior.monthly_actual_base, 0) - 1), 2
    ) as monthly_yoy_growth_pct,
    round(100 * (measures.ytd_actual_base / nullif(prior.ytd_actual_base, 0) - 1), 2)
        as ytd_yoy_growth_pct,
    prior.source_file_sha256s as prior_year_source_file_sha256s
from measures
left join measures as prior
    on measures.feeding_return = prior.feeding_return
    and measures.feeding_measure = prior.feeding_measure
    and prior.period_month = cast(measures.period_month - interval 1 year as date)
